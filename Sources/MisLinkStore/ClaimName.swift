/// The worker's name as `CLAIMED_BY` (`VARCHAR(63) CHARACTER SET UTF8`) holds it.
///
/// Firebird counts the length of a UTF8 column in code points. A name that fits is kept as it is; a
/// longer one keeps its first 46 code points and ends in `~` and 16 hex digits of a hash of the whole
/// name, so two long names that share a beginning still claim as different workers.
public enum ClaimName {
    /// `CLAIMED_BY`'s length in characters (code points).
    public static let capacity = 63

    public static func fitting(_ name: String) -> String {
        let scalars = name.unicodeScalars
        guard scalars.count > capacity else { return name }
        let hex = String(fnv1a64(Array(name.utf8)), radix: 16)
        let suffix = "~" + String(repeating: "0", count: 16 - hex.count) + hex
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: scalars.prefix(capacity - suffix.unicodeScalars.count))
        return String(kept) + suffix
    }

    /// FNV-1a, 64 bits: stable across runs and hosts (unlike `Hasher`).
    static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// A platform's message id as MisLink stores it.
public enum ProviderMessageID {
    /// The id as `MISLINK_OUTBOX.PROVIDER_MESSAGE_ID` and `MISLINK_CHAT_MESSAGES.EXTERNAL_ID` hold it
    /// (both `VARCHAR(128) CHARACTER SET ASCII`): its printable ASCII code points, the first 128; nil
    /// when none is left.
    ///
    /// It is the rule the intake stores a platform's echo of the message by (`ApplyContext.ascii(_:limit:)`
    /// in MisLinkIntake), so an id of any length or alphabet still finds the message the dispatcher
    /// recorded, and the echo adds no second row. Ids that agree on their first 128 characters would
    /// share a key; platforms' ids are far shorter than that (Chatwoot's are numbers, edna's UUIDs).
    public static func stored(_ id: String, limit: Int = 128) -> String? {
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: id.unicodeScalars.lazy.filter { $0.isASCII && $0.value >= 32 }.prefix(limit))
        return kept.isEmpty ? nil : String(kept)
    }
}
