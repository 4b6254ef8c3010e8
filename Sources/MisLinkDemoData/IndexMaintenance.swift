import Firebird
import Foundation

/// Switches a table's plain indexes off for a bulk load and rebuilds them after it.
///
/// Only indexes that are active, not unique and not behind a constraint (primary, unique and foreign
/// keys need theirs) are touched, and only those are switched back on: an index a DBA deliberately
/// left inactive stays inactive. Each `ALTER INDEX` is committed on its own, before any data is
/// written (DDL is never mixed with DML in one transaction).
struct IndexMaintenance {
    let attachment: FirebirdAttachment

    /// Indexes rebuilt at once after a load: two, or one on a single-core machine.
    static let workers = min(2, max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// The active, non-unique indexes of `table` that no constraint uses, by name.
    func plainActiveIndexes(of table: String) throws -> [String] {
        try attachment.inTransaction(.readOnly) { transaction in
            try attachment.query(
                """
                SELECT TRIM(I.RDB$INDEX_NAME) FROM RDB$INDICES I
                LEFT JOIN RDB$RELATION_CONSTRAINTS C ON C.RDB$INDEX_NAME = I.RDB$INDEX_NAME
                WHERE I.RDB$RELATION_NAME = \(table) AND C.RDB$INDEX_NAME IS NULL
                  AND COALESCE(I.RDB$UNIQUE_FLAG, 0) = 0 AND COALESCE(I.RDB$INDEX_INACTIVE, 0) = 0
                  AND COALESCE(I.RDB$SYSTEM_FLAG, 0) = 0
                ORDER BY I.RDB$INDEX_NAME
                """, in: transaction
            ).map { try $0.decode(String.self, at: 0) }
        }
    }

    /// Deactivates `indexes`; returns those it switched off (all, or it throws after restoring any
    /// it had already switched off).
    func deactivate(_ indexes: [String]) throws -> [String] {
        var done: [String] = []
        do {
            for index in indexes {
                try alter(index, active: false)
                done.append(index)
            }
        } catch {
            try? activate(done)
            throw error
        }
        return done
    }

    /// Activates (and so rebuilds) `indexes`, trying every one even when one fails.
    func activate(_ indexes: [String]) throws {
        var firstError: (any Error)?
        for index in indexes {
            do { try alter(index, active: true) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    /// Activates `indexes` like ``activate(_:)``, on up to `workers` attachments at once: this one and
    /// others opened with its configuration, each on its own thread, taking the next index when done.
    /// Rebuilds scan, sort and write on their own, so two of them keep two cores busy (measured: the
    /// seven PATIENTS and SCHEDULE indexes of a million patients in 4–5 s instead of 7–8 s). When
    /// another attachment cannot be opened, this one rebuilds everything.
    /// - Parameter starting: called with each index as its rebuild starts, from the thread doing it.
    func activate(_ indexes: [String], workers: Int, starting: @escaping @Sendable (String) -> Void) throws {
        let work = IndexWork(indexes)
        let helpers = max(0, min(workers, indexes.count) - 1)
        let helpersDone = DispatchSemaphore(value: 0)
        let configuration = attachment.configuration
        for number in 0..<helpers {
            let helper = Thread {
                if let other = try? FirebirdAttachment.open(configuration) {
                    IndexMaintenance(attachment: other).rebuild(work, starting: starting)
                    try? other.close()
                }
                helpersDone.signal()
            }
            helper.name = "mislink.demo-data.index-\(number + 1)"
            helper.start()
        }
        rebuild(work, starting: starting)
        for _ in 0..<helpers { helpersDone.wait() }
        if let error = work.firstError { throw error }
    }

    private func rebuild(_ work: IndexWork, starting: @Sendable (String) -> Void) {
        while let index = work.next() {
            starting(index)
            do { try alter(index, active: true) } catch { work.failed(error) }
        }
    }

    private func alter(_ index: String, active: Bool) throws {
        let quoted = "\"" + index.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        try attachment.inTransaction(TransactionOptions(lockResolution: .noWait)) { transaction in
            try attachment.executeImmediate("ALTER INDEX \(quoted) \(active ? "ACTIVE" : "INACTIVE")", in: transaction)
        }
    }
}

/// The indexes left to rebuild and the first failure, shared by the rebuilding threads.
private final class IndexWork: @unchecked Sendable {
    // @unchecked: everything is guarded by `lock`.
    private let lock = NSLock()
    private let indexes: [String]
    private var position = 0
    private var error: (any Error)?

    init(_ indexes: [String]) {
        self.indexes = indexes
    }

    func next() -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard position < indexes.count else { return nil }
        position += 1
        return indexes[position - 1]
    }

    func failed(_ error: any Error) {
        lock.lock()
        defer { lock.unlock() }
        if self.error == nil { self.error = error }
    }

    var firstError: (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        return error
    }
}
