import Firebird
import Foundation
import Hummingbird
import MisLinkProfiles
import MisLinkReport

/// `GET /api/v1/reports/appeals?from=YYYY-MM-DD&to=YYYY-MM-DD[&operator=&channel=&format=json|html]`: the
/// appeals analysis as JSON, the same numbers as `mislink report appeals --format json`, or as its HTML page. The queries run on
/// a pooled connection's own executor, never on an event loop. What the report needs of the MIS
/// (operators' names, the appeals the MIS made on its own) comes through the worker's MIS profile.
struct ReportRoutes {
    let pool: FirebirdPool
    /// The parsed `report-appeals.sql` with the worker's profile, or why it could not be read (answered as 500).
    let builder: Result<AppealsReportBuilder, any Error>

    /// - Parameter clinicZone: `clinic_time_zone`: the report's days are its days (see ``AppealsReportBuilder/clinicZone``).
    init(pool: FirebirdPool, profile: MISProfile, clinicZone: TimeZone? = nil) {
        self.init(pool: pool, builder: Result {
            var builder = try AppealsReportBuilder.load(profile: profile)
            builder.clinicZone = clinicZone
            return builder
        })
    }

    init(pool: FirebirdPool, builder: Result<AppealsReportBuilder, any Error>) {
        self.pool = pool
        self.builder = builder
    }

    /// The report over the shipped reference profile, until APIRoutes passes the worker's.
    @available(*, deprecated, message: "pass the worker's MIS profile: init(pool:profile:)")
    init(pool: FirebirdPool) {
        self.init(pool: pool, builder: Result {
            try AppealsReportBuilder.load(profile: try MISProfile(directory: try MISProfile.resolve(MISProfile.defaultName)))
        })
    }

    func add(to group: RouterGroup<WorkerRequestContext>) {
        group.get("reports/appeals") { request, _ in try await appeals(request) }
    }

    private func appeals(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let format = query["format"].map(String.init) ?? "json"
        guard ["json", "html"].contains(format) else { throw HTTPError(.badRequest, message: "format must be json or html") }
        guard let from = query["from"].map(String.init), let to = query["to"].map(String.init) else {
            throw HTTPError(.badRequest, message: "from and to are required (YYYY-MM-DD, clinic time, both included)")
        }
        // The operator reaches a BIGINT parameter (the MIS's employee id), the days TIMESTAMP ones: both are
        // range-checked here.
        if let text = query["operator"], !text.isEmpty {
            guard let id = Int64(text) else { throw HTTPError(.badRequest, message: "operator must be an id from 1 to \(Int64.max)") }
            _ = try RequestInput.bigint(id, "operator")
        }
        for (name, text) in [("from", from), ("to", to)] {
            guard let day = LocalDay(text) else { continue }  // ReportRequest names a day that does not parse
            guard (1...9998).contains(day.year) else {
                throw HTTPError(.badRequest, message: "\(name) must be a day in years 0001 to 9998")
            }
        }
        let reportRequest: ReportRequest
        do {
            reportRequest = try ReportRequest(from: from, to: to, operator: query["operator"].map(String.init),
                                              channel: query["channel"].map(String.init))
        } catch let error as ReportError {
            throw HTTPError(.badRequest, message: error.description.replacingOccurrences(of: "--", with: ""))
        }
        let builder: AppealsReportBuilder
        do {
            builder = try self.builder.get()
        } catch {
            throw HTTPError(.internalServerError, message: "the report's SQL cannot be read: \(error)")
        }
        do {
            let report = try await pool.withConnection { try await builder.build(reportRequest, on: $0) }
            guard format == "html" else { return try Response.json(report) }
            // The page `mislink report appeals` writes (inline SVG charts), for the console's report screen.
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: HTMLRenderer().render(report))))
        } catch let error as ReportError {
            throw HTTPError(.badRequest, message: error.description)
        }
    }
}
