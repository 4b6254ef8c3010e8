import Foundation

/// Everything the worker (`mislink serve`) and the emulator read: one JSON config file, every setting
/// overridable from the environment (see ``EnvironmentKey``).
///
/// ```json
/// {
///   "database": { "dsn": "localhost:/srv/mis/clinic.fdb", "user": "MISLINK", "password": "…" },
///   "listen": "127.0.0.1:8080",
///   "clinic_time_zone": "Europe/Moscow",
///   "mango": { "api_key": "…", "api_salt": "…", "base_url": "https://app.mango-office.ru/vpbx" },
///   "chat": { "platform": "chatwoot", "chatwoot": { "base_url": "…", "account_id": 1, "api_token": "…", "webhook_secret": "…" } },
///   "api": { "tokens": ["…"] }
/// }
/// ```
///
/// Keys are snake_case; every key may be left out and takes its default. Secrets (passwords, salts,
/// tokens) never appear in ``redactedDescription``.
public struct MisLinkSettings: Codable, Sendable, Equatable {
    /// The MIS database.
    public var database: Database
    /// Where the HTTP server listens, `host:port`. Defaults to `127.0.0.1:8080`.
    public var listen: String
    /// The clinic's time zone (an IANA name), for showing times. Defaults to `Europe/Moscow`.
    public var clinicTimeZone: String
    /// The PBX.
    public var mango: Mango
    /// The chat platform.
    public var chat: Chat
    /// The REST API.
    public var api: API
    /// Webhook intake.
    public var intake: Intake
    /// Outbound delivery.
    public var outbound: Outbound
    /// The call log's housekeeping.
    public var telephony: Telephony
    /// Call recordings kept by MisLink.
    public var recordings: Recordings
    /// The public HTTP listener's limits (timeouts, connections, header size).
    public var http: HTTP
    /// The MIS the worker talks to (its profile).
    public var mis: Mis
    /// The operator console: sessions, lock-out, embedding.
    public var console: Console
    /// This worker's name in claims and logs. Defaults to `<host>:<pid>`.
    public var workerName: String
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`. Defaults to `info`.
    public var logLevel: String

    /// The MIS database and the credentials MisLink attaches with.
    public struct Database: Codable, Sendable, Equatable {
        /// An embedded file path or `host[/port]:path`. Defaults to `var/mislink.fdb` under the working
        /// directory (the embedded default, created with demo data when missing).
        public var dsn: String
        /// The user; `ISC_USER` overrides it. Defaults to `SYSDBA`.
        public var user: String
        /// The password; `ISC_PASSWORD` overrides it. Secret.
        public var password: String?
        /// The SQL role. Defaults to none (`MISLINK_WORKER` is the role V008 grants).
        public var role: String?
        /// Connections in the pool for API reads. Defaults to 4.
        public var poolSize: Int

        public init(dsn: String = "var/mislink.fdb", user: String = "SYSDBA", password: String? = nil,
                    role: String? = nil, poolSize: Int = 4) {
            self.dsn = dsn
            self.user = user
            self.password = password
            self.role = role
            self.poolSize = poolSize
        }
    }

    /// Mango Office VPBX.
    public struct Mango: Codable, Sendable, Equatable {
        /// The `vpbx_api_key`.
        public var apiKey: String
        /// The signing salt. Secret.
        public var apiSalt: String
        /// The API's base URL. Defaults to `https://app.mango-office.ru/vpbx`.
        public var baseURL: String
        /// The path webhooks arrive under. Defaults to `/mango`.
        public var webhookPath: String
        /// Seconds to subtract from every epoch field (10800 if the account sends "UTC+3" epochs;
        /// UNVERIFIED in the reference). Defaults to 0.
        public var timestampOffset: Int

        enum CodingKeys: String, CodingKey {
            case apiKey, apiSalt, baseURL = "baseUrl", webhookPath, timestampOffset
        }

