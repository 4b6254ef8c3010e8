import Firebird
import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkServer
import MisLinkTestSupport
import Testing

/// Calls the webhooks never delivered, filled in from the fake PBX's statistics with the MIS profile:
/// identified and credited as the intake would, and matched for "called back".
@Suite struct ReconcileTests {
    /// A call only the fake PBX knows: its `events/call` legs, then a hang-up so the PBX reports it.
    static func pbxOnlyCall(_ pbx: FakePBX, server: RunningServer, client: HTTPClient, entry: String, legs: [String]) async throws {
        for json in legs { pbx.learn(path: "events/call", json: try JSONValue.parse(json)) }
        let leg = try #require(try JSONValue.parse(legs[0])["call_id"]?.stringValue)
        let hangup = try MangoJSON.encode(MangoHangupCommand(commandId: "h-\(entry)", callId: leg))
        let answer = try await client.execute(.form(
            "\(server.baseURL)/vpbx/commands/call/hangup", fields: MangoSignedForm(json: hangup, credentials: WorkerHarness.credentials).fields))
        #expect(answer.status == 200)
    }

    /// The fake PBX (its report ready after 200 ms) and a worker on the telephony clinic.
    static func start(_ label: String) async throws -> (FakePBX, RunningServer, WorkerHarness) {
        let pbx = FakePBX(configuration: FakePBXConfiguration(credentials: WorkerHarness.credentials, statsDelay: .milliseconds(200)))
        let pbxServer = try await RunningServer.start(router: pbx.router())
        let harness = try await WorkerHarness.start(label: label)
        try await TelephonyTests.clinic(harness)
        return (pbx, pbxServer, harness)
    }

    /// Reconciles from `start` to now with the worker's MIS profile.
    static func reconcile(_ harness: WorkerHarness, pbxServer: RunningServer, from start: Int) async throws -> Reconciler.Report {
        var mango = harness.settings.mango
        mango.baseURL = pbxServer.baseURL + "/vpbx"
        let reconciler = Reconciler(
            configuration: FirebirdConfiguration(database: harness.settings.database.dsn), mango: mango, client: harness.client,
            pollInterval: .milliseconds(100), profile: try Worker(settings: harness.settings).loadProfile())
        return try await reconciler.run(from: Date(timeIntervalSince1970: TimeInterval(start)), to: Date())
    }

