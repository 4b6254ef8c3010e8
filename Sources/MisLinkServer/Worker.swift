import Firebird
import Foundation
import Hummingbird
import Logging
import Metrics
import MisLinkHTTP
import MisLinkIntake
import MisLinkProfiles
import MisLinkSettings
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

/// MisLink's main job, `mislink serve`: webhooks in, the REST API, health and metrics, over one MIS
/// database.
///
/// Services, started in this order and stopped in the reverse one on SIGTERM: the connection pool
/// for API reads, the intake (inbox, group commit, spool), any extra services (the outbound
/// dispatcher), and the HTTP server. So on shutdown the server first stops taking requests and
/// finishes those in flight, then the intake writes everything it acknowledged, then the pool closes.
public struct Worker: Sendable {
    /// The settings it runs with.
    public let settings: MisLinkSettings
    /// The logger (secrets are never logged; phone numbers are masked).
    public let logger: Logger
    /// Set `db.utc_offset_minutes` to this machine's offset at start instead of only warning (the
    /// embedded demo database, which MisLink created itself).
    public var fixUTCOffset = false
    /// Services to run beside the intake and the server (e.g. the outbound dispatcher).
    public var extraServices: @Sendable (FirebirdConfiguration) -> [any Service]

    /// Makes a worker.
    public init(settings: MisLinkSettings, logger: Logger = Logger(label: "mislink"),
                extraServices: @escaping @Sendable (FirebirdConfiguration) -> [any Service] = { _ in [] }) {
        self.settings = settings
        self.logger = logger
        self.extraServices = extraServices
    }

    /// The database configuration from the settings.
    public var databaseConfiguration: FirebirdConfiguration {
        var configuration = FirebirdConfiguration(
            database: settings.database.dsn, user: settings.database.user, password: settings.database.password,
            role: settings.database.role)
        if configuration.dsn.isEmbedded, !configuration.database.hasPrefix("/") {
            configuration.database = FileManager.default.currentDirectoryPath + "/" + configuration.database
        }
        return configuration
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    public func run() async throws {
        let (group, _) = try await makeServiceGroup(signals: [.sigterm, .sigint], onBound: { _ in })
        try await group.run()
    }

    /// Starts in the background and returns once the server listens (for tests and the benchmark).
    public func start() async throws -> RunningWorker {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let (group, intake) = try await makeServiceGroup(signals: [], onBound: { port in
            continuation.yield(port)
            continuation.finish()
        })
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw WorkerError("the worker stopped before it was listening")
        }
        let host = try settings.listenAddress.host
        return RunningWorker(host: host == "0.0.0.0" ? "127.0.0.1" : host, port: port, group: group, task: task, intake: intake)
    }

