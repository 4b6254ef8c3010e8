import Foundation
import MisLinkSettings
import MisLinkTestSupport
import Testing

/// A blank API token (empty, spaces, a non-breaking space, an invisible character) never opens the API:
/// the settings refuse it, naming `api.tokens`, and the middleware ignores one that gets past them.
@Suite("API tokens: blank ones refused")
struct APITokenTests {
    private func file(_ json: String) throws -> String {
        let path = "\(ClinicDatabase.directory)/tokens-\(UUID().uuidString.prefix(8)).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [#"[""]"#, #"[" "]"#, #"["\u00a0"]"#, #"["good-token", "\u200b"]"#, #"["\t\n"]"#])
    func blankTokensInTheConfigFileStopTheStart(tokens: String) throws {
        let path = try file(#"{"api": {"tokens": \#(tokens)}}"#)
        do {
            _ = try MisLinkSettings.load(file: path, environment: [:])
            Issue.record("api.tokens \(tokens) was accepted")
        } catch let error as SettingsError {
            #expect(error.description.contains("api.tokens"), "\(error)")
        }
    }

    /// MISLINK_API_TOKEN with a blank element (empty, spaces, a non-breaking or zero-width space) stops the
    /// start too, naming the setting.
    @Test func blankTokensInTheEnvironmentStopTheStart() throws {
        for value in ["good-token,,", "good-token, ,\u{00A0}", "good-token,\u{200B}", ",good-token", " "] {
            do {
                _ = try MisLinkSettings.load(file: nil, environment: ["MISLINK_API_TOKEN": value])
                Issue.record("MISLINK_API_TOKEN=\(value) was accepted")
            } catch let error as SettingsError {
                #expect(error.description.contains("api.tokens"), "\(error)")
            }
        }
        // Real tokens still load, from the environment and from a file.
        #expect(try MisLinkSettings.load(file: nil, environment: ["MISLINK_API_TOKEN": "t-one, t-two"]).api.tokens == ["t-one", "t-two"])
        let settings = try MisLinkSettings.load(file: try file(#"{"api": {"tokens": ["a-real-one"]}}"#), environment: [:])
        #expect(settings.api.tokens == ["a-real-one"])
    }

    /// Settings made in code skip the loader: the middleware itself never matches a blank token.
    @Test func blankTokensNeverMatchARequest() async throws {
        let harness = try await WorkerHarness.start(label: "tokens", configure: {
            $0.api.tokens = ["", " ", "\u{00A0}", "\u{200B}", WorkerHarness.token]
        })
        defer { Task { await harness.stop() } }
        for presented in ["\u{00A0}", "\u{200B}", "\u{00A0}\u{00A0}", "\t"] {
            let response = try await harness.api("/api/v1/status", token: presented)
            #expect(response.status == 401, "Bearer \(presented.unicodeScalars.map { "U+\(String($0.value, radix: 16))" }): \(response.status)")
        }
        #expect(try await harness.api("/api/v1/status").status == 200)
    }
}
