import Foundation

/// A scripted sequence of webhooks, read from a JSON data file.
///
/// ```json
/// {"name": "inbound-answered", "description": "…", "variables": {"client": "79161234567"},
///  "steps": [{"send": "events/call", "json": {"entry_id": "{run}-E1", "timestamp": "{t+1}", …}},
///            {"send": "edna", "json": {…}}, {"edna_thread": {…}}, {"pbx_recording": "{run}-R1"}]}
/// ```
/// Strings are filled by ``Template``; `{run}` is unique per run so repeated runs never collide.
public struct Scenario: Codable, Sendable {
    /// The name (the file name without `.json` for shipped ones).
    public var name: String
    /// What the scenario shows.
    public var description: String
    /// Defaults for the variables; a run may override them.
    public var variables: [String: String]?
    /// The steps, in the order the platform produces them.
    public var steps: [Step]

    /// One step: a webhook to send, or a state change of a fake platform.
    public struct Step: Codable, Sendable {
        /// A Mango notification path (`events/call`, `result/callback`…), or `edna` / `chatwoot`.
        public var send: String?
        /// The payload of `send`.
        public var json: JSONValue?
        /// The new state of a thread in the fake edna API (what MisLink then reads by polling).
        public var ednaThread: JSONValue?
        /// A recording the fake PBX must serve.
        public var pbxRecording: String?

        enum CodingKeys: String, CodingKey {
            case send, json, ednaThread = "edna_thread", pbxRecording = "pbx_recording"
        }
    }

    /// Fills the templates.
    /// - Parameters:
    ///   - variables: Overrides of ``variables``; `run` defaults to a fresh random id.
    ///   - start: The epoch second `{t}` stands for. Defaults to now.
    public func render(variables overrides: [String: String] = [:], start: Int = Int(Date().timeIntervalSince1970))
        throws -> [RenderedStep]
    {
        var all = variables ?? [:]
        all["run"] = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10)).lowercased()
        all.merge(overrides) { $1 }
        // Variable values may mention {run} (e.g. "ext-{run}"); fill that first.
        let run = Template(variables: ["run": all["run"]!], start: start)
        all = all.mapValues { run.substitute($0) }
        let template = Template(variables: all, start: start)
        return try steps.enumerated().map { index, step in
            if let send = step.send, let json = step.json {
                switch send {
                case "edna": return .chat(platform: .edna, json: template.fill(json))
                case "chatwoot": return .chat(platform: .chatwoot, json: template.fill(json))
                default: return .mango(path: send, json: template.fill(json))
                }
            }
            if let thread = step.ednaThread { return .ednaThread(template.fill(thread)) }
            if let recording = step.pbxRecording { return .pbxRecording(template.substitute(recording)) }
            throw EmulatorError("scenario \(name), step \(index + 1): needs send+json, edna_thread or pbx_recording")
        }
    }
}

/// A step with its templates filled.
public enum RenderedStep: Sendable {
    /// A signed Mango notification to `<target><mango base>/<path>`.
    case mango(path: String, json: JSONValue)
    /// A chat webhook.
    case chat(platform: ChatPlatform, json: JSONValue)
    /// Set a thread in the fake edna API.
    case ednaThread(JSONValue)
    /// Make a recording downloadable from the fake PBX.
    case pbxRecording(String)
}

/// The shipped scenarios (the bundle's `Scenarios/` folder) and files given by path.
public struct ScenarioLibrary: Sendable {
    /// Makes a library over the bundled scenarios.
    public init() {}

    /// The folder of shipped scenarios.
    public var directory: URL? {
        Bundle.module.resourceURL?.appendingPathComponent("Scenarios")
    }

    /// The names of the shipped scenarios, sorted.
    public func names() -> [String] {
        guard let directory,
            let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Loads a shipped scenario by name, or a file by path (anything containing `/` or ending in `.json`).
    public func load(_ nameOrPath: String) throws -> Scenario {
        let url: URL
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".json") {
            url = URL(fileURLWithPath: nameOrPath)
        } else if let directory {
            url = directory.appendingPathComponent(nameOrPath + ".json")
        } else {
            throw EmulatorError("the shipped scenarios are missing from the bundle")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw EmulatorError("no scenario \(nameOrPath) (known: \(names().joined(separator: ", ")))")
        }
        do {
            return try JSONDecoder().decode(Scenario.self, from: data)
        } catch {
            throw EmulatorError("scenario \(nameOrPath) is not valid: \(error)")
        }
    }
}
