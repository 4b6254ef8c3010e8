import Dispatch
import Hummingbird
import MisLinkHTTP
import MisLinkSettings

/// Counts every routed request and its latency by route pattern (`/api/v1/calls/{id}`, never the raw
/// path), method and status: `mislink_http_requests_total` and `mislink_http_request_duration_seconds`.
///
/// Added once, before the routes (Hummingbird applies a router middleware to the routes added after
/// it). The time is from the middleware to the response's head (a streamed body, such as the console's
/// SSE stream, is not waited for). Per request: two clock reads, the route from the context, one atomic
/// load to find the series and two relaxed atomic adds; no lock once a route's series exists. A path
/// that matches no route is answered by the router before any middleware, so it is not counted.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = WorkerRequestContext

    let metrics: HTTPRequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let response = try await next(request, context)
            metrics.record(route: context.endpointPath, method: request.method, status: Int(response.status.code), since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.record(route: context.endpointPath, method: request.method, status: Int(status), since: started)
            throw error
        }
    }
}

/// The HTTP server's request metrics (one set per process: every worker in it shares the registry).
final class HTTPRequestMetrics: Sendable {
    /// The process's.
    static let shared = HTTPRequestMetrics()

    struct Key: Hashable, Sendable {
        var route: String
        var method: HTTPRequest.Method
        var status: Int
    }

    let series = LabelledHistograms<Key>(overflow: PrometheusText.labels(["route": "other", "method": "other", "status": "other"]))

    func record(route: String?, method: HTTPRequest.Method, status: Int, since started: UInt64) {
        let elapsed = DispatchTime.now().uptimeNanoseconds &- started
        let key = Key(route: route ?? "unknown", method: method, status: status)
        series.series(key) {
            PrometheusText.labels(["route": key.route, "method": key.method.rawValue, "status": String(key.status)])
        }.histogram.record(.nanoseconds(Int64(min(elapsed, UInt64(Int64.max)))))
    }

    func emit(into text: inout PrometheusText) {
        let all = series.all
        text.family("mislink_http_requests_total", "counter", help: "HTTP requests answered, by route pattern, method and status.")
        for series in all { text.sample("mislink_http_requests_total", series.labels, Double(series.histogram.snapshot().count)) }
        text.family("mislink_http_request_duration_seconds", "histogram",
                    help: "Time from the request to the response's head, by route pattern, method and status.")
        for series in all { text.histogram("mislink_http_request_duration_seconds", series.labels, series.histogram) }
    }
}

/// Calls to the PBX's and the chat platforms' APIs, from every ``HTTPClient`` of the process: their
/// outcome (`2xx` … `5xx`, or a transport failure: `connect`, `timeout` …) and time on the connection,
/// by API (`mango`, `chatwoot`, `edna`, `edna_pulse`, named from the settings' base URLs).
final class ExternalAPIMetrics: Sendable {
    /// The process's; the first use sets ``HTTPClientObservation``'s observer.
    static let shared: ExternalAPIMetrics = {
        let metrics = ExternalAPIMetrics()
        HTTPClientObservation.observe { api, outcome, duration in metrics.record(api: api, outcome: outcome, duration: duration) }
        return metrics
    }()

    struct Key: Hashable, Sendable {
        var api: String
        var outcome: String
    }

    let series = LabelledHistograms<Key>(limit: 100, overflow: PrometheusText.labels(["api": "other", "outcome": "other"]))

    /// Names the APIs of a worker's settings (their base URLs) so that their calls are counted. The
    /// chat platform in use is named last: when both platforms' base URLs are one (the emulator), it wins.
    func name(_ settings: MisLinkSettings) {
        HTTPClientObservation.name(settings.mango.baseURL, as: "mango")
        // First contact's edna Pulse; named before the chat platforms, which win on a base URL they share.
        HTTPClientObservation.name(settings.chat.firstContact.ednaPulse.baseURL, as: "edna_pulse")
        let chat = [(settings.chat.chatwoot.baseURL, "chatwoot"), (settings.chat.edna.baseURL, "edna")]
        for (baseURL, platform) in chat.filter({ $0.1 != settings.chat.platform }) + chat.filter({ $0.1 == settings.chat.platform }) {
            HTTPClientObservation.name(baseURL, as: platform)
        }
    }

    func record(api: String, outcome: String, duration: Duration) {
        let key = Key(api: api, outcome: outcome)
        series.series(key) { PrometheusText.labels(["api": api, "outcome": outcome]) }.histogram.record(duration)
    }

    func emit(into text: inout PrometheusText) {
        let all = series.all
        text.family("mislink_external_api_requests_total", "counter",
                    help: "Calls to the PBX's and chat platforms' APIs, by API and outcome (2xx..5xx, or connect, timeout, transfer...).")
        for series in all { text.sample("mislink_external_api_requests_total", series.labels, Double(series.histogram.snapshot().count)) }
        text.family("mislink_external_api_request_duration_seconds", "histogram",
                    help: "Time of a call to the PBX's or a chat platform's API on its connection, by API and outcome.")
        for series in all { text.histogram("mislink_external_api_request_duration_seconds", series.labels, series.histogram) }
    }
}
