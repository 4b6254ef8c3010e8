import Firebird
import Foundation
import HTTPTypes
import Hummingbird
import MisLinkSettings
import MisLinkStore
import NIOCore
import ServiceLifecycle

/// The operator console's own endpoints under `/api/v1/`:
///
/// - `GET operator/stream`: the operator's incoming-call cards as server-sent events (a session only);
/// - `GET cards`, `POST cards/{id}/patient`, `POST cards/{id}/dismiss`: the open cards, the caller chosen
///   among the patients sharing the number, a card taken off the screen;
/// - `GET console/config`: what the pages need to know (the MIS's patient link, the clinic's zone, …);
/// - `GET doctors`, `GET services`, `GET slots`: the booking form's lists, from the MIS profile;
/// - `POST calls/{id}/callback`: a `call` command from the acting operator to the call's client;
/// - `GET appeals/{id}/events`: an appeal's chain, with the employees' names.
///
/// Operators see and act on their own cards; supervisors on anyone's (`?operator=<id>`, or `all` on the
/// stream); machine clients (bearer tokens) on anyone's, but have no stream.
struct OperatorRoutes {
    let settings: MisLinkSettings
    let pool: FirebirdPool
    let hub: CardHub
    let directory: MISDirectory
    let commands: CommandRoutes
    let mis: MISStatements

    struct CardList: Codable, ResponseEncodable {
        var items: [ConsoleCard]
    }

    struct Choice: Codable {
        var patientId: Int64
    }

    struct Config: Codable, ResponseEncodable {
        var patientUrlTemplate: String
        var timeZone: String
        var language: String
        var chatCapacity: Int
        /// The signed-in employee, as `GET /api/v1/session` gives them; nil for a machine client.
        var `operator`: SessionRoutes.Operator?
    }

    struct Items<Item: Codable & Sendable>: Codable, ResponseEncodable {
        var items: [Item]
    }

    struct Callback: Codable {
        /// For a machine client: the operator whose extension dials. A session calls from its own.
        var staffId: Int64?
    }

    struct AppealEvent: Codable {
        var kind: String
        var at: Date
        var actor: String
        var staffId: Int64?
        var staffName: String?
        var fromStaffId: Int64?
        var toStaffId: Int64?
        var callId: Int64?
        var threadId: Int64?
        var visitId: Int64?
        var details: String?
    }

    func add(to group: RouterGroup<WorkerRequestContext>) {
        group.get("operator/stream") { request, context in try stream(request, context: context) }
        group.get("cards") { request, context in
            let staff = try Self.whose(request, context, allowAll: true)
            let cards = try await pool.withTransaction(.readOnly) { tx in try hub.present(try Cards.open(staff: staff, in: tx), in: tx) }
            return CardList(items: cards)
        }
        group.post("cards/:id/patient") { request, context in
            let choice = try RequestInput.decode(Choice.self, from: try await request.body(limit: 16 * 1024))
            let patient = try RequestInput.bigint(choice.patientId, "patient_id")
            return try await actions.choosePatient(card: try Self.id(context), patient: patient, context: context)
        }
        group.post("cards/:id/dismiss") { _, context in
            try await actions.dismiss(card: try Self.id(context), context: context)
        }
        group.get("console/config") { _, context in try config(context) }
        group.get("doctors") { _, _ in
            Items(items: try await pool.withTransaction(.readOnly) { tx in try directory.doctors(in: tx) } ?? [])
        }
        group.get("services") { _, _ in
            Items(items: try await pool.withTransaction(.readOnly) { tx in try directory.services(in: tx) } ?? [])
        }
        group.get("slots") { request, _ in try await slots(request) }
        group.post("calls/:id/callback") { request, context in
            let call = try Self.id(context)
            let body = try await request.body(limit: 16 * 1024)
            let callback = body.isEmpty ? Callback() : try RequestInput.decode(Callback.self, from: body)
            return try Response.json(try await self.callback(call, staff: callback.staffId, context: context), status: .created)
        }
        group.get("appeals/:id/events") { _, context in Items(items: try await events(try Self.id(context))) }
    }

