import Firebird
import Testing

/// ``FirebirdPool/statistics``: what `/metrics` exports of a pool (leases in use, idle, waiters, waits).
@Suite("Pool statistics")
struct PoolStatisticsTests {
    @Test func countsLeasesWaitersWaitsAndTimeouts() async throws {
        let configuration = TestDatabase.remote("poolstats")
        let setup = try await FirebirdConnection.create(configuration)
        defer { Task { try? await setup.withAttachment { try $0.drop() } } }
        let pool = FirebirdPool(
            configuration: configuration, options: .init(maxConnections: 1, acquireTimeout: .seconds(5), pingAfterIdle: .seconds(60)))
        #expect(await pool.statistics.waits.acquisitions == 0)

        // One lease holds the only connection; a second waits for it.
        // The holder lets go only when told, so a loaded machine that starts the waiter late cannot
        // see the lease end before the waiter queues.
        let holder = await Self.hold(pool)
        let waiter = Task { try await pool.withConnection { try await $0.query("SELECT 1 FROM RDB$DATABASE").count } }
        let deadline = ContinuousClock.now + .seconds(30)
        while await pool.statistics.waiters == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let busy = await pool.statistics
        #expect(busy.inUse == 1 && busy.idle == 0 && busy.waiters == 1 && busy.maxConnections == 1)
        try await Task.sleep(for: .milliseconds(150))
        holder.release()
        try await holder.task.value
        #expect(try await waiter.value == 1)

        let after = await pool.statistics
        #expect(after.inUse == 0 && after.idle == 1 && after.waiters == 0)
        #expect(after.waits.acquisitions == 2)
        #expect(after.waits.waited == 1)
        #expect(after.waits.waitTotal >= .milliseconds(100))
        let bounds = FirebirdPool.WaitStatistics.bounds
        // Cumulative buckets: the wait is above 1 ms and within 10 s.
        #expect(after.waits.waitedAtMost[bounds.firstIndex(of: .milliseconds(1))!] == 0)
        #expect(after.waits.waitedAtMost.last == 1)
        #expect(after.waits.timeouts == 0)

        // A lease that finds no free connection in time is counted as a timeout.
        let short = FirebirdPool(
            configuration: configuration, options: .init(maxConnections: 1, acquireTimeout: .milliseconds(100), pingAfterIdle: .seconds(60)))
        let shortHolder = await Self.hold(short)
        await #expect(throws: FirebirdError.self) { try await short.withConnection { _ in 1 } }
        shortHolder.release()
        try await shortHolder.task.value
        let timedOut = await short.statistics.waits
        #expect(timedOut.timeouts == 1 && timedOut.waited == 1 && timedOut.acquisitions == 2)
        await pool.shutdown()
        await short.shutdown()
    }

    /// A lease held in a task until ``release()``.
    struct Holder {
        let task: Task<Void, any Error>
        let releasing: AsyncStream<Void>.Continuation
        func release() { releasing.finish() }
    }

    /// Leases a connection of `pool` in a task; returns once the lease holds it. The lease ends at ``Holder/release()``.
    static func hold(_ pool: FirebirdPool) async -> Holder {
        let (held, holding) = AsyncStream<Void>.makeStream()
        let (released, releasing) = AsyncStream<Void>.makeStream()
        let task = Task {
            try await pool.withConnection { _ in
                holding.yield()
                for await _ in released {}
            }
        }
        var iterator = held.makeAsyncIterator()
        await iterator.next()
        return Holder(task: task, releasing: releasing)
    }
}
