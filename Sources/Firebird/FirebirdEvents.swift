import CFirebird
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// One delivery of a Firebird event: `POST_EVENT name` committed `count` times since the last delivery.
public struct FirebirdEvent: Sendable, Hashable {
    public var name: String
    public var count: Int
}

extension FirebirdConnection {
    /// Listens to events posted with `POST_EVENT`, on an attachment of its own.
    ///
    /// Events arrive only after the posting transaction commits (never after a rollback). The
    /// listener re-queues after every delivery, so no posting is missed between deliveries; several
    /// postings between two deliveries arrive as one with their count. Ending the iteration (or
    /// cancelling its task) cancels the events and detaches.
    ///
    /// Over a server, events need the server's auxiliary port reachable (`RemoteAuxPort`).
    public static func events(
        _ names: [String], configuration: FirebirdConfiguration
    ) -> AsyncThrowingStream<FirebirdEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<FirebirdEvent, any Error>.makeStream()
        let listener = EventListener(names: names, configuration: configuration, continuation: continuation)
        continuation.onTermination = { _ in listener.stop() }
        listener.start()
        return stream
    }
}

/// The attachment, event blocks and re-queue loop behind ``FirebirdConnection/events(_:configuration:)``.
/// Everything but the C callback runs on `queue`.
final class EventListener: @unchecked Sendable {
    private let names: [String]
    private let configuration: FirebirdConfiguration
    private let continuation: AsyncThrowingStream<FirebirdEvent, any Error>.Continuation
    private let queue = DispatchQueue(label: "mislink.firebird.events")
    private var attachment: FirebirdAttachment?
    private var blocks: [EventBlock] = []
    private var stopped = false

    init(names: [String], configuration: FirebirdConfiguration, continuation: AsyncThrowingStream<FirebirdEvent, any Error>.Continuation) {
        self.names = names
        self.configuration = configuration
        self.continuation = continuation
    }

    func start() {
        queue.async { [self] in
            do {
                guard !names.isEmpty else { throw FirebirdError.misuse("no event names given") }
                let attachment = try FirebirdAttachment.open(configuration)
                self.attachment = attachment
                // isc_event_block takes at most 15 names.
                for chunkStart in stride(from: 0, to: names.count, by: 15) {
                    let chunk = Array(names[chunkStart..<min(chunkStart + 15, names.count)])
                    let block = EventBlock(names: chunk) { [weak self] block in
                        guard let listener = self else { return }
                        listener.queue.async { listener.deliver(block) }
                    }
                    blocks.append(block)
                    try block.queue(on: attachment)
                }
            } catch {
                continuation.finish(throwing: error)
                stop()
            }
        }
    }

    /// Counts what the callback reported, yields it, and queues the block again.
    private func deliver(_ block: EventBlock) {
        guard !stopped, let attachment else { return }
        for event in block.takeCounts() { continuation.yield(event) }
        do {
            try block.queue(on: attachment)
        } catch {
            continuation.finish(throwing: error)
            stop()
        }
    }

    func stop() {
        queue.async { [self] in
            guard !stopped else { return }
            stopped = true
            if let attachment {
                for block in blocks { block.cancel(on: attachment) }
                try? attachment.close()
            }
            attachment = nil
            // After detach no callback can arrive; the blocks may go.
            blocks.forEach { $0.release() }
            blocks = []
        }
    }
}

/// One `isc_event_block_a` pair of buffers for up to 15 names, and its queued request.
final class EventBlock: @unchecked Sendable {
    let names: [String]
    private var eventBuffer: UnsafeMutablePointer<UInt8>?
    private var resultBuffer: UnsafeMutablePointer<UInt8>?
    private let length: Int
    private var eventID: ISC_LONG = 0
    private var isQueued = false
    /// The first delivery after queuing reports the current totals, not new postings; it is skipped.
    private var primed = false
    private let onDelivery: (EventBlock) -> Void
    private var retainedSelf: Unmanaged<EventBlock>?

    init(names: [String], onDelivery: @escaping (EventBlock) -> Void) {
        self.names = names
        self.onDelivery = onDelivery
        let cNames = names.map { UnsafePointer(strdup($0)!) }
        var events: UnsafeMutablePointer<UInt8>?
        var results: UnsafeMutablePointer<UInt8>?
        length = Int(cNames.withUnsafeBufferPointer { pointers in
            mislink_fb_event_block(&events, &results, UInt16(names.count), pointers.baseAddress!)
        })
        cNames.forEach { free(UnsafeMutablePointer(mutating: $0)) }
        eventBuffer = events
        resultBuffer = results
    }

    /// `isc_que_events`: asks for one delivery.
    func queue(on attachment: FirebirdAttachment) throws {
        if retainedSelf == nil { retainedSelf = Unmanaged.passRetained(self) }
        let context = retainedSelf!.toOpaque()
        isc_que_events(
            attachment.status.pointer, &attachment.handle, &eventID, Int16(length),
            UnsafePointer(eventBuffer!),
            { context, length, updated in
                guard let context, let updated, length > 0 else { return }
                let block = Unmanaged<EventBlock>.fromOpaque(context).takeUnretainedValue()
                // "The AST routine copies the updated event parameter buffer into the result buffer."
                block.resultBuffer.map { UnsafeMutableRawPointer($0).copyMemory(from: updated, byteCount: Int(length)) }
                block.onDelivery(block)
            }, context)
        try attachment.status.check()
        isQueued = true
    }

    /// `isc_event_counts`: the postings since the previous delivery (also moves the result into the
    /// event buffer for the next request).
    func takeCounts() -> [FirebirdEvent] {
        isQueued = false
        var counts = [ISC_ULONG](repeating: 0, count: 20)
        isc_event_counts(
            &counts, Int16(length), eventBuffer!,
            UnsafePointer(resultBuffer!))
        guard primed else {
            primed = true
            return []
        }
        return zip(names, counts).compactMap { name, count in count > 0 ? FirebirdEvent(name: name, count: Int(count)) : nil }
    }

    func cancel(on attachment: FirebirdAttachment) {
        guard isQueued else { return }
        isc_cancel_events(attachment.status.pointer, &attachment.handle, &eventID)
        isQueued = false
    }

    /// Frees the client library's buffers and the self-reference the callback used.
    func release() {
        if let eventBuffer { isc_free(UnsafeMutableRawPointer(eventBuffer).assumingMemoryBound(to: CChar.self)) }
        if let resultBuffer { isc_free(UnsafeMutableRawPointer(resultBuffer).assumingMemoryBound(to: CChar.self)) }
        eventBuffer = nil
        resultBuffer = nil
        retainedSelf?.release()
        retainedSelf = nil
    }
}