    private var actions: CardActions { CardActions(pool: pool, hub: hub, mis: mis) }

    private static func id(_ context: WorkerRequestContext) throws -> Int64 {
        try RequestInput.bigint(text: context.parameters.get("id") ?? "", "id")
    }

    /// Whose cards a request asks for: the session's own unless `operator` names someone (an operator may
    /// name only themselves) or, with `allowAll`, `all` (a supervisor or a machine client; a machine client
    /// naming nobody gets everyone's). Nil: everyone's.
    static func whose(_ request: Request, _ context: WorkerRequestContext, allowAll: Bool) throws -> Int64? {
        let principal = try context.currentPrincipal()
        let given = request.uri.queryParameters["operator"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let wanted: Int64?
        switch given {
        case nil: wanted = principal.staffId
        case "all": wanted = nil
        case let text?: wanted = try RequestInput.id(text: text, "operator")
        }
        guard principal.isSupervisor || wanted == principal.staffId else {
            throw HTTPError(.forbidden, message: "an operator sees only their own cards")
        }
        return wanted
    }

    // MARK: - The stream

    /// `text/event-stream`: `retry: 2000`, one `event: card` per open card, then one per change and an
    /// `event: ping` every 15 s. Ends when the client goes away, when the hub ends the subscription (it
    /// fell behind), and at the worker's graceful shutdown, so a stop never waits on an open stream.
    private func stream(_ request: Request, context: WorkerRequestContext) throws -> Response {
        let principal = try context.currentPrincipal()
        guard principal.isSession else {
            throw HTTPError(.forbidden, message: "the card stream is for a console session, not a bearer token")
        }
        let staff = try Self.whose(request, context, allowAll: true)
        let subscription = hub.subscribe(staff: staff)
        let hub = hub
        var headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"]
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            defer { hub.unsubscribe(subscription.id) }
            do {
                try await withGracefulShutdownHandler {
                    try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                    for card in subscription.cards { try await writer.write(try Self.frame(.card(card))) }
                    for await message in subscription.messages { try await writer.write(try Self.frame(message)) }
                } onGracefulShutdown: {
                    hub.unsubscribe(subscription.id)
                }
                try await writer.finish(nil)
            } catch {
                // The browser went away (a write to a closed connection): nothing to answer.
            }
        })
    }

    /// One server-sent event: `event: card` with the card's JSON, or `event: ping`.
    static func frame(_ message: CardHub.Message) throws -> ByteBuffer {
        switch message {
        case .card(let card):
            let json = String(decoding: try JSONCoding.encoder.encode(card), as: UTF8.self)
            return ByteBuffer(string: "event: card\ndata: \(json)\n\n")
        case .ping:
            return ByteBuffer(string: "event: ping\ndata: {}\n\n")
        }
    }

    // MARK: - Config, booking lists

    private func config(_ context: WorkerRequestContext) throws -> Config {
        let principal = try context.currentPrincipal()
        var person: SessionRoutes.Operator?
        if principal.isSession, let id = principal.staffId {
            person = SessionRoutes.Operator(id: id, login: principal.login ?? "", name: principal.name ?? "",
                                            role: principal.role.rawValue)
        }
        return Config(patientUrlTemplate: settings.console.patientURLTemplate,
                      timeZone: ((try? settings.timeZone) ?? .utc).identifier, language: settings.console.language,
                      chatCapacity: settings.chat.capacity, operator: person)
    }

    /// The most days one `GET slots` covers.
    static let maxSlotDays = 62
    /// The most slots one answer lists.
    static let maxSlots = 5000

    /// `doctor`, `service` (ids, optional), `from`, `to` (`YYYY-MM-DD`, clinic time, both days included;
    /// default today and a fortnight on).
    private func slots(_ request: Request) async throws -> Items<MISDirectory.Slot> {
        let query = request.uri.queryParameters
        func day(_ name: String) throws -> FirebirdDate? {
            guard let text = query[Substring(name)].map(String.init), !text.isEmpty else { return nil }
            guard let day = FirebirdDate(text), (1...9998).contains(day.year) else {
                throw HTTPError(.badRequest, message: "\(name) must be a day in years 0001 to 9998")
            }
            return day
        }
        let doctor = try query["doctor"].flatMap { $0.isEmpty ? nil : try RequestInput.id(text: $0, "doctor") }
        let service = try query["service"].flatMap { $0.isEmpty ? nil : try RequestInput.id(text: $0, "service") }
        let today = FirebirdTimestamp(Date(), in: (try? settings.timeZone) ?? .utc).date
        let from = try day("from") ?? today
        let to = try day("to") ?? FirebirdDate(iscDate: from.iscDate + 13)
        let days = Int(to.iscDate) - Int(from.iscDate) + 1
        guard (1...Self.maxSlotDays).contains(days) else {
            throw HTTPError(.badRequest, message: "from and to must span 1 to \(Self.maxSlotDays) days, both included")
        }
        let start = FirebirdTimestamp(date: from, time: FirebirdTime(iscTime: 0))
        let end = FirebirdTimestamp(date: FirebirdDate(iscDate: to.iscDate + 1), time: FirebirdTime(iscTime: 0))
        let slots = try await pool.withTransaction(.readOnly) { tx in
            try directory.slots(doctor: doctor, service: service, from: start, to: end, limit: Self.maxSlots, in: tx)
        }
        return Items(items: slots)
    }

    // MARK: - Call back, appeal events

    /// A `call` command from the acting operator's extension to the client of call `id` (its phone key,
    /// else the number as the PBX gave it), through ``CommandRoutes``' checks and audit.
    private func callback(_ id: Int64, staff: Int64?, context: WorkerRequestContext) async throws -> CommandRoutes.Command {
        let found = try await pool.withTransaction(.readOnly) { tx in try Calls.client(of: id, in: tx) }
        guard let client = found else { throw HTTPError(.notFound, message: "no call \(id)") }
        guard let number = client.phoneKey ?? client.clientNumber.flatMap({ $0.hasPrefix("sip:") ? nil : $0 }) else {
            throw HTTPError(.conflict, message: "call \(id) has no client number to call back")
        }
        let patient = try await pool.withTransaction(.readOnly) { tx in try Calls.patient(of: id, in: tx) }
        return try await commands.create(
            CommandRoutes.NewCommand(kind: "call", staffId: staff, target: number, patientId: patient), context: context)
    }

    /// The chain of appeal `id`, oldest first, with the employees' names; 404 for an appeal neither
    /// MisLink nor the MIS knows.
    private func events(_ id: Int64) async throws -> [AppealEvent] {
        let (directory, mis) = (directory, mis)
        let found = try await pool.withTransaction(.readOnly) { tx -> [AppealEvent]? in
            let events = try Appeals.events(of: id, in: tx)
            if events.isEmpty, try !Appeals.exists(id, in: tx), try mis.appeal(id, in: tx) == nil { return nil }
            let names = try directory.staffNames(Set(events.compactMap(\.staffId)), in: tx)
            return events.map { event in
                AppealEvent(kind: event.eventType, at: event.eventAt, actor: event.actor, staffId: event.staffId,
                            staffName: event.staffId.flatMap { names[$0] }, fromStaffId: event.fromStaffId, toStaffId: event.toStaffId,
                            callId: event.callId, threadId: event.threadId, visitId: event.scheduleId, details: event.detail)
            }
        }
        guard let found else { throw HTTPError(.notFound, message: "there is no appeal \(id)") }
        return found
    }
}
