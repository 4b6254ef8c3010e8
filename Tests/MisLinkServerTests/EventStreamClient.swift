import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A server-sent events client for the tests, on a plain socket (the HTTP client collects whole bodies):
/// sends one GET, reads the status, then decodes the chunked body into events as they arrive.
final class EventStreamClient: @unchecked Sendable {
    /// One event: its `event:` name and its `data:` (lines joined), or the answer's status when it is not 200.
    struct Event: Sendable {
        var name: String
        var data: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:] }
    }

    /// The status line's code (0 until it is read).
    var status: Int { lock.withLock { statusCode } }
    private var statusCode = 0
    /// The status line was read, or the connection ended without one.
    private var statusRead = false
    private let lock = NSLock()
    private var received: [Event] = []
    private var finished = false
    /// Where ``next(_:within:matching:)`` goes on from.
    private var cursor = 0
    private let socket: Int32

    /// Connects to `127.0.0.1:port` and asks for `path` with `headers`.
    init(port: Int, path: String, headers: [(String, String)] = []) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw POSIXError(.ECONNREFUSED)
        }
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    /// Waits (up to `seconds`) for the status line and returns the status. It sleeps between looks rather
    /// than blocking: a blocked thread of the cooperative pool (two on this machine) can starve the worker
    /// the tests run in the same process, which then cannot answer (a 10 s wait saw no status once).
    func waitForStatus(seconds: Double = 10) async -> Int {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let code = lock.withLock({ statusRead ? statusCode : nil }) { return code }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return status
    }

    /// Closes the connection (the server sees the client go away).
    func disconnect() {
        shutdown(socket, Int32(SHUT_RDWR))
    }

    /// Whether the server ended the stream (or the connection closed).
    var isFinished: Bool { lock.withLock { finished } }

    /// Every event received so far.
    var all: [Event] { lock.withLock { received } }

    /// The next event after the last one returned that is named `name` and satisfies `matching`, waiting
    /// up to `seconds`; nil when none came. Events skipped over stay in ``all``.
    func next(_ name: String, within seconds: Double = 10, matching: (Event) -> Bool = { _ in true }) async -> Event? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let found = lock.withLock { () -> Event? in
                while cursor < received.count {
                    let event = received[cursor]
                    cursor += 1
                    if event.name == name && matching(event) { return event }
                }
                return nil
            }
            if let found { return found }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// Waits up to `seconds` for the server to end the stream; whether it did.
    func waitForEnd(seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if isFinished { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return isFinished
    }

    // MARK: - Reading

    private var buffer: [UInt8] = []

    private func readLoop() {
        defer {
            lock.withLock {
                finished = true
                statusRead = true
            }
            close(socket)
        }
        guard let head = readUntil([13, 10, 13, 10]) else { return }
        let text = String(decoding: head, as: UTF8.self)
        let code = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        lock.withLock {
            statusCode = code
            statusRead = true
        }
        let chunked = text.lowercased().contains("transfer-encoding: chunked")
        var body: [UInt8] = []
        while true {
            if chunked {
                guard let sizeLine = readUntil([13, 10]), let size = Int(String(decoding: sizeLine, as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) else { return }
                if size == 0 { return }
                guard let chunk = read(count: size + 2) else { return }
                body += chunk.prefix(size)
            } else {
                guard let some = readSome() else { return }
                body += some
            }
            while let end = Self.find([10, 10], in: body) {
                emit(String(decoding: body[..<end], as: UTF8.self))
                body.removeFirst(end + 2)
            }
        }
    }

    private func emit(_ block: String) {
        var name = "message"
        var data: [String] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("event:") { name = line.dropFirst(6).trimmingCharacters(in: .whitespaces) }
            if line.hasPrefix("data:") { data.append(String(line.dropFirst(5).drop { $0 == " " })) }
            if line.hasPrefix("retry:") { name = "retry"; data.append(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) }
        }
        let event = Event(name: name, data: data.joined(separator: "\n"))
        lock.withLock { received.append(event) }
    }

    private func readSome() -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count = recv(socket, &chunk, chunk.count, 0)
        return count > 0 ? Array(chunk.prefix(count)) : nil
    }

    private func readUntil(_ marker: [UInt8]) -> [UInt8]? {
        while true {
            if let end = Self.find(marker, in: buffer) {
                let found = Array(buffer[..<end])
                buffer.removeFirst(end + marker.count)
                return found
            }
            guard let some = readSome() else { return nil }
            buffer += some
        }
    }

    private func read(count: Int) -> [UInt8]? {
        while buffer.count < count {
            guard let some = readSome() else { return nil }
            buffer += some
        }
        let found = Array(buffer.prefix(count))
        buffer.removeFirst(count)
        return found
    }

    private static func find(_ marker: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where Array(bytes[start..<start + marker.count]) == marker { return start }
        return nil
    }
}
