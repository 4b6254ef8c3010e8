import Foundation
import MisLinkSettings

/// A message to a patient who has no chat thread, sent as the messenger's approved template (first
/// contact, `chat.first_contact`): Chatwoot starts a conversation with `template_params`, edna Pulse
/// schedules it to the phone.
struct FirstContactMessage: Sendable, Hashable {
    /// `chatwoot` or `edna`.
    var provider: String
    /// The messenger: `whatsapp`, `viber`, `telegram`, `vk`.
    var channel: String
    /// The approved template's name.
    var template: String
    var language: String
    var category: String
    /// The recipient's phone key (`79171234567`).
    var phone: String
    /// The patient's name, for a contact the platform does not know yet.
    var contactName: String?
    /// The whole text, as the template reads with its parameters filled in.
    var text: String
    /// The template's positional parameters, `{{1}}` first.
    var parameters: [String]

    /// The template's parameters for a row, in the order the approved templates take them:
    /// - a mailing: `{{1}}` the patient's name, `{{2}}` the mailing's text;
    /// - `booking_moved`: the patient's name, the new time, the doctor, the old time;
    /// - other booking messages: the patient's name, the time, the doctor.
    ///
    /// A value the row does not have is sent as `-` (WhatsApp refuses an empty parameter).
    static func parameters(code: String?, isMailing: Bool, text: String, values: [String: String]) -> [String] {
        func value(_ name: String) -> String {
            values[name].map { MessageText.display(name, $0) }?.trimmed.nilIfEmpty ?? "-"
        }
        if isMailing { return [value("patient_name"), text] }
        var names = ["patient_name", "start_local", "doctor_name"]
        if code == "booking_moved" { names.append("old_start_local") }
        return names.map(value)
    }
}

/// The body of Chatwoot's `POST /api/v1/accounts/{account_id}/conversations` that opens a conversation
/// with a template message.
struct ChatwootNewConversation: Encodable {
    /// The conversation attribute that carries the outbox row's key.
    static let keyAttribute = "mislink_key"

    struct Message: Encodable {
        var content: String
        var templateParams: TemplateParams

        enum CodingKeys: String, CodingKey { case content, templateParams = "template_params" }
    }

    struct TemplateParams: Encodable {
        var name: String
        var category: String
        var language: String
        /// `{"1": …, "2": …}`.
        var processedParams: [String: String]

        enum CodingKeys: String, CodingKey { case name, category, language, processedParams = "processed_params" }
    }

    var inboxId: Int
    var contactId: Int
    var message: Message
    /// `{"mislink_key": <the outbox row's key>}`: how a retry finds the conversation an earlier attempt opened.
    var additionalAttributes: [String: String]

    enum CodingKeys: String, CodingKey {
        case inboxId = "inbox_id", contactId = "contact_id", message, additionalAttributes = "additional_attributes"
    }

    init(inboxId: Int, contactId: Int, message first: FirstContactMessage, key: String) {
        self.inboxId = inboxId
        self.contactId = contactId
        additionalAttributes = [ChatwootNewConversation.keyAttribute: key]
        let numbered = Dictionary(uniqueKeysWithValues: first.parameters.enumerated().map { (String($0.offset + 1), $0.element) })
        self.message = Message(
            content: first.text,
            templateParams: TemplateParams(
                name: first.template, category: first.category, language: first.language, processedParams: numbered))
    }
}

/// The body of Chatwoot's `POST /api/v1/accounts/{account_id}/contacts`.
struct ChatwootNewContact: Encodable {
    var inboxId: Int
    var name: String
    /// E.164, `+79171234567`.
    var phoneNumber: String

    enum CodingKeys: String, CodingKey { case inboxId = "inbox_id", name, phoneNumber = "phone_number" }
}

/// The body of edna Pulse's `POST /api/cascade/schedule`: one message to one phone by a cascade.
struct EdnaPulseSchedule: Encodable {
    struct Subscriber: Encodable {
        var address: String
        var type = "PHONE"
    }

    struct Content: Encodable {
        var contentType = "TEXT"
        var text: String
    }

    /// Our idempotency key: edna refuses a repeat of it for 20 minutes.
    var requestId: String
    var cascadeId: Int
    var subscriberFilter: Subscriber
    /// `{"whatsappContent": {...}}`, the channel's key.
    var content: [String: Content]

    init(requestId: String, cascadeId: Int, message: FirstContactMessage) {
        self.requestId = requestId
        self.cascadeId = cascadeId
        self.subscriberFilter = Subscriber(address: message.phone)
        self.content = [message.channel + "Content": Content(text: message.text)]
    }
}
