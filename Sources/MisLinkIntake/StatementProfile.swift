import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Where the intake's time goes, statement by statement: off unless switched on (`mislink-bench intake
/// --profile-statements`), then every statement the writer runs is timed by its SQL (prepare and
/// fetch included; the thread's CPU time, see ``threadCPUNanoseconds()``) and the commits as `COMMIT`. One lock per statement when on; a load of a flag when off.
public enum StatementProfile {
    /// One statement's total.
    public struct Entry: Sendable {
        /// The SQL, as prepared.
        public var sql: String
        /// Executions.
        public var count: Int
        /// Total time in nanoseconds.
        public var nanoseconds: UInt64
    }

    private static let enabled = Atomic<Bool>(false)
    private static let totals = Mutex<[String: (count: Int, nanoseconds: UInt64)]>([:])

    /// Starts (and clears) or stops the profile.
    public static func set(enabled on: Bool) {
        totals.withLock { $0.removeAll() }
        enabled.store(on, ordering: .relaxed)
    }

    /// Whether statements are being timed.
    public static var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// Runs `body`, timing it under `sql` when the profile is on.
    @inline(__always)
    static func measure<T>(_ sql: String, _ body: () throws -> T) rethrows -> T {
        guard enabled.load(ordering: .relaxed) else { return try body() }
        let start = threadCPUNanoseconds()
        defer {
            let elapsed = threadCPUNanoseconds() &- start
            totals.withLock { totals in
                var entry = totals[sql] ?? (0, 0)
                entry.count += 1
                entry.nanoseconds &+= elapsed
                totals[sql] = entry
            }
        }
        return try body()
    }

    /// CPU time of the calling thread: what the statement cost, not how long it waited for a core
    /// (on a loaded machine wall time mostly measures the waiting). The embedded engine runs in the
    /// caller's thread, so the engine's work is counted; a commit's fsync wait is not.
    @inline(__always)
    static func threadCPUNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// The totals so far, largest first.
    public static var entries: [Entry] {
        totals.withLock { $0.map { Entry(sql: $0.key, count: $0.value.count, nanoseconds: $0.value.nanoseconds) } }
            .sorted { $0.nanoseconds > $1.nanoseconds }
    }
}
