/// `MISLINK_CHAT_THREADS.STATUS` (`MISLINK_CHAT_THREADS_STATUS_CK`, V005).
public enum ThreadStatus: String, StoredEnum {
    /// Waiting for an operator.
    case queued
    case assigned
    /// Left the operator's queue unfinished.
    case released
    case closed
}
