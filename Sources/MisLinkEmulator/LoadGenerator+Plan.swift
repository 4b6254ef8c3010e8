import Foundation
import MisLinkExternalAPIs
import NIOCore
import NIOHTTP1

/// One webhook of a load run, signed and encoded before the clock starts.
struct LoadEvent: Sendable {
    /// The request head (path, content type and length, the `mislink-load` header).
    var head: HTTPRequestHead
    /// The body as sent: the Mango form, or the chat JSON.
    var body: ByteBuffer
    /// Index into ``LoadPlan/kinds``.
    var kind: Int
}

/// Every webhook of a load run in sending order, each a ready request: the conversations interleaved,
/// swapped for reordering and doubled for duplicates the way ``LoadOptions`` asks, Mango bodies signed.
///
/// Each request carries `mislink-load: <run>/<seq>/<copies>`: the run id, the webhook's number (a
/// duplicate has its original's) and how many copies of it the run sends, so a receiver can count
/// lost and unexpectedly repeated webhooks (``LoadReceiver``). MisLink ignores the header.
struct LoadPlan: Sendable {
    /// The requests in sending order.
    var events: [LoadEvent]
    /// The event kinds (`events/call`, `chatwoot`, …) that ``LoadEvent/kind`` indexes.
    var kinds: [String]
    /// Every call and thread the run creates, with its final state.
    var expected: [ExpectedObject]
    /// The run id of the `mislink-load` header.
    var runID: String
    /// Distinct webhooks (the copies of a duplicate counted once).
    var distinct: Int
    /// Webhooks sent twice on purpose.
    var duplicated: Int
}

extension LoadGenerator {
    /// The name of the header that numbers a load run's webhooks.
    public static let sequenceHeader = "mislink-load"

    /// Renders, signs and encodes `count` requests (a duplicate's two copies are two) plus the ones that
    /// finish the conversations still in progress, so every expected object reaches its final state.
    func makePlan(count: Int) throws -> LoadPlan {
        let library = ScenarioLibrary()
        var templates: [String: Scenario] = [:]
        for name in Set(Self.callScenarios + Self.chatScenarios + Self.ednaScenarios) { templates[name] = try library.load(name) }
        var encoder = LoadRequestEncoder(targets: sender.targets, credentials: sender.credentials)
        let runID = String(UInt32.random(in: 1...UInt32.max), radix: 36)
        var rng = SystemRandomNumberGenerator()
        var active: [Conversation] = []
        var expected: [ExpectedObject] = []
        var events: [LoadEvent] = []
        events.reserveCapacity(count + count / 4 + options.concurrent * 8)
        var serial = 0
        var seq = 0
        var duplicated = 0

        func append(_ step: RenderedStep, copies: Int) {
            guard let request = encoder.encode(step, header: "\(runID)/\(seq)/\(copies)") else { return }
            for _ in 0..<copies { events.append(request) }
            seq += 1
            if copies > 1 { duplicated += 1 }
        }

        while events.count < count {
            while active.count < options.concurrent {
                serial += 1
                let (conversation, object) = try makeConversation(serial: serial, templates: templates, rng: &rng)
                active.append(conversation)
                expected.append(object)
            }
            let index = Int.random(in: 0..<active.count, using: &rng)
            var step = active[index].steps.removeFirst()
            if !active[index].steps.isEmpty, Double.random(in: 0..<1, using: &rng) < options.reorder {
                swap(&step, &active[index].steps[0])
            }
            if active[index].steps.isEmpty { active.swapAt(index, active.count - 1); active.removeLast() }
            append(step, copies: Double.random(in: 0..<1, using: &rng) < options.duplicates ? 2 : 1)
        }
        // Finish the conversations in progress so every expected object reaches its final state.
        for conversation in active {
            for step in conversation.steps { append(step, copies: 1) }
        }
        return LoadPlan(
            events: events, kinds: encoder.kinds, expected: expected, runID: runID, distinct: seq, duplicated: duplicated)
    }

