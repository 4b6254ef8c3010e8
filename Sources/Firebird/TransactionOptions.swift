import CFirebird

/// How a transaction is started: isolation, access mode, lock resolution and table reservations.
///
/// The default is READ COMMITTED with record versions, read-write, WAIT: what a worker that writes
/// small units of work next to a live MIS wants.
public struct TransactionOptions: Sendable, Hashable {
    /// The isolation level.
    public struct Isolation: Sendable, Hashable {
        let tpb: [UInt8]
        /// READ COMMITTED that reads the last committed version of a record being changed (`isc_tpb_rec_version`).
        public static let readCommitted = Isolation(tpb: [UInt8(isc_tpb_read_committed), UInt8(isc_tpb_rec_version)])
        /// READ COMMITTED that waits for (or fails on) uncommitted versions (`isc_tpb_no_rec_version`).
        public static let readCommittedNoRecordVersion = Isolation(
            tpb: [UInt8(isc_tpb_read_committed), UInt8(isc_tpb_no_rec_version)])
        /// SNAPSHOT (`isc_tpb_concurrency`): a stable view as of the start.
        public static let snapshot = Isolation(tpb: [UInt8(isc_tpb_concurrency)])
        /// SNAPSHOT TABLE STABILITY (`isc_tpb_consistency`): exclusive access to the tables it touches.
        public static let consistency = Isolation(tpb: [UInt8(isc_tpb_consistency)])
    }

    /// What to do on a lock conflict.
    public struct LockResolution: Sendable, Hashable {
        let tpb: [UInt8]
        /// Wait until the other transaction ends (`isc_tpb_wait`).
        public static let wait = LockResolution(tpb: [UInt8(isc_tpb_wait)])
        /// Fail at once with ``FirebirdError/Code/lockConflict`` (`isc_tpb_nowait`).
        public static let noWait = LockResolution(tpb: [UInt8(isc_tpb_nowait)])
        /// Wait at most `seconds`, then fail (`isc_tpb_lock_timeout`).
        public static func timeout(seconds: Int) -> LockResolution {
            let value = Int32(clamping: seconds)
            return LockResolution(
                tpb: [UInt8(isc_tpb_wait), UInt8(isc_tpb_lock_timeout), 4]
                    + withUnsafeBytes(of: value.littleEndian, Array.init))
        }
    }

    /// A table reserved when the transaction starts (`isc_tpb_lock_read` / `isc_tpb_lock_write`).
    public struct TableReservation: Sendable, Hashable {
        /// The table name as stored in the catalogue (usually upper case).
        public var table: String
        /// True to reserve for writing, false for reading.
        public var write: Bool
        /// `protected` (others may read) when true, `shared` when false. Defaults to shared.
        public var protected: Bool

        public init(table: String, write: Bool, protected: Bool = false) {
            self.table = table
            self.write = write
            self.protected = protected
        }
    }

    /// Defaults to ``Isolation/readCommitted``.
    public var isolation: Isolation
    /// Defaults to false (read-write).
    public var readOnly: Bool
    /// Defaults to ``LockResolution/wait``.
    public var lockResolution: LockResolution
    /// Defaults to none.
    public var reservations: [TableReservation]

    /// Creates options; every parameter has the default documented on its property.
    public init(
        isolation: Isolation = .readCommitted, readOnly: Bool = false, lockResolution: LockResolution = .wait,
        reservations: [TableReservation] = []
    ) {
        self.isolation = isolation
        self.readOnly = readOnly
        self.lockResolution = lockResolution
        self.reservations = reservations
    }

    /// READ COMMITTED, read-write, WAIT.
    public static let `default` = TransactionOptions()
    /// READ COMMITTED, read-only: never blocks and is cheap to hold open.
    public static let readOnly = TransactionOptions(readOnly: true)

    /// The transaction parameter buffer.
    var parameterBuffer: [UInt8] {
        var tpb: [UInt8] = [UInt8(isc_tpb_version3)]
        tpb += isolation.tpb
        tpb.append(UInt8(readOnly ? isc_tpb_read : isc_tpb_write))
        tpb += lockResolution.tpb
        for reservation in reservations {
            let name = Array(reservation.table.utf8.prefix(255))
            tpb.append(UInt8(reservation.write ? isc_tpb_lock_write : isc_tpb_lock_read))
            tpb.append(UInt8(name.count))
            tpb += name
            tpb.append(UInt8(reservation.protected ? isc_tpb_protected : isc_tpb_shared))
        }
        return tpb
    }
}
