import Foundation
import MisLinkExternalAPIs
import MisLinkSettings

/// What the emulator takes from the worker's settings (``MisLinkSettings``: the config file and the
/// `MISLINK_*` environment), so one environment drives both. The CLI's explicit options win over these.
public struct EmulatorSettings: Sendable, Equatable {
    /// `mango.api_key` and `mango.api_salt`: what notifications are signed with and commands checked against.
    public var credentials: MangoCredentials
    /// `http://<listen>` (a wildcard host such as `0.0.0.0` becomes `127.0.0.1`): where MisLink takes webhooks.
    public var target: String
    /// `mango.webhook_path`: the Mango notification base under the target. Defaults to `/mango`.
    public var mangoBasePath: String
    /// `<chat.chatwoot.webhook_path>/<chat.chatwoot.webhook_secret>` (`/chatwoot/webhook/<secret>`), or
    /// the path alone when the secret is empty.
    public var chatwootPath: String
    /// `<chat.edna.webhook_path>/<chat.edna.webhook_secret>` (`/edna/webhook/<secret>`), or the path alone.
    public var ednaPath: String
    /// `api.tokens.first`: the bearer token for MisLink's REST API (the load check), if any.
    public var apiToken: String?
    /// `chat.chatwoot.api_token` when set: the token the fake Chatwoot accepts.
    public var chatwootToken: String?
    /// `chat.edna.login` when set: the INTEGRATOR login the fake edna accepts.
    public var ednaLogin: String?
    /// `chat.edna.password` when set.
    public var ednaPassword: String?
    /// `mango.timestamp_offset`: seconds added to every epoch field the emulator sends.
    public var timestampOffset: Int
    /// The host of `listen` (where `mislink emulate receive` stands in for MisLink). Defaults to `127.0.0.1`.
    public var listenHost: String
    /// The port of `listen`. Defaults to 8080.
    public var listenPort: Int

    /// Takes the emulator's defaults from the worker's settings.
    public init(_ settings: MisLinkSettings) {
        credentials = MangoCredentials(apiKey: settings.mango.apiKey, apiSalt: settings.mango.apiSalt)
        target = Self.targetURL(listen: settings.listen)
        mangoBasePath = settings.mango.webhookPath.isEmpty ? "/mango" : settings.mango.webhookPath
        chatwootPath = Self.path(settings.chat.chatwoot.webhookPath, secret: settings.chat.chatwoot.webhookSecret)
        ednaPath = Self.path(settings.chat.edna.webhookPath, secret: settings.chat.edna.webhookSecret)
        apiToken = settings.api.tokens.first { !$0.isEmpty }
        chatwootToken = settings.chat.chatwoot.apiToken.nonEmpty
        ednaLogin = settings.chat.edna.login.nonEmpty
        ednaPassword = settings.chat.edna.password.nonEmpty
        timestampOffset = settings.mango.timestampOffset
        let address = (try? settings.listenAddress) ?? (host: "127.0.0.1", port: 8080)
        listenHost = address.host
        listenPort = address.port
    }

    /// Reads the settings (`file`, else `MISLINK_CONFIG`, else the defaults; then the environment).
    /// With neither a config file nor `MISLINK_DATABASE` (the worker's embedded demo), every secret
    /// left empty takes the demo value `mislink serve` uses too, so the two work together unconfigured.
    /// - Parameters:
    ///   - file: The JSON config file. Defaults to `MISLINK_CONFIG`, else none.
    ///   - environment: Defaults to the process environment.
    public static func load(file: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> EmulatorSettings
    {
        let settings = try MisLinkSettings.load(file: file, environment: environment)
        let demo = MisLinkSettings.isEmbeddedDefault(configFile: file, environment: environment)
        return EmulatorSettings(demo ? settings.withDemoSecrets() : settings)
    }

    /// The webhook targets, each overridable (an explicit CLI option wins; `nil` takes the settings).
    public func webhookTargets(
        target: String? = nil, mangoBasePath: String? = nil, ednaPath: String? = nil, chatwootPath: String? = nil
    ) -> WebhookTargets {
        WebhookTargets(
            target: target ?? self.target, mangoBasePath: mangoBasePath ?? self.mangoBasePath,
            ednaPath: ednaPath ?? self.ednaPath, chatwootPath: chatwootPath ?? self.chatwootPath)
    }

    /// `http://host:port` for a listen address; wildcard hosts become loopback, IPv6 hosts get brackets.
    public static func targetURL(listen: String) -> String {
        var host = listen
        var port = ""
        if let colon = listen.lastIndex(of: ":"), !listen[listen.index(after: colon)...].contains("]") {
            host = String(listen[..<colon])
            port = String(listen[colon...])
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        switch host {
        case "", "0.0.0.0", "*": host = "127.0.0.1"
        case "::": host = "::1"
        default: break
        }
        if host.contains(":") { host = "[\(host)]" }
        return "http://\(host)\(port)"
    }

    /// The webhook path with the secret as its last segment (nothing added for an empty secret).
    static func path(_ path: String, secret: String) -> String {
        let base = "/" + path.split(separator: "/").joined(separator: "/")
        guard !secret.isEmpty else { return base }
        return base + "/" + (secret.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/")))
            ?? secret)
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
