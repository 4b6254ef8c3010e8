import ArgumentParser
import Foundation
import MisLinkEmulator
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkSettings

/// `mislink emulate`: the PBX and chat-center emulator.
struct Emulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Emulate the PBX and the chat center: fake APIs, scripted scenarios, load.",
        subcommands: [PBXAPI.self, Chat.self, Run.self, List.self, Load.self, Receive.self])
}

/// `--config`: the worker's settings (its JSON file, then the `MISLINK_*` variables) give the defaults.
struct SettingsOptions: ParsableArguments {
    @Option(help: "The worker's JSON config file (defaults to MISLINK_CONFIG). It and the MISLINK_* variables give the defaults below.")
    var config: String?

    /// The emulator's view of the settings; a setting that does not load is a usage error.
    func load() throws -> EmulatorSettings {
        do {
            return try EmulatorSettings.load(file: config)
        } catch let error as SettingsError {
            throw ValidationError(error.description)
        }
    }
}

/// The Mango credentials, defaulting to the settings.
struct MangoCredentialOptions: ParsableArguments {
    @Option(help: "The vpbx_api_key (defaults to mango.api_key / MISLINK_MANGO_API_KEY).") var apiKey: String?
    @Option(help: "The vpbx_api_salt (defaults to mango.api_salt / MISLINK_MANGO_API_SALT).") var apiSalt: String?

    func credentials(_ settings: EmulatorSettings) throws -> MangoCredentials {
        let credentials = MangoCredentials(
            apiKey: apiKey ?? settings.credentials.apiKey, apiSalt: apiSalt ?? settings.credentials.apiSalt)
        if credentials.apiKey.isEmpty || credentials.apiSalt.isEmpty {
            throw ValidationError(
                "give --api-key and --api-salt, set mango.api_key and mango.api_salt in --config, "
                    + "or set MISLINK_MANGO_API_KEY and MISLINK_MANGO_API_SALT")
        }
        return credentials
    }
}

/// Where MisLink listens for webhooks, defaulting to the settings.
struct TargetOptions: ParsableArguments {
    @Option(help: "MisLink's base URL (defaults to http://<listen> from the settings, 0.0.0.0 as 127.0.0.1).")
    var target: String?
    @Option(help: "The Mango notification base path under the target (defaults to mango.webhook_path, /mango).")
    var mangoBasePath: String?
    @Option(help: "The edna Bot Connect webhook path (defaults to <chat.edna.webhook_path>/<chat.edna.webhook_secret>, /edna/webhook/<secret>).")
    var ednaPath: String?
    @Option(help: "The Chatwoot webhook path (defaults to <chat.chatwoot.webhook_path>/<chat.chatwoot.webhook_secret>, /chatwoot/webhook/<secret>).")
    var chatwootPath: String?

    func targets(_ settings: EmulatorSettings) -> WebhookTargets {
        settings.webhookTargets(target: target, mangoBasePath: mangoBasePath, ednaPath: ednaPath, chatwootPath: chatwootPath)
    }
}

extension FakePBXConfiguration.ResultOrder: ExpressibleByArgument {}

extension Emulate {
    struct PBXAPI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pbx-api", abstract: "Serve the fake Mango Office VPBX API (commands, stats, recordings, users).")
        @Option(help: "The address to bind.") var host = "127.0.0.1"
        @Option(help: "The port to listen on.") var port = 8090
        @OptionGroup var settings: SettingsOptions
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
        @Option(help: "Seconds added to epoch fields (defaults to mango.timestamp_offset; 10800 emulates \"UTC+3\" epochs, UNVERIFIED).")
        var timestampOffset: Int?
        @Flag(help: "Leave calls a command answered (click-to-call, transfer, route) talking instead of playing them to their end.")
        var keepCallsConnected = false
        @Option(help: "Code for transfer/route/hangup of an unknown or ended call_id: 4101 (call ended or missing) or 3310 (call not found).")
        var unknownCallResult = 4101

