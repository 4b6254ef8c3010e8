import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import MisLinkSettings
import NIOCore
import NIOHTTPTypes
import Synchronization

/// What the public listener allows a client (`http.*` settings): the pieces Hummingbird takes as they
/// are (idle timeout, header limits) and the two it lacks, a read deadline and a connection cap, as
/// one channel handler per connection (``ListenerGuard``).
struct ListenerLimits: Sendable {
    let settings: MisLinkSettings.HTTP
    let connections: ConnectionCount
    let logger: Logger

    init(settings: MisLinkSettings.HTTP, logger: Logger) {
        self.settings = settings
        connections = ConnectionCount(limit: settings.maxConnections)
        self.logger = logger
    }

    /// The HTTP/1.1 server with these limits.
    var server: HTTPServerBuilder {
        let limits = self
        return .http1(configuration: .init(
            additionalChannelHandlers: [ListenerGuard(limits: limits)],
            idleTimeout: Self.amount(settings.idleTimeoutSeconds),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: settings.maxHeaderBytes, maxHeaderListSize: settings.maxHeaderBytes, maxHeaderFieldCount: 256)))
    }

    static func amount(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64(seconds * 1_000_000_000)) }
}

/// Connections open on the listener, shared by every connection's ``ListenerGuard``.
final class ConnectionCount: Sendable {
    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) { self.limit = limit }

    /// Takes a slot; false (and nothing taken) when all `limit` are in use.
    func take() -> Bool {
        if open.wrappingAdd(1, ordering: .relaxed).newValue <= limit { return true }
        open.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    /// Gives a slot back.
    func give() { open.wrappingSubtract(1, ordering: .relaxed) }

    /// Connections open now.
    var current: Int { open.load(ordering: .relaxed) }
}

/// One connection's limits, after HTTP decoding:
///
/// - **Cap.** At activation the connection takes a slot of ``ConnectionCount``; past the cap it is
///   answered `503` with `Connection: close` and closed, its requests never reach the router.
/// - **Read deadline.** A request must arrive whole (head and body) within `http.read_timeout_seconds`
///   of its first bytes, or of the connection's opening: a client that trickles a request (slowloris,
///   a body a byte a second) or opens and sends nothing is closed. The deadline does not run while an
///   answer is being made, nor between requests on a kept-alive connection (Hummingbird's idle
///   timeout, `http.idle_timeout_seconds`, closes those).
///
/// Bytes that decode to no request part yet still arrive as `channelReadComplete`, which
/// `ByteToMessageHandler` passes on, so the deadline starts with a request's first bytes.
final class ListenerGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ListenerLimits
    private var state = State.new
    /// Requests read whole whose answer is not written yet.
    private var answering = 0
    private var deadline: Scheduled<Void>?
    private var endedInThisRead = false

    private enum State { case new, open, refused, released }

    init(limits: ListenerLimits) { self.limits = limits }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { release() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state == .open else { return }  // a refused connection's requests go nowhere
        switch unwrapInboundIn(data) {
        case .head, .body:
            if deadline == nil, answering == 0 { startDeadline(context) }
        case .end:
            cancelDeadline()
            answering += 1
            endedInThisRead = true
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Bytes arrived that completed no request: one is being sent.
        if state == .open, deadline == nil, answering == 0, !endedInThisRead { startDeadline(context) }
        endedInThisRead = false
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { answering = max(0, answering - 1) }
        context.write(data, promise: promise)
    }

    private func opened(_ context: ChannelHandlerContext) {
        guard state == .new else { return }
        guard limits.connections.take() else {
            state = .refused
            let peer = context.channel.remoteAddress?.ipAddress ?? "?"
            limits.logger.warning("refused a connection from \(peer): http.max_connections (\(limits.connections.limit)) are open")
            let head = HTTPResponse(status: .serviceUnavailable,
                                    headerFields: [.connection: "close", .contentLength: "0", .retryAfter: "1"])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
            return
        }
        state = .open
        startDeadline(context)
    }

    private func startDeadline(_ context: ChannelHandlerContext) {
        let seconds = limits.settings.readTimeoutSeconds
        let logger = limits.logger
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: ListenerLimits.amount(seconds)) {
            let (handler, context) = loopBound.value
            handler.deadline = nil
            guard handler.state == .open, handler.answering == 0 else { return }
            let peer = context.channel.remoteAddress?.ipAddress ?? "?"
            logger.info("closed a connection from \(peer): no whole request within http.read_timeout_seconds (\(seconds))")
            context.close(promise: nil)
        }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }

    private func release() {
        cancelDeadline()
        if state == .open { limits.connections.give() }
        if state == .new || state == .open { state = .released }
    }
}
