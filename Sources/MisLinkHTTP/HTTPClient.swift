import CCurl
import Dispatch
import Foundation
import Synchronization

/// An async HTTP client over libcurl.
///
/// Blocking `curl_easy_perform` calls never run on Swift's cooperative pool: the client owns a
/// fixed number of *lanes*, each a serial `DispatchQueue` with its own reused easy handle (so
/// connections are kept alive), and a request waits for a free lane.
///
/// ```swift
/// let client = HTTPClient()
/// let response = try await client.execute(.form("http://127.0.0.1:8080/mango/events/call", fields: fields))
/// ```
public final class HTTPClient: Sendable {
    /// How a client behaves. Every field has a default.
    public struct Configuration: Sendable {
        /// How many requests run at the same time (one connection each). Defaults to 8.
        public var maxConcurrentRequests: Int
        /// Time allowed to establish a connection. Defaults to 5 seconds.
        public var connectTimeout: Duration
        /// Time allowed for a whole request. Defaults to 30 seconds.
        public var timeout: Duration
        /// Pin TLS to exactly 1.2 (Mango's VPBX refuses 1.0, 1.1 and 1.3). Defaults to `false`.
        public var pinTLS12: Bool

        /// Makes a configuration; see each field for its default.
        public init(
            maxConcurrentRequests: Int = 8, connectTimeout: Duration = .seconds(5), timeout: Duration = .seconds(30),
            pinTLS12: Bool = false
        ) {
            self.maxConcurrentRequests = max(1, maxConcurrentRequests)
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.pinTLS12 = pinTLS12
        }
    }

    /// The configuration the client was made with.
    public let configuration: Configuration
    private let lanes: Mutex<LaneState>

    static let globalInit: Void = {
        // "curl_global_init … is not thread safe", so it runs once, before any handle is made.
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    /// Makes a client.
    /// - Parameter configuration: Defaults to ``Configuration/init(maxConcurrentRequests:connectTimeout:timeout:pinTLS12:)``'s defaults.
    public init(configuration: Configuration = Configuration()) {
        HTTPClient.globalInit
        self.configuration = configuration
        let lanes = (0..<configuration.maxConcurrentRequests).map { Lane(index: $0) }
        self.lanes = Mutex(LaneState(idle: lanes))
    }

    /// Sends a request and collects the whole response. Throws ``HTTPClientError`` when no HTTP
    /// response arrived; any status (including 4xx/5xx) is a response.
    public func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let lane = try await acquireLane()
        defer { releaseLane(lane) }
        let flag = CancelFlag()
        let configuration = self.configuration
        // Metrics: the outcome and time on the connection of requests to a named API (HTTPClientObservation).
        guard let watch = HTTPClientObservation.watch(request.url) else {
            return try await perform(request, on: lane, configuration: configuration, flag: flag)
        }
        let started = ContinuousClock.now
        do {
            let response = try await perform(request, on: lane, configuration: configuration, flag: flag)
            watch.observer(watch.api, HTTPClientObservation.outcome(status: response.status), .now - started)
            return response
        } catch {
            watch.observer(watch.api, (error as? HTTPClientError)?.code.description ?? "transfer", .now - started)
            throw error
        }
    }

    private func perform(
        _ request: HTTPClientRequest, on lane: Lane, configuration: Configuration, flag: CancelFlag
    ) async throws -> HTTPClientResponse {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPClientResponse, Error>) in
                lane.queue.async {
                    do {
                        continuation.resume(
                            returning: try lane.handle.perform(request, configuration: configuration, cancelled: flag))
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        } onCancel: {
            flag.cancel()
        }
    }

    private func acquireLane() async throws -> Lane {
        if let lane = lanes.withLock({ $0.idle.popLast() }) { return lane }
        return try await withCheckedThrowingContinuation { continuation in
            let lane: Lane? = lanes.withLock { state in
                if let lane = state.idle.popLast() { return lane }
                state.waiters.append(continuation)
                return nil
            }
            if let lane { continuation.resume(returning: lane) }
        }
    }

    private func releaseLane(_ lane: Lane) {
        let waiter: CheckedContinuation<Lane, Error>? = lanes.withLock { state in
            if state.waiters.isEmpty {
                state.idle.append(lane)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: lane)
    }
}

/// A serial queue and the easy handle only it touches.
final class Lane: @unchecked Sendable {
    let queue: DispatchQueue
    let handle = EasyHandle()
    init(index: Int) { queue = DispatchQueue(label: "mislink.http.lane.\(index)") }
}

struct LaneState: ~Copyable {
    var idle: [Lane]
    var waiters: [CheckedContinuation<Lane, Error>] = []
}
