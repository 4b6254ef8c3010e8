import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import Testing

/// A call the fake PBX knows from a shipped scenario, and its legs by short name (`C0`, `C1`).
func registerScenario(_ name: String, in pbx: FakePBX) throws -> (entry: String, legs: [String: String]) {
    var entry = ""
    var legs: [String: String] = [:]
    for case .mango(let path, let json) in try ScenarioLibrary().load(name).render() {
        pbx.learn(path: path, json: json)
        entry = json["entry_id"]?.stringValue ?? entry
        if let id = json["call_id"]?.stringValue { legs[shortLeg(id)] = id }
    }
    return (entry, legs)
}

/// The notifications a command caused: `result/…`, the `events/call` legs, `events/summary`.
struct CommandNotifications {
    var received: [WebhookRecorder.Received]

    var legs: [MangoCallEvent] {
        get throws { try received.filter { $0.path == "mango/events/call" }.map { try MangoJSON.decode(MangoCallEvent.self, from: $0.json) } }
    }
    var summary: MangoSummaryEvent? {
        get throws { try received.first { $0.path == "mango/events/summary" }.map { try MangoJSON.decode(MangoSummaryEvent.self, from: $0.json) } }
    }
    func result(_ path: String) throws -> MangoCommandResult? {
        try received.first { $0.path == "mango/\(path)" }.map { try MangoJSON.decode(MangoCommandResult.self, from: $0.json) }
    }
}

extension PBXFixture {
    /// Sends a command and collects the `count` notifications it causes.
    func run(_ path: String, _ json: String, expecting count: Int) async throws -> (MangoResultCode, CommandNotifications) {
        let before = recorder.all.count
        let response = try await command(path, json: json)
        let code = try MangoJSON.decode(MangoCommandResult.self, from: response.text).result
        await pbx.waitForNotifications()
        let received = await recorder.wait(for: before + count, timeout: .seconds(10))
        #expect(received.count == before + count, "\(path): \(received.dropFirst(before).map(\.path))")
        #expect(received.allSatisfy { $0.signatureValid })
        return (code, CommandNotifications(received: Array(received.dropFirst(before))))
    }
}

/// `C1 Connected 2` for known legs, `N Appeared 1` for the leg a command made (any other id).
func sequence(_ legs: [MangoCallEvent], known: [String: String]) -> [String] {
    let names = Dictionary(known.map { ($1, $0) }) { a, _ in a }
    return legs.map { "\(names[$0.callId] ?? "N") \($0.callState) \($0.seq)" }
}

@Suite struct CallCommandTests {
    @Test func blindTransferProducesTheDocumentedLegs() async throws {
        let fixture = try await PBXFixture.start()
        let call = try registerScenario("inbound-connected", in: fixture.pbx)
        let c1 = try #require(call.legs["C1"])
        let (code, out) = try await fixture.run(
            "commands/transfer", #"{"command_id":"tr-1","call_id":"\#(c1)","method":"blind","to_number":"102","initiator":"101"}"#,
            expecting: 6)
        #expect(code == .success)
        #expect(out.received.first?.path == "mango/result/transfer")
        #expect(try out.result("result/transfer")?.commandId == "tr-1")
        let legs = try out.legs
        #expect(sequence(legs, known: call.legs) == ["N Appeared 1", "C1 Disconnected 3", "N Connected 2", "N Disconnected 3"])
        let new = legs[0]
        #expect(new.from?.takenFromCallId == c1 && new.from?.number == "79161234567" && new.from?.extensionNumber == nil)
        #expect(new.to?.extensionNumber == "102" && new.to?.lineNumber == "74951234567")
        #expect(legs.filter { $0.callId == new.callId }.allSatisfy { $0.transfer == "blind" && $0.commandId == "tr-1" })
        #expect(legs[1].disconnectReason == .transferredByAPI && legs[1].from?.wasTransferred == true && legs[1].commandId == nil)
        #expect(legs[3].disconnectReason == .endedByCaller)
        #expect(Set(legs.map(\.entryId)) == [call.entry])
        let summary = try #require(try out.summary)
        #expect(out.received.last?.path == "mango/events/summary")
        #expect(summary.entryId == call.entry && summary.callDirection == 1 && summary.entryResult == 1)
        #expect(summary.to?.extensionNumber == "102" && summary.talkTime > 0 && summary.disconnectReason == .endedByCaller)
        await fixture.stop()
    }

