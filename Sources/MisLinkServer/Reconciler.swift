import Firebird
import Foundation
import Logging
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkIntake
import MisLinkPatients
import MisLinkSettings
import ServiceLifecycle

/// Fills the call log from the PBX's own statistics: `stats/request` for a period (with `entry_id`, to
/// join with the webhooks), `stats/result` polled until the CSV is ready, then every call the webhooks
/// never delivered is inserted (`SOURCE = 'reconcile'`), and every call left open without a summary
/// is closed from the report (`CLOSED_BY = 'reconcile'`). Results are judged as for a summary
/// (reference A.7, pitfall 7).
public struct Reconciler: Sendable {
    /// What a run did.
    public struct Report: Sendable, Codable, CustomStringConvertible {
        public var from: Date
        public var to: Date
        /// Calls in the PBX's report.
        public var reported: Int
        /// Inserted: the webhooks never delivered them.
        public var inserted: Int
        /// Open calls (no summary) closed from the report.
        public var completed: Int
        /// Already in the call log, finished.
        public var known: Int
        /// The `entry_id`s inserted (at most 50), for the operator's report.
        public var insertedEntries: [String]

        public var description: String {
            "\(reported) call(s) in the PBX's report: \(inserted) inserted, \(completed) completed, \(known) already known"
        }
    }

    static let fields = ["entry_id", "start", "finish", "answer", "from_extension", "from_number", "to_extension", "to_number",
                         "disconnect_reason", "line_number"]

    let configuration: FirebirdConfiguration
    let mango: MisLinkSettings.Mango
    let client: HTTPClient
    let logger: Logger
    /// Seconds between `stats/result` polls (the PBX asks for no more than one per 5 s).
    var pollInterval: Duration = .seconds(5)

    /// Makes a reconciler.
    public init(configuration: FirebirdConfiguration, mango: MisLinkSettings.Mango, client: HTTPClient,
                logger: Logger = Logger(label: "mislink.reconcile"), pollInterval: Duration = .seconds(5)) {
        self.configuration = configuration
        self.mango = mango
        self.client = client
        self.logger = logger
        self.pollInterval = pollInterval
    }

    /// Reconciles calls that started in `[from, to)`.
    public func run(from: Date, to: Date, timeout: Duration = .seconds(300)) async throws -> Report {
        let rows = try await report(from: from, to: to, timeout: timeout)
        let connection = try await FirebirdConnection.connect(configuration)
        defer { Task { try? await connection.close() } }
        let offset = mango.timestampOffset
        var result = try await connection.withAttachment { attachment in
            try attachment.inTransaction(.default) { transaction in
                try Self.apply(rows, attachment: attachment, transaction: transaction, timestampOffset: offset)
            }
        }
        result.from = from
        result.to = to
        logger.notice("reconcile \(from)–\(to): \(result)")
        return result
    }

