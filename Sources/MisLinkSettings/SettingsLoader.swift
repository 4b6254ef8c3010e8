import Foundation

/// The environment variables that override settings.
///
/// Every setting has one, made from its path: `mango.api_key` is `MISLINK_MANGO_API_KEY`,
/// `intake.max_batch` is `MISLINK_INTAKE_MAX_BATCH`. Lists (`api.tokens`) are comma-separated.
/// A few have the shorter names operators expect, listed in ``aliases``.
public enum EnvironmentKey {
    /// The config file to read when `--config` is not given.
    public static let configFile = "MISLINK_CONFIG"

    /// Short names, checked after the path-derived name.
    public static let aliases: [String: [String]] = [
        "database.dsn": ["MISLINK_DATABASE"],
        "database.user": ["ISC_USER"],
        "database.password": ["ISC_PASSWORD"],
        "api.tokens": ["MISLINK_API_TOKEN"],
        "chat.chatwoot.base_url": ["MISLINK_CHATWOOT_BASE_URL"],
        "chat.chatwoot.account_id": ["MISLINK_CHATWOOT_ACCOUNT_ID"],
        "chat.chatwoot.api_token": ["MISLINK_CHATWOOT_API_TOKEN"],
        "chat.chatwoot.webhook_secret": ["MISLINK_CHATWOOT_WEBHOOK_SECRET"],
        "chat.edna.base_url": ["MISLINK_EDNA_BASE_URL"],
        "chat.edna.login": ["MISLINK_EDNA_LOGIN"],
        "chat.edna.password": ["MISLINK_EDNA_PASSWORD"],
        "chat.edna.webhook_secret": ["MISLINK_EDNA_WEBHOOK_SECRET"],
        "intake.spool_directory": ["MISLINK_SPOOL_DIR"],
    ]

    /// The variable derived from a setting's path.
    public static func name(for path: String) -> String {
        "MISLINK_" + path.uppercased().replacingOccurrences(of: ".", with: "_")
    }
}

extension MisLinkSettings {
    /// The paths of settings that are secrets: never logged, never printed.
    public static let secretPaths: Set<String> = [
        "database.password", "mango.api_salt", "chat.chatwoot.api_token", "chat.chatwoot.webhook_secret",
        "chat.edna.password", "chat.edna.webhook_secret", "api.tokens", "console.embed_secret",
        "chat.first_contact.edna_pulse.api_key",
    ]

