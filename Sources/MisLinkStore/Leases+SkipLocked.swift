import Firebird
import Foundation

extension Leases {
    /// Whether the engine behind `attachment` has `SKIP LOCKED` (Firebird 5+,
    /// ``FirebirdServerInfo/hasSkipLocked``). It is read once per attachment with `isc_database_info` and
    /// kept while the attachment lives.
    public static func hasSkipLocked(_ attachment: FirebirdAttachment) throws -> Bool {
        try SkipLockedCache.shared.value(for: attachment)
    }
}

/// ``Leases/hasSkipLocked(_:)`` per attachment. An entry holds its attachment weakly, so an attachment
/// that reuses a freed one's address never inherits its answer: the dead entry no longer matches and is
/// pruned at the next miss. `@unchecked Sendable`: the entries (which hold non-Sendable attachments
/// weakly, only to compare identities) are read and written under `lock` alone.
final class SkipLockedCache: @unchecked Sendable {
    static let shared = SkipLockedCache()

    private struct Entry {
        weak var attachment: FirebirdAttachment?
        var hasSkipLocked: Bool
    }

    private let lock = NSLock()
    private var entries: [ObjectIdentifier: Entry] = [:]

    func value(for attachment: FirebirdAttachment) throws -> Bool {
        let key = ObjectIdentifier(attachment)
        let known: Bool? = lock.withLock {
            guard let entry = entries[key], entry.attachment === attachment else { return nil }
            return entry.hasSkipLocked
        }
        if let known { return known }
        let value = try attachment.serverInfo().hasSkipLocked
        lock.withLock {
            entries = entries.filter { $0.value.attachment != nil }
            entries[key] = Entry(attachment: attachment, hasSkipLocked: value)
        }
        return value
    }
}
