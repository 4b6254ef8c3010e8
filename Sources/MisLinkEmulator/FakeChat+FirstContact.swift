import Foundation
import HTTPTypes
import Hummingbird

/// A template message MisLink sent to a phone with no thread (first contact), as the fake took it.
public struct FirstContactSend: Sendable, Codable {
    /// `chatwoot` or `edna`.
    public var platform: String
    /// The messenger: `whatsapp`, `viber`, …
    public var channel: String
    /// The approved template it was sent as (edna matches the text against the approved ones).
    public var template: String
    /// The phone, digits only.
    public var phone: String
    /// The template's parameters, `{{1}}` first (Chatwoot's `processed_params`; none for edna).
    public var parameters: [String]
    /// The whole text.
    public var text: String
    /// The `Idempotency-Key` header (Chatwoot) or `requestId` (edna).
    public var key: String?
}

/// One first-contact request and the status it was answered with, refusals included.
public struct FirstContactAttempt: Sendable, Codable {
    public var platform: String
    public var status: Int
    public var key: String?
}

/// A template the messenger approved: its name, channel and text with `{{1}}`, `{{2}}` … parameters.
struct FakeApprovedTemplate: Sendable {
    var channel: String
    var text: String

    /// How many parameters the text takes.
    var parameterCount: Int {
        (try? Regex(#"\{\{\d+\}\}"#)).map { text.matches(of: $0).count } ?? 0
    }

    /// Whether `candidate` is this template with some parameters filled in (edna Pulse matches sent text so).
    func matches(_ candidate: String) -> Bool {
        let placeholder = try! Regex(#"\{\{\d+\}\}"#)
        let parts = text.split(separator: placeholder, omittingEmptySubsequences: false).map { NSRegularExpression.escapedPattern(for: String($0)) }
        guard let regex = try? NSRegularExpression(pattern: "^" + parts.joined(separator: "(.+)") + "$", options: [.dotMatchesLineSeparators])
        else { return false }
        return regex.firstMatch(in: candidate, range: NSRange(candidate.startIndex..., in: candidate)) != nil
    }
}

/// The fake platforms' first-contact state (``FakeChatState/firstContact``).
struct FakeFirstContactState {
    var approved: [String: FakeApprovedTemplate] = [:]
    /// Phones (digits) that have no account on any messenger.
    var notOnMessenger: Set<String> = []
    var injectedFailures: [Int] = []
    var attempts: [FirstContactAttempt] = []
    var sends: [FirstContactSend] = []
    /// Chatwoot contacts: id → (name, phone digits).
    var contacts: [Int: (name: String, phone: String)] = [:]
    /// Conversations opened with a template, by contact: id and `additional_attributes` (compact JSON).
    var conversations: [Int: [(id: Int, attributes: String)]] = [:]
    /// Template conversations still to open and then lose the answer to (the connection cut after the work).
    var answersToLose = 0
    var nextId = 700
    /// edna Pulse: requestIds and phone + text, with when they were taken (refused again for 20 minutes).
    var pulseSeen: [String: Date] = [:]
    /// edna Pulse's `X-API-KEY`.
    var pulseKey = "pulse-key"
}

extension FakeChat {
    /// How long edna Pulse refuses a repeated message ("duplicate messages are refused for 20 min").
    public static let pulseDedupeWindow: TimeInterval = 20 * 60

    /// Approves a template: `text` with `{{1}}`, `{{2}}` … for its parameters. Chatwoot's conversations
    /// name it; edna Pulse's messages must read as it does.
    public func approveTemplate(_ name: String, channel: String = "whatsapp", text: String) {
        state.withLock { $0.firstContact.approved[name] = FakeApprovedTemplate(channel: channel, text: text) }
    }

    /// Makes a phone (digits) one that is on no messenger: templates to it are refused for good.
    public func markNotOnMessenger(_ phone: String) {
        state.withLock { _ = $0.firstContact.notOnMessenger.insert(phone.filter(\.isNumber)) }
    }

    /// Answers the next first-contact requests (Chatwoot's conversation, edna Pulse's schedule) with these
    /// statuses instead of taking them.
    public func failNextFirstContacts(_ statuses: [Int]) {
        state.withLock { $0.firstContact.injectedFailures = statuses }
    }

    /// edna Pulse's API key (`X-API-KEY`). Defaults to `pulse-key`.
    /// Opens the next `count` template conversations and then cuts the connection instead of answering, as
    /// a platform behind a flaky balancer does: the work is done, the answer is lost.
    public func loseNextFirstContactAnswers(_ count: Int) { state.withLock { $0.firstContact.answersToLose = count } }

    public func setPulseKey(_ key: String) { state.withLock { $0.firstContact.pulseKey = key } }

    /// The template messages taken, in order.
    public var firstContactSends: [FirstContactSend] { state.withLock { $0.firstContact.sends } }

    /// Every first-contact request with its answer's status.
    public var firstContactAttempts: [FirstContactAttempt] { state.withLock { $0.firstContact.attempts } }

    /// Chatwoot's contacts, the conversation start with a template, edna Pulse, and the emulator's own
    /// `PUT /emulator/templates/{name}` (`{"channel":"whatsapp","text":"…{{1}}…"}`) and `GET /emulator/first-contact`.
    func addFirstContactRoutes(to router: Router<BasicRequestContext>) {
        router.get("api/v1/accounts/:account/contacts/search") { request, _ in
            guard self.chatwootAuthorized(request) else { return Response.empty(.unauthorized) }
            let digits = (request.uri.queryParameters.get("q") ?? "").filter(\.isNumber)
            let found = self.state.withLock { state in
                state.firstContact.contacts.filter { !digits.isEmpty && $0.value.phone == digits }.sorted { $0.key < $1.key }
            }
            let payload = found.map { #"{"id":\#($0.key),"name":\#(Self.quoted($0.value.name)),"phone_number":"+\#($0.value.phone)"}"# }
            return Response.json(#"{"meta":{"count":\#(found.count)},"payload":[\#(payload.joined(separator: ","))]}"#)
        }
        router.post("api/v1/accounts/:account/contacts") { request, context in
            guard self.chatwootAuthorized(request) else { return Response.empty(.unauthorized) }
            let body = try await request.bodyText(context: context)
            guard let object = try? JSONValue.parse(body), let phone = object["phone_number"]?.stringValue, phone.hasPrefix("+"),
                phone.dropFirst().allSatisfy(\.isNumber), phone.count > 5
            else { return Response.json(#"{"message":"Phone number should be in e164 format"}"#, status: .unprocessableContent) }
            let name = object["name"]?.stringValue ?? phone
            let id = self.state.withLock { state in
                state.firstContact.nextId += 1
                state.firstContact.contacts[state.firstContact.nextId] = (name, String(phone.dropFirst()))
                return state.firstContact.nextId
            }
            let inbox = object["inbox_id"]?.intValue ?? 0
            return Response.json(
                #"{"payload":{"contact":{"id":\#(id),"name":\#(Self.quoted(name)),"phone_number":"\#(phone)"},"contact_inbox":{"inbox":{"id":\#(inbox)},"source_id":"\#(phone.dropFirst())"}}}"#)
        }
        router.post("api/v1/accounts/:account/conversations") { request, context in
            guard self.chatwootAuthorized(request) else { return Response.empty(.unauthorized) }
            let body = try await request.bodyText(context: context)
            let key = request.headers[HTTPField.Name("Idempotency-Key")!]
            let answer = self.takeChatwootTemplate(body, key: key)
            let lose = self.state.withLock { state -> Bool in
                guard answer.status == .ok, state.firstContact.answersToLose > 0 else { return false }
                state.firstContact.answersToLose -= 1
                return true
            }
            guard lose else { return answer }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody { _ in throw ConnectionDropper.Dropped() })
        }
        router.get("api/v1/accounts/:account/contacts/:id/conversations") { request, context in
            guard self.chatwootAuthorized(request) else { return Response.empty(.unauthorized) }
            let contact = try context.parameters.require("id", as: Int.self)
            let found = self.state.withLock { state -> [(id: Int, attributes: String)]? in
                state.firstContact.contacts[contact] == nil ? nil : state.firstContact.conversations[contact] ?? []
            }
            guard let found else { return Response.json(#"{"error":"Resource could not be found"}"#, status: .notFound) }
            let payload = found.map { #"{"id":\#($0.id),"status":"open","additional_attributes":\#($0.attributes)}"# }
            return Response.json(#"{"payload":[\#(payload.joined(separator: ","))]}"#)
        }
        router.post("api/cascade/schedule") { request, context in
            let body = try await request.bodyText(context: context)
            return self.takePulse(body, apiKey: request.headers[HTTPField.Name("X-API-KEY")!])
        }
        router.put("emulator/templates/:name") { request, context in
            let name = try context.parameters.require("name")
            let body = try await request.bodyText(context: context)
            guard let object = try? JSONValue.parse(body), let text = object["text"]?.stringValue else { return Response.empty(.badRequest) }
            self.approveTemplate(name, channel: object["channel"]?.stringValue ?? "whatsapp", text: text)
            return Response.empty(.noContent)
        }
        router.get("emulator/first-contact") { _, _ in
            Response.json(String(decoding: try JSONEncoder().encode(self.firstContactSends), as: UTF8.self))
        }
    }

    /// Chatwoot's `POST …/conversations` with `message.template_params`: the contact must exist, the template
    /// be approved for the inbox's messenger with as many parameters as it takes, and the phone be on it.
    private func takeChatwootTemplate(_ body: String, key: String?) -> Response {
        state.withLock { state in
            func answer(_ status: Int, _ json: String) -> Response {
                state.firstContact.attempts.append(FirstContactAttempt(platform: "chatwoot", status: status, key: key))
                return Response.json(json, status: HTTPResponse.Status(code: status))
            }
            if !state.firstContact.injectedFailures.isEmpty {
                return answer(state.firstContact.injectedFailures.removeFirst(), #"{"error":"injected failure"}"#)
            }
            guard let object = try? JSONValue.parse(body), let contactId = object["contact_id"]?.intValue,
                let message = object["message"], let content = message["content"]?.stringValue,
                let params = message["template_params"], let name = params["name"]?.stringValue
            else { return answer(422, #"{"error":"contact_id and message.template_params.name are required"}"#) }
            guard let contact = state.firstContact.contacts[contactId] else { return answer(404, #"{"error":"Resource could not be found"}"#) }
            guard let template = state.firstContact.approved[name] else {
                return answer(422, #"{"error":"Template \#(Self.quoted(name)) not found or not approved"}"#)
            }
            let values = params["processed_params"]
            let parameters = (0..<template.parameterCount).compactMap { values?[String($0 + 1)]?.stringValue }
            guard parameters.count == template.parameterCount else {
                return answer(422, #"{"error":"Template \#(Self.quoted(name)) takes \#(template.parameterCount) parameters"}"#)
            }
            guard !state.firstContact.notOnMessenger.contains(contact.phone) else {
                return answer(422, #"{"error":"+\#(contact.phone) is not a \#(template.channel) user"}"#)
            }
            state.firstContact.sends.append(FirstContactSend(
                platform: "chatwoot", channel: template.channel, template: name, phone: contact.phone, parameters: parameters,
                text: content, key: key))
            state.firstContact.nextId += 1
            state.firstContact.conversations[contactId, default: []].append(
                (state.firstContact.nextId, object["additional_attributes"]?.compactText ?? "{}"))
            let inbox = object["inbox_id"]?.intValue ?? 0
            return answer(200, #"{"id":\#(state.firstContact.nextId),"inbox_id":\#(inbox),"status":"open","contact_inbox":{"source_id":"\#(contact.phone)"}}"#)
        }
    }

    /// edna Pulse's `POST /api/cascade/schedule`: the key, a cascade, a phone, one channel's text matching an
    /// approved template; a requestId, or the same text to the same phone, seen in the last 20 minutes is refused (409).
    private func takePulse(_ body: String, apiKey: String?) -> Response {
        let now = Date()
        return state.withLock { state in
            let object = try? JSONValue.parse(body)
            let key = object?["requestId"]?.stringValue
            func answer(_ status: Int, _ json: String) -> Response {
                state.firstContact.attempts.append(FirstContactAttempt(platform: "edna", status: status, key: key))
                return Response.json(json, status: HTTPResponse.Status(code: status))
            }
            guard apiKey == state.firstContact.pulseKey else { return answer(401, #"{"code":"unauthorized"}"#) }
            if !state.firstContact.injectedFailures.isEmpty {
                return answer(state.firstContact.injectedFailures.removeFirst(), #"{"code":"injected-failure"}"#)
            }
            guard let object, let key, object["cascadeId"]?.intValue != nil,
                let phone = object["subscriberFilter"]?["address"]?.stringValue?.filter(\.isNumber), !phone.isEmpty,
                case .object(let content)? = object["content"], let (field, value) = content.first,
                field.hasSuffix("Content"), let text = value["text"]?.stringValue
            else { return answer(400, #"{"code":"bad-request","detail":"requestId, cascadeId, subscriberFilter.address and content are required"}"#) }
            let channel = String(field.dropLast("Content".count)).lowercased()
            state.firstContact.pulseSeen = state.firstContact.pulseSeen.filter { now.timeIntervalSince($0.value) < Self.pulseDedupeWindow }
            let same = "\(phone)\n\(text)"
            if state.firstContact.pulseSeen[key] != nil || state.firstContact.pulseSeen[same] != nil {
                return answer(409, #"{"code":"duplicate-message","detail":"the same message was accepted less than 20 minutes ago"}"#)
            }
            guard let (name, _) = state.firstContact.approved.first(where: { $0.value.channel == channel && $0.value.matches(text) }) else {
                return answer(400, #"{"code":"template-not-found","detail":"no approved \#(channel) template matches the text"}"#)
            }
            guard !state.firstContact.notOnMessenger.contains(phone) else {
                return answer(400, #"{"code":"subscriber-not-found","detail":"\#(phone) is not a \#(channel) user"}"#)
            }
            state.firstContact.pulseSeen[key] = now
            state.firstContact.pulseSeen[same] = now
            state.firstContact.sends.append(FirstContactSend(
                platform: "edna", channel: channel, template: name, phone: phone, parameters: [], text: text, key: key))
            state.firstContact.nextId += 1
            return answer(200, #"{"id":\#(state.firstContact.nextId),"requestId":\#(Self.quoted(key))}"#)
        }
    }

    private func chatwootAuthorized(_ request: Request) -> Bool {
        request.headers[HTTPField.Name("api_access_token")!] == configuration.chatwootToken
    }

    private static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
