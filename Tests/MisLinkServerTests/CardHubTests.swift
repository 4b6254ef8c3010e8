import Firebird
import Foundation
import Logging
import MisLinkProfiles
import MisLinkTestSupport
import ServiceLifecycle
import Testing

@testable import MisLinkServer

/// The hub's fan-out on its own, over a database that is not there (every read fails, so only pings flow):
/// a subscriber that does not read is ended at its buffer's limit while the others go on, and the hub's
/// graceful shutdown ends every subscription.
@Suite("CardHub: bounded subscribers, shutdown")
struct CardHubTests {
    static func hub() throws -> CardHub {
        let profile = try MISProfile(directory: try MISProfile.resolve("reference"))
        let configuration = FirebirdConfiguration(database: "\(ClinicDatabase.directory)/no-such-\(UUID().uuidString.prefix(8)).fdb")
        var logger = Logger(label: "card-hub-test")
        logger.logLevel = .critical
        var options = CardHub.Options()
        options.rereadSeconds = 0.01
        options.pingSeconds = 0.01
        options.bufferLimit = 3
        return CardHub(pool: FirebirdPool(configuration: configuration), configuration: configuration, profile: profile,
                       directory: MISDirectory(profile: profile), patientURLTemplate: "", options: options, logger: logger)
    }

    @Test func aSubscriberThatDoesNotReadIsEndedAndTheOthersGoOn() async throws {
        let hub = try Self.hub()
        let group = ServiceGroup(configuration: .init(services: [hub], logger: Logger(label: "card-hub-test")))
        let running = Task { try await group.run() }
        let stalled = hub.subscribe(staff: 901)
        let reading = hub.subscribe(staff: nil)
        var pings = 0
        for await message in reading.messages {
            if case .ping = message { pings += 1 }
            if pings == 20 { break }
        }
        #expect(pings == 20)
        // The stalled one got no further than its buffer and was ended; the reader is still subscribed.
        var buffered = 0
        for await _ in stalled.messages { buffered += 1 }
        #expect(buffered == 3)
        #expect(hub.subscriberCount == 1)

        await group.triggerGracefulShutdown()
        var more = 0
        for await _ in reading.messages { more += 1 }  // ends: the shutdown finished it
        #expect(more >= 0)
        try await running.value
        #expect(hub.subscribe(staff: 901).cards.isEmpty)
    }
}