    @Test func reconciledCallsGetThePhoneKeyPatientAndOperator() async throws {
        let (pbx, pbxServer, harness) = try await Self.start("reconcile-id")
        defer { Task { await harness.stop(); await pbxServer.stop() } }
        let t = Int(Date().timeIntervalSince1970) - 900

        // The shared mobile rang 101 and nobody answered; five minutes later 102 called it back and talked;
        // an unknown number reached 103.
        try await Self.pbxOnlyCall(pbx, server: pbxServer, client: harness.client, entry: "rc-missed", legs: [
            callEvent(entry: "rc-missed", call: "rc-missed-1", seq: 1, state: "Appeared", timestamp: t, from: "79161234567", toExtension: "101"),
        ])
        let outbound = { (seq: Int, state: String, at: Int) in
            """
            {"entry_id":"rc-out","call_id":"rc-out-1","timestamp":\(at),"seq":\(seq),"call_state":"\(state)","location":"abonent",\
            "from":{"extension":"102","number":"sip:petrov@vpbx400000000.mangosip.ru"},"to":{"number":"79161234567"}}
            """
        }
        try await Self.pbxOnlyCall(pbx, server: pbxServer, client: harness.client, entry: "rc-out",
                                   legs: [outbound(1, "Appeared", t + 300), outbound(2, "Connected", t + 310)])
        try await Self.pbxOnlyCall(pbx, server: pbxServer, client: harness.client, entry: "rc-unknown", legs: [
            callEvent(entry: "rc-unknown", call: "rc-unknown-1", seq: 1, state: "Appeared", timestamp: t + 400, from: "79035550000", toExtension: "103"),
            callEvent(entry: "rc-unknown", call: "rc-unknown-1", seq: 2, state: "Connected", timestamp: t + 405, from: "79035550000", toExtension: "103"),
        ])

        let report = try await Self.reconcile(harness, pbxServer: pbxServer, from: t - 60)
        #expect(report.inserted == 3 && Set(report.insertedEntries) == ["rc-missed", "rc-out", "rc-unknown"])

        let rows = try await harness.query(
            """
            SELECT PBX_CALL_ID, DIRECTION, RESULT, PHONE_KEY, PATIENT_ID, PATIENT_OTHERS, PATIENT_MATCH, OPERATOR_ID,
                   ANSWERED_BY_ID, OPERATOR_EXTENSION, STATUS, CALLED_BACK_BY_ID, CALLBACK_OF_ID, ID, SOURCE
              FROM MISLINK_CALLS ORDER BY PBX_CALL_ID
            """)
        #expect(try rows.map { try $0.decode(String.self, at: 0) } == ["rc-missed", "rc-out", "rc-unknown"])
        #expect(try rows.allSatisfy { try $0.decode(String.self, at: 14) == "reconcile" })
        let (missed, out, unknown) = (rows[0], rows[1], rows[2])
        let outID = try out.decode(Int64.self, at: 13)

        // The missed call: the patient as the intake finds her (the mobile beats the home phone, one more
        // shares it), 101 answering for it, called back by 102's call.
        #expect(try missed.decode(String.self, at: 1) == "in" && missed.decode(String?.self, at: 2) == "missed")
        #expect(try missed.decode(String?.self, at: 3) == "79161234567" && missed.decode(Int?.self, at: 4) == 9010)
        #expect(try missed.decode(Int.self, at: 5) == 1 && missed.decode(String?.self, at: 6) == "PHONE_MOBILE")
        #expect(try missed.decode(Int?.self, at: 7) == 901)
        #expect(try missed.decode(String?.self, at: 10) == "called_back" && missed.decode(Int64?.self, at: 11) == outID)

        // 102's outbound call: the same patient, 102 credited, a call back of the missed one.
        #expect(try out.decode(String.self, at: 1) == "out" && out.decode(String?.self, at: 2) == "answered")
        #expect(try out.decode(String?.self, at: 3) == "79161234567" && out.decode(Int?.self, at: 4) == 9010)
        #expect(try out.decode(Int?.self, at: 7) == 902 && out.decode(Int?.self, at: 8) == 902)
        #expect(try out.decode(Int64?.self, at: 12) == missed.decode(Int64.self, at: 13))

        // The unknown caller: a phone key, nobody identified, 103 credited on its extension.
        #expect(try unknown.decode(String?.self, at: 3) == "79035550000" && unknown.decode(Int?.self, at: 4) == nil)
        #expect(try unknown.decode(Int?.self, at: 7) == 903 && unknown.decode(Int?.self, at: 8) == 903)
        #expect(try unknown.decode(String?.self, at: 9) == "103")

        // The operator's call log finds them by operator and by the number typed another way.
        let byOperator = try await harness.api("/api/v1/calls?operator=902")
        let items = (try JSONSerialization.jsonObject(with: byOperator.body) as? [String: Any])?["items"] as? [[String: Any]]
        #expect(items?.compactMap { $0["id"] as? Int } == [Int(outID)])
        let byPhone = try await harness.api("/api/v1/calls?phone=8%20(916)%20123-45-67")
        #expect(((try JSONSerialization.jsonObject(with: byPhone.body) as? [String: Any])?["items"] as? [Any])?.count == 2)
    }

