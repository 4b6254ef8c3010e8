import Firebird
import Foundation
import MisLinkExternalAPIs
import MisLinkSettings
import MisLinkStore

/// Where one outbox row goes, with its final text in the request.
indirect enum MessageRoute: Sendable {
    /// `POST /api/v1/accounts/{account}/conversations/{conversation}/messages`.
    case chatwoot(conversationId: Int, text: String)
    /// `POST /api/v1/messages/outgoing`.
    case edna(EdnaOutgoingMessage)
    /// A signed Mango command (`commands/sms`, or a `pbx_command` row's command).
    case mango(path: MangoPath, json: String)
    /// The messenger's approved template to a patient without a thread (``FirstContactSender``); when the
    /// platform refuses it for good, `fallback` (an SMS the patient consented to), if any.
    case firstContact(FirstContactMessage, fallback: MessageRoute?)

    /// For logs: the provider and the object, never the text.
    var summary: String {
        switch self {
        case .chatwoot(let conversation, _): "chatwoot conversation \(conversation)"
        case .edna(let message): "edna thread \(message.threadId.map(String.init) ?? "-")"
        case .mango(let path, _): "mango \(path)"
        case .firstContact(let message, let fallback):
            "\(message.provider) template \(message.template) on \(message.channel)" + (fallback == nil ? "" : ", else SMS")
        }
    }
}

/// A row's route and the channel it goes out on (`MISLINK_OUTBOX.SENT_CHANNEL` once sent).
struct PreparedMessage: Sendable {
    var route: MessageRoute
    /// The thread's channel, the template's messenger, `sms` or `pbx`.
    var channel: String
}

/// A row that cannot be sent as it is (no recipient, no text, …): it is failed, not retried.
struct Unsendable: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Turns a claimed outbox row into a ``MessageRoute``, reading threads, templates and the MIS's
/// names inside one read-only transaction.
struct MessagePreparation: Sendable {
    /// `chat.platform`: the provider of threads found by phone key.
    let platform: String
    /// The MIS's names and the employee's extension, through the MIS profile.
    let mis: MISReads
    /// `chat.first_contact`: templates to patients without a thread.
    var firstContact = MisLinkSettings.FirstContact()

    func route(for row: OutboxRow, in tx: Transaction) throws -> PreparedMessage {
        if row.kind == .pbxCommand { return PreparedMessage(route: try PBXCommandRow.route(for: row), channel: "pbx") }
        // E-mail goes only as a reply into an e-mail thread: the platform mails it from its inbox (Chatwoot's
        // and edna's message APIs take any thread). MisLink has no mail sender of its own for the rest.
        guard row.channel != "email" || row.threadId != nil else {
            throw Unsendable("e-mail goes only as a reply into an e-mail thread (THREAD_ID)")
        }
        var values = MessageText.parameters(row.params)
        try? enrich(&values, in: tx)

        var thread: ChatThread?
        if let threadId = row.threadId {
            guard let found = try ChatThreads.thread(id: threadId, in: tx) else { throw Unsendable("chat thread \(threadId) not found") }
            thread = found
        } else if row.channel != "sms", let key = row.phoneKey {
            thread = try ChatThreads.thread(phoneKey: key, provider: platform, in: tx)
        }
        let viaSMS = thread == nil && (row.channel == "sms" || (row.channel == "messenger" && values["consent_sms"] == "1"))
        if thread == nil, let template = try firstContact(row, values: values, in: tx) {
            // An SMS that cannot be made (no extension to send from) leaves the template without a fallback.
            var fallback: MessageRoute?
            do {
                fallback = try viaSMS ? sms(row, text: text(for: row, channel: "sms", values: values, in: tx), in: tx) : nil
            } catch is Unsendable {
                fallback = nil
            }
            return PreparedMessage(route: .firstContact(template, fallback: fallback), channel: template.channel)
        }
        guard thread != nil || viaSMS else { throw Unsendable("no chat thread for the recipient and no SMS consent") }

        let text = try self.text(for: row, channel: viaSMS ? "sms" : thread!.channel, values: values, in: tx)
        if viaSMS { return PreparedMessage(route: try sms(row, text: text, in: tx), channel: "sms") }
        return PreparedMessage(route: try chat(thread!, text: text), channel: thread!.channel)
    }

    /// The approved template for a row whose patient has no thread, when `chat.first_contact` covers it: a
    /// row for the patient's messenger (or the template's own channel) whose kind has a template name, a
    /// phone to send to, and the platform's side configured (Chatwoot's inbox, edna Pulse's cascade and key).
    private func firstContact(_ row: OutboxRow, values: [String: String], in tx: Transaction) throws -> FirstContactMessage? {
        let settings = firstContact
        guard row.channel == "messenger" || row.channel == settings.channel,
            let name = settings.template(code: row.templateCode, isMailing: row.source == .mailing)
        else { return nil }
        switch platform {
        case "chatwoot": guard settings.chatwootInboxId > 0 else { return nil }
        case "edna": guard settings.ednaPulse.cascadeId > 0, !settings.ednaPulse.apiKey.isEmpty else { return nil }
        default: return nil
        }
        guard let phone = try row.phoneKey ?? row.recipient.flatMap({ try Lookups.phoneKey($0, in: tx) }) else { return nil }
        let text = try self.text(for: row, channel: settings.channel, values: values, in: tx)
        // A mailing's template takes its text as a parameter; a booking message's text is the template's own wording.
        let parameters = FirstContactMessage.parameters(
            code: row.templateCode, isMailing: row.source == .mailing, text: text, values: values)
        return FirstContactMessage(
            provider: platform, channel: settings.channel, template: name, language: settings.language,
            category: settings.category, phone: phone, contactName: values["patient_name"], text: text, parameters: parameters)
    }

