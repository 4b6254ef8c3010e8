import Firebird
import Logging
import ServiceLifecycle

extension OutboundDispatcher {
    /// The Firebird events that announce work: an outbox row became due, a command was inserted.
    static let eventNames = ["MISLINK_OUTBOX", "MISLINK_COMMAND"]

    /// Listens to the events and drains on each, and sweeps every `outbound.sweep_seconds` (sooner
    /// when a retry or reminder falls due before). On graceful shutdown it stops listening, lets the
    /// sends in flight finish and write their results, and returns.
    public func run() async throws {
        let sweep = Duration.milliseconds(Int64(max(settings.outbound.sweepSeconds, 0.05) * 1000))
        logger.info(
            "outbound dispatcher started",
            metadata: ["worker": "\(settings.workerName)", "sweep_seconds": "\(settings.outbound.sweepSeconds)"])
        await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.listen() }
                // Events are not queued for a listener that is not attached yet, so drain once the
                // listener has had a moment to attach, whatever it missed in between.
                var delay: Duration = min(sweep, .seconds(1))
                _ = await drainLogged()
                while await wakeup.wait(timeout: delay) {
                    let claimed = await drainLogged()
                    delay = await nextWake(sweep: sweep, claimedAny: claimed > 0)
                }
                group.cancelAll()
            }
        } onCancelOrGracefulShutdown: {
            self.wakeup.finish()
        }
        await database.close()
        logger.info("outbound dispatcher stopped", metadata: ["worker": "\(settings.workerName)"])
    }

    /// One drain; errors (the database away) are logged and left to the next wake-up.
    private func drainLogged() async -> Int {
        do {
            let count = try await drainOnce()
            if count > 0 { logger.debug("drained", metadata: ["rows": "\(count)"]) }
            return count
        } catch {
            logger.error("drain failed: \(error)")
            return 0
        }
    }

    /// The sweep interval, or less when a row falls due (or a lease runs out) sooner. A row that is
    /// due but could not be claimed (a screen's transaction holds it) is looked at again after a
    /// second, not in a tight loop.
    private func nextWake(sweep: Duration, claimedAny: Bool) async -> Duration {
        guard let due = try? await outbox.nextDue() else { return sweep }
        let floor: Duration = claimedAny || due > .zero ? .milliseconds(50) : .seconds(1)
        return max(floor, min(sweep, due + .milliseconds(20)))
    }

    /// Wakes the loop on every event; reattaches with a growing delay when the listener fails, and
    /// wakes the loop after reattaching (events posted meanwhile were not delivered).
    private func listen() async {
        var delay = tuning.listenerRetryDelay
        while !Task.isCancelled {
            do {
                for try await event in FirebirdConnection.events(Self.eventNames, configuration: firebird) {
                    logger.trace("event", metadata: ["name": "\(event.name)", "count": "\(event.count)"])
                    wakeup.signal()
                    delay = tuning.listenerRetryDelay
                }
            } catch {
                logger.warning("event listener failed, reattaching in \(delay.seconds) s: \(error)")
            }
            guard !Task.isCancelled else { return }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(30))
            wakeup.signal()
        }
    }
}
