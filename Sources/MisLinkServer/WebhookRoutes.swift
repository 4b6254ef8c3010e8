import Foundation
import Hummingbird
import Logging
import Metrics
import MisLinkIntake
import MisLinkSettings

/// The webhook routes: `POST <mango.webhook_path>/**`, `POST <chat.chatwoot.webhook_path>[/<secret>]`,
/// `POST <chat.edna.webhook_path>[/<secret>]` (the secret as the last segment or `?secret=`).
///
/// Each answers 200 with `{"outcome": …}` only after the event is committed to the inbox or fsync'd
/// to the spool; 401 for a wrong signature or secret, 400 for a malformed body, 413 for an oversized
/// one (none of which stores anything), 503 when the worker cannot store events now (the sender
/// retries).
struct WebhookRoutes {
    let settings: MisLinkSettings
    let intake: IntakePipeline
    let logger: Logger

    struct Accepted: Codable, ResponseEncodable {
        var outcome: String
    }

    func add(to router: Router<WorkerRequestContext>) {
        let mango = MangoWebhookAdapter(settings: settings.mango)
        let chatwoot = ChatwootWebhookAdapter(settings: settings.chat.chatwoot)
        let edna = EdnaWebhookAdapter(settings: settings.chat.edna)
        let limit = settings.intake.maxBodyBytes
        let base = settings.mango.webhookPath.split(separator: "/").joined(separator: "/")

        router.post(RouterPath(base.isEmpty ? "**" : "\(base)/**")) { request, context in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            return try await handle(request, context, source: "mango", limit: limit) { (body: Data) throws(WebhookRejection) -> InboundEvent? in
                try mango.accept(path: path, body: body, remoteAddress: context.remoteIP)
            }
        }
        for (path, source) in [(settings.chat.chatwoot.webhookPath, "chatwoot"), (settings.chat.edna.webhookPath, "edna")] {
            let base = path.split(separator: "/").joined(separator: "/")
            let accept: @Sendable (String, Data, String?) throws(WebhookRejection) -> InboundEvent? = { secret, body, remote throws(WebhookRejection) in
                source == "chatwoot" ? try chatwoot.accept(pathSecret: secret, body: body, remoteAddress: remote)
                    : try edna.accept(pathSecret: secret, body: body, remoteAddress: remote)
            }
            router.post(RouterPath(base)) { request, context in
                let secret = request.uri.queryParameters.get("secret") ?? ""
                return try await handle(request, context, source: source, limit: limit) { (body: Data) throws(WebhookRejection) -> InboundEvent? in
                    try accept(secret, body, context.remoteIP)
                }
            }
            router.post(RouterPath("\(base)/:secret")) { request, context in
                let secret = context.parameters.get("secret") ?? ""
                return try await handle(request, context, source: source, limit: limit) { (body: Data) throws(WebhookRejection) -> InboundEvent? in
                    try accept(secret, body, context.remoteIP)
                }
            }
        }
    }

    private func handle(
        _ request: Request, _ context: WorkerRequestContext, source: String, limit: Int,
        accept: (Data) throws(WebhookRejection) -> InboundEvent?
    ) async throws -> Response {
        let body: Data
        do { body = try await request.body(limit: limit) } catch let error as HTTPError {
            WebhookMetrics.rejected(source: source, status: 413)
            logger.warning("refused a \(source) webhook from \(context.remoteIP ?? "?"): \(error.body ?? "too large")")
            return .error(error.status, error.body ?? "the body is too large")
        }
        let event: InboundEvent?
        do { event = try accept(body) } catch {
            WebhookMetrics.rejected(source: source, status: error.status)
            logger.warning("refused a \(source) webhook from \(context.remoteIP ?? "?") with \(error.status): \(error.reason)")
            return .error(.init(code: error.status), error.reason)
        }
        guard let event else {
            WebhookMetrics.ignored(source: source)
            return try .json(Accepted(outcome: "ignored"))
        }
        do {
            let outcome = try await intake.submit(event)
            WebhookMetrics.accepted(source: source, outcome: outcome)
            logger.debug("\(event.deliveryKey): \(outcome.rawValue)")
            return try .json(Accepted(outcome: outcome.rawValue))
        } catch let error as IntakeUnavailable {
            WebhookMetrics.rejected(source: source, status: 503)
            return .error(.serviceUnavailable, error.reason)
        }
    }
}

/// Webhooks by source and what became of them: `mislink_webhooks_total{source, outcome}` (an
/// ``IntakeOutcome``: `applied`, `duplicate`, `quarantined`, `spooled` …, or `ignored`: acknowledged, not
/// stored) and `mislink_webhooks_rejected_total{source, status, reason}` (refused, nothing stored).
///
/// The counters of the accepted outcomes are made once, so counting one is a dictionary look-up and one
/// atomic add (the webhook path is the hot one); a rejection looks its counter up in the registry.
enum WebhookMetrics {
    static let sources = ["mango", "chatwoot", "edna"]

    private static let outcomes: [String: [IntakeOutcome: Counter]] = {
        _ = MetricsBootstrap.registry
        let all: [IntakeOutcome] = [.applied, .skipped, .stored, .failed, .duplicate, .spooled, .retrying, .quarantined]
        return Dictionary(uniqueKeysWithValues: sources.map { source in
            (source, Dictionary(uniqueKeysWithValues: all.map { ($0, counter(source, $0.rawValue)) }))
        })
    }()

    private static let ignoredCounters: [String: Counter] = {
        _ = MetricsBootstrap.registry
        return Dictionary(uniqueKeysWithValues: sources.map { ($0, counter($0, "ignored")) })
    }()

    private static func counter(_ source: String, _ outcome: String) -> Counter {
        Counter(label: "mislink_webhooks_total", dimensions: [("source", source), ("outcome", outcome)])
    }

    /// Makes every source's counters, so that they are exported (at 0) before the first webhook.
    static func prepare() {
        _ = outcomes
        _ = ignoredCounters
    }

    /// A webhook stored (or spooled, or found to be a duplicate) with `outcome`.
    static func accepted(source: String, outcome: IntakeOutcome) {
        (outcomes[source]?[outcome] ?? counter(source, outcome.rawValue)).increment()
    }

    /// A webhook acknowledged that nothing in MisLink stores.
    static func ignored(source: String) {
        (ignoredCounters[source] ?? counter(source, "ignored")).increment()
    }

    /// A refused webhook; the reason follows from the status.
    static func rejected(source: String, status: Int) {
        Counter(label: "mislink_webhooks_rejected_total",
                dimensions: [("source", source), ("status", String(status)), ("reason", reason(status: status))])
            .increment()
    }

    /// `malformed` (400), `unauthorized` (401), `unknown_path` (404), `too_large` (413),
    /// `unsupported_media_type` (415), `unavailable` (503: the database and the spool cannot take it, or
    /// the worker is stopping), else `other`.
    static func reason(status: Int) -> String {
        switch status {
        case 400: "malformed"
        case 401: "unauthorized"
        case 404: "unknown_path"
        case 413: "too_large"
        case 415: "unsupported_media_type"
        case 503: "unavailable"
        default: "other"
        }
    }
}
