import Dispatch
import Foundation

/// A bounded, multi-consumer hand-off of batches between threads.
///
/// ``send(_:)`` blocks while `capacity` batches wait, so memory stays flat however many patients are
/// asked for. After ``finish()`` every consumer drains what is left and then gets nil; after
/// ``cancel()`` every blocked or later call returns at once (false or nil).
final class BatchChannel<Item: Sendable>: @unchecked Sendable {
    // @unchecked: `queue`, `head`, `finished` and `cancelled` are guarded by `lock`; semaphores are thread-safe.
    private let lock = NSLock()
    private var queue: [Item?] = []
    private var head = 0
    private var finished = false
    private var cancelled = false
    private let items = DispatchSemaphore(value: 0)
    private let slots: DispatchSemaphore

    init(capacity: Int) {
        slots = DispatchSemaphore(value: capacity)
    }

    /// Hands over a batch, waiting for room; false when the channel was cancelled.
    func send(_ batch: Item) -> Bool {
        slots.wait()
        lock.lock()
        if cancelled {
            lock.unlock()
            slots.signal()  // pass the wake-up on to the next blocked sender
            return false
        }
        queue.append(batch)
        lock.unlock()
        items.signal()
        return true
    }

    /// Marks the end of the stream: consumers get nil once it is drained.
    func finish() {
        lock.lock()
        finished = true
        lock.unlock()
        items.signal()
    }

    /// The next batch, waiting for one; nil at the end of the stream or after ``cancel()``.
    func receive() -> Item? {
        items.wait()
        lock.lock()
        if cancelled || head == queue.count {
            // The end (or a cancel): leave the wake-up for the next consumer.
            lock.unlock()
            items.signal()
            return nil
        }
        let batch = queue[head]
        queue[head] = nil
        head += 1
        if head >= 64, head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
        lock.unlock()
        slots.signal()
        return batch
    }

    /// Stops both sides: pending and later calls return false or nil.
    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
        slots.signal()
        items.signal()
    }

    /// True after ``cancel()``.
    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }
}
