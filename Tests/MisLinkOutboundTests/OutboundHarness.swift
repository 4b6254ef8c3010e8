import Firebird
import Foundation
import Logging
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkProfiles
import MisLinkSettings
import MisLinkTestSupport
import ServiceLifecycle
import Testing

@testable import MisLinkOutbound

/// A migrated clinic database on the local Firebird server, the fake PBX and the fake chat platforms
/// on free ports, and dispatchers wired to them. Everything is real: Firebird over TCP, HTTP over libcurl.
final class OutboundHarness: Sendable {
    static let credentials = MangoCredentials(apiKey: "vpbx-test-key", apiSalt: "vpbx-test-salt")
    /// `FIREBIRD_TEST_HOST`: the server to attach through (default localhost), or `embedded` for the database file
    /// itself (scripts/test-fb5 runs these suites on Firebird 5 embedded that way).
    static let host = ProcessInfo.processInfo.environment["FIREBIRD_TEST_HOST"] ?? "localhost"

    let path: String
    let firebird: FirebirdConfiguration
    let db: FirebirdConnection
    let chat: FakeChat
    let chatServer: RunningServer
    let pbx: FakePBX
    let pbxServer: RunningServer
    let http = HTTPClient()

    /// The shipped `reference` profile, whose statements read `SQL/clinic-schema.sql`'s tables.
    static let profile: MISProfile = {
        do { return try MISProfile(directory: try MISProfile.resolve(MISProfile.defaultName)) } catch {
            fatalError("the reference MIS profile cannot be read: \(error)")
        }
    }()

    /// Seeded: staff 11 (operator, extension 101) and 12 (doctor, 102), patient 1, a Chatwoot thread (conversation 77,
    /// WhatsApp) and an edna thread (thread 555, client 9001).
    static let chatwootThread: Int64 = 1
    static let ednaThread: Int64 = 2

    private init(path: String, firebird: FirebirdConfiguration, db: FirebirdConnection, chat: FakeChat,
                 chatServer: RunningServer, pbx: FakePBX, pbxServer: RunningServer) {
        self.path = path
        self.firebird = firebird
        self.db = db
        self.chat = chat
        self.chatServer = chatServer
        self.pbx = pbx
        self.pbxServer = pbxServer
    }

    static func start(_ label: String, chat chatConfiguration: FakeChatConfiguration = FakeChatConfiguration()) async throws
        -> OutboundHarness
    {
        let path = try ClinicDatabase.createMigrated(label)
        let firebird = FirebirdConfiguration(database: host == "embedded" ? path : "\(host):\(path)")
        let db = try await FirebirdConnection.connect(firebird)
        let chat = FakeChat(configuration: chatConfiguration)
        let chatServer = try await RunningServer.start(router: chat.router())
        let pbx = FakePBX(configuration: FakePBXConfiguration(credentials: credentials, badRequestWindow: .seconds(120)))
        let pbxServer = try await RunningServer.start(router: pbx.router())
        let harness = OutboundHarness(
            path: path, firebird: firebird, db: db, chat: chat, chatServer: chatServer, pbx: pbx, pbxServer: pbxServer)
        try await harness.seed()
        return harness
    }

    /// Starts a harness, runs `body`, and stops it whether `body` throws or not.
    static func with<T: Sendable>(
        _ label: String, chat: FakeChatConfiguration = FakeChatConfiguration(), _ body: (OutboundHarness) async throws -> T
    ) async throws -> T {
        let harness = try await start(label, chat: chat)
        do {
            let result = try await body(harness)
            await harness.stop()
            return result
        } catch {
            await harness.stop()
            throw error
        }
    }

