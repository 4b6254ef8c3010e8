/// A path under the PBX API base (`commands/callback`) or under the integrator's webhook base
/// (`events/call`, `result/callback`). Extensible: any string is a path.
public struct MangoPath: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }

    // Commands (integrator → PBX), reference A.4.
    /// Click-to-call from an employee.
    public static let callback: Self = "commands/callback"
    /// Group click-to-call.
    public static let callbackGroup: Self = "commands/callback_group"
    /// Blind or consultative transfer.
    public static let transfer: Self = "commands/transfer"
    /// Route a call waiting in the IVR or queue.
    public static let route: Self = "commands/route"
    /// Hang up a leg.
    public static let hangup: Self = "commands/call/hangup"
    /// Start recording a leg.
    public static let recordingStart: Self = "commands/recording/start"
    /// Send an SMS.
    public static let sms: Self = "commands/sms"
    /// Request a CSV call report.
    public static let statsRequest: Self = "stats/request"
    /// Fetch the CSV call report.
    public static let statsResult: Self = "stats/result"
    /// Get a one-time recording link (answered with 302).
    public static let recordingPost: Self = "queries/recording/post"
    /// List employees.
    public static let usersRequest: Self = "config/users/request"

    // Notifications (PBX → integrator), reference A.5.
    /// Call-leg state.
    public static let eventCall: Self = "events/call"
    /// Final per-call record.
    public static let eventSummary: Self = "events/summary"
    /// Recording state.
    public static let eventRecording: Self = "events/recording"
    /// Recording stored in the cloud.
    public static let eventRecordAdded: Self = "events/record/added"
    /// DTMF collected.
    public static let eventDTMF: Self = "events/dtmf"
    /// SMS delivery status.
    public static let eventSMS: Self = "events/sms"

    /// The `result/<command>` notification path of a command path (`commands/callback` → `result/callback`).
    public static func result(of command: MangoPath) -> MangoPath {
        let name = command.rawValue.hasPrefix("commands/") ? String(command.rawValue.dropFirst(9)) : command.rawValue
        return MangoPath(rawValue: "result/" + name)
    }
}
