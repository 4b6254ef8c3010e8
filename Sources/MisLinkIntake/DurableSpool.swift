import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An append-only local journal of events taken while the database is unavailable.
///
/// Events are appended to the newest segment file (`segment-<n>.spool` in the spool directory) and
/// `fsync`ed before ``append(_:)`` returns, so an event acknowledged after it is never lost, even on
/// `kill -9` or power loss. Each record is `length (4 bytes LE) · checksum (4 bytes) · JSON`; a torn
/// record at the end of a segment (a crash during the write, never acknowledged) is ignored on reading.
///
/// Replay reads the oldest segment, applies its events, and deletes the file only after they are
/// committed; a crash during replay replays the segment again, which the inbox's delivery keys make
/// harmless.
///
/// Not thread-safe: the intake pipeline's single loop owns it.
final class DurableSpool: @unchecked Sendable {
    let directory: URL
    private var current: (number: Int, descriptor: Int32)?

    /// Opens (creating it if needed) the spool directory.
    init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        if let current { close(current.descriptor) }
    }

    /// The segment numbers on disk, oldest first.
    func segments() throws -> [Int] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).compactMap { name in
            guard name.hasPrefix("segment-"), name.hasSuffix(".spool") else { return nil }
            return Int(name.dropFirst("segment-".count).dropLast(".spool".count))
        }.sorted()
    }

    /// Whether anything waits to be replayed.
    var isEmpty: Bool { (try? segments().isEmpty) ?? true }

    /// Events waiting in the spool (counted by reading the segments).
    func backlog() -> Int {
        ((try? segments()) ?? []).reduce(0) { $0 + ((try? read(segment: $1).count) ?? 0) }
    }

    /// Appends events and `fsync`s the segment before returning.
    func append(_ events: [InboundEvent]) throws {
        let descriptor = try currentDescriptor()
        var bytes = [UInt8]()
        for event in events {
            let json = try JSONEncoder().encode(SpoolRecord(event))
            var length = UInt32(json.count).littleEndian
            withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: Self.checksum(json))
            bytes.append(contentsOf: json)
        }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SpoolError("cannot write to the spool in \(directory.path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else {
            throw SpoolError("cannot fsync the spool in \(directory.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Closes the segment being written, so the next append starts a new one and every closed segment
    /// can be replayed and deleted.
    func seal() {
        if let current { close(current.descriptor) }
        current = nil
    }

    /// The events of one segment, in order; a torn tail is dropped.
    func read(segment: Int) throws -> [InboundEvent] {
        let data = try Data(contentsOf: url(of: segment))
        var events: [InboundEvent] = []
        var offset = 0
        while offset + 8 <= data.count {
            let length = data[offset..<offset + 4].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let start = offset + 8
            guard start + length <= data.count else { break }
            let json = data[start..<start + length]
            guard Self.checksum(json) == Array(data[offset + 4..<offset + 8]) else { break }
            events.append(try JSONDecoder().decode(SpoolRecord.self, from: json).event())
            offset = start + length
        }
        return events
    }

    /// Deletes a replayed segment and makes the deletion durable.
    func remove(segment: Int) throws {
        if current?.number == segment { seal() }
        try FileManager.default.removeItem(at: url(of: segment))
        let directoryDescriptor = open(directory.path, O_RDONLY)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    private func currentDescriptor() throws -> Int32 {
        if let current { return current.descriptor }
        let number = ((try segments().last) ?? 0) + 1
        let descriptor = open(url(of: number).path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard descriptor >= 0 else {
            throw SpoolError("cannot create a spool segment in \(directory.path): \(String(cString: strerror(errno)))")
        }
        let directoryDescriptor = open(directory.path, O_RDONLY)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        current = (number, descriptor)
        return descriptor
    }

    private func url(of segment: Int) -> URL {
        directory.appendingPathComponent(String(format: "segment-%012d.spool", segment))
    }

    private static func checksum<D: DataProtocol>(_ data: D) -> [UInt8] {
        Array(SHA256.hash(data: data).prefix(4))
    }
}

/// The spool's form of an event: everything needed to rebuild it.
struct SpoolRecord: Codable {
    var source: String
    var deliveryKey: String
    var eventType: String
    var objectID: String?
    var payload: String
    var remoteAddress: String?
    var receivedAt: Double

    init(_ event: InboundEvent) {
        source = event.source
        deliveryKey = event.deliveryKey
        eventType = event.eventType
        objectID = event.objectID
        payload = event.payload
        remoteAddress = event.remoteAddress
        receivedAt = event.receivedAt.timeIntervalSince1970
    }

    func event() throws -> InboundEvent {
        InboundEvent(source: source, deliveryKey: deliveryKey, eventType: eventType, objectID: objectID, payload: payload,
                     remoteAddress: remoteAddress, receivedAt: Date(timeIntervalSince1970: receivedAt),
                     content: try EventContent.decode(source: source, eventType: eventType, payload: payload))
    }
}

/// The spool cannot be written or read.
public struct SpoolError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
