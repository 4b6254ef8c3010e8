import Crypto
import MisLinkExternalAPIs
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// `mislink emulate receive`: a stand-in for MisLink's intake cheap enough that a load run measures the
/// load tool, not the receiver. It answers any `POST` at once with `200` and an empty body (`401` to a
/// Mango form whose key or signature is wrong), keeps no bodies, and counts the load tool's numbered
/// webhooks (the `mislink-load: <run>/<seq>/<copies>` header, ``LoadGenerator/sequenceHeader``) so a
/// run can be checked for lost and unexpectedly repeated webhooks:
///
/// `GET /emulator/load?run=<run>&events=<distinct webhooks>` answers
/// `{"run":…,"received":n,"lost":n,"duplicated":n,"unexpected":n,"bad_signature":n,"cpu_seconds":x}`: `lost` counts the
/// numbers below `events` that never arrived, `duplicated` the ones that arrived more often than the run
/// sent them, `unexpected` the ones at or above `events`; `cpu_seconds` is the receiver process's CPU time
/// so far (the load tool asks before and after a run to tell what the receiver spent on it).
///
/// SwiftNIO's HTTP/1.1 server pipeline directly (no router), on `threads` event loops.
public final class LoadReceiver: Sendable {
    /// What arrived for one run.
    public struct Tally: Sendable {
        /// Requests with this run id (copies included).
        public var received = 0
        /// Of them, Mango forms with a wrong key or signature.
        public var badSignature = 0
        /// Arrivals per webhook number (saturating at 255).
        var arrivals: [UInt8] = []
        /// Copies the run said it sends, per webhook number.
        var copies: [UInt8] = []
    }

    /// The outcome of ``check(run:events:)``.
    public struct Check: Sendable, Codable, Equatable {
        /// The run id.
        public var run: String
        /// Requests of the run that arrived, copies included.
        public var received: Int
        /// Webhooks numbered below `events` that never arrived.
        public var lost: Int
        /// Webhooks that arrived more often than the run sent them.
        public var duplicated: Int
        /// Webhooks numbered at or above `events`.
        public var unexpected: Int
        /// Mango forms of the run with a wrong key or signature (answered 401).
        public var badSignature: Int
        /// CPU seconds the receiver's process has used so far (over HTTP only; `nil` in process).
        public var cpuSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case run, received, lost, duplicated, unexpected
            case badSignature = "bad_signature"
            case cpuSeconds = "cpu_seconds"
        }
    }

    private let credentials: MangoCredentials
    private let key: [UInt8]
    private let salt: [UInt8]
    private let runs = Mutex<[String: Tally]>([:])
    private let totals = Mutex<(requests: Int, badSignature: Int)>((0, 0))

    /// Makes a receiver that checks Mango signatures with `credentials`.
    public init(credentials: MangoCredentials) {
        self.credentials = credentials
        self.key = Array(credentials.apiKey.utf8)
        self.salt = Array(credentials.apiSalt.utf8)
    }

    /// Requests received, and of them Mango forms with a wrong key or signature.
    public var received: (requests: Int, badSignature: Int) { totals.withLock { $0 } }

    /// Counts a run's webhooks against the `events` distinct ones it sent.
    public func check(run: String, events: Int) -> Check {
        runs.withLock { runs in
            let tally = runs[run] ?? Tally()
            var check = Check(run: run, received: tally.received, lost: 0, duplicated: 0, unexpected: 0, badSignature: tally.badSignature)
            for seq in 0..<max(events, tally.arrivals.count) {
                let arrived = seq < tally.arrivals.count ? tally.arrivals[seq] : 0
                if seq >= events {
                    if arrived > 0 { check.unexpected += 1 }
                } else if arrived == 0 {
                    check.lost += 1
                } else if arrived > tally.copies[seq] {
                    check.duplicated += 1
                }
            }
            return check
        }
    }

    /// Records one request; `false` when it is a Mango form with a wrong key or signature.
    func accept(head: HTTPRequestHead, body: ByteBuffer?) -> Bool {
        var valid = true
        if head.headers.first(name: "content-type")?.hasPrefix("application/x-www-form-urlencoded") == true {
            valid = body.map(isSigned) ?? false
        }
        totals.withLock {
            $0.requests += 1
            if !valid { $0.badSignature += 1 }
        }
        if let label = head.headers.first(name: LoadGenerator.sequenceHeader) {
            let parts = label.split(separator: "/")
            if parts.count == 3, let seq = Int(parts[1]), let copies = UInt8(parts[2]), seq >= 0, seq < 50_000_000 {
                runs.withLock { runs in
                    runs[String(parts[0]), default: Tally()].record(seq: seq, copies: copies, valid: valid)
                }
            }
        }
        return valid
    }

    /// Whether a form's `vpbx_api_key` is ours and its `sign` is sha256(key + json + salt).
    private func isSigned(_ body: ByteBuffer) -> Bool {
        var apiKey: [UInt8]?, sign: [UInt8]?, json: [UInt8]?
        body.withUnsafeReadableBytes { bytes in
            var start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "&") { end += 1 }
                if let equals = (start..<end).first(where: { bytes[$0] == UInt8(ascii: "=") }) {
                    let name = bytes[start..<equals]
                    let value = bytes[(equals + 1)..<end]
                    if name.elementsEqual("json".utf8) {
                        if json == nil { json = Self.unescape(value) }
                    } else if name.elementsEqual("sign".utf8) {
                        if sign == nil { sign = Self.unescape(value) }
                    } else if name.elementsEqual("vpbx_api_key".utf8) {
                        if apiKey == nil { apiKey = Self.unescape(value) }
                    }
                }
                start = end + 1
            }
        }
        guard let apiKey, let sign, let json, apiKey == key else { return false }
        var hasher = SHA256()
        hasher.update(data: key)
        hasher.update(data: json)
        hasher.update(data: salt)
        let expected = Array(MangoSignature.hex(hasher.finalize()).utf8)
        let lowered = sign.map { (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) ? $0 + 32 : $0 }
        return lowered == expected
    }

    /// Form-decodes one value: `+` is a space, `%XX` a byte (invalid escapes stay as they are).
    static func unescape(_ bytes: Slice<UnsafeRawBufferPointer>) -> [UInt8] {
        func digit(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = digit(bytes[index + 1]), let low = digit(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }

    /// Starts listening; `port` 0 picks a free one.
    public func start(host: String = "127.0.0.1", port: Int = 0, threads: Int = 1) async throws -> LoadReceiverServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // Answers are written while the request is read, so pipelined requests stay in order
                        // without NIO's pipelining handler; the few response heads are ours and valid.
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                            withPipeliningAssistance: false, withErrorHandling: true, withOutboundHeaderValidation: false,
                            withEncoderConfiguration: .init())
                        try channel.pipeline.syncOperations.addHandler(LoadReceiverHandler(receiver: self))
                    }
                }
                .bind(host: host, port: port).get()
            return LoadReceiverServer(channel: channel, group: group, host: host)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }
}

