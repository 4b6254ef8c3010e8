import Foundation
import MisLinkHTTP

/// What one send attempt came to, and so what is written back to the row.
public enum SendOutcome: Sendable {
    /// The provider accepted it.
    case sent(providerId: String?, resultCode: String?)
    /// A passing failure (5xx, 429, timeout, connection): try again after a backoff. `after` is the
    /// provider's `Retry-After`, when it gave one.
    case retry(resultCode: String?, error: String, after: Duration?)
    /// A failure that sending again cannot fix (a 4xx, a Mango 3xxx/4xxx result, no recipient).
    case failed(resultCode: String?, error: String)
    /// Not sent on purpose (expired, too old).
    case cancelled(error: String)
    /// Not attempted (shutting down, PBX paused after a lockout, a rate limit's slot): back to `pending`
    /// `after` from when it is written back, or at `until` when given (a mailing's send window opens then,
    /// however long the write-back takes), without counting the attempt.
    case deferred(error: String, after: Duration, until: Date? = nil)

    /// The label used in metrics and logs.
    var label: String {
        switch self {
        case .sent: "sent"
        case .retry: "retry"
        case .failed: "failed"
        case .cancelled: "cancelled"
        case .deferred: "deferred"
        }
    }

    /// The outcome of a request that produced no HTTP response.
    static func transportFailure(_ error: any Error) -> SendOutcome {
        guard let error = error as? HTTPClientError else {
            return .retry(resultCode: nil, error: "request failed: \(error)", after: nil)
        }
        switch error.code {
        case .cancelled, .shutdown: return .deferred(error: "not sent: \(error.code)", after: .zero)
        case .badURL: return .failed(resultCode: nil, error: "bad URL: \(error.message)")
        default: return .retry(resultCode: error.code.description, error: "\(error.code): \(error.message)", after: nil)
        }
    }

    /// The outcome of an HTTP status that is not a success: 429 and 5xx are passing, the rest final.
    static func httpFailure(_ response: HTTPClientResponse, provider: String) -> SendOutcome {
        let code = String(response.status)
        let detail = "\(provider) answered HTTP \(response.status)" + response.shortBody.map { ": \($0)" }.orEmpty
        if response.status == 429 || response.status >= 500 {
            return .retry(resultCode: code, error: detail, after: response.retryAfter)
        }
        return .failed(resultCode: code, error: detail)
    }
}

extension HTTPClientResponse {
    /// `Retry-After` in seconds (the HTTP-date form is not used by the providers).
    var retryAfter: Duration? {
        guard let value = header("Retry-After"), let seconds = Double(value.trimmingCharacters(in: .whitespaces)),
            seconds >= 0
        else { return nil }
        return .milliseconds(Int64(min(seconds, 3600) * 1000))
    }

    /// The start of the body for an error message (providers' error bodies carry no secrets we sent).
    var shortBody: String? {
        let text = self.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    /// The body as a JSON object, if it is one.
    var jsonObject: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }
}

extension Optional where Wrapped == String {
    var orEmpty: String { self ?? "" }
}
