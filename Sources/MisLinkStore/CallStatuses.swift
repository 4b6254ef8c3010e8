/// `MISLINK_CALLS.DIRECTION`.
public enum CallDirection: String, StoredEnum {
    case inbound = "in"
    case outbound = "out"
    case `internal`
}

/// `MISLINK_CALLS.STATE`: where the call is; only the PBX's summary (or the sweep, or the reconciler)
/// makes it `ended`.
public enum CallState: String, StoredEnum {
    case ringing, ivr, queue, talking
    case onHold = "on_hold"
    case ended
}

/// `MISLINK_CALL_LEGS.STATE`.
public enum CallLegState: String, StoredEnum {
    case ringing, talking
    case onHold = "on_hold"
    case ended
}

/// `MISLINK_CALLS.RESULT`, and the one rule that decides it: the intake (from the PBX's summary), the
/// reconciler (from the PBX's statistics) and the stuck-call sweep (from what the log knows) all ask
/// ``decide(direction:talked:reachedSomeone:)``.
public enum CallResult: String, StoredEnum {
    /// Someone talked.
    case answered
    /// Inbound, nobody talked, an operator was rung (or it is not known whether one was).
    case missed
    /// Inbound, nobody talked, and it never left the IVR.
    case abandoned
    /// Outbound, nobody talked.
    case notReached = "not_reached"
    case failed

    /// The result of a call that ended.
    /// - Parameters:
    ///   - talked: Whether anyone talked (the summary's talk time; a stored `ANSWERED_AT`).
    ///   - reachedSomeone: Whether an inbound call was forwarded to someone; nil when not known (a
    ///     stuck call), which counts as reached (missed, not abandoned).
    public static func decide(direction: CallDirection, talked: Bool, reachedSomeone: Bool? = nil) -> CallResult {
        if talked { return .answered }
        switch direction {
        case .outbound: return .notReached
        case .inbound: return reachedSomeone ?? true ? .missed : .abandoned
        case .internal: return .missed
        }
    }
}

/// `MISLINK_CALLS.SOURCE`: where the row came from.
public enum CallSource: String, StoredEnum {
    case webhook
    /// Filled from the PBX's statistics.
    case reconcile
    case api
}

/// `MISLINK_CALLS.CLOSED_BY`: what ended the row.
public enum CallCloser: String, StoredEnum {
    /// The PBX's summary event.
    case summary
    /// A stuck call closed by timeout (``Calls/closeStuck(updatedBefore:now:in:)``).
    case sweep
    case reconcile
}
