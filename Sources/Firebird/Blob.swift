import CFirebird

/// The id of a stored BLOB (`ISC_QUAD`), valid within the transaction that read or wrote it.
public struct FirebirdBlobID: Hashable, Sendable {
    public var high: Int32
    public var low: UInt32
    var quad: ISC_QUAD { ISC_QUAD(gds_quad_high: high, gds_quad_low: low) }
    init(_ quad: ISC_QUAD) {
        high = quad.gds_quad_high
        low = quad.gds_quad_low
    }
}

/// Reads one BLOB segment by segment (`isc_open_blob2` / `isc_get_segment`), for values too large to
/// hold in memory at once. Closed when released.
public final class BlobReader {
    private let attachment: FirebirdAttachment
    private var handle: isc_blob_handle = 0
    private var finished = false

    /// Opens the BLOB `id` in `transaction`.
    public init(_ id: FirebirdBlobID, attachment: FirebirdAttachment, transaction: Transaction) throws {
        self.attachment = attachment
        try transaction.ensureActive()
        var quad = id.quad
        isc_open_blob2(attachment.status.pointer, &attachment.handle, &transaction.handle, &handle, &quad, 0, nil)
        try attachment.status.check()
    }

    deinit {
        if handle != 0, attachment.isOpen { _ = isc_close_blob(attachment.status.pointer, &handle) }
    }

    /// Reads up to `maxLength` bytes (at most 65,535 per call); nil at the end.
    public func read(maxLength: Int = 65_535) throws -> [UInt8]? {
        guard !finished else { return nil }
        let capacity = min(max(maxLength, 1), 65_535)
        var chunk = [UInt8](repeating: 0, count: capacity)
        var total = 0
        while total < capacity {
            var length: UInt16 = 0
            let code = chunk.withUnsafeMutableBytes { bytes in
                isc_get_segment(
                    attachment.status.pointer, &handle, &length, UInt16(capacity - total),
                    (bytes.baseAddress! + total).assumingMemoryBound(to: CChar.self))
            }
            total += Int(length)
            if code == isc_segstr_eof {
                finished = true
                break
            }
            if code != 0 && code != isc_segment { throw attachment.status.error() }
        }
        if finished && total == 0 { return nil }
        return Array(chunk.prefix(total))
    }

    /// Reads everything that is left.
    public func readAll() throws -> [UInt8] {
        var all: [UInt8] = []
        while let chunk = try read() { all += chunk }
        return all
    }
}

extension FirebirdAttachment {
    /// Stores `bytes` as a new BLOB in `transaction`, in segments of 32 KiB, and returns its id.
    func writeBlob(_ bytes: [UInt8], in transaction: Transaction) throws -> FirebirdBlobID {
        var blob: isc_blob_handle = 0
        var quad = ISC_QUAD()
        isc_create_blob2(status.pointer, &handle, &transaction.handle, &blob, &quad, 0, nil)
        try status.check()
        let segment = 32_768
        var offset = 0
        repeat {
            let count = min(segment, bytes.count - offset)
            bytes.withUnsafeBytes { raw in
                _ = isc_put_segment(
                    status.pointer, &blob, UInt16(count),
                    (raw.baseAddress.map { $0 + offset } ?? UnsafeRawPointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self))
            }
            if status.failed {
                let error = status.error()
                _ = isc_cancel_blob(status.pointer, &blob)
                throw error
            }
            offset += count
        } while offset < bytes.count
        isc_close_blob(status.pointer, &blob)
        try status.check()
        return FirebirdBlobID(quad)
    }

    /// Reads a whole BLOB.
    public func readBlob(_ id: FirebirdBlobID, in transaction: Transaction) throws -> [UInt8] {
        try BlobReader(id, attachment: self, transaction: transaction).readAll()
    }
}