    private func text(for row: OutboxRow, channel: String, values: [String: String], in tx: Transaction) throws -> String {
        // A mailing's text has placeholders ({patient_name} …); other bodies go as they were written.
        if let body = row.body?.trimmed.nilIfEmpty { return row.source == .mailing ? MessageText.render(body, values: values) : body }
        guard let code = row.templateCode else { throw Unsendable("neither BODY nor TEMPLATE_CODE") }
        // An operator's message (the API, a MIS screen, a command) may name a quick reply as well as an
        // automatic text; the schedule's messages and mailings take automatic texts only.
        let kinds: [TemplateKind] = row.source == .schedule || row.source == .mailing ? [.auto] : [.quickReply, .auto]
        if let template = try Templates.activeBody(code: code, kinds: kinds, channels: [channel, row.channel], in: tx) {
            return MessageText.render(template, values: values)
        }
        guard let text = MessageText.builtIn(code, values: values) else {
            throw Unsendable("no active template \(code) and no built-in text for it")
        }
        return text
    }

    private func sms(_ row: OutboxRow, text: String, in tx: Transaction) throws -> MessageRoute {
        let number = try row.phoneKey ?? row.recipient.flatMap { try Lookups.phoneKey($0, in: tx) }
        guard let number else { throw Unsendable("no phone number") }
        let from = try row.staffId.flatMap { try mis.staff($0, in: tx)?.extension }
            ?? Lookups.setting("mango.sms_from_extension", in: tx)
        guard let from else { throw Unsendable("no extension to send the SMS from (STAFF_ID or mango.sms_from_extension)") }
        let command = MangoSMSCommand(commandId: row.idempotencyKey, text: text, fromExtension: from, toNumber: number)
        return .mango(path: .sms, json: try MangoJSON.encode(command))
    }

    private func chat(_ thread: ChatThread, text: String) throws -> MessageRoute {
        switch thread.provider {
        case "chatwoot":
            guard let conversation = Int(thread.externalId) else {
                throw Unsendable("Chatwoot conversation id \(thread.externalId) is not a number")
            }
            return .chatwoot(conversationId: conversation, text: text)
        case "edna":
            // Priority at edna: threadsClientId > clientId (external) > threadId.
            return .edna(EdnaOutgoingMessage(
                text: text, threadsClientId: thread.clientId.flatMap { Int64($0) },
                clientId: thread.clientExternalId, threadId: Int64(thread.externalId)))
        default:
            throw Unsendable("unknown chat provider \(thread.provider)")
        }
    }

    /// Names for the placeholders from the MIS (the profile's `patient_message_name`, `staff_get`,
    /// `service_get` and `visit_get`), where PARAMS has only ids. Best effort: a statement that fails or
    /// finds nothing leaves its placeholder to the built-in wording.
    private func enrich(_ values: inout [String: String], in tx: Transaction) throws {
        func fill(_ key: String, id idKey: String, _ read: (Int64) throws -> String?) {
            guard values[key] == nil, let id = values[idKey].flatMap({ Int64($0) }),
                let value = (try? read(id)) ?? nil
            else { return }
            values[key] = value
        }
        fill("patient_name", id: "patient_id") { try mis.patientMessageName($0, in: tx) }
        fill("doctor_name", id: "doctor_id") { try mis.staff($0, in: tx)?.fullName }
        fill("service_name", id: "service_id") { try mis.serviceName($0, in: tx) }
        fill("cabinet", id: "schedule_id") { try mis.visitCabinet($0, in: tx) }
        if values["clinic_name"] == nil, let name = try? Lookups.setting("clinic.name", in: tx) { values["clinic_name"] = name }
    }
}

/// A `KIND = 'pbx_command'` outbox row: `PARAMS` is `{"path":"commands/…","json":{…}}`; the command
/// gets the row's `IDEMPOTENCY_KEY` as its `command_id` unless it names one.
enum PBXCommandRow {
    static func route(for row: OutboxRow) throws -> MessageRoute {
        guard let data = row.params?.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let path = object["path"] as? String, path.hasPrefix("commands/"),
            var command = object["json"] as? [String: Any]
        else { throw Unsendable(#"a pbx_command row needs PARAMS {"path":"commands/…","json":{…}}"#) }
        if command["command_id"] == nil { command["command_id"] = row.idempotencyKey }
        let json = try JSONSerialization.data(withJSONObject: command, options: [.sortedKeys, .withoutEscapingSlashes])
        return .mango(path: MangoPath(rawValue: path), json: String(decoding: json, as: UTF8.self))
    }
}
