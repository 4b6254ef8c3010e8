import Firebird

/// One PATIENTS row as the generator makes it.
struct PatientRow: Sendable {
    var id: Int32 = 0
    /// The card number: the ID as text, the usual convention of MIS databases, so it is unique too.
    var cardNumber = ""
    var lastName = ""
    var firstName: String?
    var middleName: String?
    var birthDate: FirebirdDate?
    /// `M`, `F` or nil.
    var sex: String?
    var phoneMobile: String?
    var phoneHome: String?
    var phoneWork: String?
    var email: String?
    var snils: String?
    var address: String?
    var consentSMS = false
    var consentMessengers = false
    var notes: String?
    var createdAt = FirebirdTimestamp(year: 2000, month: 1, day: 1)
    var isDeleted = false
}

/// One SCHEDULE row as the generator makes it; its ID is reserved from GEN_SCHEDULE_ID before insertion.
struct VisitRow: Sendable {
    var id: Int32 = 0
    var patientID: Int32
    var doctorID: Int32
    var serviceID: Int32
    var startAt: FirebirdTimestamp
    var endAt: FirebirdTimestamp
    var status: String
    var cabinet: String?
    var price: FirebirdDecimal?
    var createdBy: Int32?
    var createdAt: FirebirdTimestamp
    var updatedAt: FirebirdTimestamp?
    var cancelledAt: FirebirdTimestamp?
    var comment: String?
}

/// A slice of the load: patients and the visits that refer to them, inserted together.
struct Batch: Sendable {
    var patients: [PatientRow] = []
    var visits: [VisitRow] = []
}

/// A batch as the inserting thread takes it: each table's parameter values, made on the generating
/// thread and already cut into the blocks of ``InsertBlock``.
struct EncodedBatch: Sendable {
    var patients = 0
    var visits = 0
    /// Per block, ``InsertBlock/patients`` values of each of its rows in turn.
    var patientBlocks: [[FirebirdValue]] = []
    /// Per block, ``InsertBlock/visits`` values of each of its rows in turn (IDs still placeholders).
    var visitBlocks: [[FirebirdValue]] = []

    init() {}

    init(_ batch: Batch) {
        patients = batch.patients.count
        visits = batch.visits.count
        patientBlocks = Self.blocks(of: batch.patients, InsertBlock.patients) { $0.appendValues(to: &$1) }
        visitBlocks = Self.blocks(of: batch.visits, InsertBlock.visits) { $0.appendValues(to: &$1) }
    }

    /// Writes the SCHEDULE IDs `first`, `first + 1`, … into the visits, in generation order.
    mutating func assignVisitIDs(from first: Int32) {
        let width = InsertBlock.visits.columns.count
        var id = first
        for block in visitBlocks.indices {
            for row in stride(from: 0, to: visitBlocks[block].count, by: width) {
                visitBlocks[block][row] = .integer(id)
                id += 1
            }
        }
    }

    private static func blocks<Row>(
        of rows: [Row], _ block: InsertBlock, _ append: (Row, inout [FirebirdValue]) -> Void
    ) -> [[FirebirdValue]] {
        var blocks: [[FirebirdValue]] = []
        var next = 0
        for size in block.blockSizes(rows.count) {
            var values: [FirebirdValue] = []
            values.reserveCapacity(size * block.columns.count)
            for row in rows[next..<next + size] { append(row, &values) }
            next += size
            blocks.append(values)
        }
        return blocks
    }
}

/// Day arithmetic on `ISC_DATE` day numbers (days since 1858-11-17, a Wednesday).
enum Day {
    /// 0 = Monday … 6 = Sunday.
    @inline(__always)
    static func weekday(_ day: Int32) -> Int { Int((day % 7 + 7 + 2) % 7) }

    /// A timestamp on `day` at `minute` minutes and `second` seconds after midnight.
    @inline(__always)
    static func timestamp(_ day: Int32, minute: Int, second: Int = 0) -> FirebirdTimestamp {
        FirebirdTimestamp(
            date: FirebirdDate(iscDate: day),
            time: FirebirdTime(iscTime: UInt32((minute * 60 + second) * 10_000)))
    }
}
