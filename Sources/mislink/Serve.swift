import ArgumentParser
import Foundation
import Logging
import MisLinkHTTP
import MisLinkOutbound
import MisLinkProfiles
import MisLinkServer
import MisLinkSettings

/// `mislink serve`: the worker.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the worker: PBX and chat webhooks in, messages and commands out, the REST API.",
        discussion: """
            Settings come from the JSON config file (--config, else MISLINK_CONFIG), then MISLINK_* \
            environment variables (e.g. MISLINK_DATABASE, MISLINK_LISTEN, MISLINK_MANGO_API_KEY, \
            MISLINK_MANGO_API_SALT, MISLINK_API_TOKEN, ISC_USER, ISC_PASSWORD). With neither a config \
            file nor MISLINK_DATABASE it runs the embedded demo: var/mislink.fdb under the working \
            directory, created from SQL/clinic-schema.sql with demo data and migrated (with \
            MISLINK_MIS_PROFILE=medbase, var/mislink-medbase.fdb from that profile's schema and demo data), \
            on 127.0.0.1:8080, \
            with the demo credentials (printed at start) for every secret left unset.
            """)

    @Option(help: "The JSON config file (defaults to MISLINK_CONFIG).") var config: String?
    @Option(help: "host:port to listen on (overrides the settings).") var listen: String?
    @Flag(help: "Print the settings (secrets masked) and exit.") var printSettings = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var settings = try MisLinkSettings.load(file: config, environment: environment)
        if let listen { settings.listen = listen }
        let embedded = MisLinkSettings.isEmbeddedDefault(configFile: config, environment: environment)
        if embedded {
            settings = settings.withDemoSecrets()
            // Each MIS profile's demo gets a file of its own (var/mislink-medbase.fdb), so switching
            // MISLINK_MIS_PROFILE never meets a database made for another MIS.
            let profileName = URL(fileURLWithPath: settings.mis.profile).lastPathComponent
            if profileName != MISProfile.defaultName, settings.database.dsn == MisLinkSettings.Database().dsn {
                settings.database.dsn = "var/mislink-\(profileName).fdb"
            }
        }
        if printSettings {
            print(settings.redactedDescription)
            return
        }
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "mislink")
        let final = settings
        // The dispatcher reads the MIS through the same profile the worker checks against the database at start.
        let profile = try Worker(settings: final, logger: logger).loadProfile()
        var worker = Worker(settings: final, logger: logger) { configuration in
            let settings = final
            let client = HTTPClient(configuration: .init(
                maxConcurrentRequests: settings.outbound.concurrency, timeout: .seconds(settings.outbound.timeoutSeconds)))
            return [OutboundDispatcher(
                settings: settings, profile: profile, firebird: configuration, httpClient: client, logger: logger)]
        }
        if embedded {
            let demo = MisLinkSettings.demoSecrets
            logger.notice(
                """
                embedded demo: Mango key \(demo.mangoKey) / salt \(demo.mangoSalt), API token \(demo.apiToken), \
                chat webhooks at /chatwoot/webhook/\(demo.webhookSecret) and /edna/webhook/\(demo.webhookSecret)
                """)
            let patients = Int(environment["MISLINK_DEMO_PATIENTS"] ?? "") ?? 20_000
            try await EmbeddedDefault.prepare(
                worker.databaseConfiguration, patients: patients, profile: final.mis.profile, logger: logger)
            worker.fixUTCOffset = true
        }
        try await worker.run()
    }
}
