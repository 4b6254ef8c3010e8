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
        guard let event else { return try .json(Accepted(outcome: "ignored")) }
        do {
            let outcome = try await intake.submit(event)
            logger.debug("\(event.deliveryKey): \(outcome.rawValue)")
            return try .json(Accepted(outcome: outcome.rawValue))
        } catch let error as IntakeUnavailable {
            WebhookMetrics.rejected(source: source, status: 503)
            return .error(.serviceUnavailable, error.reason)
        }
    }
}

/// Counts refused webhooks by source and status (`mislink_webhooks_rejected_total`).
enum WebhookMetrics {
    static func rejected(source: String, status: Int) {
        Counter(label: "mislink_webhooks_rejected_total", dimensions: [("source", source), ("status", String(status))])
            .increment()
    }
}
