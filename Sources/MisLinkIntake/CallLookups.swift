import Firebird
import MisLinkStore
import Foundation
import Logging
import Metrics
import MisLinkExternalAPIs
import MisLinkPatients
import MisLinkProfiles

/// What the call applier looks up beside the rows it writes: operators by SIP extension, the caller
/// identified by phone (the issue on identification), and the facts of calls in progress.
///
/// One per intake lane, used only on its queue. The staff map is read again every minute; the
/// identification session (its own read-committed read-only transaction, statements prepared once)
/// lives as long as the lane's attachment.
///
/// Identification that fails (the profile's `identify_candidates` or `last_visit` does not prepare or
/// run, the numbering plan cannot be read) never switches itself off quietly: each failure is logged as
/// an error and counted in `mislink_identification_failures_total`, the call or chat is stored
/// unidentified, and the session is made again at most once a minute.
public final class CallLookups {
    /// What the applier remembers of a call in progress.
    public struct CallFacts: Sendable {
        /// `in`, `out` or `internal`.
        public var direction: String
        /// The client's phone key, if the number was one.
        public var phoneKey: String?
        /// The client's number as the PBX sent it.
        public var phoneNumber: String?
        /// Who is calling, for the incoming-call cards.
        public var identification: Identification?
    }

    private let queries: NamedQueries?
    private let profile: MISProfile
    private let logger: Logger
    /// SIP URIs to extensions (and chat agents to logins).
    public let directory: OperatorDirectory
    private var session: IdentificationSession?
    /// When making the session last failed: it is not tried again for a minute.
    private var sessionFailedAt: Date?
    private var extensions = StaffMap(statement: "staff_extensions", column: "EXTENSION")
    private var chatLogins = StaffMap(statement: "staff_chat_logins", column: "CHAT_LOGIN")
    private var calls: [Int64: CallFacts] = [:]

    init(queries: NamedQueries?, profile: MISProfile, directory: OperatorDirectory, logger: Logger) {
        self.queries = queries
        self.profile = profile
        self.directory = directory
        self.logger = logger
    }

    /// The active employee a call party is: by its extension, or by the extension its SIP URI belongs to.
    public func staffID(party: MangoCallParty?, in context: ApplyContext) throws -> Int64? {
        try staffID(extension: directory.extensionNumber(of: party), in: context)
    }

    /// The active employee with this SIP extension (the profile's `staff_extensions`).
    public func staffID(extension number: String?, in context: ApplyContext) throws -> Int64? {
        guard let number, !number.isEmpty else { return nil }
        return try extensions.id(of: number, in: context)
    }

    /// The active employee a chat platform's agent is: by login (the profile's `staff_chat_logins`, case
    /// ignored), else by
    /// the agent id mapped in `chat.agents`, else by the agent id as the login.
    public func staffID(agent: ChatAgent, provider: String, in context: ApplyContext) throws -> Int64? {
        if let login = agent.login, let id = try chatLogins.id(of: login, in: context) { return id }
        guard let agentID = agent.id else { return nil }
        if let login = directory.chatLogin(provider: provider, agentID: agentID),
           let id = try chatLogins.id(of: login, in: context) { return id }
        return try chatLogins.id(of: agentID, in: context)
    }

    /// The caller identified by number; nil for a hidden, internal or unparseable number, when
    /// `SQL/queries.sql` is not available, or when identification fails (logged and counted).
    public func identify(_ phone: String?, attachment: FirebirdAttachment) -> Identification? {
        guard let phone, !phone.isEmpty, phone.contains(where: \.isNumber), !phone.hasPrefix("sip:") else { return nil }
        guard let session = session(on: attachment) else { return nil }
        do {
            return try StatementProfile.measure("IDENTIFY (identify_candidates, last_visit)") { try session.identify(phone) }
        } catch is PhoneInputError {
            return nil  // text that is no number: nothing to look up
        } catch {
            failed("identifying a caller (the profile's identify_candidates, last_visit)", error)
            self.session = nil  // its transaction may be gone with the error: made again next time
            return nil
        }
    }

    /// The facts of a call: remembered, else read from its row.
    public func facts(of callID: Int64, in context: ApplyContext) throws -> CallFacts {
        if let facts = calls[callID] { return facts }
        let client = try Calls.client(of: callID, in: context)
        let facts = CallFacts(direction: client?.direction.rawValue ?? "in", phoneKey: client?.phoneKey,
                              phoneNumber: client?.clientNumber, identification: nil)
        remember(callID, facts)
        return facts
    }

    /// Remembers the facts of a call (a bounded memory: cleared past 50,000 calls).
    public func remember(_ callID: Int64, _ facts: CallFacts) {
        if calls.count > 50_000 { calls.removeAll(keepingCapacity: true) }
        calls[callID] = facts
    }

    /// Forgets a finished call.
    public func forget(_ callID: Int64) { calls[callID] = nil }

    func reset() {
        session = nil
        sessionFailedAt = nil
        extensions.loadedAt = .distantPast
        chatLogins.loadedAt = .distantPast
        calls = [:]
    }

    private func session(on attachment: FirebirdAttachment) -> IdentificationSession? {
        if let session, session.attachment === attachment { return session }
        guard let queries else { return nil }
        if let failedAt = sessionFailedAt, Date().timeIntervalSince(failedAt) < 60 { return nil }
        do {
            let plan = try PatientIdentifier.numberingPlan(queries: queries, attachment: attachment)
            session = try IdentificationSession(
                identifier: PatientIdentifier(plan: plan, queries: queries, profile: profile), attachment: attachment)
            sessionFailedAt = nil
        } catch {
            failed("preparing caller identification (tried again in a minute)", error)
            sessionFailedAt = Date()
            session = nil
        }
        return session
    }

    /// A failure of identification: an error in the log and `mislink_identification_failures_total`.
    private func failed(_ what: String, _ error: any Error) {
        Counter(label: "mislink_identification_failures_total").increment()
        logger.error("\(what) failed, the event is stored unidentified (MIS profile \(profile.name)): \(error)")
    }
}

/// Active employees by one value the MIS profile's statement gives (lowercased), read again every minute.
private struct StaffMap {
    /// `staff_extensions` or `staff_chat_logins`.
    let statement: String
    /// The alias of the value: `EXTENSION` or `CHAT_LOGIN` (the id is `STAFF_ID`).
    let column: String
    var ids: [String: Int64] = [:]
    var loadedAt: Date = .distantPast

    init(statement: String, column: String) {
        self.statement = statement
        self.column = column
    }

    /// The employee whose value is `key` (case ignored).
    mutating func id(of key: String, in context: ApplyContext) throws -> Int64? {
        if Date().timeIntervalSince(loadedAt) > 60 {
            var loaded: [String: Int64] = [:]
            // Newest first, so an older employee keeps a value two share (the statement's contract).
            for row in try context.misRows(statement, [:]) {
                guard let value = row[column] else { throw ApplyError("\(statement) returns no \(column) column") }
                if let value = value.stringValue, let id = try ApplyContext.misID(row, "STAFF_ID", statement: statement) {
                    loaded[value.lowercased()] = id
                }
            }
            ids = loaded
            loadedAt = Date()
        }
        return ids[key.lowercased()]
    }
}
