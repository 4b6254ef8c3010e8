import CFirebird

/// A transaction on one attachment: the owner of one `isc_tr_handle`.
///
/// Not `Sendable`; use it on the attachment's executor. A transaction neither committed nor rolled
/// back is rolled back when it is released, or when its attachment is closed.
public final class Transaction {
    /// The attachment it runs on.
    public let attachment: FirebirdAttachment
    /// The options it was started with.
    public let options: TransactionOptions
    /// The raw `isc_tr_handle`, 0 once finished.
    public internal(set) var handle: isc_tr_handle = 0

    init(attachment: FirebirdAttachment, options: TransactionOptions) throws {
        try attachment.ensureOpen()
        self.attachment = attachment
        self.options = options
        let tpb = options.parameterBuffer
        tpb.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                _ = mislink_fb_start_transaction(
                    attachment.status.pointer, &handle, &attachment.handle, chars.baseAddress, Int32(chars.count))
            }
        }
        try attachment.status.check()
        attachment.openTransactions.add(self)
    }

    deinit {
        if handle != 0, attachment.isOpen {
            _ = isc_rollback_transaction(attachment.status.pointer, &handle)
        }
    }

    /// True until committed or rolled back.
    public var isActive: Bool { handle != 0 }

    /// Commits and ends the transaction.
    public func commit() throws {
        try ensureActive()
        isc_commit_transaction(attachment.status.pointer, &handle)
        try attachment.status.check()
        handle = 0
    }

    /// Rolls back and ends the transaction.
    public func rollback() throws {
        try ensureActive()
        isc_rollback_transaction(attachment.status.pointer, &handle)
        let failure = attachment.status.failed ? attachment.status.error() : nil
        handle = 0
        if let failure { throw failure }
    }

    /// Commits the work so far and keeps the transaction (and its cursors) open.
    public func commitRetaining() throws {
        try ensureActive()
        isc_commit_retaining(attachment.status.pointer, &handle)
        try attachment.status.check()
    }

    /// Undoes the work since the last commit-retaining and keeps the transaction open.
    public func rollbackRetaining() throws {
        try ensureActive()
        isc_rollback_retaining(attachment.status.pointer, &handle)
        try attachment.status.check()
    }

    func ensureActive() throws {
        try attachment.ensureOpen()
        if handle == 0 { throw FirebirdError.misuse("the transaction has already ended") }
    }
}

extension FirebirdAttachment {
    /// Starts a transaction.
    /// - Parameter options: defaults to ``TransactionOptions/default`` (read committed, read-write, wait).
    public func beginTransaction(_ options: TransactionOptions = .default) throws -> Transaction {
        try Transaction(attachment: self, options: options)
    }

    /// Runs `body` in a new transaction, commits when it returns and rolls back when it throws.
    public func inTransaction<T>(
        _ options: TransactionOptions = .default, _ body: (Transaction) throws -> T
    ) throws -> T {
        let transaction = try beginTransaction(options)
        let result: T
        do {
            result = try body(transaction)
        } catch {
            if transaction.isActive { try? transaction.rollback() }
            throw error
        }
        if transaction.isActive { try transaction.commit() }
        return result
    }
}