        public init(apiKey: String = "", apiSalt: String = "", baseURL: String = "https://app.mango-office.ru/vpbx",
                    webhookPath: String = "/mango", timestampOffset: Int = 0) {
            self.apiKey = apiKey
            self.apiSalt = apiSalt
            self.baseURL = baseURL
            self.webhookPath = webhookPath
            self.timestampOffset = timestampOffset
        }
    }

    /// The omnichannel chat platform.
    public struct Chat: Codable, Sendable, Equatable {
        /// `chatwoot` or `edna`. Defaults to `chatwoot`.
        public var platform: String
        /// Chatwoot's settings.
        public var chatwoot: Chatwoot
        /// edna Chat Center's settings.
        public var edna: Edna
        /// Chat threads one operator may hold at once; an assignment past it is still recorded (the
        /// platform routes) but marked "over capacity" in the appeal's chain. Defaults to 5.
        public var capacity: Int
        /// Platform agent ids mapped to employees' chat logins (the profile's `staff_chat_logins`), as `provider:agent_id=login`
        /// (`chatwoot:11=ivanova`). An agent not listed is looked up by its login (edna), else by its
        /// id as the login.
        public var agents: [String]
        /// Messages to patients without a thread as the messenger's approved templates (see ``FirstContact``).
        /// Defaults to off.
        public var firstContact: FirstContact
        /// Whether an employee signing in to the operator console is signed in to the chat center too, with
        /// the chat login and password the MIS keeps (the profile's `staff_chat_credentials`). The console's
        /// button does it either way. Defaults to true.
        public var signInOperators: Bool

        public init(platform: String = "chatwoot", chatwoot: Chatwoot = Chatwoot(), edna: Edna = Edna(), capacity: Int = 5,
                    agents: [String] = [], firstContact: FirstContact = FirstContact(), signInOperators: Bool = true) {
            self.signInOperators = signInOperators
            self.platform = platform
            self.chatwoot = chatwoot
            self.edna = edna
            self.capacity = capacity
            self.agents = agents
            self.firstContact = firstContact
        }

        /// ``agents`` as a dictionary keyed by `provider:agent_id`.
        public var agentLogins: [String: String] {
            var map: [String: String] = [:]
            for entry in agents {
                guard let equals = entry.firstIndex(of: "=") else { continue }
                map[entry[..<equals].trimmingCharacters(in: .whitespaces)] = entry[entry.index(after: equals)...]
                    .trimmingCharacters(in: .whitespaces)
            }
            return map
        }
    }

    /// Chatwoot: webhooks to `webhook_path` (with the secret as a last path segment or `?secret=`),
    /// messages out through the account API.
    public struct Chatwoot: Codable, Sendable, Equatable {
        /// The instance's base URL. Defaults to `http://127.0.0.1:8082`.
        public var baseURL: String
        /// The account id.
        public var accountId: Int
        /// The `api_access_token` of the agent bot or user MisLink posts as. Secret.
        public var apiToken: String
        /// The secret every webhook must carry (last path segment, or `?secret=`); while it is empty every
        /// webhook is refused (401). Secret.
        public var webhookSecret: String
        /// Where webhooks are posted. Defaults to `/chatwoot/webhook`.
        public var webhookPath: String

        enum CodingKeys: String, CodingKey {
            case baseURL = "baseUrl", accountId, apiToken, webhookSecret, webhookPath
        }

        public init(baseURL: String = "http://127.0.0.1:8082", accountId: Int = 1, apiToken: String = "",
                    webhookSecret: String = "", webhookPath: String = "/chatwoot/webhook") {
            self.baseURL = baseURL
            self.accountId = accountId
            self.apiToken = apiToken
            self.webhookSecret = webhookSecret
            self.webhookPath = webhookPath
        }
    }

    /// edna Chat Center: Bot Connect webhooks to `webhook_path` (secret as for Chatwoot), the REST API
    /// with a login token, open threads polled for assignment, transfer and close.
    public struct Edna: Codable, Sendable, Equatable {
        /// The Chat Center's base URL. Defaults to `http://127.0.0.1:8082`.
        public var baseURL: String
        /// The API login.
        public var login: String
        /// The API password. Secret.
        public var password: String
        /// The secret every webhook must carry (last path segment, or `?secret=`); while it is empty every
        /// webhook is refused (401). Secret.
        public var webhookSecret: String
        /// Where Bot Connect webhooks are posted. Defaults to `/edna/webhook`.
        public var webhookPath: String
        /// Seconds between polls of each open thread (`GET /api/v1/threads/{id}`); 0 turns polling off.
        /// Defaults to 10.
        public var pollSeconds: Double

        enum CodingKeys: String, CodingKey {
            case baseURL = "baseUrl", login, password, webhookSecret, webhookPath, pollSeconds
        }

        public init(baseURL: String = "http://127.0.0.1:8082", login: String = "", password: String = "",
                    webhookSecret: String = "", webhookPath: String = "/edna/webhook", pollSeconds: Double = 10) {
            self.baseURL = baseURL
            self.login = login
            self.password = password
            self.webhookSecret = webhookSecret
            self.webhookPath = webhookPath
            self.pollSeconds = pollSeconds
        }
    }

    /// The REST API for web MIS screens.
    public struct API: Codable, Sendable, Equatable {
        /// Bearer tokens accepted under `/api/v1/`. Secret. Empty: the API answers 401 to everything.
        public var tokens: [String]

        public init(tokens: [String] = []) { self.tokens = tokens }

        /// Refuses a blank token (empty, or only whitespace and invisible characters): it would let in a
        /// request whose `Bearer` carries nothing but a non-breaking space.
        public init(from decoder: any Decoder) throws {
            tokens = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent([String].self, forKey: .tokens) ?? []
            if let index = tokens.firstIndex(where: { token in
                token.unicodeScalars.allSatisfy { $0.properties.isWhitespace || [.control, .format].contains($0.properties.generalCategory) }
            }) {
                throw SettingsError("api.tokens[\(index)] is empty or only whitespace: every API token must be a real secret")
            }
        }
    }

    /// How webhooks are taken in.
    public struct Intake: Codable, Sendable, Equatable {
        /// Largest accepted body in bytes; larger gets 413. Defaults to 256 KiB.
        public var maxBodyBytes: Int
        /// Writer lanes, each with its own attachment; a free lane takes the next events of its own calls
        /// and threads (by a hash), or when it has none another lane's that no lane is writing. Defaults
        /// to 2 (one per core of a small server).
        public var writers: Int
        /// Most events in one group-commit transaction. Defaults to 512.
        public var maxBatch: Int
        /// Milliseconds a small batch lingers for company. Defaults to 0: events that arrive while a
        /// commit runs form the next batch, which is group commit without added latency.
        public var maxDelayMilliseconds: Int
        /// The durable spool used while the database is unavailable. Defaults to `var/spool`.
        public var spoolDirectory: String
        /// The most bytes the spool may hold; past it webhooks get 503 (the sender retries) and
        /// `mislink_spool_refused_total` counts them. Defaults to 1 GiB.
        public var spoolMaxBytes: Int
        /// Seconds between the worker's sweeps over inbox rows left `retrying` by a passing error (a lock
        /// conflict or timeout). Defaults to 15.
        public var retrySeconds: Double
        /// Seconds a write waits for a row another transaction holds before it counts as a lock timeout
        /// (retried, never a final failure). Defaults to 10.
        public var lockTimeoutSeconds: Int

        public init(maxBodyBytes: Int = 256 * 1024, writers: Int = 2, maxBatch: Int = 512, maxDelayMilliseconds: Int = 0,
                    spoolDirectory: String = "var/spool", spoolMaxBytes: Int = 1 << 30, retrySeconds: Double = 15,
                    lockTimeoutSeconds: Int = 10) {
            self.maxBodyBytes = maxBodyBytes
            self.writers = writers
            self.maxBatch = maxBatch
            self.maxDelayMilliseconds = maxDelayMilliseconds
            self.spoolDirectory = spoolDirectory
            self.spoolMaxBytes = spoolMaxBytes
            self.retrySeconds = retrySeconds
            self.lockTimeoutSeconds = lockTimeoutSeconds
        }
    }

    /// How outbox rows and commands are sent.
    public struct Outbound: Codable, Sendable, Equatable {
        /// Seconds between safety sweeps (events are the primary path). Defaults to 30.
        public var sweepSeconds: Double
        /// Attempts before a row is marked failed. Defaults to 8.
        public var maxAttempts: Int
        /// Seconds a claim is held before another worker may take the row over. Defaults to 120.
        public var claimSeconds: Int
        /// Request timeout in seconds. Defaults to 15.
        public var timeoutSeconds: Double
        /// Concurrent sends. Defaults to 8.
        public var concurrency: Int
        /// Mailing messages per minute each worker sends on each channel; booking messages and
        /// operators' messages are never held back by it. Defaults to no limit on every channel.
        public var ratePerMinute: ChannelRates

        public init(sweepSeconds: Double = 30, maxAttempts: Int = 8, claimSeconds: Int = 120, timeoutSeconds: Double = 15,
                    concurrency: Int = 8, ratePerMinute: ChannelRates = ChannelRates()) {
            self.sweepSeconds = sweepSeconds
            self.maxAttempts = maxAttempts
            self.claimSeconds = claimSeconds
            self.timeoutSeconds = timeoutSeconds
            self.concurrency = concurrency
            self.ratePerMinute = ratePerMinute
        }
    }

    /// A rate per outbox `CHANNEL` (`outbound.rate_per_minute.sms`, …); 0 means no limit.
    public struct ChannelRates: Codable, Sendable, Equatable {
        public var sms: Int
        public var whatsapp: Int
        public var telegram: Int
        public var vk: Int
        public var viber: Int
        public var webchat: Int
        /// Rows whose channel is `messenger` (the patient's messenger, else SMS).
        public var messenger: Int

        public init(sms: Int = 0, whatsapp: Int = 0, telegram: Int = 0, vk: Int = 0, viber: Int = 0, webchat: Int = 0,
                    messenger: Int = 0) {
            self.sms = sms
            self.whatsapp = whatsapp
            self.telegram = telegram
            self.vk = vk
            self.viber = viber
            self.webchat = webchat
            self.messenger = messenger
        }

        /// The limit of an outbox channel; 0 (no limit) for a channel without one.
        public func limit(for channel: String) -> Int {
            switch channel {
            case "sms": sms
            case "whatsapp": whatsapp
            case "telegram": telegram
            case "vk": vk
            case "viber": viber
            case "webchat": webchat
            case "messenger": messenger
            default: 0
            }
        }
    }

    /// The call log's housekeeping.
    public struct Telephony: Codable, Sendable, Equatable {
        /// A call with no event for this many minutes and no summary is closed by the sweep
        /// (`CLOSED_BY = 'sweep'`). Defaults to 120.
        public var stuckCallMinutes: Double
        /// Seconds between sweeps. Defaults to 60.
        public var sweepSeconds: Double
        /// Minutes between reconciliations with the PBX's statistics (`stats/request`); 0 turns them
        /// off. The first runs one period after start. Defaults to 60.
        public var reconcileMinutes: Int
        /// How far back each reconciliation looks, in minutes. Defaults to 180.
        public var reconcileWindowMinutes: Int
        /// Minutes between reads of the PBX's user list (`config/users/request`), which maps SIP
        /// addresses to extensions; 0 reads it once at start. Defaults to 30.
        public var directoryMinutes: Double

        public init(stuckCallMinutes: Double = 120, sweepSeconds: Double = 60, reconcileMinutes: Int = 60,
                    reconcileWindowMinutes: Int = 180, directoryMinutes: Double = 30) {
            self.stuckCallMinutes = stuckCallMinutes
            self.sweepSeconds = sweepSeconds
            self.reconcileMinutes = reconcileMinutes
            self.reconcileWindowMinutes = reconcileWindowMinutes
            self.directoryMinutes = directoryMinutes
        }
    }

    /// Call recordings: downloaded from the PBX once available, kept in a folder, served to the API.
    public struct Recordings: Codable, Sendable, Equatable {
        /// Where files are kept (`<directory>/<yyyy>/<mm>/<recording id>.mp3`). Defaults to `var/recordings`.
        public var directory: String
        /// Download attempts before a recording is marked failed. Defaults to 20.
        public var maxAttempts: Int
        /// Seconds between looks for recordings to download. Defaults to 5.
        public var pollSeconds: Double

        public init(directory: String = "var/recordings", maxAttempts: Int = 20, pollSeconds: Double = 5) {
            self.directory = directory
            self.maxAttempts = maxAttempts
            self.pollSeconds = pollSeconds
        }
    }

    /// The MIS schema MisLink works with: a profile (SQL/profiles/README.md).
    public struct Mis: Codable, Sendable, Equatable {
        /// A shipped profile's name (`reference`, …) or the folder of one (`/etc/mislink/profiles/clinic`);
        /// `MISLINK_MIS_PROFILE` overrides it. Defaults to `reference` (SQL/clinic-schema.sql).
        public var profile: String

        public init(profile: String = "reference") { self.profile = profile }
    }

    /// The defaults: the embedded demo database under the working directory on 127.0.0.1:8080.
    public init(database: Database = Database(), listen: String = "127.0.0.1:8080", clinicTimeZone: String = "Europe/Moscow",
                mango: Mango = Mango(), chat: Chat = Chat(), api: API = API(), intake: Intake = Intake(),
                outbound: Outbound = Outbound(), telephony: Telephony = Telephony(),
                recordings: Recordings = Recordings(), http: HTTP = HTTP(), mis: Mis = Mis(), console: Console = Console(),
                workerName: String? = nil, logLevel: String = "info") {
        self.database = database
        self.listen = listen
        self.clinicTimeZone = clinicTimeZone
        self.mango = mango
        self.chat = chat
        self.api = api
        self.intake = intake
        self.outbound = outbound
        self.telephony = telephony
        self.recordings = recordings
        self.http = http
        self.mis = mis
        self.console = console
        self.workerName = workerName ?? Self.defaultWorkerName
        self.logLevel = logLevel
    }

    /// The fixed credentials of the demo (the embedded default): used for every secret left empty, so
    /// `mislink serve` and `mislink emulate` work together out of the box. Never for a real PBX.
    public static let demoSecrets = (mangoKey: "demo-vpbx-key", mangoSalt: "demo-vpbx-salt", apiToken: "demo-api-token",
                                     chatwootToken: "demo-chatwoot-token", webhookSecret: "demo-webhook-secret",
                                     ednaLogin: "integrator", ednaPassword: "demo-edna-password")

    /// These settings with every empty secret replaced by ``demoSecrets``.
    public func withDemoSecrets() -> MisLinkSettings {
        var copy = self
        let demo = Self.demoSecrets
        if copy.mango.apiKey.isEmpty { copy.mango.apiKey = demo.mangoKey }
        if copy.mango.apiSalt.isEmpty { copy.mango.apiSalt = demo.mangoSalt }
        if copy.api.tokens.isEmpty { copy.api.tokens = [demo.apiToken] }
        if copy.chat.chatwoot.apiToken.isEmpty { copy.chat.chatwoot.apiToken = demo.chatwootToken }
        if copy.chat.chatwoot.webhookSecret.isEmpty { copy.chat.chatwoot.webhookSecret = demo.webhookSecret }
        if copy.chat.edna.webhookSecret.isEmpty { copy.chat.edna.webhookSecret = demo.webhookSecret }
        if copy.chat.edna.login.isEmpty { copy.chat.edna.login = demo.ednaLogin }
        if copy.chat.edna.password.isEmpty { copy.chat.edna.password = demo.ednaPassword }
        return copy
    }

    /// Whether nothing names a database: no config file and no `MISLINK_DATABASE`; `mislink serve`
    /// then runs the embedded demo default.
    public static func isEmbeddedDefault(configFile: String?, environment: [String: String]) -> Bool {
        let names = [EnvironmentKey.configFile, "MISLINK_DATABASE", "MISLINK_DATABASE_DSN"]
        return configFile == nil && names.allSatisfy { (environment[$0] ?? "").isEmpty }
    }

    static var defaultWorkerName: String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// The listen address split into host and port.
    public var listenAddress: (host: String, port: Int) {
        get throws {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
                  (0...65535).contains(port) else {
                throw SettingsError("listen must be host:port, got \"\(listen)\"")
            }
            var host = String(listen[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return (host.isEmpty ? "0.0.0.0" : host, port)
        }
    }

    /// The clinic's time zone.
    public var timeZone: TimeZone {
        get throws {
            guard let zone = TimeZone(identifier: clinicTimeZone) else {
                throw SettingsError("clinic_time_zone \"\(clinicTimeZone)\" is not a known time zone")
            }
            return zone
        }
    }
}

/// A setting that cannot be used, with what was wrong.
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
