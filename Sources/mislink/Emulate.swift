import ArgumentParser
import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP

/// `mislink emulate`: the PBX and chat-center emulator.
struct Emulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Emulate the PBX and the chat center: fake APIs, scripted scenarios, load.",
        subcommands: [PBXAPI.self, Chat.self, Run.self, List.self, Load.self, Receive.self])
}

/// The Mango credentials, defaulting to the worker's environment variables.
struct MangoCredentialOptions: ParsableArguments {
    @Option(help: "The vpbx_api_key (defaults to MISLINK_MANGO_API_KEY).") var apiKey: String?
    @Option(help: "The vpbx_api_salt (defaults to MISLINK_MANGO_API_SALT).") var apiSalt: String?

    var credentials: MangoCredentials {
        let env = ProcessInfo.processInfo.environment
        return MangoCredentials(
            apiKey: apiKey ?? env["MISLINK_MANGO_API_KEY"] ?? "", apiSalt: apiSalt ?? env["MISLINK_MANGO_API_SALT"] ?? "")
    }

    func validate() throws {
        if credentials.apiKey.isEmpty || credentials.apiSalt.isEmpty {
            throw ValidationError("give --api-key and --api-salt, or set MISLINK_MANGO_API_KEY and MISLINK_MANGO_API_SALT")
        }
    }
}

/// Where MisLink listens for webhooks.
struct TargetOptions: ParsableArguments {
    @Option(help: "MisLink's base URL (defaults to MISLINK_LISTEN as http://host:port, else http://127.0.0.1:8080).")
    var target: String?
    @Option(help: "The Mango notification base path under the target.") var mangoBasePath = "/mango"
    @Option(help: "The edna Bot Connect webhook path under the target.") var ednaPath = "/edna/webhook"
    @Option(help: "The Chatwoot webhook path under the target.") var chatwootPath = "/chatwoot/webhook"

    var targets: WebhookTargets {
        let listen = ProcessInfo.processInfo.environment["MISLINK_LISTEN"].map { "http://" + $0 }
        return WebhookTargets(
            target: target ?? listen ?? "http://127.0.0.1:8080", mangoBasePath: mangoBasePath, ednaPath: ednaPath,
            chatwootPath: chatwootPath)
    }
}

extension FakePBXConfiguration.ResultOrder: ExpressibleByArgument {}

extension Emulate {
    struct PBXAPI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pbx-api", abstract: "Serve the fake Mango Office VPBX API (commands, stats, recordings, users).")
        @Option(help: "The address to bind.") var host = "127.0.0.1"
        @Option(help: "The port to listen on.") var port = 8090
        @OptionGroup var credentials: MangoCredentialOptions
        @OptionGroup var targets: TargetOptions
        @Flag(help: "Send no notifications (result/*, events/*).") var noWebhooks = false
        @Option(help: "Order of result/<command> vs the events: result-first, events-first, parallel.")
        var resultOrder: FakePBXConfiguration.ResultOrder = .resultFirst
        @Option(help: "Seconds of the bad-request limit window and of the lockout.") var badRequestWindow = 120.0
        @Option(help: "HTTP status sent with a 3xxx error body (UNVERIFIED on the real PBX).") var badRequestStatus = 200
        @Option(help: "Seconds until a stats/request report is ready.") var statsDelay = 1.0
        @Option(parsing: .upToNextOption, help: "Numbers that never answer a click-to-call.") var unanswered: [String] = []
        @Flag(help: "Serve only recordings the emulator knows (unknown ones get 3320).") var knownRecordingsOnly = false
        @Option(help: "Seconds added to epoch fields (10800 emulates \"UTC+3\" epochs; UNVERIFIED).") var timestampOffset = 0

