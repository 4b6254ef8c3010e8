import Firebird
import Foundation
import Logging
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkOutbound
import MisLinkServer
import Testing

/// A transfer asked for through the REST API, sent by the outbound dispatcher to the fake PBX, whose
/// notifications come back to the worker: what the PBX received and what the call log shows.
@Suite struct TransferCommandTests {
    /// The worker, and the fake PBX notifying it (a call left talking for commands ends a minute after them).
    struct Fixture {
        let harness: WorkerHarness
        let pbx: FakePBX
        let pbxServer: RunningServer

        static func start(_ label: String) async throws -> Fixture {
            let harness = try await WorkerHarness.start(label: label)
            let pbx = FakePBX(configuration: FakePBXConfiguration(
                credentials: WorkerHarness.credentials, webhooks: WebhookTargets(target: harness.worker.baseURL)))
            let pbxServer = try await RunningServer.start(router: pbx.router())
            try await TelephonyTests.clinic(harness)
            return Fixture(harness: harness, pbx: pbx, pbxServer: pbxServer)
        }

        func stop() async {
            await harness.stop()
            await pbxServer.stop()
        }

        /// Plays `inbound-connected` (101 talking on `<run>C1`) to the worker and tells the fake PBX about the
        /// call; returns its MISLINK_CALLS id.
        func connectedCall(run: String) async throws -> Int64 {
            var entry = ""
            let steps = try ScenarioLibrary().load("inbound-connected").render(variables: ["run": run], start: 1_790_000_000)
            for case .mango(let path, let json) in steps {
                pbx.learn(path: path, json: json)
                entry = json["entry_id"]?.stringValue ?? entry
                #expect(await harness.sender.sendMango(path: path, json: json.compactText).status == 200)
            }
            return try await harness.query("SELECT ID FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?", [.text(entry)])[0].decode(Int64.self, at: 0)
        }

        /// Sends what is due to the PBX through the outbound dispatcher, and waits for the PBX's notifications.
        func dispatch() async throws {
            var settings = harness.settings
            settings.mango.baseURL = pbxServer.baseURL + "/vpbx"
            let dispatcher = OutboundDispatcher(
                settings: settings, profile: try Worker(settings: settings).loadProfile(),
                firebird: FirebirdConfiguration(database: settings.database.dsn), httpClient: harness.client,
                logger: Logger(label: "test.outbound"))
            #expect(try await dispatcher.drainOnce() == 1)
            await pbx.waitForNotifications()
        }

        func command(_ body: String) async throws -> Int64 {
            let created = try await harness.client.execute(.json(
                "\(harness.worker.baseURL)/api/v1/commands", body: Data(body.utf8),
                headers: [(name: "Authorization", value: "Bearer \(WorkerHarness.token)")]))
            #expect(created.status == 201, "\(created.text)")
            let object = try JSONSerialization.jsonObject(with: created.body) as? [String: Any]
            return Int64(try #require(object?["id"] as? Int))
        }
    }

