import ServiceLifecycle

/// A pool of ``FirebirdConnection``s: bounded, health-checked, and run as a `Service`.
///
/// ```swift
/// let pool = FirebirdPool(configuration: config)
/// // in a ServiceGroup, or: Task { try await pool.run() }
/// let count = try await pool.withConnection { try await $0.query("SELECT COUNT(*) FROM MISLINK_CALLS") }
/// ```
/// A connection idle longer than `pingAfterIdle` is pinged before it is handed out; one that fails
/// the ping, or whose work failed with ``FirebirdError/Code/connectionLost``, is closed and replaced.
/// Firebird 3 has no idle timeout, and a server restart leaves sockets that look alive, so this is
/// what keeps the pool working across restarts.
public actor FirebirdPool: Service {
    /// Pool limits and health checks.
    public struct Options: Sendable {
        /// Connections open at most. Defaults to 8.
        public var maxConnections: Int
        /// How long `withConnection` waits for a free connection before failing. Defaults to 10 seconds.
        public var acquireTimeout: Duration
        /// Idle time after which a connection is pinged before use. Defaults to 1 second.
        public var pingAfterIdle: Duration

        public init(maxConnections: Int = 8, acquireTimeout: Duration = .seconds(10), pingAfterIdle: Duration = .seconds(1)) {
            self.maxConnections = maxConnections
            self.acquireTimeout = acquireTimeout
            self.pingAfterIdle = pingAfterIdle
        }
    }

    /// The database every connection attaches to.
    public nonisolated let configuration: FirebirdConfiguration
    public nonisolated let options: Options
    private var idle: [(connection: FirebirdConnection, since: ContinuousClock.Instant)] = []
    private var openCount = 0
    private var waiters: [(id: Int, continuation: CheckedContinuation<FirebirdConnection, any Error>)] = []
    private var nextWaiterID = 0
    private var isShutDown = false
    /// Acquisitions and their waits, for ``statistics``.
    var waitStatistics = WaitStatistics()

    /// Creates a pool; no connection is opened until one is needed.
    public init(configuration: FirebirdConfiguration, options: Options = Options()) {
        self.configuration = configuration
        self.options = options
    }

    /// Connections open now (idle and leased).
    public var connectionCount: Int { openCount }

    /// How the pool is used now and how long acquisitions waited, for metrics.
    public var statistics: Statistics {
        Statistics(open: openCount, idle: idle.count, waiters: waiters.count, maxConnections: options.maxConnections,
                   waits: waitStatistics)
    }

    /// Leases a connection for the duration of `body`.
    public nonisolated func withConnection<T: Sendable>(
        _ body: (FirebirdConnection) async throws -> T
    ) async throws -> T {
        let connection = try await acquire()
        do {
            let result = try await body(connection)
            await release(connection, broken: false)
            return result
        } catch {
            await release(connection, broken: FirebirdError.Code.connectionLost ~= error)
            throw error
        }
    }

    /// Leases a connection and runs `body` in a transaction on it (commit on return, rollback on throw).
    public nonisolated func withTransaction<T: Sendable>(
        _ options: TransactionOptions = .default, _ body: @escaping @Sendable (Transaction) throws -> T
    ) async throws -> T {
        try await withConnection { try await $0.withTransaction(options, body) }
    }

    /// Runs until graceful shutdown, then closes every connection.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes idle connections and fails waiters; leased connections close when returned.
    public func shutdown() async {
        isShutDown = true
        let closing = idle.map(\.connection)
        idle = []
        openCount -= closing.count
        for waiter in waiters { waiter.continuation.resume(throwing: FirebirdError.misuse("the pool is shut down")) }
        waiters = []
        for connection in closing { try? await connection.close() }
    }

    private func acquire() async throws -> FirebirdConnection {
        if isShutDown { throw FirebirdError.misuse("the pool is shut down") }
        waitStatistics.acquisitions += 1
        while let (connection, since) = idle.popLast() {
            if since.duration(to: .now) < options.pingAfterIdle { return connection }
            do {
                try await connection.ping()
                return connection
            } catch {
                openCount -= 1
                try? await connection.close()
            }
        }
        if openCount < options.maxConnections {
            openCount += 1
            do {
                return try await FirebirdConnection.connect(configuration)
            } catch {
                openCount -= 1
                throw error
            }
        }
        let id = nextWaiterID
        nextWaiterID += 1
        let timeout = options.acquireTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.expire(id)
        }
        let waitStarted = ContinuousClock.now
        defer {
            timer.cancel()
            waitStatistics.record(waitStarted.duration(to: .now))
        }
        return try await withCheckedThrowingContinuation { waiters.append((id, $0)) }
    }

    private func expire(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waitStatistics.timeouts += 1
        waiters.remove(at: index).continuation.resume(
            throwing: FirebirdError.misuse(
                "no connection became free within \(options.acquireTimeout) (pool of \(options.maxConnections))"))
    }

    private func release(_ connection: FirebirdConnection, broken: Bool) async {
        if broken || isShutDown {
            openCount -= 1
            try? await connection.close()
            if !waiters.isEmpty, openCount < options.maxConnections {
                let waiter = waiters.removeFirst()
                openCount += 1
                do {
                    waiter.continuation.resume(returning: try await FirebirdConnection.connect(configuration))
                } catch {
                    openCount -= 1
                    waiter.continuation.resume(throwing: error)
                }
            }
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: connection)
        } else {
            idle.append((connection, .now))
        }
    }
}
