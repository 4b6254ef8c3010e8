import Foundation
import Glibc
import MisLinkHTTP
import MisLinkSettings
import Testing

/// A plain TCP connection to the worker, for clients no HTTP library would imitate: one that sends a
/// byte at a time, or nothing at all.
final class RawConnection {
    private let fd: Int32
    private(set) var received = ""

    init(host: String, port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, result == 0 else { throw SettingsError("cannot connect to \(host):\(port): errno \(errno)") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(fd) }

    /// Sends bytes; false once the worker has closed the connection.
    @discardableResult
    func write(_ text: String) -> Bool {
        let sent = Array(text.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return sent >= 0 || errno == EAGAIN
    }

    /// Reads what has arrived; true once the worker has closed the connection (EOF or reset).
    func isClosed() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                received += String(decoding: buffer[0..<count], as: UTF8.self)
                continue
            }
            if count == 0 { return true }
            return !(errno == EAGAIN || errno == EWOULDBLOCK)
        }
    }

    /// Waits until the worker closes the connection, for at most `limit` seconds, doing `tick` every
    /// half second meanwhile; returns the seconds it took, nil if it stayed open.
    func secondsUntilClosed(within limit: Double, tick: () -> Void = {}) async throws -> Double? {
        let start = ContinuousClock.now
        var lastTick = start
        while ContinuousClock.now - start < .milliseconds(Int(limit * 1000)) {
            if isClosed() {
                let elapsed = ContinuousClock.now - start
                return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            }
            if ContinuousClock.now - lastTick >= .milliseconds(500) {
                tick()
                lastTick = .now
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}

/// The public listener against slow and numerous clients (`http.*` settings): slow senders and silent
/// connections are closed within the read timeout while normal requests are answered; connections past
/// the cap are answered 503 and closed, and the worker answers again once they go away.
@Suite("The listener's timeouts and connection cap", .serialized)
struct ListenerLimitsTests {
    static func health(_ harness: WorkerHarness) async throws -> Int {
        try await harness.client.execute(.get("\(harness.worker.baseURL)/health")).status
    }

    @Test func slowAndSilentClientsAreClosedWithinTheReadTimeout() async throws {
        let harness = try await WorkerHarness.start(label: "listener-slow", configure: {
            $0.http.readTimeoutSeconds = 2
            $0.http.idleTimeoutSeconds = 4
        })
        defer { Task { await harness.stop() } }
        let host = harness.worker.host, port = harness.worker.port

        // Headers one byte every half second: closed after about 2 s, though bytes keep coming.
        let slowHead = try RawConnection(host: host, port: port)
        slowHead.write("POST /chatwoot/webhook/\(WorkerHarness.secret) HTTP/1.1\r\nHost: x\r\n")
        var trickle = "X-Slow: " + String(repeating: "a", count: 200)
        let headClosed = try await slowHead.secondsUntilClosed(within: 8) {
            if !trickle.isEmpty { slowHead.write(String(trickle.removeFirst())) }
        }
        #expect(headClosed.map { $0 >= 1.5 && $0 <= 4 } == true, "closed after \(headClosed.map { "\($0) s" } ?? "never")")

        // A whole head, then the body one byte every half second.
        let slowBody = try RawConnection(host: host, port: port)
        slowBody.write("POST /chatwoot/webhook/\(WorkerHarness.secret) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n")
        var body = "{\"event\":\"x\"" + String(repeating: " ", count: 187) + "}"
        var answeredMeanwhile: [Int] = []
        let bodyClosed = try await slowBody.secondsUntilClosed(within: 8) {
            if !body.isEmpty { slowBody.write(String(body.removeFirst())) }
        }
        answeredMeanwhile.append(try await Self.health(harness))
        #expect(bodyClosed.map { $0 >= 1.5 && $0 <= 4 } == true, "closed after \(bodyClosed.map { "\($0) s" } ?? "never")")

        // Opened and silent: closed as well; a normal request meanwhile is answered.
        let silent = try RawConnection(host: host, port: port)
        answeredMeanwhile.append(try await Self.health(harness))
        let closed = try await silent.secondsUntilClosed(within: 8)
        #expect(closed.map { $0 >= 1.5 && $0 <= 4 } == true, "closed after \(closed.map { "\($0) s" } ?? "never")")
        #expect(answeredMeanwhile == [200, 200])

        // A request sent whole in one go is answered, and the connection stays for the next one until idle.
        let normal = try RawConnection(host: host, port: port)
        normal.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        let idleClosed = try await normal.secondsUntilClosed(within: 8)
        #expect(normal.received.hasPrefix("HTTP/1.1 200"), "\(normal.received.prefix(80))")
        #expect(idleClosed.map { $0 >= 3 } == true, "kept-alive connection closed after \(idleClosed.map { "\($0) s" } ?? "never")")
    }

    @Test func headersLargerThanTheLimitAreRefused() async throws {
        let harness = try await WorkerHarness.start(label: "listener-head", configure: { $0.http.maxHeaderBytes = 4096 })
        defer { Task { await harness.stop() } }
        let big = try RawConnection(host: harness.worker.host, port: harness.worker.port)
        big.write("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 8192))\r\n\r\n")
        let closed = try await big.secondsUntilClosed(within: 5)
        #expect(closed != nil)
        #expect(big.received.hasPrefix("HTTP/1.1 400"), "\(big.received.prefix(80))")
        #expect(try await Self.health(harness) == 200)
    }

    @Test func connectionsPastTheCapAreRefusedUntilOthersGoAway() async throws {
        let harness = try await WorkerHarness.start(label: "listener-cap", configure: {
            $0.http.maxConnections = 4
            $0.http.readTimeoutSeconds = 60
        })
        defer { Task { await harness.stop() } }
        let host = harness.worker.host, port = harness.worker.port
        var held = try (0..<4).map { _ in try RawConnection(host: host, port: port) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(held.allSatisfy { !$0.isClosed() })

        // The fifth and sixth: answered 503 and closed at once.
        for _ in 0..<2 {
            let extra = try RawConnection(host: host, port: port)
            extra.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            let closed = try await extra.secondsUntilClosed(within: 3)
            #expect(closed != nil && extra.received.hasPrefix("HTTP/1.1 503"), "\(extra.received.prefix(80))")
        }
        #expect(held.allSatisfy { !$0.isClosed() })
        #expect(try await Self.health(harness) == 503)

        // Once they go away, the worker answers again.
        held.removeAll()
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await Self.health(harness) == 200)
        let again = try RawConnection(host: host, port: port)
        again.write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        _ = try await again.secondsUntilClosed(within: 3)
        #expect(again.received.hasPrefix("HTTP/1.1 200"), "\(again.received.prefix(80))")
    }

    @Test func settingsRefuseLimitsThatSwitchThemselvesOff() throws {
        #expect(MisLinkSettings().http == MisLinkSettings.HTTP(idleTimeoutSeconds: 60, readTimeoutSeconds: 30, maxConnections: 1024,
                                                                maxHeaderBytes: 16 * 1024))
        let loaded = try MisLinkSettings.load(environment: ["MISLINK_HTTP_READ_TIMEOUT_SECONDS": "5", "MISLINK_HTTP_MAX_CONNECTIONS": "64"])
        #expect(loaded.http.readTimeoutSeconds == 5 && loaded.http.maxConnections == 64)
        for (name, value) in [("MISLINK_HTTP_READ_TIMEOUT_SECONDS", "0"), ("MISLINK_HTTP_IDLE_TIMEOUT_SECONDS", "-1"),
                              ("MISLINK_HTTP_MAX_CONNECTIONS", "0"), ("MISLINK_HTTP_MAX_HEADER_BYTES", "10")] {
            #expect(throws: SettingsError.self, "\(name)=\(value)") { try MisLinkSettings.load(environment: [name: value]) }
        }
    }
}
