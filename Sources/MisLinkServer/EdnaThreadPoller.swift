import Firebird
import Foundation
import Logging
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkIntake
import MisLinkOutbound
import MisLinkSettings
import ServiceLifecycle
import Synchronization
import MisLinkStore

/// edna pushes no thread lifecycle (reference B.5), so the worker asks: every `chat.edna.poll_seconds`
/// each edna thread not yet closed is read with `GET /api/v1/threads/{id}`, and its state goes into the
/// intake as an event (``EdnaThreadEvent``). An unchanged thread is a duplicate there; a changed one
/// moves the thread and its appeal (assigned, transferred, released, closed) as a webhook would.
public struct EdnaThreadPoller: Service {
    let pool: FirebirdPool
    let intake: IntakePipeline
    let settings: MisLinkSettings.Edna
    let session: EdnaSession
    let client: HTTPClient
    let logger: Logger
    /// Bodies of threads already quarantined, so an unreadable thread is kept once, not every poll.
    private let quarantined = QuarantinedBodies()

    /// Makes a poller; it polls only while `settings.pollSeconds` > 0 and a login is configured.
    public init(pool: FirebirdPool, intake: IntakePipeline, settings: MisLinkSettings.Edna, client: HTTPClient,
                logger: Logger = Logger(label: "mislink.edna")) {
        self.pool = pool
        self.intake = intake
        self.settings = settings
        self.client = client
        self.session = EdnaSession(settings: settings, client: client, timeout: .seconds(15))
        self.logger = logger
    }

    public func run() async throws {
        guard settings.pollSeconds > 0, !settings.login.isEmpty else {
            // A service that returns would stop the whole worker: wait for the shutdown instead.
            try? await gracefulShutdown()
            return
        }
        var failing: String?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await pollOnce()
                if failing != nil { logger.notice("polling edna threads works again") }
                failing = nil
            } catch {
                // Warn once per kind of failure, not every few seconds while edna is away.
                let text = "\(error)"
                if text != failing { logger.warning("polling edna threads failed (retrying quietly): \(text)") }
                failing = text
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(settings.pollSeconds)) }
        }
    }

    /// Reads every open edna thread once; returns how many states were new to MisLink.
    @discardableResult
    public func pollOnce() async throws -> Int {
        let ids = try await pool.withTransaction(.read) { tx in try ChatThreads.openExternalIds(provider: "edna", in: tx) }
        var changed = 0
        for id in ids where Int64(id) != nil {
            guard let body = try await fetch(id) else { continue }
            let thread: EdnaThread
            do {
                thread = try JSONDecoder().decode(EdnaThread.self, from: body)
            } catch {
                // One thread edna describes in a way MisLink cannot read must not stop the others: kept
                // once in the quarantine (the same body again is not kept twice), then skipped.
                try await quarantineOnce(id: id, body: body, error: error)
                continue
            }
            let outcome = try await intake.submit(EdnaThreadEvent.make(thread, body: body))
            if outcome != .duplicate { changed += 1 }
        }
        return changed
    }

    private func quarantineOnce(id: String, body: Data, error: any Error) async throws {
        let digest = "\(id):\(body.hashValue)"
        guard quarantined.keys.withLock({ $0.insert(digest).inserted }) else { return }
        logger.warning("edna thread \(id) does not parse; kept in the quarantine and skipped: \(DecodingProblem(error))")
        try await intake.quarantine(Quarantine.Entry(
            source: "edna", eventType: EdnaThreadEvent.eventType, deliveryKey: nil, form: "payload", payload: Array(body),
            reason: "the polled edna thread \(id) does not parse: \(DecodingProblem(error))", stage: "decode", receivedAt: Date()))
    }

    /// One thread's body, logging in again once on a 401; nil when edna does not know it.
    private func fetch(_ id: String) async throws -> Data? {
        let url = HTTPClientRequest.url(settings.baseURL, "api/v1/threads/\(id)")
        let answer = try await session.execute(on: client) { token in
            var request = HTTPClientRequest(method: "GET", url: url, headers: [("Authorization", token)])
            request.timeout = .seconds(15)
            return request
        }
        switch answer {
        case .loginFailed: throw PollError("edna login failed")
        case .refusedFreshToken: throw PollError("edna refused a fresh token (HTTP 401)")
        case .response(let response) where response.status == 200:
            return response.body
        case .response(let response) where response.status == 404: return nil
        case .response(let response): throw PollError("GET /api/v1/threads/\(id) answered HTTP \(response.status)")
        }
    }
}

struct PollError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The polled bodies already kept in the quarantine.
final class QuarantinedBodies: Sendable {
    let keys = Mutex(Set<String>())
}