    /// `"method":"consultative"` reaches Mango as `method:"hold"`; the PBX holds the client, 102 answers 101,
    /// 101 hangs up and 102 talks to the client: the call log shows the consultation leg and 102 as operator.
    @Test func aConsultativeTransferIsSentAsHoldAndTheCallLogFollowsIt() async throws {
        let fixture = try await Fixture.start("consult")
        defer { Task { await fixture.stop() } }
        let callID = try await fixture.connectedCall(run: "ct")
        let id = try await fixture.command(
            #"{"kind":"transfer","staff_id":901,"target":"102","call_id":\#(callID),"method":"consultative"}"#)
        try await fixture.dispatch()

        let sent = try #require(fixture.pbx.receivedCommands.first { $0.path == "commands/transfer" })
        #expect(sent.result == 1000)
        let transfer = try MangoJSON.decode(MangoTransferCommand.self, from: sent.json)
        #expect(transfer.method == "hold" && transfer.callId == "ctC1" && transfer.toNumber == "102" && transfer.initiator == "101")
        #expect(transfer.commandId == "mislink-cmd-\(id)")

        // result/transfer came back: the command is done with 1000.
        let command = try await fixture.harness.query("SELECT STATUS, RESULT_CODE FROM MISLINK_COMMANDS WHERE ID = ?", [.bigint(id)])
        #expect(try command[0].decode(String.self, at: 0) == "done" && command[0].decode(String?.self, at: 1) == "1000")

        // The legs: 101's leg held and left by transfer, the consultation leg 101 → 102 that became the client's.
        let legs = try await fixture.harness.query(
            """
            SELECT L.PBX_LEG_ID, L.STAFF_ID, L.TRANSFER_TYPE, L.LEFT_BY_TRANSFER, F.PBX_LEG_ID, L.OUTCOME
              FROM MISLINK_CALL_LEGS L LEFT JOIN MISLINK_CALL_LEGS F ON F.ID = L.TRANSFERRED_FROM_ID
             WHERE L.CALL_ID = ? ORDER BY L.ID
            """, [.bigint(callID)])
        #expect(legs.count == 3, "\(legs)")
        let held = try #require(legs.first { (try? $0.decode(String.self, at: 0)) == "ctC1" })
        #expect(try held.decode(Int?.self, at: 1) == 901 && held.decode(Int.self, at: 3) == 1)
        #expect(try held.decode(String?.self, at: 5) == "transferred")
        #expect(try held.decode(String?.self, at: 4) == "ctC0", "the IVR handed the call to 101")
        let consultation = try #require(legs.last)
        #expect(try consultation.decode(Int?.self, at: 1) == 902)
        #expect(try consultation.decode(String?.self, at: 4) == "ctC1")
        // The PBX renames the leg blind once the initiator leaves; the log keeps how it was made.
        #expect(try consultation.decode(String?.self, at: 2) == "consultative")
        #expect(try consultation.decode(String?.self, at: 5) == "answered")

        let call = try await fixture.harness.query(
            "SELECT STATE, RESULT, OPERATOR_ID, ANSWERED_BY_ID, TRANSFER_COUNT FROM MISLINK_CALLS WHERE ID = ?", [.bigint(callID)])
        #expect(try call[0].decode(String.self, at: 0) == "ended" && call[0].decode(String?.self, at: 1) == "answered")
        #expect(try call[0].decode(Int?.self, at: 2) == 902 && call[0].decode(Int?.self, at: 3) == 901)
        #expect(try call[0].decode(Int.self, at: 4) == 1)
        // The appeal went with the call to 102.
        let appeal = try await fixture.harness.query(
            "SELECT A.OPERATOR_ID FROM APPEALS A JOIN MISLINK_CALLS C ON C.APPEAL_ID = A.ID WHERE C.ID = ?", [.bigint(callID)])
        #expect(try appeal.first?.decode(Int?.self, at: 0) == 902)
    }

    /// A blind transfer stays blind: one new leg from the client to 102, 101's leg left by transfer.
    @Test func aBlindTransferIsSentAsBlind() async throws {
        let fixture = try await Fixture.start("blind")
        defer { Task { await fixture.stop() } }
        let callID = try await fixture.connectedCall(run: "bt")
        _ = try await fixture.command(#"{"kind":"transfer","staff_id":901,"target":"102","call_id":\#(callID)}"#)
        try await fixture.dispatch()
        let sent = try #require(fixture.pbx.receivedCommands.first { $0.path == "commands/transfer" })
        #expect(try MangoJSON.decode(MangoTransferCommand.self, from: sent.json).method == "blind")
        let legs = try await fixture.harness.query(
            "SELECT TRANSFER_TYPE FROM MISLINK_CALL_LEGS WHERE CALL_ID = ? AND TRANSFER_TYPE IS NOT NULL", [.bigint(callID)])
        #expect(try legs.map { try $0.decode(String?.self, at: 0) } == ["blind"])
        #expect(try await fixture.harness.count("SELECT OPERATOR_ID FROM MISLINK_CALLS WHERE ID = ?", [.bigint(callID)]) == 902)
    }
}