    /// A period longer than the PBX's month is asked for in windows of at most 31 days: a call 40 days ago
    /// and one today both come in, and the fake PBX (which refuses a longer window with 3100) saw two
    /// requests, each within a month.
    @Test func aLongPeriodIsReconciledAMonthAtATime() async throws {
        let (pbx, pbxServer, harness) = try await Self.start("reconcile-long")
        defer { Task { await harness.stop(); await pbxServer.stop() } }
        let now = Int(Date().timeIntervalSince1970)
        for (entry, at) in [("rc-old", now - 40 * 86_400), ("rc-new", now - 600)] {
            try await Self.pbxOnlyCall(pbx, server: pbxServer, client: harness.client, entry: entry, legs: [
                callEvent(entry: entry, call: "\(entry)-1", seq: 1, state: "Appeared", timestamp: at, from: "79035550000", toExtension: "103"),
            ])
        }
        let report = try await Self.reconcile(harness, pbxServer: pbxServer, from: now - 45 * 86_400)
        #expect(report.reported == 2 && report.inserted == 2, "\(report)")
        #expect(Set(report.insertedEntries) == ["rc-old", "rc-new"])
        let requests = pbx.receivedCommands.filter { $0.path == "stats/request" }
        #expect(requests.count == 2)
        for request in requests {
            let window = try JSONValue.parse(request.json)
            let from = try #require(window["date_from"]?.intValue ?? Int(window["date_from"]?.stringValue ?? ""))
            let to = try #require(window["date_to"]?.intValue ?? Int(window["date_to"]?.stringValue ?? ""))
            #expect(to - from <= 31 * 86_400, "\(request.json)")
        }
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALLS WHERE SOURCE = 'reconcile'") == 2)
    }

    /// A late missed call whose caller was already called back by a later call in the log is called back,
    /// not left on the list; a later missed call is not taken as called back by an earlier answered one.
    @Test func aLateMissedCallIsMatchedWithTheCallThatCameAfterIt() async throws {
        let (pbx, pbxServer, harness) = try await Self.start("reconcile-late")
        defer { Task { await harness.stop(); await pbxServer.stop() } }
        let t = Int(Date().timeIntervalSince1970) - 900
        // The webhooks delivered an answered call at t+300 and a missed one at t+600; the PBX alone knows the
        // missed call at t.
        for (entry, offset, answered) in [("live-answered", 300, true), ("live-missed", 600, false)] {
            let leg = "\(entry)-1"
            var events = [callEvent(entry: entry, call: leg, seq: 1, state: "Appeared", timestamp: t + offset, toExtension: "102")]
            if answered { events.append(callEvent(entry: entry, call: leg, seq: 2, state: "Connected", timestamp: t + offset + 5, toExtension: "102")) }
            events.append(callEvent(entry: entry, call: leg, seq: events.count + 1, state: "Disconnected", timestamp: t + offset + 60, toExtension: "102"))
            for json in events { #expect(try await harness.mango("events/call", json: json).status == 200) }
            let summary = """
                {"entry_id":"\(entry)","call_direction":1,"from":{"number":"79161234567"},"to":{"extension":"102"},\
                "create_time":\(t + offset),"forward_time":\(t + offset),"talk_time":\(answered ? t + offset + 5 : 0),\
                "end_time":\(t + offset + 60),"entry_result":\(answered ? 1 : 0),"disconnect_reason":1110}
                """
            #expect(try await harness.mango("events/summary", json: summary).status == 200)
        }
        try await Self.pbxOnlyCall(pbx, server: pbxServer, client: harness.client, entry: "rc-early", legs: [
            callEvent(entry: "rc-early", call: "rc-early-1", seq: 1, state: "Appeared", timestamp: t, toExtension: "101"),
        ])
        let report = try await Self.reconcile(harness, pbxServer: pbxServer, from: t - 60)
        #expect(report.inserted == 1)
        let rows = try await harness.query(
            "SELECT PBX_CALL_ID, STATUS, CALLED_BACK_BY_ID, ID, CALLBACK_OF_ID FROM MISLINK_CALLS ORDER BY STARTED_AT")
        #expect(try rows.map { try $0.decode(String.self, at: 0) } == ["rc-early", "live-answered", "live-missed"])
        #expect(try rows[0].decode(String?.self, at: 1) == "called_back" && rows[0].decode(Int64?.self, at: 2) == rows[1].decode(Int64.self, at: 3))
        #expect(try rows[1].decode(Int64?.self, at: 4) == rows[0].decode(Int64.self, at: 3))
        #expect(try rows[2].decode(String?.self, at: 1) == "to_call_back" && rows[2].decode(Int64?.self, at: 2) == nil)
    }
}
