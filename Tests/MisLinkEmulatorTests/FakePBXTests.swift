import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import Testing

@Suite struct FakePBXTests {
    @Test func badSignatureGets3102() async throws {
        let fixture = try await PBXFixture.start()
        defer { Task { await fixture.stop() } }
        var form = MangoSignedForm(json: #"{"extension":"101"}"#, credentials: testCredentials)
        form.sign = String(repeating: "0", count: 64)
        let response = try await fixture.client.execute(
            .form("\(fixture.pbxServer.baseURL)/vpbx/config/users/request", fields: form.fields))
        #expect(try MangoJSON.decode(MangoCommandResult.self, from: response.text).result == .signMismatch)
        await fixture.stop()
    }

    @Test func wrongKeyGets3105ThenRepeatedBadRequestsLockOut() async throws {
        let fixture = try await PBXFixture.start { $0.badRequestWindow = .seconds(3) }
        let wrong = MangoCredentials(apiKey: "nope", apiSalt: "test-salt")
        let first = try await fixture.command("config/users/request", json: "{}", credentials: wrong)
        #expect(try MangoJSON.decode(MangoCommandResult.self, from: first.text).result == .badAccessKey)
        let second = try await fixture.command("config/users/request", json: "{}", credentials: wrong)
        #expect(second.status == 401)
        let goodDuringLockout = try await fixture.command("config/users/request", json: "{}")
        #expect(goodDuringLockout.status == 401)
        try await Task.sleep(for: .milliseconds(3_200))
        let afterLockout = try await fixture.command("config/users/request", json: "{}")
        #expect(afterLockout.status == 200)
        #expect(try MangoJSON.decode(MangoUsersResponse.self, from: afterLockout.text).users.count == 3)
        await fixture.stop()
    }

    @Test func callbackProducesResultAndDocumentedLegs() async throws {
        let fixture = try await PBXFixture.start()
        let json = try MangoJSON.encode(MangoCallbackCommand(
            commandId: "cmd-42", from: .init(extension: "101"), toNumber: "79161234567", lineNumber: "74950000000"))
        let response = try await fixture.command("commands/callback", json: json)
        #expect(try MangoJSON.decode(MangoCommandResult.self, from: response.text).result == .success)
        await fixture.pbx.waitForNotifications()
        let received = await fixture.recorder.wait(for: 8)
        #expect(received.count == 8)
        #expect(received.allSatisfy { $0.signatureValid })
        #expect(received.first?.path == "mango/result/callback")
        let result = try MangoJSON.decode(MangoCommandResult.self, from: received[0].json)
        #expect(result.commandId == "cmd-42" && result.result == .success)
        let legs = try received.filter { $0.path == "mango/events/call" }.map { try MangoJSON.decode(MangoCallEvent.self, from: $0.json) }
        #expect(legs.count == 6)
        #expect(legs.allSatisfy { $0.commandId == "cmd-42" && $0.callbackInitiator == "API" })
        let first = legs[0].callId, second = legs[2].callId
        #expect(legs.map { "\($0.callId == first ? "operator" : "client") \($0.callState) \($0.seq)" } == [
            "operator Appeared 1", "operator Connected 2", "client Appeared 1", "client Connected 2",
            "client Disconnected 3", "operator Disconnected 3",
        ])
        #expect(legs[2].to?.number == "79161234567" && legs[2].to?.lineNumber == "74950000000" && first != second)
        let summary = try MangoJSON.decode(MangoSummaryEvent.self, from: received[7].json)
        #expect(summary.callDirection == 2 && summary.entryResult == 1 && summary.talkTime > 0)
        #expect(fixture.pbx.receivedCommands.map(\.result) == [1000])
        await fixture.stop()
    }

    @Test func callbackEventsFirstAndNotAnswered() async throws {
        let fixture = try await PBXFixture.start {
            $0.resultOrder = .eventsFirst
            $0.unansweredNumbers = ["79160000000"]
        }
        let json = try MangoJSON.encode(MangoCallbackCommand(commandId: "cmd-7", from: .init(extension: "102"), toNumber: "79160000000"))
        _ = try await fixture.command("commands/callback", json: json)
        await fixture.pbx.waitForNotifications()
        let received = await fixture.recorder.wait(for: 7)
        #expect(received.last?.path == "mango/result/callback")
        let summary = try MangoJSON.decode(MangoSummaryEvent.self, from: received[5].json)
        #expect(summary.talkTime == 0 && summary.entryResult == 0 && summary.disconnectReason == .normal)
        await fixture.stop()
    }

    @Test func statsAre204UntilReadyThenCSV() async throws {
        let fixture = try await PBXFixture.start()
        _ = try await fixture.command("commands/callback", json: #"{"command_id":"c1","from":{"extension":"101"},"to_number":"79161234567"}"#)
        let now = Int(Date().timeIntervalSince1970)
        // A window longer than a month is refused (3100); one that misses the call reports nothing.
        let tooLong = try await fixture.command("stats/request", json: #"{"date_from":\#(now - 32 * 86_400),"date_to":\#(now)}"#)
        #expect(tooLong.text.contains("3100"))
        let keyResponse = try await fixture.command(
            "stats/request", json: #"{"date_from":"\#(now - 3600)","date_to":\#(now + 3600),"fields":"entry_id,from_extension,to_number,start"}"#)
        let key = try MangoJSON.decode(MangoStatsKey.self, from: keyResponse.text).key
        let before = try await fixture.command(
            "stats/request", json: #"{"date_from":\#(now - 7200),"date_to":\#(now - 3601),"fields":"entry_id"}"#)
        let emptyKey = try MangoJSON.decode(MangoStatsKey.self, from: before.text).key
        let early = try await fixture.command("stats/result", json: #"{"key":"\#(key)"}"#)
        #expect(early.status == 204)
        try await Task.sleep(for: .milliseconds(3_200))
        let ready = try await fixture.command("stats/result", json: #"{"key":"\#(key)"}"#)
        #expect(ready.status == 200)
        let rows = MangoStatsCSV.parse(ready.text)
        #expect(rows.count == 1 && rows[0].count == 4 && rows[0][1] == "101" && rows[0][2] == "79161234567")
        #expect(!rows[0][0].isEmpty && abs((Int(rows[0][3]) ?? 0) - now) < 60, "entry_id and the call's start")
        let empty = try await fixture.command("stats/result", json: #"{"key":"\#(emptyKey)"}"#)
        #expect(empty.status == 200 && empty.text.isEmpty)
        let unknown = try await fixture.command("stats/result", json: #"{"key":"nope"}"#)
        #expect(unknown.status == 404)
        await fixture.stop()
    }

    @Test func recordingPostRedirectsToOneTimeMP3() async throws {
        let fixture = try await PBXFixture.start()
        let response = try await fixture.command("queries/recording/post", json: #"{"recording_id":"R1","action":"download"}"#)
        #expect(response.status == 302)
        let location = try #require(response.header("Location"))
        let file = try await fixture.client.execute(.get(location))
        #expect(file.status == 200 && file.header("Content-Type") == "audio/mp3")
        #expect(file.body.count > 1000 && file.body.prefix(2) == Data([0xFF, 0xFB]))
        let again = try await fixture.client.execute(.get(location))
        #expect(again.status == 404)
        await fixture.stop()
    }

    @Test func malformedJSONGets3104() async throws {
        let fixture = try await PBXFixture.start()
        let response = try await fixture.command("commands/transfer", json: #"{"call_id":1"#)
        #expect(try MangoJSON.decode(MangoCommandResult.self, from: response.text).result == .badParameterFormat)
        await fixture.stop()
    }
}
