import Firebird
import Foundation
import MisLinkProfiles
import MisLinkStore

/// Creates mailings and reports on them, inside a caller's transaction (the API's pool).
///
/// A mailing is a `MISLINK_MAILINGS` row; each distinct patient becomes one `MISLINK_OUTBOX` row with
/// `SOURCE = 'mailing'`, `BATCH_ID` = the mailing id and `IDEMPOTENCY_KEY` `mailing:<id>:<patient>`:
///
/// - refused at once, as `cancelled` with the reason in `ERROR` (so the report lists them): a patient
///   who does not exist, is deleted, has no consent for the channel (`CONSENT_SMS` for `sms`,
///   `CONSENT_MESSENGERS` for a messenger, either for `messenger`), or has no usable phone number;
/// - otherwise `pending`, due at the window's next opening and then one every `60 / rate` seconds,
///   skipping to the next day's opening when the window closes. The dispatcher checks the window and
///   the rates again when it sends (``OutboundDispatcher``), so retries and late workers keep them too.
public enum MailingQueue {
    /// The most patients one mailing takes.
    public static let maxRecipients = 50_000

    /// Checks `mailing`, writes it and queues its recipients.
    /// - Parameters:
    ///   - profile: The MIS profile whose `mailing_recipients` gives each patient's consents and number.
    ///   - timeZone: The clinic's zone, in which the window is read.
    /// - Throws: ``MailingError`` for a request that cannot be used (answered as 400), database errors,
    ///   a `ProfileError` when the profile has no `mailing_recipients`.
    public static func create(
        _ mailing: NewMailing, profile: MISProfile, timeZone: TimeZone, in tx: Transaction
    ) throws -> MailingCreated {
        try validate(mailing, in: tx)
        var seen = Set<Int64>()
        let ids = mailing.patientIds.filter { seen.insert($0).inserted }
        let now = try DatabaseClock.now(in: tx).date(in: DatabaseClock.utc)

        let row = Mailings.New(
            title: mailing.title, kind: mailing.kind, templateCode: mailing.templateCode, body: mailing.body,
            channel: mailing.channel, windowStart: mailing.window.startText, windowEnd: mailing.window.endText,
            ratePerMinute: mailing.ratePerMinute, recipients: ids.count, staffId: mailing.staffId, createdBy: mailing.createdBy)
        let id = try Mailings.insert(row, in: tx)

        let patients = try MISReads(profile: profile).recipients(ids, in: tx)
        var due = mailing.window.nextOpening(atOrAfter: now, in: timeZone)
        let firstDue = due
        let spacing = mailing.ratePerMinute > 0 ? 60 / Double(mailing.ratePerMinute) : 0
        var queued = 0
        var refusedByReason: [String: Int] = [:]
        for patientId in ids {
            let recipient = patients[patientId]
            let verdict = recipient?.verdict(for: mailing.channel) ?? .refused("no such patient")
            switch verdict {
            case .refused(let reason):
                refusedByReason[reason, default: 0] += 1
                try Mailings.insertMessage(
                    message(id: id, patientId: patientId, recipient: recipient, channel: mailing.channel, status: .cancelled,
                            error: reason, due: now), of: row, id: id, in: tx)
            case .send(let channel):
                if queued > 0, spacing > 0 {
                    due = mailing.window.nextOpening(atOrAfter: due.addingTimeInterval(spacing), in: timeZone)
                }
                queued += 1
                try Mailings.insertMessage(
                    message(id: id, patientId: patientId, recipient: recipient, channel: channel, status: .pending,
                            error: nil, due: due), of: row, id: id, in: tx)
            }
        }
        let refused = ids.count - queued
        try Mailings.setCounts(id, queued: queued, refused: refused, in: tx)
        return MailingCreated(id: id, recipients: ids.count, queued: queued, refused: refused,
                              refusedByReason: refusedByReason, firstDueAt: queued > 0 ? firstDue : nil)
    }