    /// Reads the settings: the defaults, then the config file (`file`, else `MISLINK_CONFIG`, else none),
    /// then the environment.
    ///
    /// An unknown key in the file, a value of the wrong type, or an environment value that does not
    /// parse is an error naming the setting.
    public static func load(file: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> MisLinkSettings
    {
        var tree = try defaultsTree()
        let path = file ?? environment[EnvironmentKey.configFile].flatMap { $0.isEmpty ? nil : $0 }
        if let path {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw SettingsError("cannot read the config file \(path): \(error.localizedDescription)")
            }
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: data) } catch {
                throw SettingsError("the config file \(path) is not valid JSON: \(error.localizedDescription)")
            }
            guard let fileTree = object as? [String: Any] else {
                throw SettingsError("the config file \(path) must hold a JSON object")
            }
            try merge(fileTree, into: &tree, path: "", source: path)
        }
        try applyEnvironment(environment, to: &tree, path: "")
        do {
            let data = try JSONSerialization.data(withJSONObject: tree)
            return try decoder.decode(MisLinkSettings.self, from: data)
        } catch let error as DecodingError {
            throw SettingsError("a setting has the wrong type: \(describe(error))")
        }
    }

    /// The settings as JSON with every secret replaced by `"***"` (empty secrets stay empty).
    public var redactedDescription: String {
        guard let data = try? Self.encoder.encode(self),
              var tree = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return "{}" }
        Self.redact(&tree, path: "")
        let out = (try? JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        return String(decoding: out, as: UTF8.self)
    }

    /// Every secret value, for scrubbing text that might contain one.
    public var secretValues: [String] {
        ([database.password ?? "", mango.apiSalt, chat.chatwoot.apiToken, chat.chatwoot.webhookSecret, chat.edna.password,
          chat.edna.webhookSecret, console.embedSecret, chat.firstContact.ednaPulse.apiKey] + api.tokens).filter { $0.count >= 4 }
    }

    // MARK: - Internals

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    /// The defaults as a JSON tree, with the optional settings present as null so they count as known.
    static func defaultsTree() throws -> [String: Any] {
        let data = try encoder.encode(MisLinkSettings())
        var tree = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        var database = tree["database"] as! [String: Any]
        for key in ["password", "role"] where database[key] == nil { database[key] = NSNull() }
        tree["database"] = database
        var console = tree["console"] as! [String: Any]
        if console["sign_in_dsn"] == nil { console["sign_in_dsn"] = NSNull() }
        tree["console"] = console
        return tree
    }

    private static func merge(_ source: [String: Any], into tree: inout [String: Any], path: String, source file: String) throws {
        for (key, value) in source {
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard let existing = tree[key] else {
                let known = tree.keys.sorted().joined(separator: ", ")
                throw SettingsError("unknown setting \"\(full)\" in \(file); known here: \(known)")
            }
            if let nested = value as? [String: Any], var existingTree = existing as? [String: Any] {
                try merge(nested, into: &existingTree, path: full, source: file)
                tree[key] = existingTree
            } else {
                tree[key] = value
            }
        }
    }

    private static func applyEnvironment(_ environment: [String: String], to tree: inout [String: Any], path: String) throws {
        for (key, value) in tree {
            let full = path.isEmpty ? key : "\(path).\(key)"
            if var nested = value as? [String: Any] {
                try applyEnvironment(environment, to: &nested, path: full)
                tree[key] = nested
                continue
            }
            let names = [EnvironmentKey.name(for: full)] + (EnvironmentKey.aliases[full] ?? [])
            guard let (name, text) = names.lazy.compactMap({ name in environment[name].map { (name, $0) } }).first,
                  !text.isEmpty else { continue }
            switch value {
            case is [Any]:
                let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                // A blank API token is refused (``API``), not dropped: `MISLINK_API_TOKEN=a,,b` stops the start.
                tree[key] = full == "api.tokens" ? parts : parts.filter { !$0.isEmpty }
            case let flag as NSNumber where String(cString: flag.objCType) == "c":
                // JSON's true/false (an NSNumber of type char here): `true`/`false`, `1`/`0`, `yes`/`no`.
                switch text.lowercased() {
                case "true", "1", "yes": tree[key] = true
                case "false", "0", "no": tree[key] = false
                default: throw SettingsError("\(name)=\(text): \(full) must be true or false")
                }
            case is NSNumber:
                guard let number = Double(text) else { throw SettingsError("\(name)=\(text): \(full) must be a number") }
                tree[key] = number == number.rounded() && abs(number) < 1e15 ? NSNumber(value: Int(number)) : NSNumber(value: number)
            default:
                tree[key] = text
            }
        }
    }

    private static func redact(_ tree: inout [String: Any], path: String) {
        for (key, value) in tree {
            let full = path.isEmpty ? key : "\(path).\(key)"
            if var nested = value as? [String: Any] {
                redact(&nested, path: full)
                tree[key] = nested
            } else if secretPaths.contains(full) {
                if let list = value as? [Any] {
                    tree[key] = list.map { _ in "***" }
                } else if let text = value as? String, !text.isEmpty {
                    tree[key] = "***"
                }
            }
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")) should be \(type)"
        case .keyNotFound(let key, let context):
            return "\((context.codingPath + [key]).map(\.stringValue).joined(separator: ".")) is missing"
        case .dataCorrupted(let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
