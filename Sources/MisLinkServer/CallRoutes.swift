import Firebird
import Foundation
import Hummingbird
import MisLinkPatients
import MisLinkSettings
import Synchronization

/// The call log for web MIS screens: `GET /api/v1/calls` (filters, newest first, keyset paging) and
/// `PATCH /api/v1/calls/{id}` (comment and status).
///
/// Times are UTC (`…Z`); each call also carries `started_at_local`, its start in the clinic's zone,
/// the way the MIS shows it.
struct CallRoutes {
    let pool: FirebirdPool
    let timeZone: TimeZone
    let phoneKeys: PhoneKeys
    /// `recordings.directory`: recording paths are relative to it.
    let recordingsDirectory: String

    struct Call: Codable, ResponseEncodable {
        var id: Int64
        var pbxCallId: String
        var direction: String
        var state: String
        var result: String?
        var status: String?
        var fromNumber: String?
        var toNumber: String?
        var phoneKey: String?
        var patientId: Int?
        var patientOthers: Int
        var operatorId: Int?
        var answeredById: Int?
        var appealId: Int?
        var comment: String?
        var startedAt: Date
        var startedAtLocal: String
        var answeredAt: Date?
        var endedAt: Date?
        var waitSec: Int?
        var talkSec: Int?
        var durationSec: Int?
        var calledBackById: Int64?
        var calledBackAt: Date?
    }

    struct Page: Codable, ResponseEncodable {
        var items: [Call]
        /// Pass as `cursor` for the next page; absent on the last page.
        var nextCursor: String?
    }

    struct Patch: Codable {
        var comment: String?
        var status: String?
    }

    static let columns = """
        ID, PBX_CALL_ID, DIRECTION, STATE, RESULT, STATUS, FROM_NUMBER, TO_NUMBER, PHONE_KEY, PATIENT_ID, PATIENT_OTHERS,
        OPERATOR_ID, ANSWERED_BY_ID, APPEAL_ID, COMMENT, STARTED_AT, ANSWERED_AT, ENDED_AT, WAIT_SEC, TALK_SEC,
        DURATION_SEC, CALLED_BACK_BY_ID, CALLED_BACK_AT
        """

    func add(to group: RouterGroup<WorkerRequestContext>) {
        group.get("calls") { request, _ in try await list(request) }
        group.get("calls/:id/recordings/:n") { request, context in
            let id = try RequestInput.bigint(text: context.parameters.get("id") ?? "", "id")
            let n = Int(try RequestInput.integer(text: context.parameters.get("n") ?? "", "n", in: 1...Self.maxRecordings))
            let action = request.uri.queryParameters["action"].map(String.init) ?? "download"
            guard ["download", "play"].contains(action) else { throw HTTPError(.badRequest, message: "action must be download or play") }
            return try await recording(call: id, number: n, action: action, client: context.remoteIP)
        }
        group.patch("calls/:id") { request, context in
            let id = try RequestInput.bigint(text: context.parameters.get("id") ?? "", "id")
            let patch = try RequestInput.decode(Patch.self, from: try await request.body(limit: 64 * 1024))
            return try await update(id, patch)
        }
    }

