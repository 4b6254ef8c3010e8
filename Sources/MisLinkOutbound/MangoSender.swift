import Foundation
import MisLinkExternalAPIs
import MisLinkHTTP
import Synchronization

/// Sends signed Mango VPBX commands and reads their synchronous `{"result":…}`.
///
/// Mango limits bad requests (3xxx) to one per two minutes and answers HTTP 401 for the rest of the
/// window, so a wrong key or signature (3105, 3102) or a 401 must never be repeated in a loop: the
/// row is failed at once, and every Mango request is paused for ``pause`` (other rows wait, with
/// their attempt not counted) instead of hitting the lockout again.
struct MangoSender: Sendable {
    let client: HTTPClient
    let credentials: MangoCredentials
    let baseURL: String
    let timeout: Duration
    /// How long Mango requests stop after a 3102/3105/401.
    let pause: Duration
    let gate = MangoGate()

    /// Signs `json` and posts it to `<base>/<path>`.
    func send(path: MangoPath, json: String) async -> SendOutcome {
        if let remaining = gate.remainingPause() {
            return .deferred(error: "PBX requests paused after a rejected signature or key", after: remaining)
        }
        let form = MangoSignedForm(json: json, credentials: credentials)
        var request = HTTPClientRequest.form(url(path), fields: form.fields)
        request.timeout = timeout
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request)
        } catch {
            return .transportFailure(error)
        }
        let outcome = Self.classify(response)
        if case .failed(let code, _) = outcome, ["3102", "3105", "401"].contains(code ?? "") || response.status == 401 {
            gate.pause(for: pause)
        }
        return outcome
    }

    /// Reads Mango's answer. HTTP 429/5xx are passing; a 401 is the bad-request lockout (final);
    /// otherwise the JSON `result` decides (the HTTP class of Mango's errors is not reliable):
    /// 1000 is accepted, 5008 ("slow down") is passing, any other code is final.
    static func classify(_ response: HTTPClientResponse) -> SendOutcome {
        let result = (response.jsonObject?["result"]).flatMap { value -> Int? in
            if let number = value as? NSNumber { return number.intValue }
            return (value as? String).flatMap { Int($0) }
        }
        if response.status == 429 || response.status >= 500 {
            return SendOutcome.httpFailure(response, provider: "Mango")
        }
        if response.status == 401 {
            return .failed(resultCode: result.map(String.init) ?? "401", error: "Mango refused the request (HTTP 401, bad-request lockout)")
        }
        guard let result else {
            if (200..<300).contains(response.status) { return .sent(providerId: nil, resultCode: String(response.status)) }
            return SendOutcome.httpFailure(response, provider: "Mango")
        }
        let code = MangoResultCode(result)
        if code.isSuccess { return .sent(providerId: nil, resultCode: String(result)) }
        if result == 5008 { return .retry(resultCode: "5008", error: "Mango asked to slow down (5008)", after: nil) }
        return .failed(resultCode: String(result), error: "Mango result \(result)" + (Self.meaning[result].map { ": \($0)" } ?? ""))
    }

    static let meaning: [Int: String] = [
        3000: "bad request", 3100: "bad command parameters", 3101: "not a POST", 3102: "signature mismatch",
        3103: "a required parameter is missing", 3104: "a parameter has a bad format", 3105: "bad vpbx_api_key",
        3310: "call not found", 4001: "unsupported command", 4100: "not allowed for this call",
        4101: "call ended or missing", 4300: "SMS not sent",
    ]

    private func url(_ path: MangoPath) -> String {
        HTTPClientRequest.url(baseURL, path.rawValue)
    }
}

/// The pause of every Mango request after a lockout-prone answer.
final class MangoGate: Sendable {
    private let until = Mutex<ContinuousClock.Instant?>(nil)

    func pause(for duration: Duration) {
        until.withLock { $0 = ContinuousClock.now + duration }
    }

    /// The rest of the pause, `nil` when requests may go.
    func remainingPause() -> Duration? {
        until.withLock { until in
            guard let end = until else { return nil }
            let now = ContinuousClock.now
            if now >= end {
                until = nil
                return nil
            }
            return end - now
        }
    }
}
