import Firebird
import Foundation
import Hummingbird
import MisLinkIntake

/// Retries and the quarantine, for the people who fix what went wrong:
/// - `POST /api/v1/inbox/retry` `{"status": ["failed"], "since": "…", "limit": 1000}` applies stored
///   events again (idempotent: each row's new status is committed with what applying it changed);
/// - `GET /api/v1/quarantine?limit=&before_id=&all=` lists the events kept in `MISLINK_QUARANTINE`;
/// - `POST /api/v1/quarantine/retry` `{"ids": [..], "limit": 1000}` submits kept events again.
struct InboxRoutes {
    let intake: IntakePipeline
    let pool: FirebirdPool

    struct RetryBody: Decodable {
        var status: [String]?
        var since: Date?
        var limit: Int?
    }

    struct QuarantineRetryBody: Decodable {
        var ids: [Int64]?
        var limit: Int?
    }

    struct QuarantinePage: Codable, ResponseEncodable {
        var items: [Quarantine.Item]
        var nextBeforeId: Int64?
    }

    func add(to router: RouterGroup<WorkerRequestContext>) {
        router.post("inbox/retry") { request, _ -> Response in
            let body = try await Self.decode(RetryBody.self, request)
            var statuses: [InboxRetryStatus] = []
            for name in body.status ?? ["failed"] {
                guard let status = InboxRetryStatus(rawValue: name) else {
                    throw HTTPError(.badRequest, message: "status: each must be failed, received or retrying")
                }
                statuses.append(status)
            }
            let limit = try Self.limit(body.limit, field: "limit")
            let report = try await intake.retry(InboxRetryRequest(statuses: statuses, since: body.since, limit: limit))
            return try .json(report)
        }
        router.get("quarantine") { request, _ -> QuarantinePage in
            let query = request.uri.queryParameters
            let limit = try Self.limit(query["limit"].map { Int(String($0)) ?? -1 }, field: "limit", maximum: 500, default: 50)
            var before: Int64?
            if let text = query["before_id"] {
                guard let id = Int64(text), id > 0 else { throw HTTPError(.badRequest, message: "before_id must be a positive integer") }
                before = id
            }
            let all = query["all"].map { $0 == "true" || $0 == "1" } ?? false
            let items = try await Quarantine.list(pool: pool, beforeID: before, limit: limit + 1, includeReleased: all)
            return QuarantinePage(items: Array(items.prefix(limit)), nextBeforeId: items.count > limit ? items[limit - 1].id : nil)
        }
        router.post("quarantine/retry") { request, _ -> Response in
            let body = try await Self.decode(QuarantineRetryBody.self, request)
            if let ids = body.ids, ids.count > 1000 || ids.contains(where: { $0 <= 0 }) {
                throw HTTPError(.badRequest, message: "ids: at most 1000 positive integers")
            }
            let limit = try Self.limit(body.limit, field: "limit")
            let report = try await intake.retryQuarantine(QuarantineRetryRequest(ids: body.ids, limit: limit))
            return try .json(report)
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let data = try await request.body(limit: 64 * 1024)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: data.isEmpty ? Data("{}".utf8) : data)
        } catch {
            throw HTTPError(.badRequest, message: "the body does not parse: \(error)")
        }
    }

    private static func limit(_ value: Int?, field: String, maximum: Int = 100_000, default fallback: Int = 1000) throws -> Int {
        guard let value else { return fallback }
        guard (1...maximum).contains(value) else { throw HTTPError(.badRequest, message: "\(field) must be between 1 and \(maximum)") }
        return value
    }
}
