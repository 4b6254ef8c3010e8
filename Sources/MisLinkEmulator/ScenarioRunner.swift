import Foundation
import MisLinkExternalAPIs
import MisLinkHTTP

/// Real-world roughness, each a switch (issue 5).
public struct Roughness: Sendable {
    /// Send every number in Mango payloads as a JSON string (`"seq":"2"`). Defaults to `false`.
    public var numbersAsStrings: Bool
    /// Send `to.acd_group` as `""` wherever a group is present. Defaults to `false`.
    public var emptyAcdGroup: Bool
    /// Send all steps at once, shuffled (parallel out-of-order delivery). Defaults to `false`.
    public var parallel: Bool
    /// The fraction of webhooks delivered twice (0…1). Defaults to 0.
    public var duplicates: Double

    /// Makes a roughness setting; see each field for its default.
    public init(numbersAsStrings: Bool = false, emptyAcdGroup: Bool = false, parallel: Bool = false, duplicates: Double = 0) {
        self.numbersAsStrings = numbersAsStrings
        self.emptyAcdGroup = emptyAcdGroup
        self.parallel = parallel
        self.duplicates = duplicates
    }

    /// Applies the payload switches to a Mango payload.
    public func apply(toMango json: JSONValue) -> JSONValue {
        var value = json
        if emptyAcdGroup {
            value = value.mapObjects { object in
                var object = object
                if object["acd_group"] != nil { object["acd_group"] = .string("") }
                return object
            }
        }
        if numbersAsStrings { value = value.numbersAsStrings }
        return value
    }
}

/// Plays scenarios against a running MisLink.
public struct ScenarioRunner: Sendable {
    /// Delivers the webhooks.
    public var sender: WebhookSender
    /// Roughness switches.
    public var roughness: Roughness
    /// Base URL of the fake chat platforms (edna and Chatwoot on one router): `edna_thread` steps go to its
    /// `/emulator/threads/{id}`, every Chatwoot event is told to its `/emulator/chatwoot` first (so it knows
    /// the conversations' channels and contacts), and every edna `MESSAGE` to its `/emulator/edna` after
    /// MisLink had it (the thread counts it; a configured `TRAINING` webhook gets its copy). `nil` skips all.
    public var ednaAdminURL: String?
    /// Base URL of the fake PBX: `pbx_recording` steps make recordings downloadable there, and every
    /// `events/call` / `events/summary` is told to it first (`POST /emulator/calls`), so the calls a scenario
    /// plays are calls the PBX knows for `commands/transfer`, `route` and `call/hangup`. `nil` skips both.
    public var pbxAdminURL: String?
    /// Pause between sequential steps. Defaults to none.
    public var pace: Duration

    /// Makes a runner.
    public init(
        sender: WebhookSender, roughness: Roughness = Roughness(), ednaAdminURL: String? = nil,
        pbxAdminURL: String? = nil, pace: Duration = .zero
    ) {
        self.sender = sender
        self.roughness = roughness
        self.ednaAdminURL = ednaAdminURL
        self.pbxAdminURL = pbxAdminURL
        self.pace = pace
    }

    /// Runs rendered steps and returns the deliveries in completion order.
    public func run(_ steps: [RenderedStep]) async throws -> [Delivery] {
        var generator = SystemRandomNumberGenerator()
        var work: [(RenderedStep, Bool)] = []
        for step in steps {
            work.append((step, false))
            if roughness.duplicates > 0, case .ednaThread = step {} else if roughness.duplicates > 0,
                Double.random(in: 0..<1, using: &generator) < roughness.duplicates
            {
                work.append((step, true))
            }
        }
        if roughness.parallel {
            work.shuffle(using: &generator)
            return try await withThrowingTaskGroup(of: Delivery?.self) { group in
                for (step, duplicate) in work { group.addTask { try await self.perform(step, duplicate: duplicate) } }
                var deliveries: [Delivery] = []
                for try await delivery in group { if let delivery { deliveries.append(delivery) } }
                return deliveries
            }
        }
        var deliveries: [Delivery] = []
        for (step, duplicate) in work {
            if let delivery = try await perform(step, duplicate: duplicate) { deliveries.append(delivery) }
            if pace > .zero { try await Task.sleep(for: pace) }
        }
        return deliveries
    }

    private func perform(_ step: RenderedStep, duplicate: Bool) async throws -> Delivery? {
        switch step {
        case .mango(let path, let json):
            if let pbxAdminURL, !duplicate, path == MangoPath.eventCall.rawValue || path == MangoPath.eventSummary.rawValue {
                // Tell the fake PBX first, so a command MisLink sends in reaction finds the call.
                let body = JSONValue.object(["send": .string(path), "json": json]).compactText
                _ = try await sender.client.execute(.json("\(pbxAdminURL)/emulator/calls", body: Data(body.utf8)))
            }
            return await sender.sendMango(path: path, json: roughness.apply(toMango: json).compactText, isDuplicate: duplicate)
        case .chat(let platform, let json):
            if let ednaAdminURL, !duplicate, platform == .chatwoot {
                _ = try await sender.client.execute(.json("\(ednaAdminURL)/emulator/chatwoot", body: Data(json.compactText.utf8)))
            }
            let delivery = await sender.sendChat(platform: platform, json: json.compactText, isDuplicate: duplicate)
            if let ednaAdminURL, !duplicate, platform == .edna {
                // edna records the client's message too: the thread counts it, and a TRAINING copy goes out if configured.
                _ = try await sender.client.execute(.json("\(ednaAdminURL)/emulator/edna", body: Data(json.compactText.utf8)))
            }
            return delivery
        case .ednaThread(let thread):
            guard let ednaAdminURL, let id = thread["id"]?.stringValue else { return nil }
            let response = try await sender.client.execute(
                .json("\(ednaAdminURL)/emulator/threads/\(id)", method: "PUT", body: Data(thread.compactText.utf8)))
            guard response.status < 300 else { throw EmulatorError("the fake edna refused thread \(id): \(response.status)") }
            return nil
        case .pbxRecording(let id):
            guard let pbxAdminURL else { return nil }
            let body = JSONValue.object(["recording_id": .string(id)]).compactText
            _ = try await sender.client.execute(.json("\(pbxAdminURL)/emulator/recordings", body: Data(body.utf8)))
            return nil
        }
    }
}