    private func makeServiceGroup(signals: [UnixSignal], onBound: @escaping @Sendable (Int) -> Void) async throws
        -> (ServiceGroup, IntakePipeline)
    {
        let registry = MetricsBootstrap.registry
        let configuration = databaseConfiguration
        try await StartupChecks(configuration: configuration, settings: settings, logger: logger, fixUTCOffset: fixUTCOffset).run()
        // Every statement MisLink runs against MIS tables comes from the MIS profile; one that does not fit
        // the database stops the start here, naming it, rather than failing on the first call or webhook.
        let profile = try loadProfile()
        try await checkProfile(profile, configuration: configuration)
        let pool = FirebirdPool(configuration: configuration, options: .init(maxConnections: max(1, settings.database.poolSize)))
        let directory = OperatorDirectory(agents: settings.chat.agentLogins)
        let intake = IntakePipeline(settings: settings.intake, timestampOffset: settings.mango.timestampOffset,
                                    configuration: configuration, profile: profile,
                                    appliers: [CallLogApplier(), ChatThreadApplier(capacity: settings.chat.capacity)],
                                    directory: directory, logger: logger)
        let router = Router(context: WorkerRequestContext.self)
        // Metrics: first, so that it wraps every route (RequestMetricsMiddleware); the APIs' calls are named by base URL.
        router.add(middleware: RequestMetricsMiddleware(metrics: .shared))
        ExternalAPIMetrics.shared.name(settings)
        WebhookMetrics.prepare()
        router.add(middleware: APILanguageMiddleware(fallback: APILanguage(rawValue: settings.console.language) ?? .russian))
        // Outside the error middleware, so that refusals carry the CORS headers the embedded card needs.
        router.add(middleware: ConsoleCORSMiddleware(origins: Set(settings.console.embedOrigins)))
        router.add(middleware: JSONErrorMiddleware())
        WebhookRoutes(settings: settings, intake: intake, logger: logger).add(to: router)
        // The console's live cards: its own attachment listens for MISLINK_CARD (every worker's cards).
        let cards = CardHub(pool: pool, configuration: configuration, profile: profile, directory: MISDirectory(profile: profile),
                            patientURLTemplate: settings.console.patientURLTemplate, logger: logger)
        let queueGauges = QueueGauges(pool: pool, logger: logger)
        HealthRoutes(pool: pool, intake: intake, registry: registry,
                     metrics: WorkerMetrics(pool: pool, intake: intake, cards: cards, queues: queueGauges)).add(to: router)
        APIRoutes(settings: settings, pool: pool, intake: intake, profile: profile, hub: cards).add(to: router)
        ConsoleRoutes().add(to: router)
        let (host, port) = try settings.listenAddress
        // The public listener's limits (slowloris, connection floods): http.* settings.
        let limits = ListenerLimits(settings: settings.http, logger: logger)
        let app = Application(
            router: router,
            server: limits.server,
            configuration: .init(address: .hostname(host, port: port), serverName: "MisLink"),
            onServerRunning: { channel in onBound(channel.localAddress?.port ?? port) },
            logger: logger)
        let sweeper = CallSweeper(pool: pool, settings: settings.telephony, logger: logger)
        let recordings = RecordingFetcher(
            pool: pool, mango: settings.mango, settings: settings.recordings,
            client: HTTPClient(configuration: .init(maxConcurrentRequests: 2, timeout: .seconds(120), pinTLS12: true)), logger: logger)
        let reconciliation = PeriodicReconciliation(
            reconciler: Reconciler(configuration: configuration, mango: settings.mango,
                                   client: HTTPClient(configuration: .init(timeout: .seconds(60), pinTLS12: true)), logger: logger,
                                   profile: profile),
            settings: settings.telephony, logger: logger)
        let users = PBXDirectoryRefresher(
            directory: directory, mango: settings.mango, minutes: settings.telephony.directoryMinutes,
            client: HTTPClient(configuration: .init(timeout: .seconds(30), pinTLS12: true)), logger: logger)
        let ednaThreads = EdnaThreadPoller(
            pool: pool, intake: intake, settings: settings.chat.edna,
            client: HTTPClient(configuration: .init(timeout: .seconds(30))), logger: logger)
        let services: [any Service] = [pool, intake, cards, sweeper, recordings, reconciliation, users, ednaThreads, queueGauges]
            + [ReportDaysRefresher(pool: pool, profile: profile, clinicZone: try? settings.timeZone, logger: logger)]
            + extraServices(configuration) + [app]
        logger.notice("MisLink worker \(settings.workerName) on \(settings.listen), database \(configuration.dsn)")
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: signals, logger: logger))
        return (group, intake)
    }
}

/// A worker running in the background.
public final class RunningWorker: Sendable {
    /// The bound host.
    public let host: String
    /// The bound port.
    public let port: Int
    /// The intake, for its status.
    public let intake: IntakePipeline
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(host: String, port: Int, group: ServiceGroup, task: Task<Void, any Error>, intake: IntakePipeline) {
        self.host = host
        self.port = port
        self.group = group
        self.task = task
        self.intake = intake
    }

    /// `http://host:port`.
    public var baseURL: String { "http://\(host):\(port)" }

    /// Shuts down gracefully (in-flight requests finish, acknowledged events are written) and waits.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// swift-metrics goes to one Prometheus registry per process.
enum MetricsBootstrap {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