    /// Sets a mailing `cancelled` and cancels its messages still pending; `false` when there is no such mailing.
    public static func cancel(_ id: Int64, in tx: Transaction) throws -> Bool {
        try Mailings.cancel(id, in: tx)
    }

    private static func validate(_ mailing: NewMailing, in tx: Transaction) throws {
        guard !mailing.title.trimmed.isEmpty, mailing.title.count <= 200 else {
            throw MailingError("title must be 1 to 200 characters")
        }
        guard NewMailing.kinds.contains(mailing.kind) else {
            throw MailingError("kind must be one of \(NewMailing.kinds.joined(separator: ", ")), not \"\(mailing.kind)\"")
        }
        guard NewMailing.channels.contains(mailing.channel) else {
            throw MailingError("channel must be one of \(NewMailing.channels.joined(separator: ", ")), not \"\(mailing.channel)\"")
        }
        guard mailing.ratePerMinute >= 0, mailing.ratePerMinute <= 100_000 else {
            throw MailingError("rate_per_minute must be 0 (no limit of its own) to 100000")
        }
        guard !mailing.patientIds.isEmpty else { throw MailingError("patient_ids is empty: a mailing needs recipients") }
        guard mailing.patientIds.count <= maxRecipients else {
            throw MailingError("patient_ids has \(mailing.patientIds.count) ids; one mailing takes at most \(maxRecipients)")
        }
        let body = mailing.body?.trimmed.nilIfEmpty
        switch (mailing.templateCode, body) {
        case (nil, nil): throw MailingError("give template_code or body")
        case (.some, .some): throw MailingError("give template_code or body, not both")
        case (.some(let code), nil):
            guard try Templates.hasActiveAuto(code: code, channel: mailing.channel, in: tx)
                || MessageText.builtIn(code, values: [:]) != nil
            else {
                throw MailingError("unknown template \"\(code)\": no active auto template with that code for channel any or \(mailing.channel)")
            }
        case (nil, .some): break
        }
    }

    /// One recipient's outbox row; PARAMS carries the ids and consents the message text is filled from.
    private static func message(id: Int64, patientId: Int64, recipient: Recipient?, channel: String, status: OutboxStatus,
                                error: String?, due: Date) -> Mailings.Message {
        let params = recipient.map {
            #"{"mailing_id":\#(id),"patient_id":\#(patientId),"consent_sms":\#($0.consentSMS),"consent_messengers":\#($0.consentMessengers)}"#
        } ?? #"{"mailing_id":\#(id),"patient_id":\#(patientId)}"#
        return Mailings.Message(
            patientId: patientId, channel: channel, phoneKey: recipient?.phoneKey, params: params, status: status, error: error,
            due: FirebirdTimestamp(due, in: DatabaseClock.utc))
    }
}

/// A patient as a mailing sees them (the MIS profile's `mailing_recipients`): consents, deleted, the
/// number messages go to (the first mobile key, then home, then work, never one of the clinic's own
/// numbers, as for booking messages).
struct Recipient {
    var consentSMS: Int
    var consentMessengers: Int
    var deleted: Bool
    var phoneKey: String?

    enum Verdict: Equatable {
        /// Send, on this outbox channel.
        case send(String)
        case refused(String)
    }

    /// Whether the patient may get a message on `channel`, and on which outbox channel.
    func verdict(for channel: String) -> Verdict {
        if deleted { return .refused("patient deleted") }
        let allowed: String?
        switch channel {
        case "sms": allowed = consentSMS == 1 ? "sms" : nil
        // Like the SCHEDULE trigger: the messenger when consented, else SMS.
        case "messenger": allowed = consentMessengers == 1 ? "messenger" : (consentSMS == 1 ? "sms" : nil)
        default: allowed = consentMessengers == 1 ? channel : nil
        }
        guard let allowed else { return .refused("no consent") }
        guard phoneKey != nil else { return .refused("no phone number") }
        return .send(allowed)
    }
}
