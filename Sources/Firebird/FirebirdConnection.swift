import Dispatch
import Synchronization

/// An attachment with its own serial executor: the `Sendable`, async face of ``FirebirdAttachment``.
///
/// libfbclient calls block, so every call runs on the connection's private dispatch queue, never on
/// the cooperative thread pool or a NIO event loop. Cancelling the awaiting task raises
/// `fb_cancel_operation` on the attachment, so a long statement stops with
/// ``FirebirdError/Code/cancelled``.
///
/// ```swift
/// let connection = try await FirebirdConnection.connect(configuration)
/// let names = try await connection.withTransaction { tx in
///     try tx.attachment.query("SELECT CODE FROM MISLINK_TEMPLATES", in: tx).map { try $0.decode(String.self, at: 0) }
/// }
/// try await connection.close()
/// ```
public final class FirebirdConnection: @unchecked Sendable {
    // @unchecked: `attachment` is touched only from `queue`; everything else is immutable or locked.
    /// The configuration it was opened with.
    public let configuration: FirebirdConfiguration
    private let queue: DispatchQueue
    private let attachment: FirebirdAttachment
    private let cancelHandle: CancelHandle

    private init(configuration: FirebirdConfiguration, queue: DispatchQueue, attachment: FirebirdAttachment) {
        self.configuration = configuration
        self.queue = queue
        self.attachment = attachment
        self.cancelHandle = attachment.cancelHandle
    }

    /// Attaches to an existing database.
    public static func connect(_ configuration: FirebirdConfiguration) async throws -> FirebirdConnection {
        try await open(configuration) { try FirebirdAttachment.open(configuration) }
    }

    /// Creates a database and returns a connection to it.
    /// - Parameters:
    ///   - pageSize: defaults to 8192.
    ///   - defaultCharset: defaults to UTF8.
    public static func create(
        _ configuration: FirebirdConfiguration, pageSize: Int = 8192, defaultCharset: FirebirdCharset = .utf8
    ) async throws -> FirebirdConnection {
        try await open(configuration) {
            try FirebirdAttachment.create(configuration, pageSize: pageSize, defaultCharset: defaultCharset)
        }
    }

    private static func open(
        _ configuration: FirebirdConfiguration, _ make: @escaping @Sendable () throws -> FirebirdAttachment
    ) async throws -> FirebirdConnection {
        let queue = DispatchQueue(label: "mislink.firebird.connection")
        let box: UncheckedBox<FirebirdAttachment> = try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { UncheckedBox(try make()) }) }
        }
        return FirebirdConnection(configuration: configuration, queue: queue, attachment: box.value)
    }

    deinit {
        let box = UncheckedBox(attachment)
        queue.async { try? box.value.close() }
    }

    /// Runs `body` with the attachment on the connection's executor.
    ///
    /// Do not let the attachment, its transactions or statements escape `body`.
    public func withAttachment<T: Sendable>(_ body: @escaping @Sendable (FirebirdAttachment) throws -> T) async throws -> T {
        let started = Mutex(false)
        let abandoned = Mutex(false)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                queue.async {
                    if abandoned.withLock({ $0 }) {
                        continuation.resume(throwing: FirebirdError(code: .cancelled, message: "the task was cancelled"))
                        return
                    }
                    started.withLock { $0 = true }
                    continuation.resume(with: Result { try body(self.attachment) })
                }
            }
        } onCancel: {
            abandoned.withLock { $0 = true }
            if started.withLock({ $0 }) { cancelHandle.cancel() }
        }
    }

    /// Runs `body` in a transaction that commits when it returns and rolls back when it throws.
    /// - Parameter options: defaults to ``TransactionOptions/default``.
    public func withTransaction<T: Sendable>(
        _ options: TransactionOptions = .default, _ body: @escaping @Sendable (Transaction) throws -> T
    ) async throws -> T {
        try await withAttachment { try $0.inTransaction(options, body) }
    }

    /// Executes one statement in its own transaction; returns the rows it changed.
    @discardableResult
    public func execute(_ query: FirebirdQuery, options: TransactionOptions = .default) async throws -> Int {
        try await withAttachment { try $0.execute(query, options: options) }
    }

    /// Every row of a query, in its own read-only transaction.
    public func query(_ query: FirebirdQuery) async throws -> [Row] {
        try await withAttachment { try $0.query(query) }
    }

    /// Every row of a query decoded as `T`, in its own read-only transaction.
    public func query<T: Decodable & Sendable>(_ query: FirebirdQuery, as type: T.Type) async throws -> [T] {
        try await withAttachment { attachment in
            try attachment.inTransaction(.readOnly) { try attachment.query(query, as: type, in: $0) }
        }
    }

    /// A round trip to the server (`fb_ping`).
    public func ping() async throws {
        try await withAttachment { try $0.ping() }
    }

    /// Server and database facts.
    public func info() async throws -> DatabaseInfo {
        try await withAttachment { try $0.info() }
    }

    /// The server's version and the database's ODS (see ``FirebirdAttachment/serverInfo()``).
    public func serverInfo() async throws -> FirebirdServerInfo {
        try await withAttachment { try $0.serverInfo() }
    }

    /// Cancels whatever the connection is running now (`fb_cancel_operation`).
    public func cancelOperation() {
        cancelHandle.cancel()
    }

    /// Detaches.
    public func close() async throws {
        try await withAttachment { try $0.close() }
    }

    /// The rows of `query`, fetched `batchSize` at a time as they are iterated, in one read-only
    /// transaction that ends with the sequence.
    /// - Parameter batchSize: defaults to the configuration's `fetchBatchSize`.
    public func rows(_ query: FirebirdQuery, batchSize: Int? = nil, options: TransactionOptions = .readOnly) -> FirebirdRowSequence {
        FirebirdRowSequence(
            connection: self, query: query, batchSize: max(1, batchSize ?? configuration.fetchBatchSize), options: options)
    }

    /// Runs `body` on the connection's queue without waiting (cleanup from deinits).
    func schedule(_ body: @escaping @Sendable (FirebirdAttachment) -> Void) {
        queue.async { body(self.attachment) }
    }
}

/// Carries a non-Sendable value across a queue hop whose safety the owner guarantees.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
