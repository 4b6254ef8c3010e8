import Firebird
import Foundation
import Logging
import MisLinkExternalAPIs
import MisLinkPatients
import MisLinkProfiles
import MisLinkStore

/// Calls filled in from the PBX's statistics (`stats/request`), written the way the intake writes a call
/// from its summary: the client identified as at a call's first event (its phone key, the patient, "and N
/// more", the matched column), the operator mapped by extension through the profile's `staff_extensions`
/// (who answered an inbound or internal call, who dialled an outbound one; a missed call's first operator
/// answers for it), and matched with the calls around it for "called back" (``Calls/matchLateCallbacks``).
extension CallLogApplier {
    /// What reconciling one call of the report did.
    public enum Reconciled: Sendable, Equatable {
        /// The log lacked it: inserted (`SOURCE = 'reconcile'`).
        case inserted
        /// It was open (no summary came): closed from the report (`CLOSED_BY = 'reconcile'`).
        case completed
        /// Already in the log, finished.
        case known
    }

    /// Applies one call of the PBX's statistics, given as the summary it amounts to.
    public func reconcile(_ summary: MangoSummaryEvent, in context: ApplyContext) throws -> Reconciled {
        let result = Self.result(of: summary)
        let ended = try Self.callSummary(of: summary, in: context)
        if let existing = try Calls.find(pbxCallId: Self.ascii(summary.entryId, 128) ?? summary.entryId, in: context) {
            guard existing.state != .ended else { return .known }
            // The webhooks identified it and credited its operators; the report only ends it.
            try Calls.endReconciled(existing.id, with: ended, now: context.nowStamp, in: context)
            try closeCall(existing.id, summary: summary, result: result, in: context)
            return .completed
        }
        let (call, who) = try Self.newCall(from: summary, in: context)
        guard let callID = try Calls.insertEnded(call, with: ended, source: .reconcile, closedBy: .reconcile,
                                                 now: context.nowStamp, in: context)
        else { throw ApplyError("INSERT … RETURNING ID gave no id") }
        let direction = Self.direction(of: summary)
        // The employee on the call: the extension that dialled out, else the one rung (inbound, internal).
        let staff = try direction == .outbound
            ? context.lookups.staffID(party: summary.from, in: context)
            : context.lookups.staffID(party: summary.to, in: context)
        if let staff, ended.answeredAt != nil || direction == .outbound {
            let operatorExtension = direction == .inbound ? call.toExtension : nil
            if ended.answeredAt != nil {
                _ = try Calls.creditAnswer(callID, staff: staff, operatorExtension: operatorExtension, answeredAt: ended.answeredAt,
                                           now: context.nowStamp, in: context)
            } else {
                _ = try Calls.creditOperator(callID, staff: staff, operatorExtension: operatorExtension, answeredAt: ended.answeredAt,
                                             now: context.nowStamp, in: context)
            }
        }
        try closeCall(callID, summary: summary, result: result, in: context)
        if let key = call.caller.phoneKey, let startedAt = call.startedAt, who?.ownNumber != true {
            try Calls.matchLateCallbacks(callID, phoneKey: key, startedAt: startedAt, connectedAt: ended.answeredAt,
                                         missed: result == .missed, now: context.nowStamp, in: context)
        }
        return .inserted
    }
}

extension ApplyContext {
    /// A context outside the intake's batches, for work that writes calls as the intake does (the
    /// reconciliation): one transaction of the caller's, statements prepared for it, lookups of its own.
    /// - Parameters:
    ///   - queries: MisLink's `SQL/queries.sql` (the numbering plan for phone keys). Defaults to the installed one.
    ///   - timestampOffset: Seconds to subtract from PBX epochs (`mango.timestamp_offset`).
    public static func standalone(
        attachment: FirebirdAttachment, transaction: Transaction, profile: MISProfile,
        queries: NamedQueries? = NamedQueries.defaultURL().flatMap { try? NamedQueries(contentsOf: $0) },
        timestampOffset: Int, logger: Logger
    ) -> ApplyContext {
        ApplyContext(
            attachment: attachment, transaction: transaction, statements: StatementCache(attachment: attachment), profile: profile,
            timestampOffset: timestampOffset, ids: IDCache(),
            lookups: CallLookups(queries: queries, profile: profile, directory: OperatorDirectory(), logger: logger))
    }
}