    /// A conversation drawn from the scenarios, its steps rendered, and the object it leaves in MisLink.
    func makeConversation(serial: Int, templates: [String: Scenario], rng: inout SystemRandomNumberGenerator)
        throws -> (Conversation, ExpectedObject)
    {
        let isChat = Double.random(in: 0..<1, using: &rng) < options.chatShare
        let isEdna = isChat && Double.random(in: 0..<1, using: &rng) < options.ednaShare
        let name = (isEdna ? Self.ednaScenarios : isChat ? Self.chatScenarios : Self.callScenarios).randomElement(using: &rng)!
        // Ids unique per run too, so a second run against the same database never meets the first one's threads.
        let base = runBase + serial * 10
        var variables = [
            "client": "7916\(String(format: "%07d", serial % 10_000_000))", "conv": String(base),
            "contact": String(base), "command_id": "load-\(serial)", "thread": String(base), "edna_client": String(base),
        ]
        for k in 1...3 { variables["m\(k)"] = String(base + k) }
        let steps = try templates[name]!.render(
            variables: variables, start: Int(Date().timeIntervalSince1970) + options.timestampOffset).filter {
            if case .mango = $0 { return true }
            if case .chat = $0 { return true }
            return false
        }
        let entry = steps.lazy.compactMap { step -> String? in
            if case .mango(_, let json) = step { return json["entry_id"]?.stringValue }
            return nil
        }.first ?? ""
        let object = Self.expectedObject(scenario: name, isChat: isChat, isEdna: isEdna, id: String(base), entry: entry)
        return (Conversation(steps: steps), object)
    }
}

/// Turns rendered steps into ready requests: the path under the target, the signed Mango form or the
/// chat JSON, and the headers.
struct LoadRequestEncoder {
    let targets: WebhookTargets
    let credentials: MangoCredentials
    let host: String
    private(set) var kinds: [String] = []
    private var kindIndex: [String: Int] = [:]

    init(targets: WebhookTargets, credentials: MangoCredentials) {
        self.targets = targets
        self.credentials = credentials
        let endpoint = LoadEndpoint(url: targets.target)
        self.host = endpoint.map { "\($0.host):\($0.port)" } ?? "localhost"
    }

    /// The request for a webhook step; `nil` for the steps that are not webhooks.
    mutating func encode(_ step: RenderedStep, header: String) -> LoadEvent? {
        let path: String, kind: String, contentType: String
        var body = ByteBuffer()
        switch step {
        case .mango(let mangoPath, let json):
            let text = json.compactText
            let sign = MangoSignature.sign(json: text, credentials: credentials)
            body.reserveCapacity(text.utf8.count * 3 / 2 + 128)
            body.writeString("vpbx_api_key=")
            Self.writeEscaped(credentials.apiKey, to: &body)
            body.writeString("&sign=\(sign)&json=")
            Self.writeEscaped(text, to: &body)
            path = Self.path(of: targets.mangoURL(mangoPath))
            kind = mangoPath
            contentType = "application/x-www-form-urlencoded"
        case .chat(let platform, let json):
            body.writeString(json.compactText)
            path = Self.path(of: targets.join(targets.target, platform == .edna ? targets.ednaPath : targets.chatwootPath))
            kind = platform.rawValue
            contentType = "application/json"
        default:
            return nil
        }
        let index: Int
        if let known = kindIndex[kind] {
            index = known
        } else {
            index = kinds.count
            kinds.append(kind)
            kindIndex[kind] = index
        }
        let headers = HTTPHeaders([
            ("Host", host), ("Content-Type", contentType), ("Content-Length", String(body.readableBytes)),
            (LoadGenerator.sequenceHeader, header),
        ])
        return LoadEvent(head: HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers), body: body, kind: index)
    }

    /// The path and query of a full URL under the target.
    static func path(of url: String) -> String {
        guard let endpoint = LoadEndpoint(url: url) else { return "/" }
        return endpoint.path.isEmpty ? "/" : endpoint.path
    }

    /// `application/x-www-form-urlencoded` escaping (space as `+`), as ``FormURLEncoding/escape(_:)``.
    static func writeEscaped(_ string: String, to buffer: inout ByteBuffer) {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(string.utf8.count * 3 / 2)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "*"):
                out.append(byte)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        buffer.writeBytes(out)
    }
}

/// The host, port and path of an `http://` URL (the load tool speaks plain HTTP/1.1 only).
struct LoadEndpoint: Sendable {
    var host: String
    var port: Int
    /// The path and query, without a trailing `/`; empty for the root.
    var path: String

    init?(url: String) {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host else {
            return nil
        }
        self.host = host
        self.port = components.port ?? 80
        var path = components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        self.path = path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
