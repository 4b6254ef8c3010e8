import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive connection of a ``LoadLane``: at most one request in flight; reconnects when the
/// server closes it. Used only on its lane's event loop.
final class LoadConnection {
    unowned var lane: LoadLane!
    var handler: LoadResponseHandler?
    /// The event in flight, when its latency counts from (`origin`) and when it was written.
    var inFlight: (event: Int, origin: UInt64, sentAt: UInt64)?
    /// When connecting began failing (uptime nanoseconds), while it fails.
    var failingSince: UInt64?

    /// Connects (the caller makes the connection idle or gives it work).
    func connect() -> EventLoopFuture<Void> {
        let loop = lane.loop
        let connection = NIOLoopBound(self, eventLoop: loop)
        return ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = LoadResponseHandler(connection: connection.value)
                    // The heads were built (and are valid) before the clock started: no validation per send.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    connection.value.handler = handler
                }
            }
            .connect(host: lane.engine.endpoint.host, port: lane.engine.endpoint.port)
            .map { _ in connection.value.failingSince = nil }
    }

    /// Writes the request of `event`, whose latency counts from `origin`.
    func send(_ event: Int, origin: UInt64) {
        guard let handler, handler.isActive else {
            inFlight = nil
            self.handler = nil
            lane.recordCompletion(event: event, origin: origin, ok: false)
            reconnect()
            return
        }
        let now = NIODeadline.now().uptimeNanoseconds
        inFlight = (event, origin, now)
        lane.recordSend(origin: origin, at: now)
        handler.write(lane.engine.plan.events[event])
    }

    /// The answer to the request in flight came.
    func answered(status: Int, keepAlive: Bool) {
        guard let (event, origin, sentAt) = inFlight else { return }
        inFlight = nil
        lane.recordCompletion(event: event, origin: origin, sentAt: sentAt, ok: (200..<300).contains(status))
        if keepAlive {
            lane.becameIdle(self)
        } else {
            handler?.close()
        }
    }

    /// The channel closed: the request in flight failed; connect again unless the run is over.
    func closed(by closing: LoadResponseHandler) {
        guard closing === handler else { return }
        handler = nil
        if let (event, origin, _) = inFlight {
            inFlight = nil
            lane.recordCompletion(event: event, origin: origin, ok: false)
        }
        if let position = lane.idle.firstIndex(where: { $0 === self }) { lane.idle.remove(at: position) }
        reconnect()
    }

    private func reconnect() {
        guard !lane.isFinished else { return }
        let connection = NIOLoopBound(self, eventLoop: lane.loop)
        connect().whenComplete { result in
            let this = connection.value
            switch result {
            case .success:
                this.lane.becameIdle(this)
            case .failure(let error):
                let now = NIODeadline.now().uptimeNanoseconds
                let since = this.failingSince ?? now
                this.failingSince = since
                if now - since > this.lane.engine.timeoutNanoseconds {
                    this.lane.engine.finished.fail(
                        EmulatorError("lost the connection to \(this.lane.engine.endpoint.host):\(this.lane.engine.endpoint.port): \(error)"))
                    return
                }
                // Keep the run draining: the event this connection would have sent fails, then try again shortly.
                this.lane.failUnsent(this)
                this.lane.loop.scheduleTask(in: .milliseconds(100)) { connection.value.reconnect() }
            }
        }
    }

    func closeIfOlder(than deadline: UInt64) {
        if let inFlight, inFlight.sentAt < deadline { handler?.close() }
    }

    func close() {
        handler?.close()
    }
}

/// The pipeline's last handler: writes requests and passes each complete answer to its connection.
final class LoadResponseHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let connection: LoadConnection
    private var context: ChannelHandlerContext?
    private var status = 0
    private var keepAlive = true

    init(connection: LoadConnection) { self.connection = connection }

    var isActive: Bool { context?.channel.isActive ?? false }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func write(_ event: LoadEvent) {
        guard let context else { return }
        context.write(wrapOutboundOut(.head(event.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(event.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            connection.answered(status: status, keepAlive: keepAlive)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        connection.closed(by: self)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func close() {
        context?.close(promise: nil)
    }
}
