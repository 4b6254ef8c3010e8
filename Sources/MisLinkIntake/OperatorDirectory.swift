import MisLinkExternalAPIs
import Synchronization

/// What the platforms call an operator, mapped to what the MIS knows them by.
///
/// - **PBX:** Mango names an operator's leg by extension, but a leg that rang a SIP device directly can
///   carry only the SIP URI (`sip:ivanova@vpbx….mangosip.ru`). The worker reads
///   `config/users/request` periodically and ``updateSIP(from:)`` maps every SIP URI of an employee to
///   their extension; the profile's `staff_extensions` then gives the employee.
/// - **Chat:** an agent is resolved by the profile's `staff_chat_logins`; a platform whose agents have only numeric ids
///   (Chatwoot's `assignee.id`) maps them to logins in the `chat.agents` setting.
///
/// Shared by the intake lanes (reads) and the refresher (writes).
public final class OperatorDirectory: Sendable {
    private struct State {
        var sipExtensions: [String: String] = [:]
        var agents: [String: String] = [:]
    }

    private let state = Mutex(State())

    /// Makes a directory with the configured chat agents (`"chatwoot:12": "ivanova"`).
    public init(agents: [String: String] = [:]) {
        state.withLock { $0.agents = agents }
    }

    /// Replaces the SIP map with the employees the PBX lists; returns how many URIs it maps.
    @discardableResult
    public func updateSIP(from users: [MangoUser]) -> Int {
        var map: [String: String] = [:]
        for user in users {
            guard let ext = user.telephony.extensionNumber, !ext.isEmpty else { continue }
            let uris = (user.general.sips ?? []) + user.telephony.numbers.map(\.number)
            for uri in uris where uri.lowercased().hasPrefix("sip:") { map[Self.sipKey(uri)] = ext }
        }
        state.withLock { $0.sipExtensions = map }
        return map.count
    }

    /// The extension of a call party: its own, else the one its SIP URI belongs to.
    public func extensionNumber(of party: MangoCallParty?) -> String? {
        guard let party else { return nil }
        if let ext = party.extensionNumber, !ext.isEmpty { return ext }
        guard let number = party.number, number.lowercased().hasPrefix("sip:") else { return nil }
        return state.withLock { $0.sipExtensions[Self.sipKey(number)] }
    }

    /// The chat login of a platform agent id, when the settings map it.
    public func chatLogin(provider: String, agentID: String) -> String? {
        state.withLock { $0.agents["\(provider):\(agentID)"] }
    }

    /// `sip:Ivanova@Host;transport=udp` → `ivanova@host`.
    static func sipKey(_ uri: String) -> String {
        var text = uri.lowercased()
        if text.hasPrefix("sip:") { text.removeFirst(4) }
        if let end = text.firstIndex(where: { $0 == ";" || $0 == ">" }) { text = String(text[..<end]) }
        return text
    }
}
