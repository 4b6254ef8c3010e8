import ArgumentParser
import Firebird
import Foundation
import MisLinkDemoData

/// `mislink demo-data`: fills the reference clinic schema with realistic demo data.
struct DemoDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data",
        abstract: "Fill the clinic schema with demo patients, staff, services and visits.",
        discussion: """
            Deterministic for a seed. Appends to what is there (IDs from the generators). Progress goes to \
            standard error, the summary to standard output.
            """)

    @OptionGroup var connection: DatabaseOptions

    @Option(help: "How many patients to add.") var patients = 10_000
    @Option(help: "The random seed (same seed, same data).") var seed: UInt64 = 1
    @Option(help: "How many staff members to add (doctors, operators, registrars).") var staff = 40
    @Option(help: "Average SCHEDULE rows per patient.") var visitsPerPatient = 0.25
    @Option(help: "The share of patients with a visit history (0…1).") var historyShare = 0.2
    @Option(help: "The share of patients in families sharing one phone (0…1).") var familyShare = 0.1
    @Option(help: "The date visits are generated around (YYYY-MM-DD; default today).") var today: String?
    @Option(help: "Commit after this many patients.") var commitEvery = 200_000
    @Flag(help: "Never switch PATIENTS/SCHEDULE indexes off during the load.") var keepIndexes = false
    @Flag(help: "Switch the plain PATIENTS/SCHEDULE indexes off during the load and rebuild them after.")
    var rebuildIndexes = false
    @Option(help: "Database cache pages for the load (0: the server's setting; used when no one else has the database open).")
    var pageBuffers = 0
    @Flag(name: .shortAndLong, help: "No progress bar.") var quiet = false
    @Option(help: "Appeals of demo history to add (with their calls and chat threads; needs `mislink migrate up`).")
    var appeals = 0
    @Option(help: "Calls of demo history in total, those of the phone appeals included (the rest: missed, IVR, outbound).")
    var calls = 0
    @Option(help: "Days of history, ending the day before --today.") var historyDays = 365

    func validate() throws {
        if !(0...100_000_000).contains(patients) { throw ValidationError("--patients must be 0 … 100000000") }
        if staff < 0 { throw ValidationError("--staff must not be negative") }
        if visitsPerPatient < 0 { throw ValidationError("--visits-per-patient must not be negative") }
        for (name, value) in [("--history-share", historyShare), ("--family-share", familyShare)] where !(0...1).contains(value) {
            throw ValidationError("\(name) must be between 0 and 1")
        }
        if commitEvery <= 0 { throw ValidationError("--commit-every must be positive") }
        if keepIndexes && rebuildIndexes { throw ValidationError("choose --keep-indexes or --rebuild-indexes, not both") }
        if let today, Self.parseDate(today) == nil { throw ValidationError("--today must be a date such as 2025-03-14") }
        if appeals < 0 || calls < 0 { throw ValidationError("--appeals and --calls must not be negative") }
        if historyDays <= 0 { throw ValidationError("--history-days must be positive") }
    }

    func run() async throws {
        let options = DemoDataOptions(
            patients: patients, seed: seed, staff: staff, visitsPerPatient: visitsPerPatient,
            historyShare: historyShare, familyShare: familyShare,
            today: today.flatMap(Self.parseDate) ?? DemoDataOptions.currentDate(), commitEvery: commitEvery,
            indexPolicy: keepIndexes ? .keep : rebuildIndexes ? .rebuild : .automatic)
        var configuration = FirebirdConfiguration(database: connection.resolvedDatabase!, user: connection.user)
        configuration.pageBuffers = pageBuffers > 0 ? pageBuffers : nil
        let database = try await FirebirdConnection.connect(configuration)
        let bar = quiet ? nil : DemoDataProgressBar()
        let summary = try await DemoDataGenerator(options: options).run(on: database) { bar?.update($0) }
        print(Self.report(summary))
        if appeals > 0 || calls > 0 {
            let history = AppealHistoryGenerator(options: .init(
                appeals: appeals, calls: calls, days: historyDays, end: options.today, seed: seed))
            let quiet = quiet
            let added = try await history.run(on: database) { line in
                if !quiet { FileHandle.standardError.write(Data("  \(line)\n".utf8)) }
            }
            print("""
                appeals       \(added.appeals) (\(added.phoneAppeals) by phone, \(added.chatThreads) chat threads, \(added.appealEvents) appeal events)
                calls         \(added.calls)
                history time  \(String(format: "%.1f", Double(added.time.components.seconds) + Double(added.time.components.attoseconds) * 1e-18)) s
                """)
        }
        try await database.close()
    }

    static func parseDate(_ text: String) -> FirebirdDate? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        return FirebirdDate(year: parts[0], month: parts[1], day: parts[2])
    }

    static func report(_ summary: DemoDataSummary) -> String {
        func seconds(_ time: Duration) -> Double {
            Double(time.components.seconds) + Double(time.components.attoseconds) * 1e-18
        }
        func rate(_ count: Int, _ time: Duration) -> String {
            seconds(time) > 0 ? "\(Int(Double(count) / seconds(time)))/s" : "-"
        }
        var lines = [
            "seed          \(summary.seed)",
            "patients      \(summary.patients)" + (summary.patientIDs.map { " (ID \($0.lowerBound)…\($0.upperBound))" } ?? ""),
            "visits        \(summary.visits) SCHEDULE rows",
            "staff         \(summary.staff)",
            "departments   \(summary.departments) added",
            "services      \(summary.services) added",
            String(
                format: "time          %.1f s (reference %.1f s, load %.1f s, indexes %.1f s)", seconds(summary.totalTime),
                seconds(summary.referenceTime), seconds(summary.loadTime), seconds(summary.indexTime)),
            "rate          \(rate(summary.patients, summary.loadTime)) patients, \(rate(summary.visits, summary.loadTime)) visits",
        ]
        if !summary.rebuiltIndexes.isEmpty { lines.append("rebuilt       \(summary.rebuiltIndexes.joined(separator: ", "))") }
        for (generator, value) in summary.alignedGenerators.sorted(by: { $0.key < $1.key }) {
            lines.append("generator     \(generator) moved up to \(value) (it was behind its table)")
        }
        if summary.forcedWrites {
            lines.append("note          forced writes are on (left as is); for a throw-away database `gfix -write async` loads faster")
        }
        return lines.joined(separator: "\n")
    }
}
