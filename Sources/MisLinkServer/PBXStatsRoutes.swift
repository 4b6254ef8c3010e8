import Firebird
import Foundation
import Hummingbird
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkIntake
import MisLinkProfiles
import MisLinkReport
import MisLinkSettings

/// `GET /api/v1/pbx/stats?from=YYYY-MM-DD&to=YYYY-MM-DD` (supervisors): the PBX's own statistics of the
/// calls that started in those clinic days (both included, at most 31: the PBX takes a window of a month at
/// most), as the PBX reports them, each party named (``PBXStatsNames``). The worker asks the PBX
/// (`stats/request`), polls `stats/result` at the PBX's pace until the report is ready (at most
/// ``timeout``), and reads the PBX's user list for the extensions the MIS does not know.
///
/// Answers: 400 for a missing, malformed or too long period; 502 when the PBX refuses or cannot be reached;
/// 504 when its report is not ready in time.
struct PBXStatsRoutes {
    /// The longest period, in days: "a month" of `stats/request` (the fake PBX refuses longer windows).
    static let maxDays = 31
    /// The fields asked for: the documented defaults' call facts, and `entry_id` to join with the call log.
    static let fields = ["entry_id", "start", "answer", "finish", "from_extension", "from_number", "to_extension", "to_number",
                         "disconnect_reason", "line_number"]

    let pool: FirebirdPool
    let profile: MISProfile
    let directory: MISDirectory
    let stats: PBXStatsClient
    let clinicZone: TimeZone
    let timestampOffset: Int
    /// How long one request waits for the PBX's report. Defaults to 60 seconds (a dozen polls).
    var timeout: Duration = .seconds(60)

    /// The routes of a worker with these settings: the PBX of `mango.*` (TLS 1.2, 30 s per request), the clinic's days.
    init(settings: MisLinkSettings, pool: FirebirdPool, profile: MISProfile, directory: MISDirectory) {
        self.init(pool: pool, profile: profile, directory: directory,
                  stats: PBXStatsClient(mango: settings.mango, client: HTTPClient(configuration: .init(timeout: .seconds(30), pinTLS12: true))),
                  clinicZone: (try? settings.timeZone) ?? .utc, timestampOffset: settings.mango.timestampOffset)
    }

    init(pool: FirebirdPool, profile: MISProfile, directory: MISDirectory, stats: PBXStatsClient, clinicZone: TimeZone,
         timestampOffset: Int) {
        self.pool = pool
        self.profile = profile
        self.directory = directory
        self.stats = stats
        self.clinicZone = clinicZone
        self.timestampOffset = timestampOffset
    }

    func add(to group: RouterGroup<WorkerRequestContext>) {
        group.get("pbx/stats") { request, _ in try await statistics(request) }
    }

    /// One call of the report, its parties named.
    struct Call: Codable, ResponseEncodable, Sendable {
        var entryId: String
        var direction: String
        var result: String
        var startedAt: Date?
        var answeredAt: Date?
        var endedAt: Date?
        var talkSec: Int
        var disconnectReason: Int?
        var lineNumber: String?
        var from: Party
        var to: Party
    }

    /// A party: the extension and number as the PBX reports them, and whom they stand for.
    struct Party: Codable, Sendable {
        var `extension`: String?
        var number: String?
        var name: String?
        var nameSource: PBXStatsNames.Source?
        var staffId: Int64?
        var patientId: Int64?
        var patientOthers: Int?
    }

    struct Page: Codable, ResponseEncodable, Sendable {
        var from: String
        var to: String
        var calls: [Call]
        /// Times the PBX answered "not ready yet" (204) before the report came.
        var notReadyPolls: Int
        /// Whether the PBX's user list could be read (without it, extensions the MIS does not know stay unnamed).
        var pbxUsersRead: Bool
    }

    private func statistics(_ request: Request) async throws -> Page {
        let query = request.uri.queryParameters
        guard let fromText = query["from"].map(String.init), let toText = query["to"].map(String.init) else {
            throw HTTPError(.badRequest, message: "from and to are required (YYYY-MM-DD, clinic time, both included)")
        }
        guard let from = LocalDay(fromText), (1...9998).contains(from.year) else {
            throw HTTPError(.badRequest, message: "from: \"\(fromText)\" is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01")
        }
        guard let to = LocalDay(toText), (1...9998).contains(to.year) else {
            throw HTTPError(.badRequest, message: "to: \"\(toText)\" is not a date; write it as YYYY-MM-DD, e.g. 2026-11-01")
        }
        let start = from.start(in: clinicZone), end = to.next.start(in: clinicZone)
        let days = Int((end.timeIntervalSince(start) / 86_400).rounded())
        guard (1...Self.maxDays).contains(days) else {
            throw HTTPError(.badRequest, message: "from and to must span 1 to \(Self.maxDays) days, both included")
        }
        let report: PBXStatsClient.Report
        do {
            report = try await stats.report(from: start, to: end.addingTimeInterval(-1), fields: Self.fields, timeout: timeout)
        } catch PBXStatsError.notReady {
            throw HTTPError(.gatewayTimeout, message: "the PBX's report was not ready within \(Int(timeout.components.seconds)) s: try again later")
        } catch let error as PBXStatsError {
            throw HTTPError(.badGateway, message: "the PBX's statistics could not be read: \(error)")
        }
        let users = try? await stats.users()
        let summaries = report.rows.compactMap(Reconciler.summary(of:))
        let parties = summaries.flatMap { [$0.from, $0.to] }.compactMap { $0 }
        let names = PBXStatsNames(profile: profile, directory: directory, users: users ?? [])
        let resolved = try await pool.withTransaction(.read) { transaction in
            try names.resolve(extensions: Set(parties.compactMap(\.extensionNumber)), numbers: Set(parties.compactMap(\.number)),
                              in: transaction)
        }
        let calls = summaries.map { summary in
            Call(entryId: summary.entryId, direction: CallLogApplier.direction(of: summary).rawValue,
                 result: CallLogApplier.result(of: summary).rawValue, startedAt: date(summary.createTime),
                 answeredAt: date(summary.talkTime), endedAt: date(summary.endTime),
                 talkSec: summary.talkTime > 0 ? max(0, summary.endTime - summary.talkTime) : 0,
                 disconnectReason: summary.disconnectReason?.rawValue, lineNumber: summary.lineNumber,
                 from: party(summary.from, resolved), to: party(summary.to, resolved))
        }
        return Page(from: from.text, to: to.text, calls: calls.sorted { ($0.startedAt ?? .distantPast) < ($1.startedAt ?? .distantPast) },
                    notReadyPolls: report.notReady, pbxUsersRead: users != nil)
    }

    /// A party with its name: the extension's, else the number's.
    private func party(_ party: MangoCallParty?, _ resolved: (extensions: [String: PBXStatsNames.Name], numbers: [String: PBXStatsNames.Name]))
        -> Party
    {
        let name = party?.extensionNumber.flatMap { resolved.extensions[$0] } ?? party?.number.flatMap { resolved.numbers[$0] }
        return Party(extension: party?.extensionNumber, number: party?.number, name: name?.name, nameSource: name?.source,
                     staffId: name?.staffId, patientId: name?.patientId, patientOthers: name?.patientOthers)
    }

    /// An epoch of the report (with the PBX's offset) as an instant; nil for 0 or none.
    private func date(_ epoch: Int) -> Date? {
        epoch > 0 ? Date(timeIntervalSince1970: TimeInterval(epoch - timestampOffset)) : nil
    }
}