    private func seed() async throws {
        try await db.withTransaction { tx in
            let a = tx.attachment
            try a.execute("INSERT INTO STAFF (ID, FULL_NAME, ROLE, SIP_EXTENSION) VALUES (11, 'Иванова Анна Петровна', 'operator', '101')", in: tx)
            try a.execute("INSERT INTO STAFF (ID, FULL_NAME, ROLE, SIP_EXTENSION) VALUES (12, 'Петров Олег Иванович', 'doctor', '102')", in: tx)
            try a.execute(
                """
                INSERT INTO PATIENTS (ID, LAST_NAME, FIRST_NAME, MIDDLE_NAME, PHONE_MOBILE, CONSENT_MESSENGERS, CONSENT_SMS)
                VALUES (1, 'Смирнова', 'Мария', 'Ивановна', '8 (917) 123-45-67', 1, 1)
                """, in: tx)
            try a.execute(
                """
                INSERT INTO MISLINK_CHAT_THREADS (ID, PROVIDER, EXTERNAL_ID, CHANNEL, CLIENT_ID, PHONE_KEY, PATIENT_ID)
                VALUES (1, 'chatwoot', '77', 'whatsapp', '31', '79171234567', 1)
                """, in: tx)
            try a.execute(
                """
                INSERT INTO MISLINK_CHAT_THREADS (ID, PROVIDER, EXTERNAL_ID, CHANNEL, CLIENT_ID, CLIENT_EXTERNAL_ID)
                VALUES (2, 'edna', '555', 'telegram', '9001', 'ext-1')
                """, in: tx)
        }
    }

    func settings(
        worker: String, sweep: Double = 60, maxAttempts: Int = 8, claimSeconds: Int = 60, salt: String? = nil,
        platform: String = "chatwoot", concurrency: Int = 8, rates: MisLinkSettings.ChannelRates = .init(),
        firstContact: MisLinkSettings.FirstContact = .init()
    ) -> MisLinkSettings {
        MisLinkSettings(
            mango: .init(apiKey: Self.credentials.apiKey, apiSalt: salt ?? Self.credentials.apiSalt, baseURL: pbxServer.baseURL + "/vpbx"),
            chat: .init(
                platform: platform,
                chatwoot: .init(baseURL: chatServer.baseURL, accountId: 3, apiToken: "chatwoot-token"),
                edna: .init(baseURL: chatServer.baseURL, login: "integrator", password: "secret"), firstContact: firstContact),
            outbound: .init(sweepSeconds: sweep, maxAttempts: maxAttempts, claimSeconds: claimSeconds, timeoutSeconds: 30,
                            concurrency: concurrency, ratePerMinute: rates),
            workerName: worker)
    }

    func dispatcher(
        worker: String = "worker-a", sweep: Double = 60, maxAttempts: Int = 8, salt: String? = nil, platform: String = "chatwoot",
        rates: MisLinkSettings.ChannelRates = .init(), firstContact: MisLinkSettings.FirstContact = .init(),
        profile: MISProfile = OutboundHarness.profile,
        tuning: OutboundDispatcher.Tuning = OutboundDispatcher.Tuning(retryBaseDelay: .milliseconds(300), commandRetryDelay: .milliseconds(100))
    ) -> OutboundDispatcher {
        var logger = Logger(label: "mislink.outbound.test.\(worker)")
        logger.logLevel = ProcessInfo.processInfo.environment["MISLINK_TEST_LOG"] != nil ? .debug : .error
        return OutboundDispatcher(
            settings: settings(
                worker: worker, sweep: sweep, maxAttempts: maxAttempts, salt: salt, platform: platform, rates: rates,
                firstContact: firstContact),
            profile: profile, firebird: firebird, httpClient: http, logger: logger, pbxClient: http, tuning: tuning)
    }

