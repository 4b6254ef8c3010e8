import Foundation
import MisLinkExternalAPIs

/// How the fake Mango VPBX behaves. Every field has a default; the UNVERIFIED behaviours of the
/// reference are switches here.
public struct FakePBXConfiguration: Sendable {
    /// The account's key and salt.
    public var credentials: MangoCredentials
    /// Where notifications (`events/*`, `result/*`) go; `nil` sends none. Defaults to `nil`.
    public var webhooks: WebhookTargets?
    /// The order of `result/<command>` versus the `events/call` legs a command causes (not
    /// guaranteed by the PBX). Defaults to `.resultFirst`.
    public var resultOrder: ResultOrder
    /// The window of the bad-request limit: more than one 3xxx answer within it locks the account
    /// out with HTTP 401 for the same length of time. Defaults to 120 seconds (reference A.3).
    public var badRequestWindow: Duration
    /// The HTTP status sent with a 3xxx JSON error body. The reference's HTTP-class table is
    /// garbled (UNVERIFIED), so this is a switch. Defaults to 200.
    public var badRequestHTTPStatus: Int
    /// How long a `stats/request` report stays "not ready" (204). Defaults to 1 second.
    public var statsDelay: Duration
    /// How long a report stays once ready; after it `stats/result` answers 404, as for an unknown key (the
    /// PBX keeps it "at least a minute"). Defaults to 10 minutes.
    public var statsKeep: Duration
    /// Serve any `recording_id` asked for (otherwise only known ones; unknown → 3320). Defaults to `true`.
    public var serveAnyRecording: Bool
    /// Numbers that do not answer a click-to-call (the not-answered scenario). Defaults to none.
    public var unansweredNumbers: Set<String>
    /// The employees of `config/users/request`. Defaults to ``FakePBXConfiguration/demoUsers``.
    public var users: [MangoUser]
    /// The DID used as `line_number` when a command gives none. Defaults to `74951234567`.
    public var defaultLine: String
    /// Seconds added to every epoch field sent. The PDF labels them "UTC+3"; the reference reads
    /// them as plain epochs (UNVERIFIED), so 0 is the default and 10800 emulates shifted epochs.
    public var timestampOffset: Int
    /// Whether a call a command left talking (an answered click-to-call, transfer or route) plays out to
    /// its end: the client hangs up a minute (of event time) later and `events/summary` follows. Off, the
    /// call stays connected for further commands (`commands/transfer`, `commands/call/hangup`). Defaults to `true`.
    public var callsEndAfterCommands: Bool
    /// The code for a `commands/transfer`, `route` or `call/hangup` naming a `call_id` the PBX does not
    /// know or that has ended. The reference gives 4101 "call ended or missing" for `route` (A.4); 3310
    /// "call not found" (A.6) is the alternative, and as a 3xxx it counts towards the bad-request lockout.
    /// Defaults to 4101.
    public var unknownCallResult: MangoResultCode

    /// Makes a configuration; see each field for its default.
    public init(
        credentials: MangoCredentials, webhooks: WebhookTargets? = nil, resultOrder: ResultOrder = .resultFirst,
        badRequestWindow: Duration = .seconds(120), badRequestHTTPStatus: Int = 200, statsDelay: Duration = .seconds(1),
        statsKeep: Duration = .seconds(600),
        serveAnyRecording: Bool = true, unansweredNumbers: Set<String> = [], users: [MangoUser] = demoUsers,
        defaultLine: String = "74951234567", timestampOffset: Int = 0, callsEndAfterCommands: Bool = true,
        unknownCallResult: MangoResultCode = .callEnded
    ) {
        self.callsEndAfterCommands = callsEndAfterCommands
        self.unknownCallResult = unknownCallResult
        self.timestampOffset = timestampOffset
        self.credentials = credentials
        self.webhooks = webhooks
        self.resultOrder = resultOrder
        self.badRequestWindow = badRequestWindow
        self.badRequestHTTPStatus = badRequestHTTPStatus
        self.statsDelay = statsDelay
        self.statsKeep = statsKeep
        self.serveAnyRecording = serveAnyRecording
        self.unansweredNumbers = unansweredNumbers
        self.users = users
        self.defaultLine = defaultLine
    }

    /// The order of a command's result notification and the events it causes.
    public enum ResultOrder: String, Sendable, CaseIterable {
        /// `result/<command>` first, then the events.
        case resultFirst = "result-first"
        /// The events first, then `result/<command>`.
        case eventsFirst = "events-first"
        /// The result and the events sent in parallel (arrival order undefined).
        case parallel
    }

    /// Three operators of a ring-all group, extensions 101–103.
    public static let demoUsers: [MangoUser] = [
        ("101", "Иванова Анна", "ivanova"), ("102", "Петров Олег", "petrov"), ("103", "Сидорова Мария", "sidorova"),
    ].enumerated().map { index, user in
        MangoUser(
            general: .init(
                name: user.1, email: "\(user.2)@clinic.example", department: "Регистратура", position: "Оператор",
                userId: 1000 + index, login: user.2, sips: ["sip:\(user.2)@vpbx400000000.mangosip.ru"]),
            telephony: .init(
                extension: user.0, outgoingLine: "74951234567",
                numbers: [.init(number: "sip:\(user.2)@vpbx400000000.mangosip.ru", protocol: "sip", order: 0, waitSec: 20, status: "on")]),
            groups: [500])
    }
}
