import Foundation

extension MisLinkSettings {
    /// First contact (`chat.first_contact`): a message to a patient who has no chat thread yet, sent as the
    /// messenger's approved template instead of falling back to SMS at once.
    ///
    /// WhatsApp (and Viber's business messages) take a message from a business that the person did not
    /// write to first only as a template the platform approved. With first contact on, a booking message,
    /// reminder or mailing for a patient with a phone and no thread goes through the platform's template
    /// sending: Chatwoot starts a conversation in ``chatwootInboxId`` with `template_params`, edna through
    /// edna Pulse (`POST /api/cascade/schedule`). A permanent refusal (the template is unknown or not
    /// approved, the phone is not on the messenger) falls back to SMS where the patient consented to it.
    ///
    /// ```json
    /// "first_contact": {"enabled": true, "channel": "whatsapp", "chatwoot_inbox_id": 4,
    ///                   "templates": {"booking_confirmed": "visit_confirmation", "booking_reminder": "visit_reminder",
    ///                                 "mailing": "clinic_news"}}
    /// ```
    public struct FirstContact: Codable, Sendable, Equatable {
        /// Whether first-contact sending is on. Defaults to false (a patient without a thread gets SMS or nothing).
        public var enabled: Bool
        /// The messenger templates go to: `whatsapp`, `viber`, `telegram` or `vk`. Defaults to `whatsapp`.
        public var channel: String
        /// The templates' language code. Defaults to `ru`.
        public var language: String
        /// The templates' category as the messenger approved them (`UTILITY`, `MARKETING`). Defaults to `UTILITY`.
        public var category: String
        /// The approved template's name for each kind of message; an empty name leaves that kind to SMS.
        public var templates: Templates
        /// Chatwoot: the inbox (the WhatsApp number) new conversations are started in; 0 turns first contact
        /// off on Chatwoot. Defaults to 0.
        public var chatwootInboxId: Int
        /// edna Pulse, edna's broadcast API (a product apart from the Chat Center, with its own key).
        public var ednaPulse: EdnaPulse

        enum CodingKeys: String, CodingKey {
            case enabled, channel, language, category, templates, chatwootInboxId, ednaPulse
        }

        /// The channels a template can go to.
        public static let channels = ["whatsapp", "viber", "telegram", "vk"]

        public init(enabled: Bool = false, channel: String = "whatsapp", language: String = "ru", category: String = "UTILITY",
                    templates: Templates = Templates(), chatwootInboxId: Int = 0, ednaPulse: EdnaPulse = EdnaPulse()) {
            self.enabled = enabled
            self.channel = channel
            self.language = language
            self.category = category
            self.templates = templates
            self.chatwootInboxId = chatwootInboxId
            self.ednaPulse = ednaPulse
        }

        /// Every key may be left out; a channel no template goes to is refused.
        public init(from decoder: any Decoder) throws {
            let d = FirstContact()
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                enabled: try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled,
                channel: try c.decodeIfPresent(String.self, forKey: .channel) ?? d.channel,
                language: try c.decodeIfPresent(String.self, forKey: .language) ?? d.language,
                category: try c.decodeIfPresent(String.self, forKey: .category) ?? d.category,
                templates: try c.decodeIfPresent(Templates.self, forKey: .templates) ?? d.templates,
                chatwootInboxId: try c.decodeIfPresent(Int.self, forKey: .chatwootInboxId) ?? d.chatwootInboxId,
                ednaPulse: try c.decodeIfPresent(EdnaPulse.self, forKey: .ednaPulse) ?? d.ednaPulse)
            guard Self.channels.contains(channel) else {
                throw SettingsError("chat.first_contact.channel must be one of \(Self.channels.joined(separator: ", ")), got \"\(channel)\"")
            }
        }

        /// The approved template for an outbox row: by its `TEMPLATE_CODE`, or ``Templates/mailing`` for a
        /// mailing's row; `nil` when first contact is off or the kind has no template.
        public func template(code: String?, isMailing: Bool) -> String? {
            guard enabled else { return nil }
            let name: String
            if isMailing {
                name = templates.mailing
            } else {
                switch code {
                case "booking_confirmed": name = templates.bookingConfirmed
                case "booking_moved": name = templates.bookingMoved
                case "booking_cancelled": name = templates.bookingCancelled
                case "booking_reminder": name = templates.bookingReminder
                default: return nil
                }
            }
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    /// Approved template names per kind of message (`chat.first_contact.templates.*`); empty: that kind
    /// is not sent as a template.
    public struct Templates: Codable, Sendable, Equatable {
        /// The SCHEDULE trigger's `booking_confirmed`. Defaults to empty.
        public var bookingConfirmed: String
        /// `booking_moved`. Defaults to empty.
        public var bookingMoved: String
        /// `booking_cancelled`. Defaults to empty.
        public var bookingCancelled: String
        /// `booking_reminder`. Defaults to empty.
        public var bookingReminder: String
        /// Every mailing's message (its text goes as a parameter). Defaults to empty.
        public var mailing: String

        public init(bookingConfirmed: String = "", bookingMoved: String = "", bookingCancelled: String = "",
                    bookingReminder: String = "", mailing: String = "") {
            self.bookingConfirmed = bookingConfirmed
            self.bookingMoved = bookingMoved
            self.bookingCancelled = bookingCancelled
            self.bookingReminder = bookingReminder
            self.mailing = mailing
        }

        /// Every key may be left out.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func name(_ key: CodingKeys) throws -> String { try c.decodeIfPresent(String.self, forKey: key) ?? "" }
            self.init(bookingConfirmed: try name(.bookingConfirmed), bookingMoved: try name(.bookingMoved),
                      bookingCancelled: try name(.bookingCancelled), bookingReminder: try name(.bookingReminder),
                      mailing: try name(.mailing))
        }
    }

    /// edna Pulse: `POST <base_url>/api/cascade/schedule` with the key in `X-API-KEY`.
    public struct EdnaPulse: Codable, Sendable, Equatable {
        /// Defaults to `https://app.edna.ru`.
        public var baseURL: String
        /// The API key from edna Pulse's dashboard. Secret.
        public var apiKey: String
        /// The cascade (the channel sequence set up in the dashboard) messages go by. Defaults to 0 (none:
        /// first contact is off on edna).
        public var cascadeId: Int

        enum CodingKeys: String, CodingKey {
            case baseURL = "baseUrl", apiKey, cascadeId
        }

        public init(baseURL: String = "https://app.edna.ru", apiKey: String = "", cascadeId: Int = 0) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.cascadeId = cascadeId
        }

        /// Every key may be left out.
        public init(from decoder: any Decoder) throws {
            let d = EdnaPulse()
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(baseURL: try c.decodeIfPresent(String.self, forKey: .baseURL) ?? d.baseURL,
                      apiKey: try c.decodeIfPresent(String.self, forKey: .apiKey) ?? d.apiKey,
                      cascadeId: try c.decodeIfPresent(Int.self, forKey: .cascadeId) ?? d.cascadeId)
        }
    }
}