    /// Inserts an outbox message and returns its ID.
    @discardableResult
    func insertMessage(
        body: String? = nil, channel: String = "whatsapp", threadId: Int64? = chatwootThread, template: String? = nil,
        params: String? = nil, phoneKey: String? = nil, staffId: Int? = nil, extra: String = "", extraValues: String = ""
    ) async throws -> Int64 {
        try await db.withTransaction { tx in
            try tx.attachment.query(
                FirebirdQuery(
                    unsafeSQL: """
                        INSERT INTO MISLINK_OUTBOX (KIND, CHANNEL, THREAD_ID, BODY, TEMPLATE_CODE, PARAMS, PHONE_KEY, RECIPIENT,
                                                    STAFF_ID\(extra))
                        VALUES ('message', ?, ?, ?, ?, ?, ?, ?, ?\(extraValues)) RETURNING ID
                        """,
                    bindings: [
                        .text(channel), threadId.map(FirebirdValue.bigint) ?? .null, body.map(FirebirdValue.text) ?? .null,
                        template.map(FirebirdValue.text) ?? .null, params.map(FirebirdValue.text) ?? .null,
                        phoneKey.map(FirebirdValue.text) ?? .null, phoneKey.map(FirebirdValue.text) ?? .null,
                        staffId.map { FirebirdValue.integer(Int32($0)) } ?? .null,
                    ]), in: tx
            )[0].decode(Int64.self, at: 0)
        }
    }

    /// Inserts a command as a screen does and returns its ID.
    @discardableResult
    func insertCommand(kind: String, staffId: Int = 11, target: String? = nil, callId: Int64? = nil, threadId: Int64? = nil,
                       payload: String? = nil) async throws -> Int64 {
        try await db.withTransaction { tx in
            try tx.attachment.query(
                """
                INSERT INTO MISLINK_COMMANDS (KIND, STAFF_ID, TARGET, CALL_ID, THREAD_ID, PAYLOAD)
                VALUES (\(kind), \(staffId), \(target), \(callId), \(threadId), \(payload)) RETURNING ID
                """, in: tx
            )[0].decode(Int64.self, at: 0)
        }
    }

    /// One outbox row's columns by name.
    func outbox(_ id: Int64) async throws -> Row {
        try await db.withTransaction(.readOnly) { tx in
            try tx.attachment.query(
                """
                SELECT STATUS, ATTEMPTS, RESULT_CODE, ERROR, PROVIDER_MESSAGE_ID, SENT_AT, CLAIMED_BY, NEXT_ATTEMPT_AT,
                       IIF(NEXT_ATTEMPT_AT > MISLINK_UTC_NOW(), 1, 0) AS LATER, COMMAND_ID, BODY
                  FROM MISLINK_OUTBOX WHERE ID = \(id)
                """, in: tx)[0]
        }
    }

    /// One command's columns by name.
    func command(_ id: Int64) async throws -> Row {
        try await db.withTransaction(.readOnly) { tx in
            try tx.attachment.query(
                "SELECT STATUS, RESULT_CODE, RESULT, PBX_COMMAND_ID, CLAIMED_BY, DONE_AT FROM MISLINK_COMMANDS WHERE ID = \(id)",
                in: tx)[0]
        }
    }

    func execute(_ query: FirebirdQuery) async throws {
        try await db.execute(query)
    }

    /// Polls `condition` every 100 ms for up to `seconds`; true when it held.
    func eventually(within seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    func stop() async {
        try? await db.close()
        await chatServer.stop()
        await pbxServer.stop()
        ClinicDatabase.drop(path)
    }
}

/// A dispatcher running as a service, as `mislink serve` runs it.
struct RunningDispatcher {
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(_ dispatcher: OutboundDispatcher) {
        var logger = Logger(label: "mislink.outbound.test.group")
        logger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(services: [dispatcher], gracefulShutdownSignals: [], logger: logger))
        self.group = group
        self.task = Task { try await group.run() }
    }

    /// Graceful shutdown; returns when `run()` has returned.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

extension Row {
    func text(_ column: String) throws -> String? { try decode(String?.self, column: column) }
    func int(_ column: String) throws -> Int? { try decode(Int?.self, column: column) }
}
