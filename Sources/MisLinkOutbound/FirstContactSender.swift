import Foundation
import MisLinkHTTP
import MisLinkSettings

/// Sends ``FirstContactMessage``s: the messenger's approved template to a phone with no chat thread.
///
/// - Chatwoot: the contact is found by phone (`GET …/contacts/search?q=`) or created (`POST …/contacts`),
///   then a conversation is opened in `chat.first_contact.chatwoot_inbox_id` with the template
///   (`POST …/conversations`, `message.template_params`, the row's key in `additional_attributes`), unless
///   the contact's conversations (`GET …/contacts/{id}/conversations`) show an earlier attempt opened it.
/// - edna: edna Pulse schedules it to the phone (`POST /api/cascade/schedule`, `X-API-KEY`). edna refuses a
///   repeat of a `requestId` for 20 minutes; that refusal (409) means our earlier attempt got through
///   (its answer was lost), so it counts as sent.
///
/// 5xx, 429 and transport failures are passing (``SendOutcome/retry(resultCode:error:after:)``); any
/// other refusal is final (``SendOutcome/failed(resultCode:error:)``), and the dispatcher then falls back
/// to SMS where the patient consented to it.
struct FirstContactSender: Sendable {
    let client: HTTPClient
    let chatwoot: MisLinkSettings.Chatwoot
    let settings: MisLinkSettings.FirstContact
    let timeout: Duration

    func send(_ message: FirstContactMessage, key: String) async -> SendOutcome {
        message.provider == "edna" ? await edna(message, key: key) : await chatwoot(message, key: key)
    }

    // MARK: - Chatwoot

    private func chatwoot(_ message: FirstContactMessage, key: String) async -> SendOutcome {
        let contact: Int
        switch await chatwootContact(message) {
        case .success(let id): contact = id
        case .failure(let refusal): return refusal.outcome
        }
        switch await earlierConversation(contact: contact, key: key) {
        case .success(let id?): return .sent(providerId: "conversation:\(id)", resultCode: "200")
        case .success(nil): break
        case .failure(let refusal): return refusal.outcome
        }
        let body: Data
        do {
            body = try JSONEncoder().encode(ChatwootNewConversation(inboxId: settings.chatwootInboxId, contactId: contact,
                                                                   message: message, key: key))
        } catch {
            return .failed(resultCode: nil, error: "cannot encode the conversation: \(error)")
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(chatwootRequest("conversations", body: body, extra: [("Idempotency-Key", key)]))
        } catch {
            return .transportFailure(error)
        }
        guard (200..<300).contains(response.status) else { return .httpFailure(response, provider: "Chatwoot template") }
        let conversation = Self.number(response.jsonObject?["id"]).map { "conversation:\($0)" }
        return .sent(providerId: conversation, resultCode: String(response.status))
    }

    private struct Refusal: Error { var outcome: SendOutcome }

    /// The conversation an earlier attempt of this row opened with the contact (its `additional_attributes`
    /// carry the row's key), if any: Chatwoot has no idempotency key, so a retry after a lost answer looks
    /// before it opens a second conversation and sends the template twice.
    private func earlierConversation(contact: Int, key: String) async -> Result<Int?, Refusal> {
        var request = HTTPClientRequest.get(
            HTTPClientRequest.url(chatwoot.baseURL, "api/v1/accounts/\(chatwoot.accountId)/contacts/\(contact)/conversations"),
            headers: [("api_access_token", chatwoot.apiToken)])
        request.timeout = timeout
        do {
            let found = try await client.execute(request)
            guard (200..<300).contains(found.status) else {
                return .failure(Refusal(outcome: .httpFailure(found, provider: "Chatwoot contact conversations")))
            }
            let conversations = found.jsonObject?["payload"] as? [[String: Any]] ?? []
            let earlier = conversations.first {
                ($0["additional_attributes"] as? [String: Any])?[ChatwootNewConversation.keyAttribute] as? String == key
            }
            return .success(earlier.flatMap { Self.number($0["id"]) })
        } catch {
            return .failure(Refusal(outcome: .transportFailure(error)))
        }
    }