    /// `type`, `result`, `status`, `phone` (digits, matched by phone key ending), `patient`, `operator`,
    /// `from`/`to` (ISO 8601), `limit` (1–200, default 50), `cursor`.
    private func list(_ request: Request) async throws -> Page {
        let query = request.uri.queryParameters
        var conditions: [String] = []
        var bindings: [FirebirdValue] = []
        func text(_ name: String, column: String, allowed: [String]? = nil, max: Int = 32) throws {
            guard let value = query[Substring(name)].map(String.init), !value.isEmpty else { return }
            if let allowed, !allowed.contains(value) {
                throw HTTPError(.badRequest, message: "\(name) must be one of \(allowed.joined(separator: ", "))")
            }
            conditions.append("\(column) = ?")
            bindings.append(.text(try RequestInput.text(value, name, max: max)))
        }
        func integer(_ name: String, column: String) throws {
            guard let value = query[Substring(name)], !value.isEmpty else { return }
            conditions.append("\(column) = ?")
            bindings.append(.integer(try RequestInput.integer(text: value, name)))
        }
        func instant(_ name: String, comparison: String) throws {
            guard let value = query[Substring(name)].map(String.init), !value.isEmpty else { return }
            conditions.append("STARTED_AT \(comparison) ?")
            bindings.append(.timestamp(FirebirdTimestamp(try RequestInput.instant(text: value, name), in: .utc)))
        }
        try text("type", column: "DIRECTION", allowed: ["in", "out", "internal"])
        try text("result", column: "RESULT", allowed: ["answered", "missed", "abandoned", "not_reached", "failed"])
        try text("status", column: "STATUS")  // VARCHAR(32) CHARACTER SET UTF8
        try integer("patient", column: "PATIENT_ID")
        try integer("operator", column: "OPERATOR_ID")
        if let flag = query["to_call_back"].map(String.init), ["1", "true", "yes"].contains(flag.lowercased()) {
            // Missed calls nobody has called back yet: the operators' list to work through.
            conditions.append("RESULT = 'missed' AND CALLED_BACK_AT IS NULL")
        }
        try instant("from", comparison: ">=")
        try instant("to", comparison: "<")
        if let phone = query["phone"].map(String.init), !phone.isEmpty {
            _ = try RequestInput.text(phone, "phone", max: 128)
            // The number as typed, in any format, becomes its phone key by the clinic's numbering plan.
            guard let key = try? await phoneKeys.normalizer().lookupNumber(phone).key else {
                throw HTTPError(.badRequest, message: "phone is not a phone number")
            }
            conditions.append("PHONE_KEY = ?")
            bindings.append(.text(key))
        }
        if let cursor = try KeysetCursor(query["cursor"].map(String.init)) {
            // The first condition alone is a range on the STARTED_AT index; the second breaks ties.
            conditions.append("STARTED_AT <= ? AND (STARTED_AT < ? OR ID < ?)")
            bindings += [cursor.timestamp, cursor.timestamp, .bigint(cursor.id)]
        }
        let limit = min(max(Int(query["limit"].map(String.init) ?? "") ?? 50, 1), 200)
        // A phone or a patient has a handful of calls: find them by their index and sort those, rather
        // than walk the whole log newest first looking for them (`+ 0` keeps the optimizer off the
        // STARTED_AT index for the order).
        let selective = !(query["phone"] ?? "").isEmpty || !(query["patient"] ?? "").isEmpty
        let sql = """
            SELECT FIRST \(limit + 1) \(Self.columns) FROM MISLINK_CALLS
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY \(selective ? "STARTED_AT + 0" : "STARTED_AT") DESC, ID DESC
            """
        let rows = try await pool.withConnection { try await $0.query(FirebirdQuery(unsafeSQL: sql, bindings: bindings)) }
        let items = try rows.prefix(limit).map(call)
        var next: String?
        if rows.count > limit, let last = items.last {
            next = KeysetCursor(at: last.startedAt, id: last.id).text
        }
        return Page(items: items, nextCursor: next)
    }

