import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An append-only local journal of events taken while the database is unavailable.
///
/// Events are appended to the newest segment file (`segment-<n>.spool` in the spool directory) and
/// `fsync`ed before ``append(_:)`` returns, so an event acknowledged after it is never lost, even on
/// `kill -9` or power loss. Each record is `length (4 bytes LE) · checksum (4 bytes) · JSON`.
///
/// **The spool survives its own disk.**
/// - A short write (the disk full) is cut off again at once (`ftruncate` to the size before the
///   append); if even that fails, the segment is closed and the next append starts a new one, so no
///   record ever follows torn bytes.
/// - On open, every segment is checked record by record; a torn tail (bytes after the last good
///   record that no good record follows: a crash during a write, never acknowledged) is truncated.
/// - ``maxBytes`` bounds the spool: an append that would pass it is refused with
///   ``SpoolError/isFull`` (the sender gets 503 and retries), as is one the disk refuses.
/// - Replay streams a segment record by record (``SpoolReader``) in bounded memory; bytes in the
///   middle of a segment that are not a record are skipped up to the next good record and handed to the
///   caller to quarantine, never stopping the replay of what follows.
///
/// Not thread-safe: the intake pipeline's spool queue owns it.
final class DurableSpool: @unchecked Sendable {
    let directory: URL
    /// The most bytes the segments may hold together.
    let maxBytes: Int64
    /// The largest record a reader accepts (a sanity bound: a damaged length field is not believed).
    static let maxRecordBytes = 64 << 20
    private var current: (number: Int, descriptor: Int32, size: Int64)?
    /// Bytes in all segments.
    private(set) var totalBytes: Int64 = 0
    /// Records in all segments (counted on open, then kept up to date).
    private(set) var recordCount = 0
    /// Torn tails truncated on open (bytes).
    private(set) var truncatedOnOpen: Int64 = 0

    /// Opens (creating it if needed) the spool directory, truncates torn tails and counts the records.
    init(directory: URL, maxBytes: Int64 = 1 << 30) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for segment in try segments() {
            let scan = try Self.scan(url(of: segment))
            if scan.tornTail > 0 {
                guard truncate(url(of: segment).path, off_t(scan.validEnd)) == 0 else {
                    throw SpoolError("cannot truncate the torn tail of \(url(of: segment).path): \(String(cString: strerror(errno)))")
                }
                truncatedOnOpen += scan.tornTail
            }
            totalBytes += scan.validEnd
            recordCount += scan.records
        }
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

    /// Events waiting in the spool.
    func backlog() -> Int { recordCount }

