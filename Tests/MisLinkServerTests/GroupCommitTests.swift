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

/// An applier that holds events of objects named `slow-…` for `seconds` on the lane's thread before the
/// others apply them, as a lock wait or a slow MIS query would.
struct SlowApplier: EventApplier {
    var seconds: Double
    func apply(_ event: InboundEvent, in context: ApplyContext) throws -> IntakeOutcome? {
        if event.objectID?.hasPrefix("slow") == true { Thread.sleep(forTimeInterval: seconds) }
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

    /// A lane held up by one object's slow event does not hold up the others' events: a free lane takes
    /// them. The slow object's later event still waits for its first (one object's events in order).
    @Test func aSlowEventHoldsUpOnlyItsOwnObject() async throws {
        let path = try ClinicDatabase.createMigrated("slowlane")
        var settings = MisLinkSettings.Intake()
        settings.writers = 2
        settings.spoolDirectory = "\(ClinicDatabase.directory)/spool-slow-\(UUID().uuidString.prefix(8))"
        let intake = IntakePipeline(settings: settings, configuration: FirebirdConfiguration(database: path),
                                    profile: try Worker(settings: MisLinkSettings()).loadProfile(),
                                    appliers: [SlowApplier(seconds: 3)] + DefaultAppliers.all)
        let group = ServiceGroup(configuration: .init(services: [intake], logger: .init(label: "test")))
        let running = Task { try await group.run() }

        let adapter = MangoWebhookAdapter(settings: .init(apiKey: "k", apiSalt: "s"))
        func event(_ entry: String, seq: Int, state: String) throws -> InboundEvent {
            let json = callEvent(entry: entry, call: entry + "-leg", seq: seq, state: state, timestamp: 1_790_000_000 + seq)
            let form = "vpbx_api_key=k&sign=\(MangoSignature.sign(json: json, apiKey: "k", apiSalt: "s"))&json="
                + json.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            return try adapter.accept(path: "events/call", body: Data(form.utf8))!
        }
        // The lanes are attached and writing before the clock starts (a busy machine can take seconds).
        #expect(try await intake.submit(try event("warm-up", seq: 1, state: "Appeared")) == .applied)
        let clock = ContinuousClock()
        let start = clock.now
        let slowFirst = Task { _ = try await intake.submit(try event("slow-1", seq: 1, state: "Appeared")); return clock.now - start }
        try await Task.sleep(for: .milliseconds(200))  // the slow event is on a lane now
        let slowSecond = Task { _ = try await intake.submit(try event("slow-1", seq: 2, state: "Connected")); return clock.now - start }
        try await Task.sleep(for: .milliseconds(50))
        // Twelve other calls: with lanes chosen by a hash of the object, about half would wait 3 s.
        let others = try await withThrowingTaskGroup(of: (IntakeOutcome, Duration).self) { tasks in
            for index in 0..<12 {
                let other = try event("other-\(index)", seq: 1, state: "Appeared")
                tasks.addTask { (try await intake.submit(other), clock.now - start) }
            }
            var all: [(IntakeOutcome, Duration)] = []
            for try await result in tasks { all.append(result) }
            return all
        }
        let first = try await slowFirst.value
        let second = try await slowSecond.value
        #expect(others.allSatisfy { $0.0 == .applied })
        let latestOther = try #require(others.map(\.1).max())
        #expect(latestOther < first, "the other calls were written while the slow one waited (latest after \(latestOther), the slow one after \(first))")
        #expect(first >= .seconds(3) && second > first, "the slow call's events in order: \(first), then \(second)")

        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: path))
        let state = try await connection.query("SELECT STATE FROM MISLINK_CALLS WHERE PBX_CALL_ID = 'slow-1'")
        #expect(try state.first?.decode(String.self, at: 0).trimmingCharacters(in: .whitespaces) == "talking")
        let calls = try await connection.query("SELECT COUNT(*) FROM MISLINK_CALLS")[0].decode(Int.self, at: 0)
        #expect(calls == 14)
        try await connection.close()
        await group.triggerGracefulShutdown()
        try await running.value
    }
}
