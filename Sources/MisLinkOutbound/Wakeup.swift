import Synchronization

/// What the run loop waits on: a signal (an event arrived), a deadline (the sweep or the next due
/// row), or the end (shutdown). Signals that arrive while nobody waits are kept as one.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var finished = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var nextId: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Wakes the waiter, or the next wait.
    func signal() {
        resume { $0.pending = true }
    }

    /// Ends waiting for good: the current and every later ``wait(timeout:)`` return false.
    func finish() {
        resume { $0.finished = true }
    }

    var isFinished: Bool { state.withLock { $0.finished } }

    /// Waits for a signal or `timeout`. Returns false once finished. One waiter at a time.
    func wait(timeout: Duration) async -> Bool {
        let id: UInt64? = state.withLock { state in
            if state.finished || state.pending {
                state.pending = false
                return nil
            }
            state.nextId += 1
            return state.nextId
        }
        guard let id else { return !isFinished }
        let timer = Task { [self] in
            try? await Task.sleep(for: timeout)
            resume(ifWaiting: id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.finished || state.pending { return true }
                    state.waiter = (id, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            finish()
        }
        timer.cancel()
        state.withLock { $0.pending = false }
        return !isFinished
    }

    private func resume(_ change: (inout State) -> Void) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            change(&state)
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        continuation?.resume()
    }

    private func resume(ifWaiting id: UInt64) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.waiter?.id == id else { return nil }
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        continuation?.resume()
    }
}
