import Firebird
import Foundation
import Hummingbird
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkIntake
import MisLinkProfiles
import MisLinkSettings
import MisLinkStore

/// The REST API for web MIS screens and the operator console, under `/api/v1/`, described by
/// `openapi.json` (served at `/api/v1/openapi.json`). Every other route but the sign-in (`POST session`,
/// `POST session/embed`) needs `Authorization: Bearer <token>` with one of `api.tokens` (a machine client)
/// or a console session (``OperatorAuthMiddleware``); operators get less than supervisors and machine
/// clients (``Principal``).
///
/// The telephony and chat issues add their endpoints here; this frame has the worker's status, the
/// inbox (what came in and how it went), and the emulator's load-run check.
struct APIRoutes {
    let settings: MisLinkSettings
    let pool: FirebirdPool
    let intake: IntakePipeline
    /// Where the statements on MIS tables come from (bookings, appeals, staff).
    let profile: MISProfile
    /// The console's live cards (the stream and the cards' endpoints), and the MIS names they show.
    let hub: CardHub
    let startedAt = Date()

    func add(to router: Router<WorkerRequestContext>) {
        let api = router.group("api/v1")
        api.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.data)))
        }
        let chat = ChatCenterSignIn(settings: settings.chat, profile: profile, pool: pool,
                                    client: HTTPClient(configuration: .init(timeout: .seconds(15))), presence: ChatPresence())
        let sessions = SessionRoutes(
            signIn: OperatorSignIn(pool: pool, profile: profile, console: settings.console, databaseDSN: settings.database.dsn),
            pool: pool, console: settings.console, chat: settings.chat.signInOperators ? chat : nil, chatSignOut: chat)
        sessions.addOpen(to: api)
        let secured = api.group().add(middleware: OperatorAuthMiddleware(
            tokens: settings.api.tokens, sessions: ConsoleSessions(pool: pool, idleMinutes: settings.console.idleMinutes)))
        sessions.addSigned(to: secured)
        let supervised = secured.group().add(middleware: SupervisorOnlyMiddleware())
        supervised.get("status") { _, _ in
            // The engine as the database answers now; absent while it does not answer.
            let server = try? await pool.withConnection { try await $0.serverInfo() }
            return WorkerStatus(worker: settings.workerName, startedAt: startedAt, intake: intake.status,
                                database: server.map(DatabaseEngine.init))
        }
        supervised.get("inbox") { request, _ in try await inbox(request) }
        InboxRoutes(intake: intake, pool: pool).add(to: supervised)
        CallRoutes(pool: pool, timeZone: (try? settings.timeZone) ?? .utc, phoneKeys: PhoneKeys(pool: pool),
                   recordingsDirectory: settings.recordings.directory, names: hub.directory).add(to: secured)
        CommandRoutes(pool: pool, profile: profile).add(to: secured)
        ChatSessionRoutes(chat: chat).add(to: secured)
        ThreadRoutes(pool: pool, capacity: settings.chat.capacity, profile: profile).add(to: secured)
        TemplateRoutes(pool: pool).add(to: secured)
        MailingRoutes(pool: pool, profile: profile, timeZone: (try? settings.timeZone) ?? .utc).add(to: supervised)
        OperatorRoutes(settings: settings, pool: pool, hub: hub, directory: hub.directory,
                       commands: CommandRoutes(pool: pool, profile: profile), mis: MISStatements(profile: profile)).add(to: secured)
        ReportRoutes(pool: pool, profile: profile, clinicZone: try? settings.timeZone).add(to: supervised)
        PBXStatsRoutes(settings: settings, pool: pool, profile: profile, directory: hub.directory).add(to: supervised)
        supervised.post("emulator/verify") { request, _ in
            let body = try await request.body(limit: 64 * 1024 * 1024)
            let check = try JSONDecoder().decode(VerificationRequest.self, from: body)
            try Self.validate(check.objects)
            return try await LoadRunCheck(pool: pool).verify(check.objects)
        }
    }

    /// What `emulator/verify` looks up must fit its columns (PBX_CALL_ID, EXTERNAL_ID: VARCHAR(128) ASCII).
    static func validate(_ objects: [VerificationRequest.Object]) throws {
        for (index, object) in objects.enumerated() {
            guard ["call", "thread"].contains(object.kind) else {
                throw HTTPError(.badRequest, message: "objects[\(index)].kind must be call or thread")
            }
            guard ["mango", "chatwoot", "edna"].contains(object.platform) else {
                throw HTTPError(.badRequest, message: "objects[\(index)].platform must be mango, chatwoot or edna")
            }
            _ = try RequestInput.text(object.id, "objects[\(index)].id", max: 128, charset: .ascii)
        }
    }

    struct WorkerStatus: Codable, ResponseEncodable {
        var worker: String
        var startedAt: Date
        var intake: IntakePipeline.Status
        /// The Firebird engine and the database's ODS; nil while the database does not answer.
        var database: DatabaseEngine?
    }

    /// The engine serving the database: `Firebird 5.0.4`, its version string, and the ODS.
    struct DatabaseEngine: Codable {
        var engine: String
        var serverVersion: String
        var ods: String

        init(_ server: FirebirdServerInfo) {
            engine = "Firebird \(server.major).\(server.minor).\(server.release)"
            serverVersion = server.version
            ods = server.ods
        }
    }

    // MARK: - Inbox

    /// One event of the inbox, as the store reads it.
    typealias InboxItem = InboxRecord

    struct InboxPage: Codable, ResponseEncodable {
        var items: [InboxItem]
        /// Pass as `before_id` for the next page; absent on the last page.
        var nextBeforeId: Int64?
    }

    /// A filter on an ASCII column of the inbox: printable ASCII, at most `max` (400 naming the field).
    static func printableASCII(_ value: String, _ field: String, max: Int) throws -> String {
        guard value.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value < 127 }) else {
            throw HTTPError(.badRequest, message: "\(field) must be printable ASCII")
        }
        return try RequestInput.text(value, field, max: max, charset: .ascii)
    }

    /// `GET /api/v1/inbox?status=&source=&object_id=&limit=&before_id=`: newest first, keyset paging.
    private func inbox(_ request: Request) async throws -> InboxPage {
        let query = request.uri.queryParameters
        let limit = min(max(Int(query["limit"].map(String.init) ?? "") ?? 50, 1), 500)
        var filter = InboxItems.Filter()
        if let status = query["status"] {
            guard ["received", "processed", "skipped", "failed", "retrying"].contains(String(status)) else {
                throw HTTPError(.badRequest, message: "status must be received, processed, skipped, failed or retrying")
            }
            filter.status = String(status)
        }
        if let source = query["source"] { filter.source = try Self.printableASCII(String(source), "source", max: 16) }
        if let object = query["object_id"] { filter.objectId = try Self.printableASCII(String(object), "object_id", max: 128) }
        if let before = query["before_id"] { filter.beforeId = try RequestInput.bigint(text: before, "before_id") }
        let chosen = filter
        let rows = try await pool.withTransaction(.read) { tx in try InboxItems.list(chosen, limit: limit + 1, in: tx) }
        let items = Array(rows.prefix(limit))
        let next = rows.count > limit ? items.last?.id : nil
        return InboxPage(items: items, nextBeforeId: next)
    }
}

extension TimeZone {
    static let utc = TimeZone(identifier: "UTC")!
}
