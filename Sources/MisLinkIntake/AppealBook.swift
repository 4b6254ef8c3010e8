import Firebird
import Foundation
import MisLinkProfiles
import MisLinkStore

/// The appeals MisLink creates, assigns, fills, reads and cancels, whichever kind the MIS has:
///
/// - ``MISAppealBook`` (profile.json `"appeals": true`): the MIS's own appeals, written only through the
///   profile's `appeal_*` statements (SQL/profiles/CONTRACT.md, "Appeals"); `MISLINK_APPEALS` is MisLink's
///   side row of each (`IS_OWN = 0`).
/// - ``OwnAppealBook`` (`"appeals": false`): a MIS without an appeals table; `MISLINK_APPEALS` rows with
///   `IS_OWN = 1` are the appeals (core migration V014: their ids from `MISLINK_APPEALS_SEQ`, `STATUS`,
///   `RESULT`, `OPERATOR_ID`, `PATIENT_ID`; a `booked` chain event closes one).
///
/// Either way every appeal has one `MISLINK_APPEALS` row whose `STATUS`, `OPERATOR_ID` and `PATIENT_ID`
/// MisLink's lists read, so no Swift names a MIS table. Ids are the MIS's, always `Int64`.
public protocol AppealBook: Sendable {
    /// True when the appeals are MisLink's own `MISLINK_APPEALS` rows.
    var isOwn: Bool { get }

    /// A new open appeal and its `MISLINK_APPEALS` row; returns its id.
    func create(_ appeal: NewAppeal, in database: some AppealDatabase) throws -> Int64

    /// The appeal's operator becomes `operatorID`; nil detaches it (nobody holds it, it waits).
    func assign(_ appeal: Int64, to operatorID: Int64?, in database: some AppealDatabase) throws

    /// Fills the appeal's patient and phone where it has none yet.
    func setPatient(_ appeal: Int64, patientID: Int64, contactPhone: String?, in database: some AppealDatabase) throws

    /// The appeal as it is now; nil when there is no such appeal.
    func get(_ appeal: Int64, in database: some AppealDatabase) throws -> Appeal?

    /// Cancels the appeal if it is open (the caller reads ``get(_:in:)`` after it). `reason` becomes its
    /// result where the MIS keeps one.
    func cancel(_ appeal: Int64, reason: String?, in database: some AppealDatabase) throws
}

extension MISProfile {
    /// The appeals of this MIS: its own through the `appeal_*` statements when profile.json says
    /// `"appeals": true`, MisLink's own `MISLINK_APPEALS` rows otherwise.
    public var appealBook: any AppealBook {
        manifest.appeals ? MISAppealBook() : OwnAppealBook()
    }
}

/// One appeal as ``AppealBook/get(_:in:)`` reads it.
public struct Appeal: Sendable, Equatable {
    public var id: Int64
    /// `open`, `closed` or `cancelled`.
    public var status: String
    /// How it ended (`booked`, a reason); nil while open or when the MIS keeps none.
    public var result: String?
    /// The operator holding it; nil when nobody does (detached).
    public var operatorID: Int64?
    public var patientID: Int64?

    public var isOpen: Bool { status == "open" }

    /// The appeal in a row with the contract's aliases (`APPEAL_ID`, `STATUS`, `RESULT`, `OPERATOR_ID`,
    /// `PATIENT_ID`), as `appeal_get` returns it.
    /// - Throws: ``ApplyError`` naming `statement` when a column is missing or an id is not a whole number.
    init(own: OwnAppealRecord) {
        id = own.appealId
        status = own.status.rawValue
        result = own.result?.trimmingCharacters(in: .whitespaces)
        operatorID = own.operatorId
        patientID = own.patientId
    }

    init(row: Row, statement: String) throws {
        guard let status = row["STATUS"] else { throw ApplyError("\(statement) returns no STATUS column") }
        guard let result = row["RESULT"] else { throw ApplyError("\(statement) returns no RESULT column") }
        guard let id = try ApplyContext.misID(row, "APPEAL_ID", statement: statement) else {
            throw ApplyError("\(statement) gave an appeal without APPEAL_ID")
        }
        self.id = id
        self.status = status.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
        self.result = result.stringValue?.trimmingCharacters(in: .whitespaces)
        operatorID = try ApplyContext.misID(row, "OPERATOR_ID", statement: statement)
        patientID = try ApplyContext.misID(row, "PATIENT_ID", statement: statement)
    }
}

/// A new appeal: what the MIS is given and what MisLink keeps in `MISLINK_APPEALS`.
public struct NewAppeal: Sendable {
    /// MisLink's channel (`phone`, `whatsapp`, …); a MIS profile maps it to its own list.
    public var channel: String
    /// `in` or `out`.
    public var direction: String
    /// `call` or `chat`.
    public var source: String
    public var callID: Int64?
    public var threadID: Int64?
    /// The chat thread as `<provider>:<id>`.
    public var externalID: String?
    public var phoneKey: String?
    public var patientID: Int64?
    /// Who holds it from the start (the operator who answered a call); nil for a chat waiting in the queue.
    public var operatorID: Int64?
    /// The contact's phone as received.
    public var contactPhone: String?
    /// The contact's name as MisLink keeps it (UTF8, exact).
    public var contactName: String?
    /// The name the MIS's appeal gets (the patient's when the platform gave none); WIN1251 in the MIS.
    public var misContactName: String?
    /// How many more patients share the phone.
    public var patientOthers: Int
    /// The card's title ("Смирнова Елена Павловна, и ещё 1").
    public var patientDisplay: String?

    public init(channel: String, direction: String = "in", source: String, callID: Int64? = nil, threadID: Int64? = nil,
                externalID: String? = nil, phoneKey: String? = nil, patientID: Int64? = nil, operatorID: Int64? = nil,
                contactPhone: String? = nil, contactName: String? = nil, misContactName: String? = nil,
                patientOthers: Int = 0, patientDisplay: String? = nil) {
        self.channel = channel
        self.direction = direction
        self.source = source
        self.callID = callID
        self.threadID = threadID
        self.externalID = externalID
        self.phoneKey = phoneKey
        self.patientID = patientID
        self.operatorID = operatorID
        self.contactPhone = contactPhone
        self.contactName = contactName
        self.misContactName = misContactName
        self.patientOthers = patientOthers
        self.patientDisplay = patientDisplay
    }
}

/// Where an ``AppealBook`` runs its statements: the intake's batch (``ApplyContext``) or a REST request's
/// transaction (``AppealTransaction``).
public protocol AppealDatabase: StoreTransaction {
    /// The MIS profile whose statements touch the MIS's tables.
    var profile: MISProfile { get }
    /// Runs the profile's statement `name` and returns its rows, read by their contract aliases.
    func misRows(_ name: String, _ values: [String: FirebirdValue]) throws -> [Row]
}

/// A transaction as an ``AppealDatabase``, for the REST API (cancelling, booking from an appeal).
public struct AppealTransaction: AppealDatabase {
    public let profile: MISProfile
    public let transaction: Transaction

    public init(profile: MISProfile, transaction: Transaction) {
        self.profile = profile
        self.transaction = transaction
    }

    public func misRows(_ name: String, _ values: [String: FirebirdValue]) throws -> [Row] {
        try transaction.attachment.query(try profile.statement(name).query(values), in: transaction)
    }

    public func rows(_ query: FirebirdQuery) throws -> [Row] { try transaction.rows(query) }

    @discardableResult
    public func execute(_ query: FirebirdQuery) throws -> Int { try transaction.execute(query) }
}

extension ApplyContext: AppealDatabase {}
