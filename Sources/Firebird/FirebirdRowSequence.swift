/// Rows of a query as an `AsyncSequence`, fetched in batches on the connection's executor.
///
/// ```swift
/// for try await row in connection.rows("SELECT ID, PHONE_KEY FROM MISLINK_CALLS") { … }
/// ```
public struct FirebirdRowSequence: AsyncSequence, Sendable {
    public typealias Element = Row

    let connection: FirebirdConnection
    let query: FirebirdQuery
    let batchSize: Int
    let options: TransactionOptions

    public func makeAsyncIterator() -> Iterator {
        Iterator(cursor: CursorState(connection: connection, query: query, batchSize: batchSize, options: options))
    }

    public struct Iterator: AsyncIteratorProtocol {
        let cursor: CursorState
        var batch: [Row] = []
        var position = 0

        public mutating func next() async throws -> Row? {
            if position < batch.count {
                defer { position += 1 }
                return batch[position]
            }
            if cursor.isFinished { return nil }
            let state = cursor
            batch = try await state.connection.withAttachment { try state.nextBatch($0) }
            position = 0
            guard !batch.isEmpty else { return nil }
            position = 1
            return batch[0]
        }
    }
}

/// The transaction and statement behind a row sequence; touched only on the connection's queue.
final class CursorState: @unchecked Sendable {
    let connection: FirebirdConnection
    let query: FirebirdQuery
    let batchSize: Int
    let options: TransactionOptions
    private var transaction: Transaction?
    private var statement: Statement?
    private var finished = false
    private let lock = NSLockLike()

    init(connection: FirebirdConnection, query: FirebirdQuery, batchSize: Int, options: TransactionOptions) {
        self.connection = connection
        self.query = query
        self.batchSize = batchSize
        self.options = options
    }

    var isFinished: Bool { lock.withLock { finished } }

    /// Fetches the next batch; an empty batch means the end (the transaction is committed then).
    func nextBatch(_ attachment: FirebirdAttachment) throws -> [Row] {
        do {
            if statement == nil {
                let transaction = try attachment.beginTransaction(options)
                self.transaction = transaction
                let statement = try attachment.prepare(query.sql, in: transaction)
                self.statement = statement
                try statement.execute(query.bindings, in: transaction)
            }
            guard let statement else { return [] }
            var rows: [Row] = []
            rows.reserveCapacity(batchSize)
            while rows.count < batchSize, try statement.fetch() { rows.append(try statement.row()) }
            if rows.count < batchSize { try finish() }
            return rows
        } catch {
            try? finish()
            throw error
        }
    }

    private func finish() throws {
        lock.withLock { finished = true }
        statement = nil
        if let transaction, transaction.isActive { try transaction.commit() }
        transaction = nil
    }

    deinit {
        guard statement != nil || transaction != nil else { return }
        let leftovers = UncheckedBox((statement, transaction))
        connection.schedule { _ in
            let (statement, transaction) = leftovers.value
            try? statement?.closeCursor()
            if let transaction, transaction.isActive { try? transaction.rollback() }
        }
    }
}

/// A tiny lock for flags read across threads.
final class NSLockLike: @unchecked Sendable {
    private let mutex = UncheckedMutex()
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        mutex.lock()
        defer { mutex.unlock() }
        return try body()
    }
}
