import Foundation
import MisLinkStore

/// A mailing to create: one text (an `auto` template or a body with placeholders) to a list of
/// patients, on one channel, within a daily send window, at most `ratePerMinute` a minute.
public struct NewMailing: Sendable {
    /// The kinds `MISLINK_MAILINGS.KIND` allows.
    public static let kinds = ["reminder", "results_ready", "announcement"]
    /// The channels a mailing may use (`messenger`: the patient's messenger, else SMS when consented).
    public static let channels = ["sms", "whatsapp", "telegram", "vk", "viber", "webchat", "messenger"]

    public var title: String
    /// `reminder`, `results_ready` or `announcement`.
    public var kind: String
    /// An active `auto` template (`MISLINK_TEMPLATES.CODE`), or `nil` when ``body`` is given.
    public var templateCode: String?
    /// A text with placeholders (`{patient_name}`, `{clinic_name}`), or `nil` when ``templateCode`` is given.
    public var body: String?
    /// One of ``channels``.
    public var channel: String
    /// The MIS's patient ids.
    public var patientIds: [Int64]
    public var window: SendWindow
    /// Messages per minute; 0 leaves only the channel's limit.
    public var ratePerMinute: Int
    /// The employee on whose behalf (SMS go from their extension), optional.
    public var staffId: Int64?
    /// Who asked (written to `CREATED_BY`).
    public var createdBy: String

    /// Makes a mailing request; ``MailingQueue/create(_:profile:timeZone:in:)`` checks it.
    public init(title: String, kind: String, templateCode: String?, body: String?, channel: String, patientIds: [Int64],
                window: SendWindow, ratePerMinute: Int, staffId: Int64? = nil, createdBy: String) {
        self.title = title
        self.kind = kind
        self.templateCode = templateCode
        self.body = body
        self.channel = channel
        self.patientIds = patientIds
        self.window = window
        self.ratePerMinute = ratePerMinute
        self.staffId = staffId
        self.createdBy = createdBy
    }
}

/// What creating a mailing came to.
public struct MailingCreated: Codable, Sendable {
    public var id: Int64
    /// Distinct patients asked for.
    public var recipients: Int
    /// Queued to send.
    public var queued: Int
    /// Refused at once, written as `cancelled` outbox rows with the reason.
    public var refused: Int
    /// Refused recipients by reason (`no consent`, `no phone number`, `patient deleted`, `no such patient`).
    public var refusedByReason: [String: Int]
    /// When the first message is due (UTC): now, or the next opening of the window.
    public var firstDueAt: Date?
}

/// A mailing request that cannot be carried out, with what is wrong (answered as 400).
public struct MailingError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
