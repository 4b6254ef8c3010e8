import ArgumentParser
import Firebird
import Foundation
import MisLinkProfiles
import MisLinkReport

/// `mislink report`: reports over the MIS database.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reports over the MIS database.", subcommands: [ReportAppeals.self])
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
            The SQL is SQL/report-appeals.sql (or --sql); operators' names and the appeals the MIS made on its             own come through the MIS profile (--profile).
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
    @Option(help: "The report's SQL file (default: report-appeals.sql beside queries.sql).") var sql: String?
    @Option(name: .customLong("time-zone"),
            help: "The clinic's IANA zone, e.g. Europe/Moscow (default: MISLINK_CLINIC_TIME_ZONE; without one, db.utc_offset_minutes).")
    var timeZone: String?
    @Option(help: "The MIS profile: a shipped name or a folder (default: MISLINK_MIS_PROFILE, else reference).")
    var profile: String?

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
        let database = try await FirebirdConnection.connect(FirebirdConfiguration(database: connection.resolvedDatabase!, user: connection.user))
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