extension LoadReceiver.Tally {
    mutating func record(seq: Int, copies: UInt8, valid: Bool) {
        received += 1
        if !valid { badSignature += 1 }
        if seq >= arrivals.count {
            let size = max(seq + 1, arrivals.count * 2)
            arrivals.append(contentsOf: repeatElement(0, count: size - arrivals.count))
            self.copies.append(contentsOf: repeatElement(0, count: size - self.copies.count))
        }
        if arrivals[seq] < .max { arrivals[seq] += 1 }
        self.copies[seq] = copies
    }
}

/// A listening ``LoadReceiver``.
public final class LoadReceiverServer: Sendable {
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    /// The bound host.
    public let host: String
    /// The bound port.
    public let port: Int

    init(channel: any Channel, group: MultiThreadedEventLoopGroup, host: String) {
        self.channel = channel
        self.group = group
        self.host = host
        self.port = channel.localAddress?.port ?? 0
    }

    /// `http://host:port` without a trailing slash.
    public var baseURL: String { "http://\(host):\(port)" }

    /// Stops listening and closes the event loops.
    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Waits until the listening socket closes (for the CLI: until the process is stopped).
    public func wait() async throws {
        try await channel.closeFuture.get()
    }
}

/// Answers each request of one connection once it is complete.
final class LoadReceiverHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let receiver: LoadReceiver
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?

    init(receiver: LoadReceiver) { self.receiver = receiver }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
        case .body(var chunk):
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            guard let head else { return }
            self.head = nil
            if head.method == .POST {
                respond(context: context, to: head, status: receiver.accept(head: head, body: body) ? .ok : .unauthorized)
            } else if head.method == .GET, head.uri.hasPrefix("/emulator/load") {
                respond(context: context, to: head, status: .ok, json: check(head.uri))
            } else {
                respond(context: context, to: head, status: .notFound)
            }
            body = nil
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    private func check(_ uri: String) -> String {
        var query: [Substring: Substring] = [:]
        if let mark = uri.firstIndex(of: "?") {
            for pair in uri[uri.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { query[parts[0]] = parts[1] }
            }
        }
        let run = String(query["run"] ?? "").filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
        let check = receiver.check(run: run, events: Int(query["events"] ?? "") ?? 0)
        return #"{"run":"\#(check.run)","received":\#(check.received),"lost":\#(check.lost),"duplicated":\#(check.duplicated),"#
            + #""unexpected":\#(check.unexpected),"bad_signature":\#(check.badSignature),"cpu_seconds":\#(processCPUSeconds())}"#
    }

    private func respond(context: ChannelHandlerContext, to request: HTTPRequestHead, status: HTTPResponseStatus, json: String? = nil) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(3)
        headers.add(name: "content-length", value: String(json?.utf8.count ?? 0))
        if json != nil { headers.add(name: "content-type", value: "application/json") }
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if let json { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: json)))), promise: nil) }
        if keepAlive {
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
        }
    }
}
