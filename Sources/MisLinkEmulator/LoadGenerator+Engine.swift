#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Histogram
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// How the engine paces a run.
enum LoadPacing: Sendable {
    /// Event `i` is due at `start + i / rate` whether or not earlier answers came: latency counts from the due time.
    case open(rate: Double)
    /// Each connection sends its next event as soon as the previous one is answered: latency counts from the send.
    case closed
}

/// What one event loop measured.
struct LoadLaneFigures: Sendable {
    var acknowledged: [Int]
    var failed: [Int]
    var latency: [Histogram<UInt64>]
    /// Open loop: latency from the actual send (the server's part, without the wait for a free connection).
    var service = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
    /// Sends later than the late threshold after their due time (open loop).
    var behindSchedule = 0
    /// The largest delay of a send after its due time, in nanoseconds (open loop).
    var maxLagNanoseconds: UInt64 = 0
    /// When the last answer came (uptime nanoseconds).
    var lastCompletion: UInt64 = 0
    /// CPU seconds (user and system) the whole process spent while the clock ran.
    var cpuSeconds: Double = 0

    init(kinds: Int) {
        acknowledged = Array(repeating: 0, count: kinds)
        failed = Array(repeating: 0, count: kinds)
        latency = Array(
            repeating: Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three), count: kinds)
    }

    mutating func add(_ other: LoadLaneFigures) {
        for k in acknowledged.indices {
            acknowledged[k] += other.acknowledged[k]
            failed[k] += other.failed[k]
            latency[k].add(other.latency[k])
        }
        service.add(other.service)
        behindSchedule += other.behindSchedule
        maxLagNanoseconds = max(maxLagNanoseconds, other.maxLagNanoseconds)
        lastCompletion = max(lastCompletion, other.lastCompletion)
    }
}

/// The load engine: keep-alive HTTP/1.1 connections on SwiftNIO event loops (`ClientBootstrap` with
/// NIOHTTP1's encoder and decoder), one request in flight per connection, sending the plan's
/// pre-encoded requests. Each event loop owns a ``LoadLane`` with its share of the connections.
final class LoadEngine: Sendable {
    let plan: LoadPlan
    let endpoint: LoadEndpoint
    let pacing: LoadPacing
    /// A request unanswered this long fails and its connection is closed.
    let timeoutNanoseconds: UInt64
    /// An open-loop send later than this after its due time counts as behind schedule.
    let lateNanoseconds: UInt64
    /// The next event a closed-loop connection takes.
    let nextEvent = Atomic<Int>(0)
    /// Requests written, answered 2xx, failed (for the progress line).
    let sent = Atomic<Int>(0)
    let acknowledged = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    let finished: EventLoopPromise<Void>
    let group: MultiThreadedEventLoopGroup

    init(plan: LoadPlan, endpoint: LoadEndpoint, pacing: LoadPacing, threads: Int, timeout: Duration, late: Duration) {
        self.plan = plan
        self.endpoint = endpoint
        self.pacing = pacing
        self.timeoutNanoseconds = UInt64(timeout.components.seconds) * 1_000_000_000 + UInt64(timeout.components.attoseconds / 1_000_000_000)
        self.lateNanoseconds = UInt64(late.components.seconds) * 1_000_000_000 + UInt64(late.components.attoseconds / 1_000_000_000)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        self.finished = group.next().makePromise()
    }

    /// Counts one finished event; the last one finishes the run.
    func completed(ok: Bool) {
        if ok { acknowledged.add(1, ordering: .relaxed) } else { failed.add(1, ordering: .relaxed) }
        if done.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == plan.events.count { finished.succeed(()) }
    }

    /// Connects `connections` connections, starts the clock, and waits for every event's answer.
    /// - Returns: The figures of every loop merged, and the start (uptime nanoseconds).
    func run(connections: Int) async throws -> (LoadLaneFigures, start: UInt64) {
        let loops = Array(group.makeIterator())
        var lanes: [NIOLoopBound<LoadLane>] = []
        for (index, loop) in loops.enumerated() {
            let share = connections / loops.count + (index < connections % loops.count ? 1 : 0)
            guard share > 0 else { continue }
            let position = lanes.count
            let lane = try await loop.submit {
                NIOLoopBound(LoadLane(engine: self, loop: loop, index: position, connections: share), eventLoop: loop)
            }.get()
            lanes.append(lane)
        }
        let laneCount = lanes.count
        do {
            for lane in lanes { try await lane.eventLoop.flatSubmit { lane.value.connectAll() }.get() }
        } catch {
            try? await group.shutdownGracefully()
            throw EmulatorError("cannot connect to \(endpoint.host):\(endpoint.port): \(error)")
        }
        let cpuBefore = processCPUSeconds()
        let start = NIODeadline.now().uptimeNanoseconds
        if plan.events.isEmpty { finished.succeed(()) }
        for lane in lanes { lane.eventLoop.execute { lane.value.begin(start: start, lanes: laneCount) } }
        let outcome: Result<Void, Error>
        do {
            try await finished.futureResult.get()
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        let cpu = processCPUSeconds() - cpuBefore
        var figures = LoadLaneFigures(kinds: plan.kinds.count)
        figures.cpuSeconds = cpu
        for lane in lanes { figures.add(try await lane.eventLoop.submit { lane.value.finish() }.get()) }
        try? await group.shutdownGracefully()
        try outcome.get()
        return (figures, start)
    }
}

/// One event loop's connections, its share of the open-loop schedule, and its figures. Used only on its loop.
final class LoadLane {
    let engine: LoadEngine
    let loop: any EventLoop
    /// This lane's position; in open loop it sends the events `index`, `index + lanes`, …
    let index: Int
    var connections: [LoadConnection] = []
    var idle: [LoadConnection] = []
    /// Open loop: events due and waiting for a free connection.
    var due = CircularBuffer<Int>()
    var nextDue = 0
    var stride = 1
    var start: UInt64 = 0
    var figures: LoadLaneFigures
    var isFinished = false
    var watchdog: RepeatedTask?

