import Firebird

extension Outbox {
    /// How a sent message went out: `MISLINK_OUTBOX.SENT_VIA` and `SENT_CHANNEL` (V019).
    public enum Via: String, Sendable, Hashable, StoredEnum {
        /// Into the patient's chat thread.
        case thread
        /// First contact: the messenger's approved template to a patient without a thread.
        case template
        /// By SMS (the row asked for SMS, or a patient without a messenger, or a template refused for good).
        case sms
        /// A PBX command.
        case pbx
    }

    /// What is written with a sent row: the route it took, the channel it went on, and why a first-contact
    /// template gave way to SMS.
    public struct Delivery: Sendable, Hashable {
        public var via: Via
        /// `whatsapp`, `telegram`, …, `sms`, `pbx`.
        public var channel: String
        /// Why the template was refused before the SMS went (`FALLBACK_REASON`); `nil` otherwise.
        public var fallbackReason: String?

        public init(via: Via, channel: String, fallbackReason: String? = nil) {
            self.via = via
            self.channel = channel
            self.fallbackReason = fallbackReason
        }
    }

    /// Writes how row `id` went out, after ``record(_:for:now:in:)`` wrote it `sent` in the same transaction.
    public static func recordDelivery(_ delivery: Delivery, of id: Int64, in tx: Transaction) throws {
        try tx.attachment.execute(
            """
            UPDATE MISLINK_OUTBOX SET SENT_VIA = \(delivery.via), SENT_CHANNEL = \(String(delivery.channel.prefix(16))),
                   FALLBACK_REASON = \(delivery.fallbackReason?.clipped)
             WHERE ID = \(id) AND STATUS = 'sent'
            """, in: tx)
    }
}