    /// The PDF's "Перевод вызова с консультацией" made by our command; result after the events here.
    @Test func consultativeTransferProducesThePDFSequence() async throws {
        let fixture = try await PBXFixture.start { $0.resultOrder = .eventsFirst }
        let call = try registerScenario("inbound-connected", in: fixture.pbx)
        let c1 = try #require(call.legs["C1"])
        let (code, out) = try await fixture.run(
            "commands/transfer", #"{"command_id":"tr-2","call_id":"\#(c1)","method":"hold","to_number":"102","initiator":"101"}"#,
            expecting: 8)
        #expect(code == .success)
        #expect(out.received.last?.path == "mango/result/transfer")
        let legs = try out.legs
        #expect(sequence(legs, known: call.legs) == [
            "C1 OnHold 3", "N Appeared 1", "N Connected 2", "C1 Disconnected 4", "N Connected 3", "N Disconnected 4",
        ])
        #expect(legs[0].to?.holdInitiator == true && legs[0].commandId == nil)
        #expect(legs[1].from?.extensionNumber == "101" && legs[1].from?.takenFromCallId == c1 && legs[1].to?.extensionNumber == "102")
        #expect(legs[1].transfer == "consultative" && legs[2].transfer == "consultative")
        #expect(legs[3].disconnectReason == .endedByCallee && legs[3].from?.wasTransferred == true)
        #expect(legs[4].from?.number == "79161234567" && legs[4].from?.takenFromCallId == c1 && legs[4].transfer == "blind")
        #expect(legs[5].disconnectReason == .endedByCaller)
        #expect(legs.dropFirst().filter { $0.callId == legs[1].callId }.allSatisfy { $0.commandId == "tr-2" })
        let summary = try #require(try out.summary)
        #expect(summary.to?.extensionNumber == "102" && summary.entryResult == 1)
        #expect(try out.result("result/transfer")?.result == .success)
        await fixture.stop()
    }

    @Test func hangupEndsTheCallWithASummary() async throws {
        let fixture = try await PBXFixture.start()
        let call = try registerScenario("inbound-connected", in: fixture.pbx)
        let c1 = try #require(call.legs["C1"])
        let (code, out) = try await fixture.run("commands/call/hangup", #"{"command_id":"hu-1","call_id":"\#(c1)"}"#, expecting: 3)
        #expect(code == .success)
        #expect(out.received.map(\.path) == ["mango/result/call/hangup", "mango/events/call", "mango/events/summary"])
        let legs = try out.legs
        #expect(sequence(legs, known: call.legs) == ["C1 Disconnected 3"])
        #expect(legs[0].disconnectReason == .endedByExternalCommand)
        let summary = try #require(try out.summary)
        #expect(summary.disconnectReason == .endedByExternalCommand && summary.entryResult == 1 && summary.to?.extensionNumber == "101")
        #expect(try out.result("result/call/hangup")?.commandId == "hu-1")
        // The call has ended: a second hangup finds nothing.
        let (again, refused) = try await fixture.run("commands/call/hangup", #"{"command_id":"hu-2","call_id":"\#(c1)"}"#, expecting: 1)
        let refusal = try refused.result("result/call/hangup")
        #expect(again == .callEnded && refusal?.result == .callEnded)
        await fixture.stop()
    }

    @Test func hangupOfAClickToCallKeptConnected() async throws {
        let fixture = try await PBXFixture.start { $0.callsEndAfterCommands = false }
        let json = try MangoJSON.encode(MangoCallbackCommand(commandId: "cb-1", from: .init(extension: "101"), toNumber: "79161234567"))
        let (_, callback) = try await fixture.run("commands/callback", json, expecting: 5)
        let legs = try callback.legs
        #expect(legs.map { "\($0.callState) \($0.seq)" } == ["Appeared 1", "Connected 2", "Appeared 1", "Connected 2"])
        #expect(try callback.summary == nil)
        let clientLeg = legs[2].callId
        let (code, out) = try await fixture.run("commands/call/hangup", #"{"command_id":"hu-3","call_id":"\#(clientLeg)"}"#, expecting: 4)
        #expect(code == .success)
        let ended = try out.legs
        #expect(ended.map { "\($0.callId == clientLeg ? "client" : "operator") \($0.callState) \($0.seq)" } == [
            "client Disconnected 3", "operator Disconnected 3",
        ])
        #expect(ended.allSatisfy { $0.commandId == "cb-1" && $0.disconnectReason == .endedByExternalCommand })
        let summary = try #require(try out.summary)
        #expect(summary.callDirection == 2 && summary.to?.number == "79161234567" && summary.from?.extensionNumber == "101")
        await fixture.stop()
    }

    @Test func routeFromTheIVRToAnExtension() async throws {
        let fixture = try await PBXFixture.start()
        let call = try registerScenario("inbound-waiting-in-ivr", in: fixture.pbx)
        let c0 = try #require(call.legs["C0"])
        let (code, out) = try await fixture.run("commands/route", #"{"command_id":"rt-1","call_id":"\#(c0)","to_number":"103"}"#, expecting: 6)
        #expect(code == .success)
        let legs = try out.legs
        #expect(sequence(legs, known: call.legs) == ["C0 Disconnected 2", "N Appeared 1", "N Connected 2", "N Disconnected 3"])
        #expect(legs[0].disconnectReason == .transferredByAPI && legs[0].commandId == nil)
        #expect(legs[1].from?.takenFromCallId == c0 && legs[1].to?.extensionNumber == "103" && legs[1].commandId == "rt-1")
        let summary = try #require(try out.summary)
        #expect(summary.to?.extensionNumber == "103" && summary.entryResult == 1)
        await fixture.stop()
    }

    @Test func unknownCallIdGets4101WithoutLockingOut() async throws {
        let fixture = try await PBXFixture.start()
        for (path, json) in [
            ("commands/transfer", #"{"command_id":"x1","call_id":"nope","method":"blind","to_number":"102","initiator":"101"}"#),
            ("commands/route", #"{"command_id":"x2","call_id":"nope","to_number":"102"}"#),
            ("commands/call/hangup", #"{"command_id":"x3","call_id":"nope"}"#),
        ] {
            let (code, out) = try await fixture.run(path, json, expecting: 1)
            #expect(code == .callEnded, "\(path)")
            #expect(try out.legs.isEmpty)
            #expect(try out.result(MangoPath.result(of: MangoPath(rawValue: path)).rawValue)?.result == .callEnded)
        }
        // 4101 is not a bad request: no lockout follows.
        #expect(fixture.pbx.receivedCommands.allSatisfy { $0.result != nil })
        let users = try await fixture.command("config/users/request", json: "{}")
        #expect(users.status == 200)
        await fixture.stop()
    }

    @Test func unknownCallIdCanBe3310() async throws {
        let fixture = try await PBXFixture.start { $0.unknownCallResult = .callNotFound }
        let response = try await fixture.command("commands/call/hangup", json: #"{"command_id":"x4","call_id":"nope"}"#)
        #expect(try MangoJSON.decode(MangoCommandResult.self, from: response.text).result == .callNotFound)
        await fixture.stop()
    }

    @Test func aScenarioTellsThePBXAboutItsCalls() async throws {
        let fixture = try await PBXFixture.start()
        let runner = ScenarioRunner(
            sender: WebhookSender(client: fixture.client, credentials: testCredentials,
                                  targets: WebhookTargets(target: fixture.recorderServer.baseURL)),
            pbxAdminURL: fixture.pbxServer.baseURL)
        _ = try await runner.run(try ScenarioLibrary().load("inbound-connected").render())
        let live = fixture.pbx.liveLegs
        #expect(live.count == 1 && live.first?["call_state"]?.stringValue == "Connected" && live.first?["seq"]?.intValue == 2)
        let listed = try await fixture.client.execute(.get("\(fixture.pbxServer.baseURL)/emulator/calls"))
        #expect(listed.status == 200 && listed.text.contains("Connected"))
        await fixture.stop()
    }
}
