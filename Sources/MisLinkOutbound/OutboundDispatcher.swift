import Firebird
import Logging
import MisLinkExternalAPIs
import MisLinkHTTP
import MisLinkProfiles
import MisLinkSettings
import MisLinkStore
import ServiceLifecycle
import Foundation

/// Sends what MIS screens and triggers queue: `MISLINK_OUTBOX` messages (Chatwoot, edna, Mango SMS)
/// and `MISLINK_COMMANDS` PBX commands (click-to-call, transfer, hang-up, recording), each exactly
/// once however many workers run against the database, and writes the result back.
///
/// ```swift
/// let profile = try MISProfile(directory: try MISProfile.resolve(settings.mis.profile))
/// let dispatcher = OutboundDispatcher(
///     settings: settings, profile: profile, firebird: firebird, httpClient: HTTPClient(), logger: logger)
/// try await ServiceGroup(services: [dispatcher], logger: logger).run()
/// ```
///
/// - Wake-up: ``run()`` listens to the events `MISLINK_OUTBOX` and `MISLINK_COMMAND` and drains at
///   once; a sweep every `outbound.sweep_seconds` (and a timer for the next retry or reminder due)
///   catches whatever an event could not announce (the worker was down, the listener reconnecting).
/// - Claims: rows are claimed one by one in short NO WAIT transactions (see MisLinkStore's ``Leases`` for why
///   this is safe without `SKIP LOCKED`); a claim whose lease ran out is taken over. Right before each
///   send the claim is renewed, and a row whose claim was lost meanwhile is not sent (see ``Leases``).
///   `worker_name` is fitted to `CLAIMED_BY` (see ``ClaimName``).
/// - Retries: HTTP 5xx, 429, timeouts and connection failures go back to `pending` with an
///   exponential, jittered, capped backoff until `outbound.max_attempts`; other errors, and Mango's
///   3102/3105 above all, fail at once. A row or command claimed more than `outbound.max_attempts`
///   times (its worker died, or its result could not be written) is failed without another send.
/// - Logs carry row ids, kinds, providers and masked phone numbers, never texts, tokens or keys.
public final class OutboundDispatcher: Service, Sendable {
    /// Finer knobs than the settings file has; every field has a default.
    public struct Tuning: Sendable {
        /// Candidate rows read per round. Defaults to 100.
        public var batchSize: Int
        /// The first retry delay of an outbox row, before jitter. Defaults to 5 seconds.
        public var retryBaseDelay: Duration
        /// The longest retry delay. Defaults to 15 minutes.
        public var retryMaxDelay: Duration
        /// Attempts of a PBX command within its claim (commands are interactive: they are retried
        /// for seconds, not hours). Defaults to 3.
        public var commandAttempts: Int
        /// The first delay between command attempts. Defaults to 1 second.
        public var commandRetryDelay: Duration
        /// A `new` command older than this is failed, not sent (a click-to-call minutes late rings
        /// an operator who has moved on). Defaults to 10 minutes.
        public var commandMaxAge: Duration
        /// How long every Mango request stops after a 3102, 3105 or 401 (the bad-request lockout
        /// window). Defaults to 120 seconds.
        public var mangoPause: Duration
        /// The first delay before the event listener reattaches after losing its connection. Defaults to 1 second.
        public var listenerRetryDelay: Duration

        /// Makes tuning; see each field for its default.
        public init(
            batchSize: Int = 100, retryBaseDelay: Duration = .seconds(5), retryMaxDelay: Duration = .seconds(900),
            commandAttempts: Int = 3, commandRetryDelay: Duration = .seconds(1), commandMaxAge: Duration = .seconds(600),
            mangoPause: Duration = .seconds(120), listenerRetryDelay: Duration = .seconds(1)
        ) {
            self.batchSize = max(1, batchSize)
            self.retryBaseDelay = retryBaseDelay
            self.retryMaxDelay = retryMaxDelay
            self.commandAttempts = max(1, commandAttempts)
            self.commandRetryDelay = commandRetryDelay
            self.commandMaxAge = commandMaxAge
            self.mangoPause = mangoPause
            self.listenerRetryDelay = listenerRetryDelay
        }
    }

    let settings: MisLinkSettings
    let firebird: FirebirdConfiguration
    let tuning: Tuning
    let logger: Logger
    let database: DispatcherDatabase
    let outbox: OutboxStore
    let commands: CommandStore
    /// Claims rows and commands, and renews a claim right before its send.
    let leases: Leases
    let preparation: MessagePreparation
    let mango: MangoSender
    let chat: ChatSender
    /// Templates to patients without a thread (`chat.first_contact`).
    let firstContact: FirstContactSender
    let retry: RetryPolicy
    let metrics = OutboundMetrics()
    let wakeup = Wakeup()
    let limiter = RateLimiter()
    /// The clinic's zone, in which mailings' send windows are read.
    let clinicZone: TimeZone

