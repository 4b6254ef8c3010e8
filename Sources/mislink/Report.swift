import ArgumentParser
import Firebird
import Foundation
import MisLinkProfiles
import MisLinkReport

/// `mislink report`: reports over the MIS database.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reports over the MIS database.", subcommands: [ReportAppeals.self, ReportRebuildDays.self, ReportCheckDays.self])
}

/// `mislink report appeals`: the appeals analysis for a period.
struct ReportAppeals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appeals",
        abstract: "Appeals analysis: volumes, calls, chats and outcomes for a period.",
        discussion: """
            Days are the clinic's (clinic.utc_offset_minutes); --from and --to are both included. HTML is one \
            self-contained printable file; CSV is one file per table in the --out folder (--excel: `;`, decimal \
            comma and a BOM for Russian-locale Excel); JSON has the same numbers as GET /api/v1/reports/appeals. \
            The SQL is SQL/report-appeals.sql (or --sql); operators' names and the appeals the MIS made on its \
            own come through the MIS profile (--profile). Days stored by `mislink report rebuild-days` (and kept \
            current by the worker) are read from MISLINK_REPORT_DAYS; the other days, and any day changed since \
            it was stored, from the facts: the numbers are the same.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case html, csv, json
    }

    @OptionGroup var connection: DatabaseOptions
    @Option(help: "First day (YYYY-MM-DD, clinic time).") var from: String
    @Option(help: "Last day (YYYY-MM-DD, clinic time), included.") var to: String
    @Option(help: "html (default), csv or json.") var format: Format?
    @Option(help: "Output file (html, json; default standard output) or folder (csv; default the current one).")
    var out: String?
    @Option(name: .customLong("operator"), help: "Only this operator (the MIS's employee id).") var operatorID: String?
    @Option(help: "Only this channel: \(ReportRequest.channels.joined(separator: ", ")).") var channel: String?
    @Flag(help: "CSV for Russian-locale Excel (implies --format csv).") var excel = false
    @Flag(help: "Count every day from the facts, ignoring the stored days (mislink report rebuild-days).") var facts = false
    @OptionGroup var source: ReportBuilderOptions

    func validate() throws {
        do {
            _ = try request()
        } catch let error as ReportError {
            throw ValidationError(error.description)
        }
        if excel, let format, format != .csv {
            throw ValidationError("--excel writes CSV; leave out --format or give --format csv")
        }
    }

    func request() throws -> ReportRequest {
        try ReportRequest(from: from, to: to, operator: operatorID, channel: channel)
    }

    func run() async throws {
        var builder = try source.builder()
        if facts { builder.source = .facts }
        let database = try await connection.connect()
        let report: AppealsReport
        do {
            report = try await builder.build(try request(), on: database)
        } catch {
            try? await database.close()
            throw error
        }
        try await database.close()
        switch excel ? .csv : format ?? .html {
        case .html:
            try emit(Data(HTMLRenderer().render(report).utf8))
        case .json:
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try emit(try encoder.encode(report) + Data("\n".utf8))
        case .csv:
            let files = try CSVWriter(dialect: excel ? .excel : .standard)
                .write(report, to: URL(fileURLWithPath: out ?? FileManager.default.currentDirectoryPath))
            for file in files { print(file.path) }
        }
    }

    func emit(_ data: Data) throws {
        if let out {
            try data.write(to: URL(fileURLWithPath: out), options: .atomic)
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}

/// Where a report's SQL, MIS profile and clinic zone come from (`report appeals`, `rebuild-days`, `check-days`).
struct ReportBuilderOptions: ParsableArguments {
    @Option(help: "The report's SQL file (default: report-appeals.sql beside queries.sql).") var sql: String?
    @Option(name: .customLong("time-zone"),
            help: "The clinic's IANA zone, e.g. Europe/Moscow (default: MISLINK_CLINIC_TIME_ZONE; without one, db.utc_offset_minutes).")
    var timeZone: String?
    @Option(help: "The MIS profile: a shipped name or a folder (default: MISLINK_MIS_PROFILE, else reference).")
    var profile: String?

    /// The report's builder with the profile, the SQL and the zone given.
    func builder() throws -> AppealsReportBuilder {
        let name = profile ?? ProcessInfo.processInfo.environment["MISLINK_MIS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? MISProfile.defaultName
        let misProfile: MISProfile
        do { misProfile = try MISProfile(directory: try MISProfile.resolve(name)) } catch {
            throw ValidationError("--profile \(name): \(error)")
        }
        var builder = try AppealsReportBuilder.load(from: sql.map { URL(fileURLWithPath: $0) }, profile: misProfile)
        if let zone = timeZone ?? ProcessInfo.processInfo.environment["MISLINK_CLINIC_TIME_ZONE"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let clinicZone = TimeZone(identifier: zone) else { throw ValidationError("--time-zone \(zone) is not a known time zone") }
            builder.clinicZone = clinicZone
        }
        return builder
    }
}

extension DatabaseOptions {
    func connect() async throws -> FirebirdConnection {
        try await FirebirdConnection.connect(FirebirdConfiguration(database: resolvedDatabase!, user: user))
    }

    /// Runs `body` on a connection of its own, closed afterwards whatever happens.
    func withConnection<T: Sendable>(_ body: (FirebirdConnection) async throws -> T) async throws -> T {
        let database = try await connect()
        let result: T
        do { result = try await body(database) } catch {
            try? await database.close()
            throw error
        }
        try await database.close()
        return result
    }
}

/// `--from`/`--to` of the report-day commands: clinic-local days, both optional.
struct ReportDayRange: ParsableArguments {
    @Option(help: "First day (YYYY-MM-DD, clinic time).") var from: String?
    @Option(help: "Last day (YYYY-MM-DD, clinic time), included.") var to: String?

    func validate() throws {
        for (option, text) in [("from", from), ("to", to)] {
            if let text, LocalDay(text) == nil { throw ValidationError(ReportError.badDate(option: option, value: text).description) }
        }
        if let from = from.flatMap(LocalDay.init), let to = to.flatMap(LocalDay.init), to < from {
            throw ValidationError(ReportError.periodReversed(from: from.text, to: to.text).description)
        }
    }

    var days: (LocalDay?, LocalDay?) { (from.flatMap(LocalDay.init), to.flatMap(LocalDay.init)) }
}

/// `mislink report rebuild-days`: counts the report's days from the facts into MISLINK_REPORT_DAYS.
struct ReportRebuildDays: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild-days",
        abstract: "Count the appeals report's days from the facts into MISLINK_REPORT_DAYS.",
        discussion: """
            Replaces the stored figures of every day from --from to --to (default: the day of the first appeal, \
            call or chat, to today) with what the facts say, by the clinic's clock (--time-zone), a week per \
            transaction. Run it once after `mislink migrate up` adds V020, and after changing the clinic's zone; \
            the worker keeps the days current afterwards.
            """)

    @OptionGroup var connection: DatabaseOptions
    @OptionGroup var range: ReportDayRange
    @OptionGroup var source: ReportBuilderOptions

    func run() async throws {
        let days = ReportDays(builder: try source.builder())
        let (from, to) = range.days
        let clock = ContinuousClock()
        let started = clock.now
        let summary = try await connection.withConnection { database in
            try await days.rebuild(from: from, to: to, on: database) { FileHandle.standardError.write(Data("  \($0)\n".utf8)) }
        }
        guard let first = summary.from, let last = summary.to else {
            print("nothing to count: no appeals, calls or chats")
            return
        }
        print("counted \(summary.days) days (\(first.text) to \(last.text)), \(summary.rows) rows, in \(clock.now - started)")
    }
}

/// `mislink report check-days`: compares the stored days with the facts; exit status 1 when one differs.
struct ReportCheckDays: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-days",
        abstract: "Compare the appeals report's stored days with the facts (exit status 1 when a day differs).",
        discussion: """
            Counts every stored day from --from to --to (default: all) from the facts again, by the clock it was \
            stored with, and names each day whose stored figures differ. Days changed since they were stored \
            (the worker has not counted them again yet) are listed as pending: the report reads their facts.
            """)

    @OptionGroup var connection: DatabaseOptions
    @OptionGroup var range: ReportDayRange
    @OptionGroup var source: ReportBuilderOptions

    func run() async throws {
        let days = ReportDays(builder: try source.builder())
        let (from, to) = range.days
        let result = try await connection.withConnection { try await days.check(from: from, to: to, on: $0) }
        if !result.pending.isEmpty {
            print("pending (changed since stored, read from the facts): \(result.pending.map(\.text).joined(separator: ", "))")
        }
        for difference in result.differences { print("differs: \(difference)") }
        print("checked \(result.checked) days, \(result.differences.count) differ")
        if !result.differences.isEmpty { throw ExitCode(1) }
    }
}
