import Firebird
import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkServer
import MisLinkSettings
import MisLinkTestSupport
import Testing

/// A worker on a free port over a new migrated clinic database, with known credentials, and the
/// emulator's sender pointed at it.
struct WorkerHarness {
    static let credentials = MangoCredentials(apiKey: "test-key", apiSalt: "test-salt")
    static let token = "test-token"
    static let secret = "test-secret"

    let settings: MisLinkSettings
    let databasePath: String
    let worker: RunningWorker
    let client = HTTPClient(configuration: .init(maxConcurrentRequests: 16))

    /// Settings for a database DSN, listening on a free port, spooling to a new folder.
    static func settings(dsn: String, maxBodyBytes: Int = 256 * 1024) -> MisLinkSettings {
        var settings = MisLinkSettings()
        settings.database.dsn = dsn
        settings.listen = "127.0.0.1:0"
        settings.mango.apiKey = credentials.apiKey
        settings.mango.apiSalt = credentials.apiSalt
        // No PBX unless a test starts the fake one: a closed local port, never the real service.
        settings.mango.baseURL = "http://127.0.0.1:9/vpbx"
        settings.api.tokens = [token]
        settings.chat.chatwoot.webhookSecret = secret
        settings.chat.edna.webhookSecret = secret
        settings.intake.maxBodyBytes = maxBodyBytes
        settings.intake.spoolDirectory = "\(ClinicDatabase.directory)/spool-\(UUID().uuidString.prefix(8))"
        settings.logLevel = "warning"
        return settings
    }

    /// Starts a worker on a new database of a shipped MIS profile (its schema, demo data where it has some,
    /// MisLink's migrations and the profile's), embedded unless `dsn` maps the path to a server DSN.
    static func start(label: String = "worker", profile: String = "reference", dsn: (String) -> String = { $0 },
                      maxBodyBytes: Int = 256 * 1024,
                      configure: (inout MisLinkSettings) -> Void = { _ in }) async throws -> WorkerHarness
    {
        let path = try ClinicDatabase.createMigrated(label, profile: profile)
        var settings = settings(dsn: dsn(path), maxBodyBytes: maxBodyBytes)
        settings.mis.profile = profile
        configure(&settings)
        // The test database is ours: let the worker set db.utc_offset_minutes to this machine's clock, as
        // a DBA would after its start-up warning, so MISLINK_UTC_NOW() really is UTC.
        var configured = Worker(settings: settings)
        configured.fixUTCOffset = true
        let worker = try await configured.start()
        return WorkerHarness(settings: settings, databasePath: path, worker: worker)
    }

    var sender: WebhookSender {
        WebhookSender(client: client, credentials: Self.credentials,
                      targets: WebhookTargets(target: worker.baseURL, ednaPath: "/edna/webhook/\(Self.secret)",
                                              chatwootPath: "/chatwoot/webhook?secret=\(Self.secret)"))
    }

    /// Rows of a query on the test database (an attachment of its own, in this process).
    func query(_ sql: String, _ bindings: [FirebirdValue] = []) async throws -> [Row] {
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: settings.database.dsn))
        defer { Task { try? await connection.close() } }
        return try await connection.query(FirebirdQuery(unsafeSQL: sql, bindings: bindings))
    }

    /// Executes statements on the test database, in one transaction (an attachment of this process:
    /// the worker holds the embedded file, so isql cannot open it).
    func execute(_ statements: [String]) async throws {
        let connection = try await FirebirdConnection.connect(FirebirdConfiguration(database: settings.database.dsn))
        defer { Task { try? await connection.close() } }
        try await connection.withTransaction { transaction in
            for sql in statements { try transaction.attachment.execute(FirebirdQuery(unsafeSQL: sql), in: transaction) }
        }
    }

    func count(_ sql: String, _ bindings: [FirebirdValue] = []) async throws -> Int {
        try await query(sql, bindings)[0].decode(Int.self, at: 0)
    }

    /// A signed Mango notification.
    func mango(_ path: String, json: String, credentials: MangoCredentials = Self.credentials) async throws -> HTTPClientResponse {
        try await client.execute(.form("\(worker.baseURL)/mango/\(path)", fields: MangoSignedForm(json: json, credentials: credentials).fields))
    }

    /// A GET of the REST API, with the token unless `token` is nil.
    func api(_ path: String, token: String? = Self.token) async throws -> HTTPClientResponse {
        try await client.execute(.get("\(worker.baseURL)\(path)", headers: token.map { [(name: "Authorization", value: "Bearer \($0)")] } ?? []))
    }

    /// Plays the Mango steps of a shipped scenario from `start` (epoch seconds); returns its entry id.
    func playMango(_ name: String, run: String, start: Int = 1_790_000_000,
                   sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        var entry = ""
        for step in try ScenarioLibrary().load(name).render(variables: ["run": run], start: start) {
            guard case .mango(let path, let json) = step else { continue }
            entry = json["entry_id"]?.stringValue ?? entry
            let delivery = await sender.sendMango(path: path, json: json.compactText)
            #expect(delivery.status == 200, "\(name) \(path): \(delivery.error ?? "")", sourceLocation: sourceLocation)
        }
        return entry
    }

    func stop() async {
        await worker.stop()
    }
}

/// The repository's OpenAPI document.
let openAPI: OpenAPIValidator = {
    let url = ClinicDatabase.repository.appendingPathComponent("Sources/MisLinkServer/openapi.json")
    return try! OpenAPIValidator(data: try! Data(contentsOf: url))
}()

/// Asserts an answer matches the OpenAPI document.
func expectDocumented(_ method: String, _ path: String, _ response: HTTPClientResponse,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    let bare = String(path.split(separator: "?", maxSplits: 1)[0])
    do {
        try openAPI.validate(method: method, path: bare, status: response.status, body: response.body,
                             contentType: response.headers.first { $0.name.lowercased() == "content-type" }?.value)
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
    }
}

/// `events/call` JSON for one leg state.
func callEvent(entry: String, call: String, seq: Int, state: String, timestamp: Int, from: String = "79161234567",
               toExtension: String? = "101", location: String = "abonent") -> String {
    let to = toExtension.map { "{\"extension\":\"\($0)\",\"number\":\"sip:\($0)@clinic.mangosip.ru\"}" } ?? "{}"
    return """
        {"entry_id":"\(entry)","call_id":"\(call)","timestamp":\(timestamp),"seq":\(seq),"call_state":"\(state)",\
        "location":"\(location)","from":{"number":"\(from)"},"to":\(to)}
        """
}

extension MisLinkSettings {
    /// Points both chat platforms at the fake chat center `chat` served at `baseURL`, with its credentials,
    /// and leaves edna's polling to the test (`pollSeconds` 0).
    mutating func useFakeChat(_ chat: FakeChat, at baseURL: String) {
        self.chat.edna.baseURL = baseURL
        self.chat.chatwoot.baseURL = baseURL
        self.chat.chatwoot.apiToken = chat.configuration.chatwootToken
        self.chat.edna.login = chat.configuration.ednaLogin
        self.chat.edna.password = chat.configuration.ednaPassword
        self.chat.edna.pollSeconds = 0
    }
}
