import Foundation
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkSettings
import Synchronization

/// The PBX's own statistics (Mango `stats/request` → `stats/result`), for the reconciliation and the
/// supervisors' statistics page: asks for a report of the calls that started in a period, then polls
/// until the CSV is ready.
///
/// The pacing is the documented one: `stats/request` at most once per 2 s per product (every request of
/// this process waits its turn, ``requestSpacing``), `stats/result` "no more than once per 5 s"
/// (``pollInterval``). `stats/result` answers 204 while the report is not ready, 404 for a key unknown or
/// expired, 200 with `;`-separated rows in the order of the fields asked for.
struct PBXStatsClient: Sendable {
    /// A report: one dictionary per call, by field name (a field the row lacks is empty).
    struct Report: Sendable {
        var rows: [[String: String]]
        /// How many times `stats/result` answered 204 before the report was ready.
        var notReady: Int
    }

    /// The spacing of `stats/request` calls, 2 seconds (the PBX's limit is one per 2 s per product).
    static let requestSpacing: Duration = .seconds(2)
    /// When this process may send its next `stats/request`.
    private static let nextRequest = Mutex<ContinuousClock.Instant?>(nil)

    let mango: MisLinkSettings.Mango
    let client: HTTPClient
    /// The wait between `stats/result` polls. Defaults to 5 seconds, the PBX's documented minimum.
    var pollInterval: Duration = .seconds(5)

    private var credentials: MangoCredentials { MangoCredentials(apiKey: mango.apiKey, apiSalt: mango.apiSalt) }

    /// Asks for the calls that started in `[from, to]` with `fields` and waits (at most `timeout`) for them.
    /// The epochs sent carry `mango.timestampOffset`, as the PBX's own epochs do.
    /// - Throws: ``PBXStatsError``.
    func report(from: Date, to: Date, fields: [String], timeout: Duration) async throws -> Report {
        let request = MangoStatsRequest(
            dateFrom: Int(from.timeIntervalSince1970) + mango.timestampOffset, dateTo: Int(to.timeIntervalSince1970) + mango.timestampOffset,
            fields: fields.joined(separator: ","), requestId: UUID().uuidString.lowercased())
        await Self.waitForTurn()
        let asked = try await send("stats/request", json: try MangoJSON.encode(request))
        guard asked.status == 200, let key = try? JSONDecoder().decode(MangoStatsKey.self, from: asked.body) else {
            throw PBXStatsError.refused(path: "stats/request", status: asked.status, body: String(decoding: asked.body.prefix(200), as: UTF8.self))
        }
        let keyJSON = try MangoJSON.encode(MangoStatsKey(key: key.key, requestId: key.requestId))
        let deadline = ContinuousClock.now + timeout
        var notReady = 0
        while true {
            let answer = try await send("stats/result", json: keyJSON)
            switch answer.status {
            case 200:
                let rows = MangoStatsCSV.parse(String(decoding: answer.body, as: UTF8.self)).map { values in
                    Dictionary(uniqueKeysWithValues: zip(fields, values + Array(repeating: "", count: max(0, fields.count - values.count))))
                }
                return Report(rows: rows, notReady: notReady)
            case 204:
                notReady += 1
                guard ContinuousClock.now + pollInterval < deadline else { throw PBXStatsError.notReady(after: timeout) }
                try await Task.sleep(for: pollInterval)
            case 404:
                throw PBXStatsError.expired
            default:
                throw PBXStatsError.refused(path: "stats/result", status: answer.status,
                                            body: String(decoding: answer.body.prefix(200), as: UTF8.self))
            }
        }
    }

    /// The PBX's employees (`config/users/request`, everyone).
    func users() async throws -> [MangoUser] {
        let answer = try await send(MangoPath.usersRequest.rawValue, json: try MangoJSON.encode(MangoUsersRequest()))
        guard answer.status == 200, let users = try? JSONDecoder().decode(MangoUsersResponse.self, from: answer.body) else {
            throw PBXStatsError.refused(path: MangoPath.usersRequest.rawValue, status: answer.status,
                                        body: String(decoding: answer.body.prefix(200), as: UTF8.self))
        }
        return users.users
    }

    /// A signed POST; a transport failure is ``PBXStatsError/unreachable(_:)``.
    private func send(_ path: String, json: String) async throws -> HTTPClientResponse {
        do {
            return try await client.execute(.form(
                HTTPClientRequest.url(mango.baseURL, path), fields: MangoSignedForm(json: json, credentials: credentials).fields))
        } catch let error as HTTPClientError {
            throw PBXStatsError.unreachable("\(error)")
        }
    }

    /// Waits until this process may send `stats/request` again, and takes the turn.
    private static func waitForTurn() async {
        let now = ContinuousClock.now
        let start = nextRequest.withLock { next -> ContinuousClock.Instant in
            let start = max(now, next ?? now)
            next = start + requestSpacing
            return start
        }
        if start > now { try? await Task.sleep(until: start, clock: .continuous) }
    }
}

/// Why the PBX's statistics could not be read.
enum PBXStatsError: Error, CustomStringConvertible, Sendable {
    /// The PBX answered something else than documented (a 3xxx body, a 401 lockout, a 429).
    case refused(path: String, status: Int, body: String)
    /// `stats/result` still answered 204 when the time allowed ran out.
    case notReady(after: Duration)
    /// `stats/result` answered 404: the key is unknown or the report expired.
    case expired
    /// The PBX could not be reached.
    case unreachable(String)

    var description: String {
        switch self {
        case .refused(let path, let status, let body): "\(path) answered HTTP \(status): \(body)"
        case .notReady(let after): "the PBX's report was not ready within \(after)"
        case .expired: "stats/result answered 404: the PBX no longer knows the report's key"
        case .unreachable(let error): "the PBX could not be reached: \(error)"
        }
    }
}
