import Firebird
import Foundation
import Hummingbird
import MisLinkStore

/// `POST /api/v1/emulator/verify`: the emulator's load mode asks, at the end of a run, whether every
/// call and thread it created exists exactly once in its final state.
///
/// Body: `{"objects":[{"kind":"call"|"thread","id":…,"platform":"mango"|"chatwoot"|"edna","finalState":…}]}`.
/// Calls are matched by `MISLINK_CALLS.PBX_CALL_ID` (the `entry_id`) and their `RESULT`; threads by
/// `MISLINK_CHAT_THREADS.PROVIDER` + `EXTERNAL_ID`, where `resolved` means `closed` and `open` means
/// any other status.
struct LoadRunCheck {
    let pool: FirebirdPool

    struct Result: Codable, ResponseEncodable {
        var checked: Int
        var lost: Int
        var duplicated: Int
        var wrongState: Int
        /// Up to 20 objects that failed the check, for the report.
        var examples: [String]
    }

    func verify(_ objects: [VerificationRequest.Object]) async throws -> Result {
        var result = Result(checked: objects.count, lost: 0, duplicated: 0, wrongState: 0, examples: [])
        let groups = Dictionary(grouping: objects) { "\($0.kind)/\($0.platform)" }
        for (_, group) in groups {
            guard let first = group.first else { continue }
            for start in stride(from: 0, to: group.count, by: 200) {
                let part = Array(group[start..<min(start + 200, group.count)])
                let found = try await states(kind: first.kind, platform: first.platform, ids: part.map(\.id))
                for object in part {
                    let states = found[object.id] ?? []
                    if states.isEmpty {
                        result.lost += 1
                        note(&result, "lost \(object.kind) \(object.platform) \(object.id)")
                    } else if states.count > 1 {
                        result.duplicated += 1
                        note(&result, "duplicated \(object.kind) \(object.platform) \(object.id) ×\(states.count)")
                    } else if !Self.matches(kind: object.kind, expected: object.finalState, actual: states[0]) {
                        result.wrongState += 1
                        note(&result, "\(object.kind) \(object.platform) \(object.id): \(states[0] ?? "null"), expected \(object.finalState)")
                    }
                }
            }
        }
        return result
    }

    private func note(_ result: inout Result, _ text: String) {
        if result.examples.count < 20 { result.examples.append(text) }
    }

    static func matches(kind: String, expected: String, actual: String?) -> Bool {
        guard kind == "thread" else { return actual == expected }
        switch expected {
        case "resolved", "closed": return actual == "closed"
        case "open": return actual != "closed"
        default: return actual == expected
        }
    }

    /// The state of every stored object among `ids`, by id (several if stored more than once).
    private func states(kind: String, platform: String, ids: [String]) async throws -> [String: [String?]] {
        return try await pool.withTransaction(.read) { tx in
            kind == "call"
                ? try Calls.results(pbxCallIds: ids, in: tx)
                : try ChatThreads.statuses(provider: platform, externalIds: ids, in: tx)
        }
    }
}

/// The body of `POST /api/v1/emulator/verify`.
struct VerificationRequest: Codable {
    struct Object: Codable {
        var kind: String
        var id: String
        var platform: String
        var finalState: String
    }

    var objects: [Object]
}
