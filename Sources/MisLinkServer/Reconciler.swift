import Firebird
import Foundation
import Logging
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkIntake
import MisLinkPatients
import MisLinkProfiles
import MisLinkSettings
import MisLinkStore
import ServiceLifecycle

/// Fills the call log from the PBX's own statistics: `stats/request` for a period (with `entry_id`, to
/// join with the webhooks), `stats/result` polled until the CSV is ready, then every call the webhooks
/// never delivered is inserted (`SOURCE = 'reconcile'`), and every call left open without a summary
/// is closed from the report (`CLOSED_BY = 'reconcile'`). Results are judged as for a summary
/// (reference A.7, pitfall 7).
///
/// With the MIS profile, an inserted call is written as the intake writes a call known from its summary
/// (``CallLogApplier/reconcile(_:in:)``): the client's phone key and patient identified the intake's way,
/// the operator mapped by extension, and called-back matching with the calls around it. Without one (a
/// caller that gives none) only the phone key is filled in, and each run says so in the log.
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
    /// The MIS profile: identification and operators. `nil` fills in phone keys only.
    let profile: MISProfile?
    let mango: MisLinkSettings.Mango
    let client: HTTPClient
    let logger: Logger
    /// Seconds between `stats/result` polls (the PBX asks for no more than one per 5 s).
    var pollInterval: Duration = .seconds(5)

    /// Makes a reconciler.
    /// - Parameter profile: The MIS profile the worker uses (``Worker/loadProfile()``): inserted calls are
    ///   identified and credited with it. Defaults to none (phone keys only).
    public init(configuration: FirebirdConfiguration, mango: MisLinkSettings.Mango, client: HTTPClient,
                logger: Logger = Logger(label: "mislink.reconcile"), pollInterval: Duration = .seconds(5),
                profile: MISProfile? = nil) {
        self.configuration = configuration
        self.profile = profile
        self.mango = mango
        self.client = client
        self.logger = logger
        self.pollInterval = pollInterval
    }

    /// The longest period one `stats/request` may ask for: "at most a month", read as 31 days (the fake PBX
    /// answers a longer window with 3100, which counts towards the PBX's lockout).
    public static let maxWindow: TimeInterval = 31 * 86_400

    /// Reconciles calls that started in `[from, to)`: a period longer than ``maxWindow`` is asked for in
    /// consecutive windows of at most that, oldest first, each applied in its own transaction (a failure
    /// keeps what the earlier windows did), and the report adds them up.
    public func run(from: Date, to: Date, timeout: Duration = .seconds(300)) async throws -> Report {
        var total = Report(from: from, to: to, reported: 0, inserted: 0, completed: 0, known: 0, insertedEntries: [])
        var start = from
        repeat {
            let end = min(to, start.addingTimeInterval(Self.maxWindow))
            let part = try await runWindow(from: start, to: end, timeout: timeout)
            total.reported += part.reported
            total.inserted += part.inserted
            total.completed += part.completed
            total.known += part.known
            total.insertedEntries = Array((total.insertedEntries + part.insertedEntries).prefix(50))
            start = end
        } while start < to
        return total
    }

    /// One window of at most ``maxWindow``.
    private func runWindow(from: Date, to: Date, timeout: Duration) async throws -> Report {
        let rows = try await report(from: from, to: to, timeout: timeout)
        let connection = try await FirebirdConnection.connect(configuration)
        defer { Task { try? await connection.close() } }
        let offset = mango.timestampOffset
        let (profile, logger) = (self.profile, self.logger)
        if profile == nil {
            logger.warning("reconcile: no MIS profile given, the calls it inserts get phone keys but no patient or operator")
        }
        var result = try await connection.withAttachment { attachment in
            try attachment.inTransaction(.default) { transaction in
                let context = profile.map {
                    ApplyContext.standalone(attachment: attachment, transaction: transaction, profile: $0, timestampOffset: offset,
                                            logger: logger)
                }
                return try Self.apply(rows, context: context, attachment: attachment, transaction: transaction, timestampOffset: offset)
            }
        }
        result.from = from
        result.to = to
        logger.notice("reconcile \(from)–\(to): \(result)")
        return result
    }

    /// Asks for the report and polls until it is ready (``PBXStatsClient``).
    private func report(from: Date, to: Date, timeout: Duration) async throws -> [[String: String]] {
        let stats = PBXStatsClient(mango: mango, client: client, pollInterval: pollInterval)
        do {
            return try await stats.report(from: from, to: to, fields: Self.fields, timeout: timeout).rows
        } catch let error as PBXStatsError {
            throw ReconcileError(error.description)
        }
    }

    /// Inserts the calls the log lacks and closes the open ones, in one transaction: through `context` (the
    /// intake's writing, with the MIS profile) when there is one.
    static func apply(_ rows: [[String: String]], context: ApplyContext?, attachment: FirebirdAttachment, transaction: Transaction,
                      timestampOffset: Int) throws -> Report {
        var report = Report(from: Date(), to: Date(), reported: rows.count, inserted: 0, completed: 0, known: 0, insertedEntries: [])
        let applier = CallLogApplier()
        for found in rows {
            guard let summary = summary(of: found) else { continue }
            let outcome = try context.map { try applier.reconcile(summary, in: $0) }
                ?? applyWithoutProfile(summary, attachment: attachment, transaction: transaction, timestampOffset: timestampOffset)
            switch outcome {
            case .known: report.known += 1
            case .completed: report.completed += 1
            case .inserted:
                report.inserted += 1
                if report.insertedEntries.count < 50 { report.insertedEntries.append(summary.entryId) }
            }
        }
        return report
    }

    /// The summary a row of the report amounts to (`answer` 0: nobody talked); nil without an `entry_id`.
    /// The report has no direction: an extension that dialled a number is outbound, extension to extension
    /// internal, anything else inbound.
    static func summary(of found: [String: String]) -> MangoSummaryEvent? {
        func row(_ field: String) -> String? { found[field].flatMap { $0.isEmpty ? nil : $0 } }
        guard let entry = row("entry_id") else { return nil }
        let start = Int(found["start"] ?? "") ?? 0
        let answer = Int(found["answer"] ?? "") ?? 0
        let finish = Int(found["finish"] ?? "") ?? 0
        let fromExt = row("from_extension"), toExt = row("to_extension"), toNumber = row("to_number")
        let direction = fromExt != nil && toExt != nil && toNumber == nil ? 0 : fromExt != nil ? 2 : 1
        return MangoSummaryEvent(
            entryId: entry, callDirection: direction, from: MangoCallParty(extension: fromExt, number: row("from_number")),
            to: MangoCallParty(extension: toExt, number: toNumber), lineNumber: row("line_number"), createTime: start,
            forwardTime: answer > 0 ? answer : 0, talkTime: answer, endTime: finish, entryResult: answer > 0 ? 1 : 0,
            disconnectReason: row("disconnect_reason").flatMap { Int($0) }.map { MangoResultCode($0) })
    }

    /// Without the MIS profile: the call as the report gives it, with its client's phone key.
    private static func applyWithoutProfile(_ summary: MangoSummaryEvent, attachment: FirebirdAttachment, transaction: Transaction,
                                            timestampOffset: Int) throws -> CallLogApplier.Reconciled {
        let now = FirebirdTimestamp(Date(), in: .utc)
        func at(_ epoch: Int) -> FirebirdTimestamp? {
            // A number from the PBX's CSV: out of range (or overflowing with the offset) is left NULL.
            guard epoch > 0 else { return nil }
            let (seconds, overflow) = epoch.subtractingReportingOverflow(timestampOffset)
            guard !overflow else { return nil }
            return FirebirdTimestamp(exactly: Date(timeIntervalSince1970: TimeInterval(seconds)), in: .utc)
        }
        let direction = CallLogApplier.direction(of: summary)
        let (start, answer, finish) = (summary.createTime, summary.talkTime, summary.endTime)
        let ended = CallSummary(
            direction: direction, result: CallLogApplier.result(of: summary), endedAt: at(finish),
            answeredAt: answer > 0 ? at(answer) : nil, waitSec: Int32(clamping: max(0, (answer > 0 ? answer : finish) - start)),
            talkSec: Int32(clamping: answer > 0 ? max(0, finish - answer) : 0), durationSec: Int32(clamping: max(0, finish - start)),
            disconnectReason: summary.disconnectReason.map { Int32(clamping: $0.rawValue) })
        if let existing = try Calls.find(pbxCallId: summary.entryId, in: transaction) {
            guard existing.state != .ended else { return .known }
            try Calls.endReconciled(existing.id, with: ended, now: now, in: transaction)
            return .completed
        }
        let client = direction == .outbound ? summary.to?.number : direction == .inbound ? summary.from?.number : nil
        let key = try client.flatMap { try Lookups.phoneKey($0, in: transaction) }
        let call = NewCall(
            pbxCallId: summary.entryId, direction: direction, state: .ended, fromNumber: summary.from?.number,
            fromExtension: summary.from?.extensionNumber, toNumber: summary.to?.number, toExtension: summary.to?.extensionNumber,
            lineNumber: summary.lineNumber, acdGroup: nil, startedAt: at(start),
            caller: CallerMatch(phoneKey: key, patientId: nil, patientOthers: 0, patientMatch: nil), commandId: nil)
        _ = try Calls.insertEnded(call, with: ended, source: .reconcile, closedBy: .reconcile, now: now, in: transaction)
        return .inserted
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
