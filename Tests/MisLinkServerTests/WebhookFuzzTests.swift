import Firebird
import Foundation
import MisLinkDemoData
import MisLinkEmulator
import MisLinkHTTP
import MisLinkTestSupport
import Testing

/// A property-based webhook fuzzer: every shipped scenario's events, mutated (types changed, fields
/// dropped, huge and negative numbers, long and non-BMP strings), signed and sent over HTTP. Every
/// answer is 200 or 4xx, and a good event sent after each mutated one is applied: nothing wedges the
/// intake. Seeded, so a failure repeats; `MISLINK_FUZZ_ROUNDS` (default 2 mutations per event) and
/// `MISLINK_FUZZ_SEED` make longer runs by hand.
@Suite("Webhook fuzzer")
struct WebhookFuzzTests {
    @Test func mutatedScenarioEventsNeverBreakTheIntake() async throws {
        let environment = ProcessInfo.processInfo.environment
        let rounds = Int(environment["MISLINK_FUZZ_ROUNDS"] ?? "") ?? 2
        var random = SplitMix64(seed: UInt64(environment["MISLINK_FUZZ_SEED"] ?? "") ?? 20_261_207)
        let harness = try await WorkerHarness.start(label: "fuzz")
        defer { Task { await harness.stop() } }
        let library = ScenarioLibrary()
        var originals: [(kind: String, json: JSONValue)] = []
        for name in library.names() {
            for step in try library.load(name).render(variables: ["run": "fz"], start: 1_790_000_000) {
                switch step {
                case .mango(let path, let json): originals.append(("mango:" + path, json))
                case .chat(let platform, let json): originals.append((platform.rawValue, json))
                default: continue
                }
            }
        }
        #expect(originals.count > 50, "the scenarios give events to mutate")
        var sent = 0
        var statuses: [Int: Int] = [:]
        var good = 0
        for (index, original) in originals.enumerated() {
            for round in 0..<rounds {
                let mutated = FuzzMutator.mutate(original.json, random: &random)
                let answer = try await send(original.kind, mutated.compactText, harness)
                sent += 1
                statuses[answer.status, default: 0] += 1
                #expect(answer.status == 200 || (400..<500).contains(answer.status),
                        "\(original.kind) answered \(answer.status) for \(mutated.compactText.prefix(300)): \(answer.text.prefix(300))")
                // A good event right after: applied, never spooled or refused.
                let entry = "FZ-\(index)-\(round)"
                let check = try await harness.mango("events/call", json: callEvent(
                    entry: entry, call: "\(entry)-c", seq: 1, state: "Appeared", timestamp: 1_790_000_000 + index))
                #expect(check.status == 200 && check.text.contains("\"applied\""),
                        "the good event after \(original.kind) \(mutated.compactText.prefix(200)): \(check.text)")
                good += check.text.contains("\"applied\"") ? 1 : 0
            }
        }
        let ready = try await harness.api("/ready", token: nil)
        #expect(ready.status == 200, "\(ready.text)")
        #expect(try await harness.count("SELECT COUNT(*) FROM MISLINK_CALLS WHERE PBX_CALL_ID STARTING WITH 'FZ-'") == good)
        print("webhook fuzzer: \(sent) mutated events, answers \(statuses.sorted { $0.key < $1.key }), \(good) good events applied after them")
    }

    private func send(_ kind: String, _ json: String, _ harness: WorkerHarness) async throws -> HTTPClientResponse {
        if kind.hasPrefix("mango:") { return try await harness.mango(String(kind.dropFirst(6)), json: json) }
        let path = kind == "edna" ? "edna/webhook" : "chatwoot/webhook"
        return try await harness.client.execute(
            .json("\(harness.worker.baseURL)/\(path)/\(WorkerHarness.secret)", body: Data(json.utf8)))
    }
}

/// Mutations of a JSON event: one to three of them at random places.
enum FuzzMutator {
    static let strangeNumbers: [JSONValue] = [
        .int(Int.max), .int(Int.min), .int(-1), .int(0), .int(2_147_483_648), .int(-2_147_483_649), .int(32768),
        .double(1e300), .double(-1e300), .double(1e20), .double(-1e20), .double(0.5), .double(4_102_444_800_000),
    ]
    static let strangeStrings: [String] = [
        "", " ", "\u{00A0}", "1e300", "-1e20", "NaN", "null", "9999-12-31T23:59:59Z", "0000-00-00",
        String(repeating: "👨‍👩‍👧‍👦", count: 300), String(repeating: "🇷🇺", count: 1000), String(repeating: "я", count: 5000),
        "\u{0}\u{1}\u{7F}", "../../etc/passwd", "'; DROP TABLE MISLINK_INBOX; --", String(repeating: "9", count: 400),
        "\u{10FFFF}\u{E000}", "+7 (916) 123-45-67 доб. 🙂",
    ]

    static func mutate(_ value: JSONValue, random: inout SplitMix64) -> JSONValue {
        var result = value
        for _ in 0..<Int.random(in: 1...3, using: &random) { result = mutateOnce(result, random: &random, depth: 0) }
        return result
    }

    private static func mutateOnce(_ value: JSONValue, random: inout SplitMix64, depth: Int) -> JSONValue {
        switch value {
        case .object(var object) where !object.isEmpty && depth < 6:
            let key = object.keys.sorted()[Int.random(in: 0..<object.count, using: &random)]
            switch Int.random(in: 0..<10, using: &random) {
            case 0: object.removeValue(forKey: key)
            case 1: object[key] = replacement(for: object[key]!, random: &random)
            default: object[key] = mutateOnce(object[key]!, random: &random, depth: depth + 1)
            }
            return .object(object)
        case .array(var array) where !array.isEmpty && depth < 6:
            let index = Int.random(in: 0..<array.count, using: &random)
            if Int.random(in: 0..<4, using: &random) == 0 { array.remove(at: index) } else {
                array[index] = mutateOnce(array[index], random: &random, depth: depth + 1)
            }
            return .array(array)
        default:
            return replacement(for: value, random: &random)
        }
    }

    /// Something of another type, or an extreme of the same type.
    private static func replacement(for value: JSONValue, random: inout SplitMix64) -> JSONValue {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return strangeNumbers.randomElement(using: &random)!
        case 1: return .string(strangeStrings.randomElement(using: &random)!)
        case 2: return [.null, .bool(true), .array([]), .object([:]), .array([.int(1), .string("x")])].randomElement(using: &random)!
        case 3:
            if case .string = value { return .string(strangeStrings.randomElement(using: &random)!) }
            return strangeNumbers.randomElement(using: &random)!
        case 4:
            if case .int(let number) = value { return .string(String(number)) }
            if case .string(let text) = value, let number = Int(text) { return .int(number) }
            return .string(strangeStrings.randomElement(using: &random)!)
        default:
            return .object(["nested": value, "deep": .array([.object(["x": .double(1e300)])])])
        }
    }
}
