import CFirebird
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// An open attachment to a Firebird database: the owner of one `isc_db_handle`.
///
/// Its API is synchronous and blocking, like libfbclient. It is not `Sendable`: use it from one thread
/// at a time, normally inside ``FirebirdConnection/withAttachment(_:)``, which runs it on the
/// connection's own serial executor. ``cancelOperation()`` is the one call other threads may make.
///
/// `close()` rolls back what is open, detaches and reports errors; `deinit` detaches silently if
/// `close()` was never called or its detach failed.
public final class FirebirdAttachment {
    /// The configuration it was opened with.
    public let configuration: FirebirdConfiguration
    /// The raw `isc_db_handle` (an unsigned int on LP64), 0 once closed. An escape hatch for C calls
    /// this wrapper does not cover; do not detach it yourself.
    public internal(set) var handle: isc_db_handle = 0
    let status = StatusVector()
    /// A copy of the handle other threads may read to cancel a running call.
    let cancelHandle = CancelHandle()
    /// The transactions started on it, so that ``close()`` can roll back those still open.
    var openTransactions = OpenTransactions()

    private init(configuration: FirebirdConfiguration) {
        self.configuration = configuration
    }

    /// Attaches to an existing database.
    ///
    /// An embedded attachment refused because the file is "already opened with engine instance,
    /// incompatible with current" is tried again for up to 2 seconds: Firebird 5's embedded engine
    /// closes a database in the background after its last detach, and an attachment made meanwhile
    /// (the same process reattaching, or another one starting) is refused until it has.
    public static func open(_ configuration: FirebirdConfiguration) throws -> FirebirdAttachment {
        var attempts = 0
        while true {
            do {
                return try attachOnce(configuration)
            } catch let error as FirebirdError
                where error.gdsCodes.contains(incompatibleEngineInstance) && configuration.dsn.isEmbedded && attempts < 40
            {
                attempts += 1
                usleep(50_000)
            }
        }
    }

    /// GDS code 335545107: "Database already opened with engine instance, incompatible with current".
    static let incompatibleEngineInstance = 335_545_107