        func run() async throws {
            let settings = try self.settings.load()
            let configuration = FakePBXConfiguration(
                credentials: try credentials.credentials(settings), webhooks: noWebhooks ? nil : targets.targets(settings),
                resultOrder: resultOrder, badRequestWindow: .milliseconds(Int(badRequestWindow * 1000)),
                badRequestHTTPStatus: badRequestStatus, statsDelay: .milliseconds(Int(statsDelay * 1000)),
                serveAnyRecording: !knownRecordingsOnly, unansweredNumbers: Set(unanswered),
                timestampOffset: timestampOffset ?? settings.timestampOffset, callsEndAfterCommands: !keepCallsConnected,
                unknownCallResult: MangoResultCode(unknownCallResult))
            let pbx = FakePBX(configuration: configuration)
            try await RunningServer.serve(router: pbx.router(), host: host, port: port, name: "fake Mango VPBX API")
        }
    }

    struct Chat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the fake edna Chat Center and Chatwoot APIs (recording what MisLink sends: GET /emulator/sent).")
        @Option(help: "The address to bind.") var host = "127.0.0.1"
        @Option(help: "The port to listen on.") var port = 8091
        @OptionGroup var settings: SettingsOptions
        @Option(help: "The edna INTEGRATOR login (defaults to chat.edna.login, else integrator).") var ednaLogin: String?
        @Option(help: "The edna INTEGRATOR password (defaults to chat.edna.password, else secret).") var ednaPassword: String?
        @Option(help: "Seconds an edna token lives.") var ednaTokenLifetime = 600.0
        @Option(help: "The Chatwoot api_access_token (defaults to chat.chatwoot.api_token, else chatwoot-token).")
        var chatwootToken: String?
        @Option(name: .customLong("agent"),
                help: "An operator who may sign in with their own chat credentials, login=password (repeatable; the demo's operator1 and operator2 always may).")
        var agents: [String] = []

        func run() async throws {
            let settings = try self.settings.load()
            var known = FakeChatConfiguration.demoAgents
            for agent in agents {
                guard let equals = agent.firstIndex(of: "="), equals != agent.startIndex else {
                    throw ValidationError("--agent takes login=password, got \"\(agent)\"")
                }
                known[String(agent[..<equals])] = String(agent[agent.index(after: equals)...])
            }
            let chat = FakeChat(configuration: FakeChatConfiguration(
                ednaLogin: ednaLogin ?? settings.ednaLogin ?? "integrator",
                ednaPassword: ednaPassword ?? settings.ednaPassword ?? "secret",
                ednaTokenLifetime: .milliseconds(Int(ednaTokenLifetime * 1000)),
                chatwootToken: chatwootToken ?? settings.chatwootToken ?? "chatwoot-token", agents: known))
            try await RunningServer.serve(router: chat.router(), host: host, port: port, name: "fake edna + Chatwoot API")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the shipped scenarios.")
        @OptionGroup var settings: SettingsOptions

        func run() async throws {
            _ = try settings.load()  // a broken config is reported here too
            let library = ScenarioLibrary()
            for name in library.names() {
                let scenario = try? library.load(name)
                print("\(name)\n    \(scenario?.description ?? "")")
                if let variables = scenario?.variables, !variables.isEmpty {
                    print("    --set " + variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
                }
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Play scenarios (shipped names or JSON files) against a running MisLink.")
        @Argument(help: "Scenario names (see `mislink emulate list`) or paths of JSON files.") var scenarios: [String]
        @OptionGroup var settings: SettingsOptions
        @OptionGroup var credentials: MangoCredentialOptions
        @OptionGroup var targets: TargetOptions
        @Option(help: "The fake chat platforms' base URL (edna and Chatwoot): it gets the edna thread states scenarios set and learns the Chatwoot conversations played.")
        var ednaAdmin: String?
        @Option(help: "The fake PBX API's base URL: it learns the calls played (for transfer/route/hangup) and serves their recordings.")
        var pbxAdmin: String?
        @Option(name: .customLong("set"), help: "Override a scenario variable: name=value (repeatable).") var variables: [String] = []
        @Flag(help: "Send numbers as JSON strings.") var numbersAsStrings = false
        @Flag(help: "Send to.acd_group as \"\".") var emptyAcdGroup = false
        @Flag(help: "Send all steps at once, shuffled (out-of-order delivery).") var parallel = false
        @Option(help: "Fraction of webhooks delivered twice (0…1).") var duplicates = 0.0
        @Option(help: "Milliseconds between steps.") var paceMs = 0
        @Option(help: "Seconds added to epoch fields (defaults to mango.timestamp_offset; 10800 emulates \"UTC+3\" epochs, UNVERIFIED).")
        var timestampOffset: Int?

        func validate() throws {
            guard (0...1).contains(duplicates) else { throw ValidationError("--duplicates is a fraction between 0 and 1") }
            for item in variables where !item.contains("=") { throw ValidationError("--set takes name=value, not \(item)") }
        }

        func run() async throws {
            let settings = try self.settings.load()
            let sender = WebhookSender(
                client: HTTPClient(), credentials: try credentials.credentials(settings), targets: targets.targets(settings))
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
                // A name the scenario does not have would be ignored without a word: refuse it, naming the ones it has.
                let known = Set((scenario.variables ?? [:]).keys).union(["run"])
                if let unknown = overrides.keys.sorted().first(where: { !known.contains($0) }) {
                    throw ValidationError(
                        "\(scenario.name) has no variable \(unknown); its variables: \(known.sorted().joined(separator: ", "))")
                }
                let start = Int(Date().timeIntervalSince1970) + (timestampOffset ?? settings.timestampOffset)
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
            abstract: "Generate realistic calls and chats; print throughput and acknowledgement latency per kind of webhook.",
            discussion: """
                Every webhook is rendered and signed before the clock starts, then sent over --connections keep-alive \
                connections on SwiftNIO event loops. With --rate the load is open-loop: webhook i is due at i/rate \
                seconds whatever the answers, its latency counts from that due time, and the sends that left late \
                are counted. Without --rate it is closed-loop: --events webhooks, each connection sending its next one \
                as soon as the previous is answered (the maximum throughput).

                At the end the run is checked: against `mislink emulate receive` by its count of the run's numbered \
                webhooks (lost, repeated); against MisLink by its check (POST <verify-url>/api/v1/emulator/verify with \
                the API token), which counts the calls and threads that are lost, duplicated or in the wrong state. \
                The command exits non-zero if any is, or if a webhook failed.
                """)
        @OptionGroup var settings: SettingsOptions
        @OptionGroup var credentials: MangoCredentialOptions
        @OptionGroup var targets: TargetOptions
        @Option(help: "Webhooks per second (duplicates' copies included), a fixed arrival rate (open loop). Without it the load is closed-loop.")
        var rate: Double?
        @Option(help: "Seconds to generate (open loop).") var duration = 10.0
        @Option(help: "Webhooks to send without --rate (closed loop; copies included), before the ones that finish the conversations.")
        var events = 200_000
        @Option(help: "Calls and threads in progress at once.") var callsConcurrent = 100
        @Option(help: "Fraction of webhooks delivered twice (0…1).") var duplicates = 0.0
        @Option(help: "Fraction of webhooks swapped with the next one of the same call (0…1).") var reorder = 0.0
        @Option(help: "Fraction of conversations that are chats, Chatwoot or edna (0…1).") var chatShare = 0.2
        @Option(help: "Fraction of the chats that are edna Bot Connect threads rather than Chatwoot conversations (0…1).")
        var ednaShare = 0.5
        @Option(help: "Keep-alive HTTP connections (one request in flight on each).") var connections = 32
        @Option(help: "Event-loop threads of the load tool.") var threads = 1
        @Option(help: "Seconds a webhook may wait for its answer before it counts as failed.") var timeout = 30.0
        @Option(help: "Milliseconds after its due time an open-loop send counts as behind schedule.") var lateMs = 1.0
        @Option(help: "Seconds added to epoch fields (defaults to mango.timestamp_offset; 10800 emulates \"UTC+3\" epochs, UNVERIFIED).")
        var timestampOffset: Int?
        @Option(help: "MisLink's base URL for the final check, its endpoint POST /api/v1/emulator/verify (defaults to the target).")
        var verifyURL: String?
        @Option(help: "The REST API token for the check (defaults to api.tokens / MISLINK_API_TOKEN).") var apiToken: String?
        @Flag(help: "Skip the final check of lost and duplicated objects.") var noVerify = false

        func validate() throws {
            guard rate.map({ $0 > 0 }) ?? true, duration > 0, events > 0, callsConcurrent > 0, connections > 0, threads > 0,
                  timeout > 0, lateMs >= 0
            else {
                throw ValidationError("--rate, --duration, --events, --calls-concurrent, --connections, --threads and --timeout must be positive")
            }
            guard [duplicates, reorder, chatShare, ednaShare].allSatisfy({ (0...1).contains($0) }) else {
                throw ValidationError("--duplicates, --reorder, --chat-share and --edna-share are fractions between 0 and 1")
            }
        }

        func run() async throws {
            let settings = try self.settings.load()
            let targets = self.targets.targets(settings)
            let token = apiToken ?? settings.apiToken
            let client = HTTPClient(configuration: .init(maxConcurrentRequests: 2, timeout: .seconds(120)))
            let generator = LoadGenerator(
                sender: WebhookSender(client: client, credentials: try credentials.credentials(settings), targets: targets),
                options: LoadOptions(rate: rate ?? 1, duration: duration, concurrent: callsConcurrent, duplicates: duplicates,
                                     reorder: reorder, chatShare: chatShare, ednaShare: ednaShare,
                                     timestampOffset: timestampOffset ?? settings.timestampOffset,
                                     closedLoopEvents: rate == nil ? events : nil, connections: connections, threads: threads,
                                     timeout: .milliseconds(Int(timeout * 1000)), lateThreshold: .microseconds(Int(lateMs * 1000))))
            let receiverCheck = ReceiverLoadCheck(baseURL: verifyURL ?? targets.target, client: client)
            let receiverCPU = noVerify ? nil : await receiverCheck.cpuSeconds()
            let report = try await generator.run { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            print(String(format: "sent %d, acknowledged %d, failed %d in %.1f s: %.0f events/s",
                         report.sent, report.acknowledged, report.failed, report.elapsed, report.throughput))
            print(String(format: "webhooks: %d distinct, %d sent twice; rendered and signed in %.1f s before the clock started",
                         report.distinct, report.duplicatesSent, report.preparation))
            print(report.pacingLine)
            print("ack latency\(report.openLoopRate == nil ? "" : " from the due time"): \(report.latencyLine)")
            if let service = report.serviceLatency { print("ack latency from the send: \(LoadReport.latencyLine(service))") }
            for line in report.kindLines { print(line) }
            print(report.cpuLine)
            print(report.objectsLine)
            var exitCode: Int32 = report.failed > 0 ? 1 : 0
            let verifyBase = verifyURL ?? targets.target
            if noVerify {
                print("lost/duplicated: not checked (--no-verify)")
            } else if let check = try? await receiverCheck.check(report) {
                if let before = receiverCPU, let after = check.cpuSeconds {
                    print(String(format: "receiver: %.1f CPU-s in %.1f s (%.2f of a core), %.1f µs per webhook", after - before,
                                 report.elapsed, report.elapsed > 0 ? (after - before) / report.elapsed : 0,
                                 report.sent > 0 ? (after - before) / Double(report.sent) * 1e6 : 0))
                }
                print("checked by the receiver (webhooks, not objects): received \(check.received)")
                print("lost \(check.lost)")
                print("duplicated \(check.duplicated)")
                if check.unexpected > 0 { print("unexpected \(check.unexpected)") }
                if check.badSignature > 0 { print("bad signature \(check.badSignature)") }
                if check.lost > 0 || check.duplicated > 0 || check.unexpected > 0 || check.badSignature > 0 { exitCode = 1 }
            } else if token != nil {
                let result = try await RESTLoadVerifier(baseURL: verifyBase, token: token, client: client).verify(report.expected)
                print("lost \(result.lost)")
                print("duplicated \(result.duplicated)")
                if result.wrongState > 0 { print("wrong state \(result.wrongState)") }
                if result.lost > 0 || result.duplicated > 0 || result.wrongState > 0 { exitCode = 1 }
            } else {
                print("lost/duplicated: not checked (no API token: give --api-token, or set api.tokens / MISLINK_API_TOKEN)")
            }
            if exitCode != 0 { throw ExitCode(exitCode) }
        }
    }
}

extension Emulate {
    struct Receive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A stand-in for MisLink's intake: accept any POST (checking Mango signatures) and answer at once.",
            discussion: """
                For trying scenarios and measuring the emulator itself before the worker exists. Keeps no bodies: it \
                counts the load tool's numbered webhooks, which `mislink emulate load` asks about at the end \
                (GET /emulator/load?run=<run>&events=<n>: received, lost, duplicated).
                """)
        @Option(help: "The address to bind (defaults to the host of listen in the settings).") var host: String?
        @Option(help: "The port to listen on (defaults to the port of listen in the settings, 8080).") var port: Int?
        @Option(help: "Event-loop threads.") var threads = 1
        @OptionGroup var settings: SettingsOptions
        @OptionGroup var credentials: MangoCredentialOptions

        func run() async throws {
            let settings = try self.settings.load()
            let receiver = LoadReceiver(credentials: try credentials.credentials(settings))
            let server = try await receiver.start(
                host: host ?? settings.listenHost, port: port ?? settings.listenPort, threads: max(1, threads))
            FileHandle.standardError.write(Data("webhook receiver listening on \(server.baseURL)\n".utf8))
            try await server.wait()
        }
    }
}