    init(engine: LoadEngine, loop: any EventLoop, index: Int, connections: Int) {
        self.engine = engine
        self.loop = loop
        self.index = index
        self.figures = LoadLaneFigures(kinds: engine.plan.kinds.count)
        self.connections = (0..<connections).map { _ in LoadConnection() }
        for connection in self.connections { connection.lane = self }
    }

    func connectAll() -> EventLoopFuture<Void> {
        let lane = NIOLoopBound(self, eventLoop: loop)
        return EventLoopFuture.andAllSucceed(connections.map { $0.connect() }, on: loop).map {
            lane.value.idle = lane.value.connections
        }
    }

    func begin(start: UInt64, lanes: Int) {
        self.start = start
        self.stride = lanes
        self.nextDue = index
        let loopBound = NIOLoopBound(self, eventLoop: loop)
        watchdog = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in loopBound.value.checkTimeouts() }
        switch engine.pacing {
        case .closed:
            let free = idle
            idle.removeAll()
            for connection in free { becameIdle(connection) }
        case .open:
            tick()
        }
    }

    /// The due time of event `index` (uptime nanoseconds), open loop.
    func dueTime(_ index: Int) -> UInt64 {
        guard case .open(let rate) = engine.pacing else { return 0 }
        return start + UInt64(Double(index) * 1e9 / rate)
    }

    /// Open loop: queues every event now due, hands them to free connections, and sleeps until the next one.
    func tick() {
        guard !isFinished else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        let total = engine.plan.events.count
        while nextDue < total, dueTime(nextDue) <= now {
            due.append(nextDue)
            nextDue += stride
        }
        while !due.isEmpty, let connection = idle.popLast() {
            let event = due.removeFirst()
            connection.send(event, origin: dueTime(event))
        }
        if nextDue < total {
            let loopBound = NIOLoopBound(self, eventLoop: loop)
            loop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(dueTime(nextDue))) { loopBound.value.tick() }
        }
    }

    /// A connection is free: give it the next event, or keep it idle.
    func becameIdle(_ connection: LoadConnection) {
        guard !isFinished else { idle.append(connection); return }
        switch engine.pacing {
        case .closed:
            let event = engine.nextEvent.wrappingAdd(1, ordering: .relaxed).oldValue
            if event < engine.plan.events.count {
                connection.send(event, origin: NIODeadline.now().uptimeNanoseconds)
            } else {
                idle.append(connection)
            }
        case .open:
            if let event = due.popFirst() {
                connection.send(event, origin: dueTime(event))
            } else {
                idle.append(connection)
            }
        }
    }

    /// Records a sent event (open loop: whether it left late).
    func recordSend(origin: UInt64, at now: UInt64) {
        engine.sent.add(1, ordering: .relaxed)
        if case .open = engine.pacing, now > origin {
            let lag = now - origin
            if lag > engine.lateNanoseconds { figures.behindSchedule += 1 }
            figures.maxLagNanoseconds = max(figures.maxLagNanoseconds, lag)
        }
    }

    /// Records an answered or failed event.
    func recordCompletion(event: Int, origin: UInt64, sentAt: UInt64 = 0, ok: Bool) {
        let now = NIODeadline.now().uptimeNanoseconds
        let kind = engine.plan.events[event].kind
        if ok {
            figures.acknowledged[kind] += 1
            _ = figures.latency[kind].record(max(1, (now &- origin) / 1000))
            if case .open = engine.pacing { _ = figures.service.record(max(1, (now &- sentAt) / 1000)) }
        } else {
            figures.failed[kind] += 1
        }
        figures.lastCompletion = max(figures.lastCompletion, now)
        engine.completed(ok: ok)
    }

    /// Fails an event without sending it (its connection could not be made).
    func failUnsent(_ connection: LoadConnection) {
        switch engine.pacing {
        case .closed:
            let event = engine.nextEvent.wrappingAdd(1, ordering: .relaxed).oldValue
            if event < engine.plan.events.count { recordCompletion(event: event, origin: 0, ok: false) }
        case .open:
            if let event = due.popFirst() { recordCompletion(event: event, origin: 0, ok: false) }
        }
    }

    func checkTimeouts() {
        let now = NIODeadline.now().uptimeNanoseconds
        for connection in connections { connection.closeIfOlder(than: now &- engine.timeoutNanoseconds) }
    }

    /// Stops the schedule, closes the connections and hands over the figures.
    func finish() -> LoadLaneFigures {
        isFinished = true
        watchdog?.cancel()
        for connection in connections { connection.close() }
        return figures
    }
}

/// CPU seconds (user and system) this process has used so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
    guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
    #else
    guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
    #endif
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
