import ArgumentParser
import Firebird

/// The database's own count of pages written and transactions started (`MON$IO_STATS` of the
/// database, `MON$DATABASE.MON$NEXT_TRANSACTION`), read on an attachment of its own. With forced writes
/// every page write is a synchronous write to the disk, so pages written per event is what a commit
/// costs in I/O; two snapshots around a measured run give it.
struct DatabaseWrites {
    struct Snapshot: Decodable {
        let pageWrites: Int64
        let nextTransaction: Int64

        enum CodingKeys: String, CodingKey {
            case pageWrites = "PAGE_WRITES"
            case nextTransaction = "NEXT_TRANSACTION"
        }
    }

    private let attachment: FirebirdAttachment

    init(_ configuration: FirebirdConfiguration) throws {
        attachment = try FirebirdAttachment.open(configuration)
    }

    /// A new snapshot: the monitoring tables are read once per transaction.
    func snapshot() throws -> Snapshot {
        let transaction = try attachment.beginTransaction(.init(isolation: .snapshot, readOnly: true))
        defer { try? transaction.commit() }
        let rows = try attachment.query(
            """
            SELECT I.MON$PAGE_WRITES AS PAGE_WRITES, D.MON$NEXT_TRANSACTION AS NEXT_TRANSACTION
              FROM MON$DATABASE D JOIN MON$IO_STATS I ON I.MON$STAT_ID = D.MON$STAT_ID
            """, as: Snapshot.self, in: transaction)
        guard let row = rows.first else { throw ValidationError("MON$DATABASE returned no row") }
        return row
    }

    /// `page_writes` line: pages written and transactions started between two snapshots, per event.
    static func line(from before: Snapshot, to after: Snapshot, events: Int) -> String {
        let pages = after.pageWrites - before.pageWrites
        let transactions = after.nextTransaction - before.nextTransaction
        let perEvent = Double(pages) / Double(max(1, events))
        let perTransaction = Double(pages) / Double(max(1, transactions))
        return "page_writes \(pages) (\(String(format: "%.2f", perEvent)) an event, \(String(format: "%.1f", perTransaction)) a transaction; \(transactions) transactions, \(String(format: "%.3f", Double(transactions) / Double(max(1, events)))) an event)"
    }

    func close() { try? attachment.close() }
}