    /// Appends events and `fsync`s the segment before returning.
    /// - Throws: ``SpoolError``; ``SpoolError/isFull`` when ``maxBytes`` or the disk refuses them. Nothing
    ///   of a refused append stays in the segment.
    func append(_ events: [InboundEvent]) throws {
        var bytes = [UInt8]()
        for event in events {
            let json = try JSONEncoder().encode(SpoolRecord(event))
            bytes += Self.frame(Array(json))
        }
        guard totalBytes + Int64(bytes.count) <= maxBytes else {
            throw SpoolError("the spool is full: \(totalBytes) of \(maxBytes) bytes (intake.spool_max_bytes)", isFull: true)
        }
        let (descriptor, sizeBefore) = try currentDescriptor()
        let failure: SpoolError? = bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    return SpoolError("cannot write to the spool in \(directory.path): \(String(cString: strerror(code)))",
                                      isFull: code == ENOSPC || code == EDQUOT || code == EFBIG)
                }
                if written == 0 { return SpoolError("the spool in \(directory.path) took no bytes", isFull: true) }
                offset += written
            }
            guard fsync(descriptor) == 0 else {
                let code = errno
                return SpoolError("cannot fsync the spool in \(directory.path): \(String(cString: strerror(code)))",
                                  isFull: code == ENOSPC || code == EDQUOT)
            }
            return nil
        }
        if let failure {
            // Cut the torn bytes off again; if that fails too, never append after them.
            if ftruncate(descriptor, off_t(sizeBefore)) != 0 || fsync(descriptor) != 0 { seal() }
            throw failure
        }
        current?.size = sizeBefore + Int64(bytes.count)
        totalBytes += Int64(bytes.count)
        recordCount += events.count
    }

    /// Closes the segment being written, so the next append starts a new one and every closed segment
    /// can be replayed and deleted.
    func seal() {
        if let current { close(current.descriptor) }
        current = nil
    }

    /// A streaming reader of one segment, from `offset`.
    func reader(segment: Int, from offset: Int64 = 0) throws -> SpoolReader {
        try SpoolReader(url: url(of: segment), offset: offset)
    }

    /// The events of one segment, in order (whole; for tests and small segments).
    func read(segment: Int) throws -> [InboundEvent] {
        var reader = try reader(segment: segment)
        var events: [InboundEvent] = []
        while let item = try reader.next() {
            if case .record(_, _, let json) = item { events.append(try SpoolRecord.decode(json).event()) }
        }
        return events
    }

    /// Deletes a replayed segment and makes the deletion durable.
    func remove(segment: Int, records: Int) throws {
        if current?.number == segment { seal() }
        let attributes = try? FileManager.default.attributesOfItem(atPath: url(of: segment).path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        try FileManager.default.removeItem(at: url(of: segment))
        totalBytes = max(0, totalBytes - size)
        recordCount = max(0, recordCount - records)
        syncDirectory()
    }

    // MARK: - Replay position

    /// Where replay stands: the segment and offset up to which its events are committed, and how
    /// often a replay from there was begun without finishing (a crash during it).
    struct Position: Codable, Equatable {
        var segment: Int
        var offset: Int64
        var attempts: Int
    }

    private var positionURL: URL { directory.appendingPathComponent("replay.position") }

    /// The saved replay position, if any.
    func position() -> Position? {
        guard let data = try? Data(contentsOf: positionURL) else { return nil }
        return try? JSONDecoder().decode(Position.self, from: data)
    }

    /// Saves the replay position durably (written aside, fsync'd, renamed).
    func save(_ position: Position) throws {
        let data = try JSONEncoder().encode(position)
        let temporary = directory.appendingPathComponent("replay.position.tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw SpoolError("cannot write \(temporary.path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else {
            throw SpoolError("cannot write \(temporary.path): \(String(cString: strerror(errno)))", isFull: errno == ENOSPC)
        }
        guard rename(temporary.path, positionURL.path) == 0 else {
            throw SpoolError("cannot rename \(temporary.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Forgets the replay position (its segment is gone).
    func clearPosition() {
        try? FileManager.default.removeItem(at: positionURL)
    }

    // MARK: - Files

    private func currentDescriptor() throws -> (Int32, Int64) {
        if let current { return (current.descriptor, current.size) }
        let number = ((try segments().last) ?? 0) + 1
        let descriptor = open(url(of: number).path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            throw SpoolError("cannot create a spool segment in \(directory.path): \(String(cString: strerror(code)))",
                             isFull: code == ENOSPC || code == EDQUOT)
        }
        syncDirectory()
        current = (number, descriptor, 0)
        return (descriptor, 0)
    }

    private func syncDirectory() {
        let directoryDescriptor = open(directory.path, O_RDONLY)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    func url(of segment: Int) -> URL {
        directory.appendingPathComponent(String(format: "segment-%012d.spool", segment))
    }

    static func frame(_ json: [UInt8]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(json.count + 8)
        var length = UInt32(json.count).littleEndian
        withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: checksum(json))
        bytes.append(contentsOf: json)
        return bytes
    }

    static func checksum<D: DataProtocol>(_ data: D) -> [UInt8] {
        Array(SHA256.hash(data: data).prefix(4))
    }

    /// Counts a segment's good records and finds a torn tail.
    private static func scan(_ url: URL) throws -> (records: Int, validEnd: Int64, tornTail: Int64) {
        var reader = try SpoolReader(url: url, offset: 0)
        var records = 0
        var validEnd: Int64 = 0
        while let item = try reader.next() {
            switch item {
            case .record(_, let end, _):
                records += 1
                validEnd = end
            case .damaged(_, let end, _):
                validEnd = end // damage in the middle: kept, the replay quarantines it
            }
        }
        return (records, validEnd, reader.fileSize - validEnd)
    }
}

/// Reads one segment record by record, holding one record at a time.
struct SpoolReader {
    /// One thing found in a segment.
    enum Item {
        /// A good record: its offset, the offset after it, and its JSON.
        case record(offset: Int64, end: Int64, json: [UInt8])
        /// Bytes that are not a record, followed by a good one (so not a torn tail): their offset, the
        /// offset of the good record after them, and the bytes (at most 1 MiB of them).
        case damaged(offset: Int64, end: Int64, bytes: [UInt8])
    }

    private let descriptor: Int32
    let fileSize: Int64
    /// The offset of the next read.
    private(set) var offset: Int64

    init(url: URL, offset: Int64) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw SpoolError("cannot open \(url.path): \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            Glibc.close(descriptor)
            throw SpoolError("cannot stat \(url.path): \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        fileSize = Int64(info.st_size)
        self.offset = offset
    }

    /// Closes the file; the reader is not used after it.
    func close() { Glibc.close(descriptor) }

    /// The next record or damaged stretch; nil at the end (a torn tail counts as the end).
    mutating func next() throws -> Item? {
        guard offset < fileSize else { close(); return nil }
        if let json = try record(at: offset) {
            let start = offset
            offset += 8 + Int64(json.count)
            return .record(offset: start, end: offset, json: json)
        }
        // Not a record here: look for the next good one.
        var candidate = offset + 1
        while candidate + 8 <= fileSize {
            if try record(at: candidate) != nil {
                let count = Int(min(candidate - offset, 1 << 20))
                let bytes = try read(count: count, at: offset)
                let start = offset
                offset = candidate
                return .damaged(offset: start, end: candidate, bytes: bytes)
            }
            candidate += 1
        }
        offset = fileSize
        close()
        return nil // a torn tail
    }

    /// The JSON of a good record at `position`, or nil.
    private func record(at position: Int64) throws -> [UInt8]? {
        guard position + 8 <= fileSize else { return nil }
        let header = try read(count: 8, at: position)
        let length = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
        guard length > 0, length <= DurableSpool.maxRecordBytes, position + 8 + Int64(length) <= fileSize else { return nil }
        // A record's JSON is an object: a cheap test before the checksum while searching.
        guard try read(count: 1, at: position + 8).first == UInt8(ascii: "{") else { return nil }
        let json = try read(count: length, at: position + 8)
        return DurableSpool.checksum(json) == Array(header[4..<8]) ? json : nil
    }

    private func read(count: Int, at position: Int64) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(position) + off_t(done)) }
            if got < 0 {
                if errno == EINTR { continue }
                throw SpoolError("cannot read the spool: \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            done += got
        }
        return done == count ? bytes : Array(bytes.prefix(done))
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

    static func decode(_ json: [UInt8]) throws -> SpoolRecord {
        try JSONDecoder().decode(SpoolRecord.self, from: Data(json))
    }

    /// The event, its content decoded again the way its adapter did.
    func event() throws -> InboundEvent {
        InboundEvent(source: source, deliveryKey: deliveryKey, eventType: eventType, objectID: objectID, payload: payload,
                     remoteAddress: remoteAddress, receivedAt: Date(timeIntervalSince1970: receivedAt.isFinite ? receivedAt : 0),
                     content: try EventContent.decode(source: source, eventType: eventType, payload: payload))
    }
}

/// The spool cannot be written or read.
public struct SpoolError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// The spool's size limit or the disk refused the write: answer 503, the sender retries.
    public var isFull: Bool
    init(_ description: String, isFull: Bool = false) {
        self.description = description
        self.isFull = isFull
    }
}
