import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A Hummingbird application running in the background on a real port (0 picks a free one).
public final class RunningServer: Sendable {
    /// The bound port.
    public let port: Int
    /// The bound host.
    public let host: String
    private let task: Task<Void, Error>
    private let group: ServiceGroup

    /// `http://host:port` without a trailing slash.
    public var baseURL: String { "http://\(host):\(port)" }

    private init(host: String, port: Int, task: Task<Void, Error>, group: ServiceGroup) {
        self.group = group
        self.host = host
        self.port = port
        self.task = task
    }

    /// Starts serving `router` and returns once the socket is bound.
    /// - Parameters:
    ///   - router: The routes.
    ///   - host: Defaults to `127.0.0.1`.
    ///   - port: Defaults to 0 (any free port).
    ///   - logLevel: Defaults to `.warning`, so tests stay quiet.
    public static func start<Context: RequestContext>(
        router: Router<Context>, host: String = "127.0.0.1", port: Int = 0, logLevel: Logger.Level = .warning
    ) async throws -> RunningServer where Context.Source == ApplicationRequestContextSource {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "mislink.emulator")
        logger.logLevel = logLevel
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "MisLinkEmulator"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? port)
                continuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = stream.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            try await task.value
            throw EmulatorError("the server on \(host):\(port) stopped before it was listening")
        }
        return RunningServer(host: host, port: bound, task: task, group: group)
    }

    /// Stops the server and waits for it to finish.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Waits until the server stops (for the CLI: until SIGINT/SIGTERM cancels the task).
    public func wait() async throws {
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            Task { [group] in await group.triggerGracefulShutdown() }
        }
    }
}

/// An emulator failure with a message for the user.
public struct EmulatorError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Request {
    /// The whole body as UTF-8 text, up to the context's upload limit.
    func bodyText<Context: RequestContext>(context: Context) async throws -> String {
        var copy = self
        let buffer = try await copy.collectBody(upTo: context.maxUploadSize)
        return String(buffer: buffer)
    }
}

extension Response {
    /// A JSON response from text already serialised.
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// An empty response.
    static func empty(_ status: HTTPResponse.Status) -> Response {
        Response(status: status)
    }
}

extension RunningServer {
    /// Serves `router` in the foreground until SIGINT or SIGTERM (for the CLI), logging at `info`.
    public static func serve<Context: RequestContext>(
        router: Router<Context>, host: String, port: Int, name: String
    ) async throws where Context.Source == ApplicationRequestContextSource {
        var logger = Logger(label: "mislink.emulator.\(name)")
        logger.logLevel = .info
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "MisLinkEmulator"),
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
