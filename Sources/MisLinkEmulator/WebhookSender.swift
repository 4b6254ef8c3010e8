import Foundation
import MisLinkExternalAPIs
import MisLinkHTTP

/// One webhook delivered by the emulator, and how it went.
public struct Delivery: Sendable {
    /// The full URL.
    public var url: String
    /// The path relative to its base (`events/call`, `edna`, …).
    public var path: String
    /// The JSON text sent (the `json` form field for Mango).
    public var json: String
    /// The HTTP status, or `nil` when no response came.
    public var status: Int?
    /// Time from sending the request to the acknowledgement, in nanoseconds (libcurl's transfer
    /// time, so time spent waiting for a free connection inside the emulator is not counted).
    public var latencyNanoseconds: UInt64
    /// The transport error, if any.
    public var error: String?
    /// `true` for a deliberate duplicate.
    public var isDuplicate: Bool
    /// MisLink's `outcome` (`applied`, `spooled`, `quarantined`, …) when the answer carried one.
    public var outcome: String?
}

/// Where the emulator delivers webhooks, and how.
public struct WebhookTargets: Sendable {
    /// The MisLink base URL, e.g. `http://127.0.0.1:8080`.
    public var target: String
    /// The Mango notification base under it. Defaults to `/mango` (issue 7's default).
    public var mangoBasePath: String
    /// The edna Bot Connect webhook path. Defaults to `/edna/webhook`.
    public var ednaPath: String
    /// The Chatwoot webhook path. Defaults to `/chatwoot/webhook`.
    public var chatwootPath: String

    /// Makes targets; see each field for its default.
    public init(
        target: String, mangoBasePath: String = "/mango", ednaPath: String = "/edna/webhook",
        chatwootPath: String = "/chatwoot/webhook"
    ) {
        self.target = target.hasSuffix("/") ? String(target.dropLast()) : target
        self.mangoBasePath = mangoBasePath
        self.ednaPath = ednaPath
        self.chatwootPath = chatwootPath
    }

    /// The full URL of a Mango notification path such as `events/call`.
    public func mangoURL(_ path: String) -> String {
        join(target, mangoBasePath, path)
    }

    func join(_ parts: String...) -> String {
        var out = parts[0]
        for part in parts.dropFirst() where !part.isEmpty {
            let trimmed = part.hasPrefix("/") ? String(part.dropFirst()) : part
            out += (out.hasSuffix("/") ? "" : "/") + (trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed)
        }
        return out
    }
}

/// Delivers signed Mango notifications and chat webhooks over real HTTP.
public struct WebhookSender: Sendable {
    /// The HTTP client (its lanes bound the number of parallel connections).
    public let client: HTTPClient
    /// Signing credentials for Mango notifications.
    public let credentials: MangoCredentials
    /// Where to deliver.
    public let targets: WebhookTargets

    /// Makes a sender.
    public init(client: HTTPClient, credentials: MangoCredentials, targets: WebhookTargets) {
        self.client = client
        self.credentials = credentials
        self.targets = targets
    }

    /// Sends one signed Mango notification (`events/call`, `result/callback`, …).
    public func sendMango(path: String, json: String, isDuplicate: Bool = false) async -> Delivery {
        let form = MangoSignedForm(json: json, credentials: credentials)
        return await deliver(
            .form(targets.mangoURL(path), fields: form.fields), path: path, json: json, isDuplicate: isDuplicate)
    }

    /// Sends one JSON chat webhook to the edna or Chatwoot path.
    public func sendChat(platform: ChatPlatform, json: String, isDuplicate: Bool = false) async -> Delivery {
        let path = platform == .edna ? targets.ednaPath : targets.chatwootPath
        return await deliver(
            .json(targets.join(targets.target, path), body: Data(json.utf8)), path: platform.rawValue, json: json,
            isDuplicate: isDuplicate)
    }

    private func deliver(_ request: HTTPClientRequest, path: String, json: String, isDuplicate: Bool) async -> Delivery {
        var delivery = Delivery(
            url: request.url, path: path, json: json, status: nil, latencyNanoseconds: 0, error: nil,
            isDuplicate: isDuplicate, outcome: nil)
        do {
            let response = try await client.execute(request)
            delivery.status = response.status
            delivery.outcome = (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["outcome"] as? String
            let elapsed = response.transferTime.components
            delivery.latencyNanoseconds = UInt64(max(0, elapsed.seconds)) * 1_000_000_000
                + UInt64(max(0, elapsed.attoseconds / 1_000_000_000))
        } catch {
            delivery.error = String(describing: error)
        }
        return delivery
    }
}

/// A chat platform the emulator imitates.
public enum ChatPlatform: String, Sendable, Codable {
    case edna
    case chatwoot
}
