import Firebird
import Foundation
import Hummingbird
import MisLinkPatients
import MisLinkSettings
import MisLinkStore
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
    /// The patients' and employees' names the log shows, and the name filters.
    let names: MISDirectory

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
        var patientId: Int64?
        var patientOthers: Int
        var operatorId: Int64?
        var answeredById: Int64?
        var appealId: Int64?
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
        /// The patient's full name (the profile's `patient_get`); nil without a patient or the statement.
        var patientName: String?
        /// The employee credited with the call, and the first to answer it.
        var operatorName: String?
        var answeredByName: String?
        /// Recordings downloaded and ready to play.
        var recordings: Int
        /// Missed and not called back yet.
        var toCallBack: Bool
    }

    /// The names of one page's patients and employees, looked up once per distinct id.
    struct Names: Sendable {
        var patients: [Int64: MISDirectory.Patient] = [:]
        var staff: [Int64: String] = [:]
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

    func add(to group: RouterGroup<WorkerRequestContext>) {
        group.get("calls") { request, _ in try await list(request) }
        group.get("calls/:id/recordings/:n") { request, context in
            let id = try RequestInput.bigint(text: context.parameters.get("id") ?? "", "id")
            let n = Int(try RequestInput.integer(text: context.parameters.get("n") ?? "", "n", in: 1...Self.maxRecordings))
            let action = request.uri.queryParameters["action"].map(String.init) ?? "download"
            guard ["download", "play"].contains(action) else { throw HTTPError(.badRequest, message: "action must be download or play") }
            return try await recording(call: id, number: n, action: action, context: context)
        }
        group.patch("calls/:id") { request, context in
            let id = try RequestInput.bigint(text: context.parameters.get("id") ?? "", "id")
            let patch = try RequestInput.decode(Patch.self, from: try await request.body(limit: 64 * 1024))
            return try await update(id, patch, context: context)
        }
    }

    /// `type`, `result`, `status`, `phone` (digits, matched by phone key ending), `patient`, `operator`,
    /// `patient_name` (the patients the profile's `patients_by_name` finds, at most 500), `operator_name`
    /// (the employees of `staff_list` whose name contains it), `from`/`to` (ISO 8601), `limit` (1–200,
    /// default 50), `cursor`.
    private func list(_ request: Request) async throws -> Page {
        let query = request.uri.queryParameters
        var filter = Calls.Filter()
        // Free text as a browser's form or URLSearchParams sends it: "+" is a space ("Иванова+Анна",
        // "8+(916)+123-45-67"); a plus sign itself comes as %2B.
        func formText(_ name: String) -> String? {
            query[Substring(name)].map { $0.replacingOccurrences(of: "+", with: " ") }
        }
        func text(_ name: String, allowed: [String]? = nil, max: Int = 32) throws -> String? {
            guard let value = formText(name), !value.isEmpty else { return nil }
            if let allowed, !allowed.contains(value) {
                throw HTTPError(.badRequest, message: "\(name) must be one of \(allowed.joined(separator: ", "))")
            }
            let checked: String = try RequestInput.text(value, name, max: max)
            return checked
        }
        // The MIS's patient and employee ids (BIGINT since V015).
        func id(_ name: String) throws -> Int64? {
            guard let value = query[Substring(name)], !value.isEmpty else { return nil }
            return try RequestInput.id(text: value, name)
        }
        func instant(_ name: String) throws -> Date? {
            guard let value = query[Substring(name)].map(String.init), !value.isEmpty else { return nil }
            return try RequestInput.instant(text: value, name)
        }
        filter.direction = try text("type", allowed: ["in", "out", "internal"])
        filter.result = try text("result", allowed: ["answered", "missed", "abandoned", "not_reached", "failed"])
        filter.status = try text("status")  // VARCHAR(32) CHARACTER SET UTF8
        filter.patientId = try id("patient")
        filter.operatorId = try id("operator")
        // Missed calls nobody has called back yet: the operators' list to work through.
        filter.toCallBack = query["to_call_back"].map { ["1", "true", "yes"].contains(String($0).lowercased()) } ?? false
        filter.from = try instant("from")
        filter.to = try instant("to")
        if let phone = formText("phone"), !phone.isEmpty {
            _ = try RequestInput.text(phone, "phone", max: 128)
            // The number as typed, in any format, becomes its phone key by the clinic's numbering plan.
            guard let key = try? await phoneKeys.normalizer().lookupNumber(phone).key else {
                throw HTTPError(.badRequest, message: "phone is not a phone number")
            }
            filter.phoneKey = key
        }
        let patientName = try text("patient_name", max: 150)
        let operatorName = try text("operator_name", max: 150)
        for (field, given, statement) in [("patient_name", patientName, "patients_by_name"), ("operator_name", operatorName, "staff_list")]
        where given != nil && !names.has(statement) {
            throw HTTPError(.badRequest, message: "\(field) needs the MIS profile's \(statement) statement")
        }
        if let cursor = try KeysetCursor(query["cursor"].map(String.init)) { filter.after = (cursor.at, cursor.id) }
        let limit = min(max(Int(query["limit"].map(String.init) ?? "") ?? 50, 1), 200)
        let (chosen, names) = (filter, names)
        let (rows, found) = try await pool.withTransaction(.read) { tx -> ([CallRecord], Names) in
            var filter = chosen
            if let patientName { filter.patientIds = try names.patientIds(named: patientName, in: tx) ?? [] }
            if let operatorName { filter.operatorIds = try names.staffIds(named: operatorName, in: tx) ?? [] }
            let rows = try Calls.list(filter, limit: limit + 1, in: tx)
            let shown = rows.prefix(limit)
            let patients = try names.patients(Set(shown.compactMap(\.patientId)), in: tx)
            let staff = try names.staffNames(Set(shown.flatMap { [$0.operatorId, $0.answeredById].compactMap { $0 } }), in: tx)
            return (rows, Names(patients: patients, staff: staff))
        }
        let items = rows.prefix(limit).map { call($0, names: found) }
        var next: String?
        if rows.count > limit, let last = items.last {
            next = KeysetCursor(at: last.startedAt, id: last.id).text
        }
        return Page(items: items, nextCursor: next)
    }

    /// The n-th recording of a call (in the order they were made) as a file; every access is audited
    /// in `MISLINK_RECORDING_ACCESS` (with the signed-in listener, `LISTENER_STAFF_ID`), and a console
    /// session's also in `MISLINK_AUDIT` (`recording_play`).
    private func recording(call: Int64, number: Int, action: String, context: WorkerRequestContext) async throws -> Response {
        let found = try await pool.withTransaction(.read) { tx in try Calls.recording(call: call, number: number, in: tx) }
        guard let recording = found else { throw HTTPError(.notFound, message: "call \(call) has no recording \(number)") }
        guard recording.state == "stored", let stored = recording.filePath else {
            throw HTTPError(.notFound, message: "recording \(number) of call \(call) is not downloaded yet")
        }
        guard let path = Self.confined(stored, to: recordingsDirectory) else {
            throw HTTPError(.notFound, message: "recording \(number) of call \(call) is not served: its file path leads out of recordings.directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HTTPError(.notFound, message: "recording \(number) of call \(call) is not downloaded yet")
        }
        let audit = context.audit(.recordingPlay, "recording", recording.id, details: "\(action), call \(call)")
        try await pool.withTransaction(.default) { tx in
            try Calls.auditAccess(recording: recording.id, call: call, clientAddress: context.remoteIP, action: action, at: Date(),
                                  listener: context.principal?.staffId, in: tx)
            if let audit { try Audit.record(audit, in: tx) }
        }
        let name = recording.pbxRecordingId.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return Response(
            status: .ok,
            headers: [.contentType: recording.contentType ?? "audio/mpeg",
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

    /// Sets the comment and status; through a console session each change is audited (`call_comment`,
    /// `call_status`) in the same transaction.
    private func update(_ id: Int64, _ patch: Patch, context: WorkerRequestContext) async throws -> Call {
        guard patch.comment != nil || patch.status != nil else {
            throw HTTPError(.badRequest, message: "give comment, status or both")
        }
        _ = try RequestInput.text(patch.status, "status", max: 32)
        _ = try RequestInput.text(patch.comment, "comment", max: 1000)
        let audits = [patch.comment.flatMap { context.audit(.callComment, "call", id, details: $0) },
                      patch.status.flatMap { context.audit(.callStatus, "call", id, details: $0) }].compactMap { $0 }
        let updated = try await pool.withTransaction(.default) { tx in
            let updated = try Calls.update(id, comment: patch.comment, status: patch.status, in: tx)
            if updated != nil { for audit in audits { try Audit.record(audit, in: tx) } }
            return updated
        }
        guard let updated else { throw HTTPError(.notFound, message: "no call \(id)") }
        return call(updated)
    }

    /// The call as the API shows it, with the names found for its ids.
    private func call(_ record: CallRecord, names: Names = Names()) -> Call {
        Call(
            id: record.id, pbxCallId: record.pbxCallId, direction: record.direction, state: record.state, result: record.result,
            status: record.status, fromNumber: record.fromNumber, toNumber: record.toNumber, phoneKey: record.phoneKey,
            patientId: record.patientId, patientOthers: record.patientOthers, operatorId: record.operatorId,
            answeredById: record.answeredById, appealId: record.appealId, comment: record.comment,
            startedAt: record.startedAt,
            startedAtLocal: FirebirdTimestamp(record.startedAt, in: timeZone).description.prefix(19).description,
            answeredAt: record.answeredAt, endedAt: record.endedAt, waitSec: record.waitSec, talkSec: record.talkSec,
            durationSec: record.durationSec, calledBackById: record.calledBackById, calledBackAt: record.calledBackAt,
            patientName: record.patientId.flatMap { names.patients[$0]?.name },
            operatorName: record.operatorId.flatMap { names.staff[$0] }, answeredByName: record.answeredById.flatMap { names.staff[$0] },
            recordings: record.recordings, toCallBack: record.result == "missed" && record.calledBackAt == nil)
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