    private static func attachOnce(_ configuration: FirebirdConfiguration) throws -> FirebirdAttachment {
        let attachment = FirebirdAttachment(configuration: configuration)
        let dpb = configuration.parameterBuffer()
        let dsn = configuration.dsn.description
        dpb.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { dpbChars in
                _ = isc_attach_database(
                    attachment.status.pointer, 0, dsn, &attachment.handle, Int16(dpbChars.count), dpbChars.baseAddress)
            }
        }
        try attachment.status.check()
        attachment.cancelHandle.set(attachment.handle)
        return attachment
    }

    /// Creates a new database and returns the attachment to it.
    ///
    /// - Parameters:
    ///   - configuration: where to create it and with which credentials.
    ///   - pageSize: the page size in bytes. Defaults to 8192.
    ///   - defaultCharset: the database default character set. Defaults to UTF8; legacy MIS databases use WIN1251.
    public static func create(
        _ configuration: FirebirdConfiguration, pageSize: Int = 8192, defaultCharset: FirebirdCharset = .utf8
    ) throws -> FirebirdAttachment {
        let attachment = FirebirdAttachment(configuration: configuration)
        var extra = DPBBuilder()
        extra.append(int: Int32(pageSize), tag: isc_dpb_page_size)
        extra.append(string: defaultCharset.name, tag: isc_dpb_set_db_charset)
        extra.append(int: 3, tag: isc_dpb_sql_dialect)
        let dpb = configuration.parameterBuffer(extra: Array(extra.bytes.dropFirst()))
        let dsn = configuration.dsn.description
        dpb.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { dpbChars in
                _ = isc_create_database(
                    attachment.status.pointer, 0, dsn, &attachment.handle, Int16(dpbChars.count), dpbChars.baseAddress, 0)
            }
        }
        try attachment.status.check()
        attachment.cancelHandle.set(attachment.handle)
        return attachment
    }

    deinit {
        if handle != 0 { _ = isc_detach_database(status.pointer, &handle) }
    }

    /// True until ``close()`` or ``drop()``.
    public var isOpen: Bool { handle != 0 }

    /// Rolls back every transaction still open on it, then detaches.
    ///
    /// Firebird refuses to detach an attachment with open transactions ("cannot disconnect database
    /// with open transactions", `isc_open_trans`), so a transaction a caller kept open (a session's
    /// long read-only one) would otherwise leave the attachment alive on the server. When the detach
    /// still fails, the handle is kept, the error is thrown, and `deinit` tries again; only a lost
    /// connection (nothing left to detach from) forgets the handle.
    public func close() throws {
        guard handle != 0 else { return }
        try finishOpenTransactions()
        cancelHandle.set(0)
        isc_detach_database(status.pointer, &handle)
        if status.failed {
            let failure = status.error()
            guard failure.code == .connectionLost else {
                cancelHandle.set(handle)
                throw failure
            }
        }
        handle = 0
    }

    /// Drops the database this attachment is attached to (after rolling back its open transactions), and detaches.
    public func drop() throws {
        try ensureOpen()
        try finishOpenTransactions()
        cancelHandle.set(0)
        isc_drop_database(status.pointer, &handle)
        if status.failed {
            cancelHandle.set(handle)
            try status.check()
        }
        handle = 0
    }

    /// Rolls back the transactions started here and still active. A lost connection is no failure
    /// here (the detach that follows reports it); any other rollback error is thrown.
    private func finishOpenTransactions() throws {
        var failure: FirebirdError?
        for transaction in openTransactions.active() {
            do {
                try transaction.rollback()
            } catch let error as FirebirdError where error.code != .connectionLost {
                failure = failure ?? error
            } catch {}
        }
        if let failure { throw failure }
    }

    /// Checks that the attachment is alive with a round trip to the server (`fb_ping`).
    public func ping() throws {
        try ensureOpen()
        fb_ping(status.pointer, &handle)
        try status.check()
    }

    /// Cancels the call this attachment is running on another thread (`fb_cancel_operation` with
    /// `fb_cancel_raise`). Safe to call from any thread; the running call fails with ``FirebirdError/Code/cancelled``.
    public func cancelOperation() {
        cancelHandle.cancel()
    }

    func ensureOpen() throws {
        if handle == 0 { throw FirebirdError.misuse("the attachment is closed") }
    }
}

/// The attachment's handle, readable from other threads for `fb_cancel_operation`.
final class CancelHandle: Sendable {
    private let handle = Mutex<isc_db_handle>(0)

    func set(_ value: isc_db_handle) { handle.withLock { $0 = value } }

    /// Raises a cancel on the attachment, if it is open.
    ///
    /// From the Firebird 2.5 release notes: "fb_cancel_raise: cancel any activity related to the
    /// db_handle … the call is asynchronous and returns immediately".
    func cancel() {
        handle.withLock { value in
            guard value != 0 else { return }
            var status = [ISC_STATUS](repeating: 0, count: 20)
            fb_cancel_operation(&status, &value, UInt16(fb_cancel_raise))
        }
    }
}

/// Weak references to the transactions of one attachment (a transaction holds its attachment
/// strongly, so the attachment must not hold them back).
struct OpenTransactions {
    private final class Entry {
        weak var transaction: Transaction?
        init(_ transaction: Transaction) { self.transaction = transaction }
    }

    private var entries: [Entry] = []

    /// Remembers `transaction`, forgetting the ones released or ended meanwhile.
    mutating func add(_ transaction: Transaction) {
        entries.removeAll { $0.transaction?.isActive != true }
        entries.append(Entry(transaction))
    }

    /// The transactions still alive and active, oldest first.
    func active() -> [Transaction] {
        entries.compactMap { $0.transaction }.filter(\.isActive)
    }
}
