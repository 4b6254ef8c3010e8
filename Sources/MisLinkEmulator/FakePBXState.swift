import Foundation
import MisLinkExternalAPIs
import Synchronization

/// A command the fake PBX received, checked or not.
public struct ReceivedCommand: Sendable, Codable {
    /// `commands/callback`, `stats/request`, …
    public var path: String
    /// The raw `json` field.
    public var json: String
    /// The code it was answered with (1000, 3102, …); `nil` for a 401 lockout.
    public var result: Int?
}

/// The mutable state of the fake PBX, behind one lock.
struct FakePBXState {
    var commands: [ReceivedCommand] = []
    var lastBadRequest: ContinuousClock.Instant?
    var lockedUntil: ContinuousClock.Instant?
    var statsReports: [String: (readyAt: ContinuousClock.Instant, rows: [[String]])] = [:]
    var knownRecordings: Set<String> = []
    var oneTimeLinks: [String: String] = [:]
    var finishedCalls: [[String: String]] = []
    var pending: [Task<Void, Never>] = []
    /// The calls it knows (sent by it, or played by a scenario), by `entry_id`.
    var calls: [String: LiveCall] = [:]
    /// Their legs, by `call_id`.
    var legs: [String: LiveLeg] = [:]
}

/// The outcome of the gate every command passes.
enum GateOutcome {
    case accepted(MangoSignedForm)
    case locked
    case rejected(MangoResultCode)
}

extension Mutex where Value == FakePBXState {
    /// Applies the bad-request limit: the first 3xxx in a window is answered, a second one locks out.
    func badRequest(_ code: MangoResultCode, window: Duration) -> GateOutcome {
        withLock { state in
            let now = ContinuousClock.now
            if let last = state.lastBadRequest, now - last < window {
                state.lockedUntil = now + window
                return .locked
            }
            state.lastBadRequest = now
            return .rejected(code)
        }
    }

    func isLocked() -> Bool {
        withLock { state in
            guard let until = state.lockedUntil else { return false }
            if ContinuousClock.now < until { return true }
            state.lockedUntil = nil
            state.lastBadRequest = nil
            return false
        }
    }
}

/// A tiny valid MP3 (MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, silent frames): what a recording download serves.
public enum GeneratedMP3 {
    /// About `seconds` of silence.
    public static func silence(seconds: Double = 1) -> Data {
        let frameLength = 417  // 144 * 128000 / 44100, no padding
        let frames = max(1, Int(seconds * 44100 / 1152))
        var data = Data()
        data.reserveCapacity(frames * frameLength)
        for _ in 0..<frames {
            var frame = [UInt8](repeating: 0, count: frameLength)
            frame[0] = 0xFF
            frame[1] = 0xFB  // MPEG-1, Layer III, no CRC
            frame[2] = 0x90  // 128 kbit/s, 44.1 kHz, no padding
            frame[3] = 0xC4  // mono, original
            data.append(contentsOf: frame)
        }
        return data
    }
}