        func run() async throws {
            let configuration = FakePBXConfiguration(
                credentials: credentials.credentials, webhooks: noWebhooks ? nil : targets.targets,
                resultOrder: resultOrder, badRequestWindow: .milliseconds(Int(badRequestWindow * 1000)),
                badRequestHTTPStatus: badRequestStatus, statsDelay: .milliseconds(Int(statsDelay * 1000)),
                serveAnyRecording: !knownRecordingsOnly, unansweredNumbers: Set(unanswered), timestampOffset: timestampOffset)
            let pbx = FakePBX(configuration: configuration)
            try await RunningServer.serve(router: pbx.router(), host: host, port: port, name: "fake Mango VPBX API")
        }
    }

    struct Chat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the fake edna Chat Center and Chatwoot APIs (recording what MisLink sends: GET /emulator/sent).")
        @Option(help: "The address to bind.") var host = "127.0.0.1"
        @Option(help: "The port to listen on.") var port = 8091
        @Option(help: "The edna INTEGRATOR login.") var ednaLogin = "integrator"
        @Option(help: "The edna INTEGRATOR password.") var ednaPassword = "secret"
        @Option(help: "Seconds an edna token lives.") var ednaTokenLifetime = 600.0
        @Option(help: "The Chatwoot api_access_token.") var chatwootToken = "chatwoot-token"

        func run() async throws {
            let chat = FakeChat(configuration: FakeChatConfiguration(
                ednaLogin: ednaLogin, ednaPassword: ednaPassword,
                ednaTokenLifetime: .milliseconds(Int(ednaTokenLifetime * 1000)), chatwootToken: chatwootToken))
            try await RunningServer.serve(router: chat.router(), host: host, port: port, name: "fake edna + Chatwoot API")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the shipped scenarios.")
        func run() async throws {
            let library = ScenarioLibrary()
            for name in library.names() {
                let description = (try? library.load(name).description) ?? ""
                print("\(name)\n    \(description)")
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Play scenarios (shipped names or JSON files) against a running MisLink.")
        @Argument(help: "Scenario names (see `mislink emulate list`) or paths of JSON files.") var scenarios: [String]
        @OptionGroup var credentials: MangoCredentialOptions
        @OptionGroup var targets: TargetOptions
        @Option(help: "The fake edna API's base URL, for the thread states scenarios set.") var ednaAdmin: String?
        @Option(help: "The fake PBX API's base URL, for the recordings scenarios make downloadable.") var pbxAdmin: String?
        @Option(name: .customLong("set"), help: "Override a scenario variable: name=value (repeatable).") var variables: [String] = []
        @Flag(help: "Send numbers as JSON strings.") var numbersAsStrings = false
        @Flag(help: "Send to.acd_group as \"\".") var emptyAcdGroup = false
        @Flag(help: "Send all steps at once, shuffled (out-of-order delivery).") var parallel = false
        @Option(help: "Fraction of webhooks delivered twice (0…1).") var duplicates = 0.0
        @Option(help: "Milliseconds between steps.") var paceMs = 0
        @Option(help: "Seconds added to epoch fields (10800 emulates \"UTC+3\" epochs; UNVERIFIED).") var timestampOffset = 0

        func validate() throws {
            guard (0...1).contains(duplicates) else { throw ValidationError("--duplicates is a fraction between 0 and 1") }
            for item in variables where !item.contains("=") { throw ValidationError("--set takes name=value, not \(item)") }
        }

        func run() async throws {
            let sender = WebhookSender(client: HTTPClient(), credentials: credentials.credentials, targets: targets.targets)
            let runner = ScenarioRunner(
                sender: sender,
                roughness: Roughness(numbersAsStrings: numbersAsStrings, emptyAcdGroup: emptyAcdGroup, parallel: parallel, duplicates: duplicates),
                ednaAdminURL: ednaAdmin, pbxAdminURL: pbxAdmin, pace: .milliseconds(paceMs))
            let overrides = Dictionary(variables.map { item -> (String, String) in
                let parts = item.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }) { $1 }
            var failed = 0
            for name in scenarios {
                let scenario = try ScenarioLibrary().load(name)
                let start = Int(Date().timeIntervalSince1970) + timestampOffset
                let deliveries = try await runner.run(try scenario.render(variables: overrides, start: start))
                print("\(scenario.name): \(deliveries.count) webhooks")
                for delivery in deliveries {
                    let outcome = delivery.status.map(String.init) ?? "error \(delivery.error ?? "")"
                    let ms = Double(delivery.latencyNanoseconds) / 1_000_000
                    print("  \(delivery.path) → \(outcome) (\(String(format: "%.1f", ms)) ms)\(delivery.isDuplicate ? " duplicate" : "")")
                    if delivery.status.map({ !(200..<300).contains($0) }) ?? true { failed += 1 }
                }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }
}

extension Emulate {
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate realistic calls and chats at a given rate; print throughput and acknowledgement latency.")
        @OptionGroup var credentials: MangoCredentialOptions
        @OptionGroup var targets: TargetOptions
        @Option(help: "Webhooks per second.") var rate = 1000.0
        @Option(help: "Seconds to generate.") var duration = 10.0
        @Option(help: "Calls and threads in progress at once.") var callsConcurrent = 100
        @Option(help: "Fraction of webhooks delivered twice (0…1).") var duplicates = 0.0
        @Option(help: "Fraction of webhooks swapped with the next one of the same call (0…1).") var reorder = 0.0
        @Option(help: "Fraction of conversations that are Chatwoot chats (0…1).") var chatShare = 0.2
        @Option(help: "HTTP connections.") var connections = 32
        @Option(help: "Seconds added to epoch fields (10800 emulates \"UTC+3\" epochs; UNVERIFIED).") var timestampOffset = 0
        @Option(help: "MisLink base URL whose REST API checks lost/duplicated objects (proposed endpoint POST /api/v1/emulator/verify; not in MisLink yet).")
        var verifyURL: String?
        @Option(help: "The REST API token (defaults to MISLINK_API_TOKEN).") var apiToken: String?

        func validate() throws {
            guard rate > 0, duration > 0, callsConcurrent > 0, connections > 0 else {
                throw ValidationError("--rate, --duration, --calls-concurrent and --connections must be positive")
            }
            guard (0...1).contains(duplicates), (0...1).contains(reorder), (0...1).contains(chatShare) else {
                throw ValidationError("--duplicates, --reorder and --chat-share are fractions between 0 and 1")
            }
        }

        func run() async throws {
            let client = HTTPClient(configuration: .init(maxConcurrentRequests: connections, timeout: .seconds(30)))
            let generator = LoadGenerator(
                sender: WebhookSender(client: client, credentials: credentials.credentials, targets: targets.targets),
                options: LoadOptions(rate: rate, duration: duration, concurrent: callsConcurrent, duplicates: duplicates,
                                     reorder: reorder, chatShare: chatShare, timestampOffset: timestampOffset))
            let report = try await generator.run { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            print(String(format: "sent %d, acknowledged %d, failed %d in %.1f s: %.0f events/s",
                         report.sent, report.acknowledged, report.failed, report.elapsed, report.throughput))
            print("ack latency: \(report.latencyLine)")
            print("objects: \(report.expected.count) (\(report.expected.filter { $0.kind == "call" }.count) calls)")
            var exitCode: Int32 = report.failed > 0 ? 1 : 0
            if let verifyURL {
                let token = apiToken ?? ProcessInfo.processInfo.environment["MISLINK_API_TOKEN"]
                let result = try await RESTLoadVerifier(baseURL: verifyURL, token: token, client: client).verify(report.expected)
                print("lost \(result.lost)")
                print("duplicated \(result.duplicated)")
                if result.wrongState > 0 { print("wrong state \(result.wrongState)") }
                if result.lost > 0 || result.duplicated > 0 || result.wrongState > 0 { exitCode = 1 }
            } else {
                print("lost/duplicated: not checked (give --verify-url once MisLink's REST API has the check)")
            }
            if exitCode != 0 { throw ExitCode(exitCode) }
        }
    }
}

extension Emulate {
    struct Receive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A stand-in for MisLink's intake: accept any POST (checking Mango signatures) and answer at once.",
            discussion: "For trying scenarios and measuring the emulator itself before the worker exists. Keeps everything in memory.")
        @Option(help: "The address to bind.") var host = "127.0.0.1"
        @Option(help: "The port to listen on.") var port = 8080
        @OptionGroup var credentials: MangoCredentialOptions

        func run() async throws {
            let recorder = WebhookRecorder(credentials: credentials.credentials)
            try await RunningServer.serve(router: recorder.router(), host: host, port: port, name: "webhook recorder")
        }
    }
}