    /// Asks for the report and polls until it is ready.
    private func report(from: Date, to: Date, timeout: Duration) async throws -> [[String: String]] {
        let credentials = MangoCredentials(apiKey: mango.apiKey, apiSalt: mango.apiSalt)
        let request = MangoStatsRequest(
            dateFrom: Int(from.timeIntervalSince1970) + mango.timestampOffset, dateTo: Int(to.timeIntervalSince1970) + mango.timestampOffset,
            fields: Self.fields.joined(separator: ","), requestId: UUID().uuidString.lowercased())
        let asked = try await client.execute(.form(
            HTTPClientRequest.url(mango.baseURL, "stats/request"), fields: MangoSignedForm(json: try MangoJSON.encode(request), credentials: credentials).fields))
        guard asked.status == 200, let key = try? JSONDecoder().decode(MangoStatsKey.self, from: asked.body) else {
            throw ReconcileError("stats/request answered \(asked.status): \(String(decoding: asked.body.prefix(200), as: UTF8.self))")
        }
        let keyJSON = try MangoJSON.encode(MangoStatsKey(key: key.key, requestId: key.requestId))
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let answer = try await client.execute(.form(
                HTTPClientRequest.url(mango.baseURL, "stats/result"), fields: MangoSignedForm(json: keyJSON, credentials: credentials).fields))
            switch answer.status {
            case 200:
                return MangoStatsCSV.parse(String(decoding: answer.body, as: UTF8.self)).map { values in
                    Dictionary(uniqueKeysWithValues: zip(Self.fields, values + Array(repeating: "", count: max(0, Self.fields.count - values.count))))
                }
            case 204:
                try await Task.sleep(for: pollInterval)
            default:
                throw ReconcileError("stats/result answered \(answer.status)")
            }
        }
        throw ReconcileError("the report was not ready within \(timeout)")
    }

    /// Inserts the calls the log lacks and closes the open ones, in one transaction.
    static func apply(_ rows: [[String: String]], attachment: FirebirdAttachment, transaction: Transaction,
                      timestampOffset: Int) throws -> Report {
        var report = Report(from: Date(), to: Date(), reported: rows.count, inserted: 0, completed: 0, known: 0, insertedEntries: [])
        let now = FirebirdValue.timestamp(FirebirdTimestamp(Date(), in: .utc))
        func at(_ text: String?) -> FirebirdValue {
            // A number from the PBX's CSV: out of range (or overflowing with the offset) is left NULL.
            guard let epoch = text.flatMap(Int.init), epoch > 0 else { return .null }
            let (seconds, overflow) = epoch.subtractingReportingOverflow(timestampOffset)
            guard !overflow, let time = FirebirdTimestamp(exactly: Date(timeIntervalSince1970: TimeInterval(seconds)), in: .utc)
            else { return .null }
            return .timestamp(time)
        }
        let find = try attachment.prepare("SELECT ID, STATE FROM MISLINK_CALLS WHERE PBX_CALL_ID = ?", in: transaction)
        for row in rows {
            guard let entry = row["entry_id"], !entry.isEmpty else { continue }
            let start = Int(row["start"] ?? "") ?? 0
            let answer = Int(row["answer"] ?? "") ?? 0
            let finish = Int(row["finish"] ?? "") ?? 0
            let fromExt = row["from_extension"].flatMap { $0.isEmpty ? nil : $0 }
            let toExt = row["to_extension"].flatMap { $0.isEmpty ? nil : $0 }
            let toNumber = row["to_number"].flatMap { $0.isEmpty ? nil : $0 }
            let direction = fromExt != nil && toExt != nil && toNumber == nil ? "internal" : fromExt != nil ? "out" : "in"
            let summary = MangoSummaryEvent(
                entryId: entry, callDirection: ["internal": 0, "in": 1, "out": 2][direction]!,
                to: MangoCallParty(extension: toExt, number: toNumber), createTime: start, forwardTime: answer > 0 ? answer : 0,
                talkTime: answer, endTime: finish, entryResult: answer > 0 ? 1 : 0)
            let result = CallLogApplier.result(of: summary)
            let values: [FirebirdValue] = [
                .text(result), at(row["finish"]), answer > 0 ? at(row["answer"]) : .null,
                .integer(Int32(clamping: max(0, (answer > 0 ? answer : finish) - start))),
                .integer(Int32(clamping: answer > 0 ? max(0, finish - answer) : 0)), .integer(Int32(clamping: max(0, finish - start))),
                Int32(row["disconnect_reason"] ?? "").map { .integer($0) } ?? .null,
            ]
            let existing = try find.rows([.text(entry)], in: transaction).first
            if let existing {
                guard try existing.decode(String.self, at: 1) != "ended" else {
                    report.known += 1
                    continue
                }
                _ = try attachment.execute(FirebirdQuery(
                    unsafeSQL: """
                        UPDATE MISLINK_CALLS SET STATE = 'ended', CLOSED_BY = 'reconcile', RESULT = ?, ENDED_AT = ?,
                            ANSWERED_AT = COALESCE(ANSWERED_AT, ?), WAIT_SEC = ?, TALK_SEC = ?, DURATION_SEC = ?,
                            DISCONNECT_REASON = ?, UPDATED_AT = ?
                        WHERE ID = ?
                        """, bindings: values + [now, .bigint(try existing.decode(Int64.self, at: 0))]), in: transaction)
                report.completed += 1
                continue
            }
            _ = try attachment.execute(FirebirdQuery(
                unsafeSQL: """
                    INSERT INTO MISLINK_CALLS (RESULT, ENDED_AT, ANSWERED_AT, WAIT_SEC, TALK_SEC, DURATION_SEC, DISCONNECT_REASON,
                        PBX_CALL_ID, DIRECTION, STATE, SOURCE, CLOSED_BY, FROM_NUMBER, FROM_EXTENSION, TO_NUMBER, TO_EXTENSION,
                        LINE_NUMBER, STARTED_AT, CREATED_AT, UPDATED_AT)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'ended', 'reconcile', 'reconcile', ?, ?, ?, ?, ?,
                        COALESCE(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP)), ?, ?)
                    """,
                bindings: values + [.text(entry), .text(direction), row["from_number"].flatMap { $0.isEmpty ? nil : .text($0) } ?? .null,
                                    fromExt.map { .text($0) } ?? .null, toNumber.map { .text($0) } ?? .null,
                                    toExt.map { .text($0) } ?? .null,
                                    row["line_number"].flatMap { $0.isEmpty ? nil : .text($0) } ?? .null, at(row["start"]), now, now, now]),
                in: transaction)
            report.inserted += 1
            if report.insertedEntries.count < 50 { report.insertedEntries.append(entry) }
        }
        return report
    }
}

/// The reconciliation could not run.
public struct ReconcileError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The worker's periodic reconciliation (`telephony.reconcile_minutes`): the last
/// `reconcile_window_minutes`, up to five minutes ago (the summaries of calls just ended may still be
/// on their way).
struct PeriodicReconciliation: Service {
    let reconciler: Reconciler
    let settings: MisLinkSettings.Telephony
    let logger: Logger

    func run() async throws {
        guard settings.reconcileMinutes > 0 else {
            // A service that returns would stop the whole worker: wait for the shutdown instead.
            try? await gracefulShutdown()
            return
        }
        let period = Duration.seconds(settings.reconcileMinutes * 60)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { return }
            let to = Date().addingTimeInterval(-300)
            do {
                _ = try await reconciler.run(from: to.addingTimeInterval(-Double(settings.reconcileWindowMinutes) * 60), to: to)
            } catch {
                logger.warning("reconciliation with the PBX failed: \(error)")
            }
        }
    }
}
