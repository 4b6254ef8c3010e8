/// `MISLINK_OUTBOX.STATUS` (`MISLINK_OUTBOX_STATUS_CK`, V007).
public enum OutboxStatus: String, StoredEnum {
    /// Waiting for `NEXT_ATTEMPT_AT`.
    case pending
    /// Claimed by `CLAIMED_BY` until `CLAIMED_UNTIL`.
    case sending
    case sent
    case failed
    case cancelled
}

/// `MISLINK_OUTBOX.KIND`.
public enum OutboxKind: String, StoredEnum {
    case message
    case pbxCommand = "pbx_command"
}

/// `MISLINK_OUTBOX.SOURCE`: who queued the row.
public enum OutboxSource: String, StoredEnum {
    case schedule, mis, worker, api, mailing
}

/// `MISLINK_COMMANDS.STATUS` (`MISLINK_COMMANDS_STATUS_CK`, V007).
public enum CommandStatus: String, StoredEnum {
    /// Inserted by a screen, not claimed yet.
    case new
    /// Claimed by `CLAIMED_BY` until `CLAIMED_UNTIL`.
    case processing
    /// The PBX accepted it (or its message was queued); the result notification is pending.
    case sent
    case done
    case failed
    case cancelled

    /// Whether the command is finished (`DONE_AT` is written).
    public var isFinal: Bool { self == .done || self == .failed || self == .cancelled }
}

/// `MISLINK_COMMANDS.KIND`.
public enum CommandKind: String, StoredEnum {
    case call, transfer, hangup, record, message
}

/// `MISLINK_MAILINGS.STATUS` as stored (`active` or `cancelled`).
public enum MailingStatus: String, StoredEnum {
    case active, cancelled
}

/// `MISLINK_TEMPLATES.KIND`.
public enum TemplateKind: String, StoredEnum {
    /// Automatic messages by code (`booking_confirmed` …, the texts of mailings).
    case auto
    /// Operators' quick replies.
    case quickReply = "quick_reply"
}
