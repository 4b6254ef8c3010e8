import ArgumentParser
import Firebird
import FirebirdMigrations
import Foundation
import MisLinkDemoData
import MisLinkPatients
import MisLinkProfiles

/// `mislink-bench identify` (issue #4): on a new embedded WIN1251 clinic database, `--patients` demo
/// patients, then MisLink's migrations (timing the backfill of MISLINK_PATIENT_PHONES), then
/// `--lookups` identifications of numbers typed in assorted formats: hits, numbers a family shares,
/// and misses. Prints `name value` lines.
struct IdentifyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identify", abstract: "Backfill of patient phone keys and identify() latency on demo patients.")

    @Option(help: "Demo patients to load.") var patients = 1_000_000
    @Option(help: "Identifications to time.") var lookups = 10_000
    @Option(help: "Folder for the temporary database file.") var directory = "/tmp"
    @Flag(help: "Keep the database file (its path is printed).") var keep = false

    func run() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = "\(directory)/mislink-bench-identify-\(getpid()).fdb"
        let attachment = try FirebirdAttachment.create(
            FirebirdConfiguration(database: path), pageSize: 8192, defaultCharset: .win1251)
        defer {
            if keep { print("database \(path)") } else { try? attachment.drop() }
        }
        // MisLink's core migrations, then the reference profile's (its V001 puts the phone-key trigger on
        // PATIENTS and backfills MISLINK_PATIENT_PHONES).
        let migrator = Migrator(
            attachment: attachment,
            source: try MigrationSource(
                directory: repository.appendingPathComponent("SQL/profiles/reference/migrations"), namespace: "reference"),
            requires: try MigrationSource(directory: repository.appendingPathComponent("Migrations")),
            options: .init(onEvent: { event in
                if case .statementRunning(let title, let line, let elapsed, let records) = event {
                    let counts = records.map { ", \($0.read) read, \($0.inserted) inserted" } ?? ""
                    FileHandle.standardError.write(Data("  \(title):\(line ?? 0) running \(elapsed)\(counts)\n".utf8))
                }
            }))
        try migrator.runScript(
            String(decoding: try Data(contentsOf: repository.appendingPathComponent("SQL/clinic-schema.sql")), as: UTF8.self),
            title: "clinic-schema.sql")

        let clock = ContinuousClock()
        var started = clock.now
        let bar = DemoDataProgressBar()
        let summary = try DemoDataGenerator(options: DemoDataOptions(patients: patients)).run(on: attachment) { bar.update($0) }
        print(String(format: "demo_data_s %.1f", (clock.now - started).seconds))
        print("patients \(summary.patients)")

        // The backfill runs inside `up`: the reference profile's V001 fills MISLINK_PATIENT_PHONES.
        var unitTimes: [(String, Duration)] = []
        let timing = UnitTimes()
        migrator.options.onEvent = { event in
            if case .unitFinished(let title, let elapsed) = event { timing.append(title, elapsed) }
            if case .statementRunning(let title, let line, let elapsed, let records) = event {
                let counts = records.map { ", \($0.read) records read, \($0.inserted) inserted" } ?? ""
                FileHandle.standardError.write(Data("  \(title):\(line ?? 0) running for \(elapsed)\(counts)\n".utf8))
            }
        }
        started = clock.now
        try migrator.up()
        unitTimes = timing.all
        print(String(format: "migrate_up_s %.1f", (clock.now - started).seconds))
        for (title, elapsed) in unitTimes where title.hasPrefix("V") || title.contains("/V") {
            print(String(format: "unit_s %.2f %@", elapsed.seconds, title))
        }
        let phoneRows = try attachment.query("SELECT COUNT(*) FROM MISLINK_PATIENT_PHONES")[0].decode(Int.self, at: 0)
        print("patient_phone_rows \(phoneRows)")
        if let backfill = unitTimes.first(where: { $0.0.contains("patient_phones") }) {
            print(String(format: "backfill_s %.1f", backfill.1.seconds))
        }

        try measureLookups(attachment, repository: repository)
    }

    func measureLookups(_ attachment: FirebirdAttachment, repository: URL) throws {
        let queries = try NamedQueries(contentsOf: repository.appendingPathComponent("SQL/queries.sql"))
        let plan = try PatientIdentifier.numberingPlan(queries: queries, attachment: attachment)
        let profile = try MISProfile(directory: try MISProfile.resolve(MISProfile.defaultName))
        let session = try IdentificationSession(identifier: PatientIdentifier(plan: plan, queries: queries, profile: profile),
                                                attachment: attachment)
        var random = SystemRandomNumberGenerator()
        let (hits, shared) = try attachment.inTransaction(.readOnly) { tx in
            let hits = try attachment.query(
                "SELECT FIRST 5000 PHONE_KEY FROM MISLINK_PATIENT_PHONES WHERE PATIENT_ID > \(Int.random(in: 0..<1000, using: &random)) AND MOD(PATIENT_ID, 97) = 1",
                in: tx
            ).map { try $0.decode(String.self, at: 0) }
            let shared = try attachment.query(
                "SELECT FIRST 2000 PHONE_KEY FROM MISLINK_PATIENT_PHONES GROUP BY PHONE_KEY HAVING COUNT(*) > 1", in: tx
            ).map { try $0.decode(String.self, at: 0) }
            return (hits, shared)
        }
        func typed(_ key: String) -> String {
            let national = key.dropFirst()
            let a = national.prefix(3), b = national.dropFirst(3).prefix(3), c = national.dropFirst(6).prefix(2), d = national.suffix(2)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: return "8 (\(a)) \(b)-\(c)-\(d)"
            case 1: return "+7 \(a) \(b) \(c) \(d)"
            case 2: return "sip:\(key)@pbx.example.ru"
            default: return key
            }
        }
        var samples: [String: [Double]] = ["hit": [], "shared": [], "miss": []]
        var all: [Double] = []
        var found = 0
        let clock = ContinuousClock()
        for i in 0..<lookups {
            let kind: String
            let key: String
            switch i % 5 {
            case 0...2 where !hits.isEmpty:
                kind = "hit"; key = hits.randomElement(using: &random)!
            case 3 where !shared.isEmpty:
                kind = "shared"; key = shared.randomElement(using: &random)!
            default:
                kind = "miss"; key = "7" + String(Int.random(in: 9_000_000_000...9_999_999_999, using: &random))
            }
            let input = typed(key)
            let start = clock.now
            let result = try session.identify(input)
            let micros = (clock.now - start).seconds * 1e6
            if result.patient != nil { found += 1 }
            samples[kind]!.append(micros)
            all.append(micros)
        }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            guard !values.isEmpty else { return 0 }
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        print("lookups \(all.count) (found \(found))")
        print(String(format: "identify_p50_us %.0f", percentile(all, 0.50)))
        print(String(format: "identify_p90_us %.0f", percentile(all, 0.90)))
        print(String(format: "identify_p99_us %.0f", percentile(all, 0.99)))
        print(String(format: "identify_max_us %.0f", all.max() ?? 0))
        for kind in ["hit", "shared", "miss"] {
            print(String(format: "identify_%@_p99_us %.0f (n=%d)", kind, percentile(samples[kind]!, 0.99), samples[kind]!.count))
        }
    }
}

/// Unit times reported from the runner's callback.
final class UnitTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [(String, Duration)] = []
    func append(_ title: String, _ elapsed: Duration) { lock.withLock { times.append((title, elapsed)) } }
    var all: [(String, Duration)] { lock.withLock { times } }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