    /// The n-th recording of a call (in the order they were made) as a file; every access is audited
    /// in `MISLINK_RECORDING_ACCESS`.
    private func recording(call: Int64, number: Int, action: String, client: String?) async throws -> Response {
        let rows = try await pool.withConnection { connection in
            try await connection.query(FirebirdQuery(
                unsafeSQL: """
                    SELECT FIRST 1 SKIP \(number - 1) ID, STATE, FILE_PATH, CONTENT_TYPE, PBX_RECORDING_ID
                    FROM MISLINK_CALL_RECORDINGS WHERE CALL_ID = ? ORDER BY ID
                    """, bindings: [.bigint(call)]))
        }
        guard let row = rows.first else { throw HTTPError(.notFound, message: "call \(call) has no recording \(number)") }
        guard try row.decode(String.self, at: 1) == "stored", let stored = try row.decode(String?.self, at: 2) else {
            throw HTTPError(.notFound, message: "recording \(number) of call \(call) is not downloaded yet")
        }
        guard let path = Self.confined(stored, to: recordingsDirectory) else {
            throw HTTPError(.notFound, message: "recording \(number) of call \(call) is not served: its file path leads out of recordings.directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HTTPError(.notFound, message: "recording \(number) of call \(call) is not downloaded yet")
        }
        let recordingID = try row.decode(Int64.self, at: 0)
        _ = try await pool.withConnection { connection in
            try await connection.execute(FirebirdQuery(
                unsafeSQL: """
                    INSERT INTO MISLINK_RECORDING_ACCESS (RECORDING_ID, CALL_ID, CLIENT_NAME, CLIENT_ADDR, ACTION, ACCESSED_AT)
                    VALUES (?, ?, 'api', ?, ?, ?)
                    """,
                bindings: [.bigint(recordingID), .bigint(call), client.map { .text(String($0.prefix(45))) } ?? .null, .text(action),
                           .timestamp(FirebirdTimestamp(Date(), in: .utc))]))
        }
        let name = (try row.decode(String.self, at: 4)).filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return Response(
            status: .ok,
            headers: [.contentType: try row.decode(String?.self, at: 3) ?? "audio/mpeg",
                      .contentDisposition: "\(action == "play" ? "inline" : "attachment"); filename=\"\(name).mp3\""],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The most recordings a call is asked for (`n` in the path).
    static let maxRecordings = 10_000

    /// A recording's FILE_PATH (relative to `directory`, as the fetcher writes it, or absolute) as a file
    /// path inside `directory` once `..` and symbolic links are resolved; nil when it leads out of it.
    static func confined(_ stored: String, to directory: String) -> String? {
        guard !stored.isEmpty, !stored.contains("\0") else { return nil }
        let root = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        let joined = stored.hasPrefix("/") ? URL(fileURLWithPath: stored) : URL(fileURLWithPath: root).appendingPathComponent(stored)
        let path = joined.standardizedFileURL.resolvingSymlinksInPath().path
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(prefix) ? path : nil
    }

    private func update(_ id: Int64, _ patch: Patch) async throws -> Call {
        guard patch.comment != nil || patch.status != nil else {
            throw HTTPError(.badRequest, message: "give comment, status or both")
        }
        _ = try RequestInput.text(patch.status, "status", max: 32)
        _ = try RequestInput.text(patch.comment, "comment", max: 1000)
        let update = FirebirdQuery(
            unsafeSQL: """
                UPDATE MISLINK_CALLS SET COMMENT = COALESCE(?, COMMENT), STATUS = COALESCE(?, STATUS)
                WHERE ID = ? RETURNING \(Self.columns)
                """,
            bindings: [patch.comment.map { .text($0) } ?? .null, patch.status.map { .text($0) } ?? .null, .bigint(id)])
        let rows = try await pool.withTransaction { transaction in try transaction.attachment.query(update, in: transaction) }
        guard let row = rows.first, !(row.values.first?.isNull ?? true) else {
            throw HTTPError(.notFound, message: "no call \(id)")
        }
        return try call(row)
    }

    private func call(_ row: Row) throws -> Call {
        let started = try row.decode(FirebirdTimestamp.self, at: 15).date(in: .utc)
        return Call(
            id: try row.decode(Int64.self, at: 0), pbxCallId: try row.decode(String.self, at: 1),
            direction: try row.decode(String.self, at: 2), state: try row.decode(String.self, at: 3),
            result: try row.decode(String?.self, at: 4), status: try row.decode(String?.self, at: 5),
            fromNumber: try row.decode(String?.self, at: 6), toNumber: try row.decode(String?.self, at: 7),
            phoneKey: try row.decode(String?.self, at: 8), patientId: try row.decode(Int?.self, at: 9),
            patientOthers: try row.decode(Int.self, at: 10), operatorId: try row.decode(Int?.self, at: 11),
            answeredById: try row.decode(Int?.self, at: 12), appealId: try row.decode(Int?.self, at: 13),
            comment: try row.decode(String?.self, at: 14), startedAt: started,
            startedAtLocal: FirebirdTimestamp(started, in: timeZone).description.prefix(19).description,
            answeredAt: try row.decode(FirebirdTimestamp?.self, at: 16)?.date(in: .utc),
            endedAt: try row.decode(FirebirdTimestamp?.self, at: 17)?.date(in: .utc),
            waitSec: try row.decode(Int?.self, at: 18), talkSec: try row.decode(Int?.self, at: 19),
            durationSec: try row.decode(Int?.self, at: 20), calledBackById: try row.decode(Int64?.self, at: 21),
            calledBackAt: try row.decode(FirebirdTimestamp?.self, at: 22)?.date(in: .utc))
    }
}

/// The clinic's numbering plan, read from the database once, for turning typed numbers into keys.
final class PhoneKeys: Sendable {
    private let pool: FirebirdPool
    private let plan = Mutex<PhoneNumberingPlan?>(nil)

    init(pool: FirebirdPool) { self.pool = pool }

    func normalizer() async throws -> PhoneNormalizer {
        if let plan = plan.withLock({ $0 }) { return PhoneNormalizer(plan: plan) }
        guard let url = NamedQueries.defaultURL() else { return PhoneNormalizer(plan: PhoneNumberingPlan()) }
        let queries = try NamedQueries(contentsOf: url)
        let loaded = try await pool.withConnection { connection in
            try await connection.withAttachment { try PatientIdentifier.numberingPlan(queries: queries, attachment: $0) }
        }
        plan.withLock { $0 = loaded }
        return PhoneNormalizer(plan: loaded)
    }
}