    /// Makes a dispatcher; nothing is attached until it runs or drains.
    /// - Parameters:
    ///   - settings: `outbound.*`, `mango.*`, `chat.*` and `worker_name` (the name written to `CLAIMED_BY`,
    ///     fitted to its 63 characters by ``ClaimName``).
    ///   - profile: The MIS profile: every read of the MIS's tables (employees' extensions and names,
    ///     patients' names, services, visits, mailings' recipients) runs its named statements.
    ///   - firebird: The database (every worker attaches to the same one).
    ///   - httpClient: The client for the chat platforms.
    ///   - logger: Where the dispatcher logs.
    ///   - pbxClient: The client for Mango. Defaults to a new one pinned to TLS 1.2 (Mango refuses 1.0,
    ///     1.1 and 1.3) with `outbound.concurrency` connections.
    ///   - tuning: Defaults to ``Tuning/init(batchSize:retryBaseDelay:retryMaxDelay:commandAttempts:commandRetryDelay:commandMaxAge:mangoPause:listenerRetryDelay:)``'s defaults.
    public init(
        settings: MisLinkSettings, profile: MISProfile, firebird: FirebirdConfiguration, httpClient: HTTPClient, logger: Logger,
        pbxClient: HTTPClient? = nil, tuning: Tuning = Tuning()
    ) {
        let outbound = settings.outbound
        let lease = Duration.seconds(max(outbound.claimSeconds, 1))
        let timeout = Duration.milliseconds(Int64(max(outbound.timeoutSeconds, 0.1) * 1000))
        self.settings = settings
        self.clinicZone = (try? settings.timeZone) ?? DatabaseClock.utc
        self.firebird = firebird
        self.tuning = tuning
        self.logger = logger
        self.database = DispatcherDatabase(configuration: firebird)
        let leases = Leases(database: database, worker: settings.workerName, duration: lease)
        self.leases = leases
        self.outbox = OutboxStore(database: database, leases: leases)
        let mis = MISReads(profile: profile)
        self.commands = CommandStore(database: database, leases: leases, mis: mis)
        self.preparation = MessagePreparation(platform: settings.chat.platform, mis: mis, firstContact: settings.chat.firstContact)
        self.retry = RetryPolicy(
            maxAttempts: outbound.maxAttempts, baseDelay: tuning.retryBaseDelay, maxDelay: tuning.retryMaxDelay)
        let pbx = pbxClient ?? HTTPClient(configuration: .init(
            maxConcurrentRequests: max(1, outbound.concurrency), timeout: timeout, pinTLS12: true))
        self.mango = MangoSender(
            client: pbx, credentials: MangoCredentials(apiKey: settings.mango.apiKey, apiSalt: settings.mango.apiSalt),
            baseURL: settings.mango.baseURL, timeout: timeout, pause: tuning.mangoPause)
        self.chat = ChatSender(
            client: httpClient, chatwoot: settings.chat.chatwoot,
            edna: EdnaSession(settings: settings.chat.edna, client: httpClient, timeout: timeout), timeout: timeout)
        self.firstContact = FirstContactSender(
            client: httpClient, chatwoot: settings.chat.chatwoot, settings: settings.chat.firstContact, timeout: timeout)
    }

    /// Claims and sends everything due now (new commands, due outbox rows, expired leases), at most
    /// `outbound.concurrency` at a time, and returns when every claimed row has its result written.
    /// Safe to call from several dispatchers (or processes) at once: each row goes to one of them.
    /// - Returns: how many rows this call claimed (sent, failed, cancelled or rescheduled).
    public func drainOnce() async throws -> Int {
        let limit = max(1, settings.outbound.concurrency)
        var claimed = 0
        var failure: (any Error)?
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            // On shutdown no new row is claimed; the ones in flight finish below.
            while !Task.isCancelled && !wakeup.isFinished {
                var round = 0
                do {
                    // Shuffled, so that workers listing the same candidates mostly try different rows first.
                    for id in try await commands.dueIDs(limit: tuning.batchSize).shuffled() where !wakeup.isFinished {
                        guard let command = try await commands.claim(id) else { metrics.claimConflict(); continue }
                        round += 1
                        if inFlight >= limit { await group.next(); inFlight -= 1 }
                        group.addTask { await self.process(command) }
                        inFlight += 1
                    }
                    for id in try await outbox.dueIDs(limit: tuning.batchSize).shuffled() where !wakeup.isFinished {
                        guard let row = try await outbox.claim(id) else { metrics.claimConflict(); continue }
                        round += 1
                        if inFlight >= limit { await group.next(); inFlight -= 1 }
                        group.addTask { await self.process(row) }
                        inFlight += 1
                    }
                } catch {
                    failure = error
                }
                claimed += round
                if round == 0 || failure != nil { break }
            }
            await group.waitForAll()
        }
        if let failure { throw failure }
        return claimed
    }
}
