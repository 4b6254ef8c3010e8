extension FirebirdPool {
    /// A snapshot of a pool's use (``FirebirdPool/statistics``): what a metrics endpoint exports.
    public struct Statistics: Sendable {
        /// Connections open (idle and leased).
        public var open: Int
        /// Open connections waiting to be leased.
        public var idle: Int
        /// Leases waiting for a connection to become free.
        public var waiters: Int
        /// ``FirebirdPool/Options/maxConnections``.
        public var maxConnections: Int
        /// Acquisitions since the pool was made, and the waits of those that queued.
        public var waits: WaitStatistics
        /// Connections leased now.
        public var inUse: Int { open - idle }
    }

    /// Acquisitions and how long the ones that found no free connection waited.
    public struct WaitStatistics: Sendable {
        /// Upper bounds of the wait buckets.
        public static let bounds: [Duration] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
            .seconds(5), .seconds(10),
        ]
        /// Leases asked for (each `withConnection`), waiting or not.
        public var acquisitions = 0
        /// Leases that waited for a free connection (served or not).
        public var waited = 0
        /// Waits that took at most ``bounds``[i], cumulative (as Prometheus buckets are).
        public var waitedAtMost = [Int](repeating: 0, count: bounds.count)
        /// Time spent waiting, in all.
        public var waitTotal = Duration.zero
        /// Waits that gave up after `acquireTimeout`.
        public var timeouts = 0

        mutating func record(_ wait: Duration) {
            waited += 1
            waitTotal += wait
            for index in Self.bounds.indices where wait <= Self.bounds[index] { waitedAtMost[index] += 1 }
        }
    }
}
