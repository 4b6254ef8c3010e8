import Firebird
import Foundation
import MisLinkExternalAPIs
import MisLinkIntake
import MisLinkServer
import MisLinkSettings
import MisLinkTestSupport
import ServiceLifecycle
import Testing

/// An applier that refuses events whose object id says so, to fail one event in the middle of a batch.
struct RefusingApplier: EventApplier {
    func apply(_ event: InboundEvent, in context: ApplyContext) throws -> IntakeOutcome? {
        if event.objectID?.hasPrefix("refuse") == true { throw ApplyError("refused on purpose") }
        return nil
    }
}

@Suite("Group commit")
struct GroupCommitTests {
    @Test func oneFailingEventDoesNotFailItsNeighbours() async throws {
        let path = try ClinicDatabase.createMigrated("group")
        var settings = MisLinkSettings.Intake()
        settings.writers = 1
        settings.maxDelayMilliseconds = 50  // let the concurrent submissions meet in one batch
        settings.spoolDirectory = "\(ClinicDatabase.directory)/spool-group-\(UUID().uuidString.prefix(8))"
        let intake = IntakePipeline(settings: settings, configuration: FirebirdConfiguration(database: path),
                                    profile: try Worker(settings: MisLinkSettings()).loadProfile(),
                                    appliers: [RefusingApplier()] + DefaultAppliers.all)
        let group = ServiceGroup(configuration: .init(services: [intake], logger: .init(label: "test")))
        let running = Task { try await group.run() }

        let adapter = MangoWebhookAdapter(settings: .init(apiKey: "k", apiSalt: "s"))
        func event(_ entry: String) throws -> InboundEvent {
            let json = callEvent(entry: entry, call: entry + "-leg", seq: 1, state: "Appeared", timestamp: 1_790_000_000)
            let form = "vpbx_api_key=k&sign=\(MangoSignature.sign(json: json, apiKey: "k", apiSalt: "s"))&json="
                + json.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            return try adapter.accept(path: "events/call", body: Data(form.utf8))!
        }
        let entries = (0..<20).map { $0 == 7 ? "refuse-\($0)" : "ok-\($0)" }
        let events = try entries.map(event)
        let outcomes = try await withThrowingTaskGroup(of: (String, IntakeOutcome).self) { tasks in
            for (entry, event) in zip(entries, events) { tasks.addTask { (entry, try await intake.submit(event)) } }
            var all: [String: IntakeOutcome] = [:]
            for try await (entry, outcome) in tasks { all[entry] = outcome }
            return all
        }
        #expect(outcomes["refuse-7"] == .failed)
        #expect(outcomes.filter { $0.key != "refuse-7" }.values.allSatisfy { $0 == .applied })

        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        let failed = try await connection.query("SELECT OBJECT_ID, ERROR FROM MISLINK_INBOX WHERE STATUS = 'failed'")
        #expect(failed.count == 1)
        #expect(try failed.first?.decode(String.self, at: 0) == "refuse-7")
        #expect(try failed.first?.decode(String.self, at: 1).contains("refused on purpose") == true)
        let calls = try await connection.query("SELECT COUNT(*) FROM MISLINK_CALLS")[0].decode(Int.self, at: 0)
        #expect(calls == 19)
        // They shared transactions: fewer batches than events.
        #expect(intake.status.outcomes["applied"] == 19)
        try await connection.close()
        await group.triggerGracefulShutdown()
        try await running.value
    }
}