    /// The contact with the message's phone: the first whose `phone_number` is that phone, else a new one.
    private func chatwootContact(_ message: FirstContactMessage) async -> Result<Int, Refusal> {
        let phone = "+" + message.phone
        let search = HTTPClientRequest.url(
            chatwoot.baseURL,
            "api/v1/accounts/\(chatwoot.accountId)/contacts/search?q=\(FormURLEncoding.escape(phone))")
        do {
            var request = HTTPClientRequest.get(search, headers: [("api_access_token", chatwoot.apiToken)])
            request.timeout = timeout
            let found = try await client.execute(request)
            guard (200..<300).contains(found.status) else {
                return .failure(Refusal(outcome: .httpFailure(found, provider: "Chatwoot contact search")))
            }
            let payload = found.jsonObject?["payload"] as? [[String: Any]] ?? []
            if let match = payload.first(where: { Self.digits($0["phone_number"]) == message.phone }),
                let id = Self.number(match["id"])
            {
                return .success(id)
            }
            let body = try JSONEncoder().encode(ChatwootNewContact(
                inboxId: settings.chatwootInboxId, name: message.contactName ?? phone, phoneNumber: phone))
            let created = try await client.execute(chatwootRequest("contacts", body: body))
            guard (200..<300).contains(created.status) else {
                return .failure(Refusal(outcome: .httpFailure(created, provider: "Chatwoot contact")))
            }
            // Chatwoot answers {"payload": {"contact": {...}, "contact_inbox": {...}}}; a bare contact is taken too.
            let object = created.jsonObject
            let payloadObject = object?["payload"] as? [String: Any]
            let contact = payloadObject?["contact"] as? [String: Any] ?? payloadObject ?? object
            guard let id = Self.number(contact?["id"]) else {
                return .failure(Refusal(outcome: .retry(resultCode: String(created.status), error: "Chatwoot's new contact has no id", after: nil)))
            }
            return .success(id)
        } catch {
            return .failure(Refusal(outcome: .transportFailure(error)))
        }
    }

    private func chatwootRequest(_ path: String, body: Data, extra: [(String, String)] = []) -> HTTPClientRequest {
        let url = HTTPClientRequest.url(chatwoot.baseURL, "api/v1/accounts/\(chatwoot.accountId)/\(path)")
        var request = HTTPClientRequest.json(url, body: body, headers: [("api_access_token", chatwoot.apiToken)] + extra.map { ($0.0, $0.1) })
        request.timeout = timeout
        return request
    }

    // MARK: - edna Pulse

    private func edna(_ message: FirstContactMessage, key: String) async -> SendOutcome {
        let pulse = settings.ednaPulse
        let body: Data
        do { body = try JSONEncoder().encode(EdnaPulseSchedule(requestId: key, cascadeId: pulse.cascadeId, message: message)) } catch {
            return .failed(resultCode: nil, error: "cannot encode the message: \(error)")
        }
        var request = HTTPClientRequest.json(
            HTTPClientRequest.url(pulse.baseURL, "api/cascade/schedule"), body: body,
            headers: [("X-API-KEY", pulse.apiKey), ("Idempotency-Key", key)])
        request.timeout = timeout
        let response: HTTPClientResponse
        do { response = try await client.execute(request) } catch { return .transportFailure(error) }
        if response.status == 409 {
            // The duplicate refusal: this requestId reached edna before (an answer lost, a retry).
            return .sent(providerId: key, resultCode: "409")
        }
        guard (200..<300).contains(response.status) else { return .httpFailure(response, provider: "edna Pulse") }
        let id = Self.number(response.jsonObject?["id"]).map(String.init) ?? (response.jsonObject?["requestId"] as? String) ?? key
        return .sent(providerId: id, resultCode: String(response.status))
    }

    // MARK: - JSON

    private static func number(_ value: Any?) -> Int? {
        if let number = value as? NSNumber { return number.intValue }
        return (value as? String).flatMap { Int($0) }
    }

    private static func digits(_ value: Any?) -> String? {
        (value as? String).map { String($0.filter(\.isNumber)) }
    }
}
