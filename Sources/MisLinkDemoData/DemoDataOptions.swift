import Firebird
import Foundation

/// What `mislink demo-data` makes and how it loads it.
///
/// Every field has a documented default; only ``patients`` is usually set.
public struct DemoDataOptions: Sendable, Hashable {
    /// How many patients to add. Defaults to 10,000.
    public var patients: Int
    /// The seed of the generator: the same seed on the same starting database gives the same rows.
    /// A run that appends to a database with patients draws from a stream of its own (derived from the
    /// seed and the first new patient ID), so repeated runs do not duplicate people. Defaults to 1.
    public var seed: UInt64
    /// How many employees to add (doctors, operators, registrars, nurses). Defaults to 40; 0 reuses
    /// the staff already in the database.
    public var staff: Int
    /// The mean number of SCHEDULE rows per new patient. Defaults to 0.25.
    ///
    /// SCHEDULE rows are the expensive ones: each updates six indexes (five of them behind foreign keys,
    /// which cannot be switched off), about 50 µs of engine time per row on Firebird 3, against about
    /// 40 µs per patient. The default keeps a million patients within a minute on a small server; raise
    /// it for a denser history.
    public var visitsPerPatient: Double
    /// The share of new patients with any appointment; the others have none. Defaults to 0.2.
    public var historyShare: Double
    /// The share of patients in families of two to four sharing one mobile number. Defaults to 0.1.
    public var familyShare: Double
    /// "Today": visits before it are history, after it bookings. Defaults to the current local date.
    public var today: FirebirdDate
    /// Patients per transaction. Defaults to 200,000: commits flush every dirty page, which is slow
    /// with forced writes on, and a long insert-only transaction holds nothing other attachments wait for.
    /// The visits of each transaction's patients are inserted, by a second attachment, once it has
    /// committed; so that few are left for the end, the last transactions are shorter (each half of
    /// what is left, down to an eighth of this interval).
    public var commitEvery: Int
    /// Patients per batch handed from the generating thread to the inserting one. Defaults to 1,000.
    public var batchSize: Int
    /// Whether non-unique indexes are switched off during the load. Defaults to ``IndexPolicy/automatic``.
    public var indexPolicy: IndexPolicy

    /// Creates options; see each property for its default.
    public init(
        patients: Int = 10_000,
        seed: UInt64 = 1,
        staff: Int = 40,
        visitsPerPatient: Double = 0.25,
        historyShare: Double = 0.2,
        familyShare: Double = 0.1,
        today: FirebirdDate = DemoDataOptions.currentDate(),
        commitEvery: Int = 200_000,
        batchSize: Int = 1_000,
        indexPolicy: IndexPolicy = .automatic
    ) {
        self.patients = patients
        self.seed = seed
        self.staff = staff
        self.visitsPerPatient = visitsPerPatient
        self.historyShare = historyShare
        self.familyShare = familyShare
        self.today = today
        self.commitEvery = commitEvery
        self.batchSize = batchSize
        self.indexPolicy = indexPolicy
    }

    /// Today's date in the local time zone.
    public static func currentDate() -> FirebirdDate {
        FirebirdTimestamp(Date(), in: .current).date
    }

    /// Whether the non-unique indexes of PATIENTS and SCHEDULE are deactivated during a load and
    /// rebuilt (`ALTER INDEX … ACTIVE`) after it.
    ///
    /// Rebuilding an index once is much faster than growing it row by row, but it is DDL on the
    /// user's tables: it fails while other attachments use them, and an interrupted load would leave
    /// indexes off. So ``automatic`` does it only where nothing can be hurt. Only indexes that are
    /// active, not unique and not behind a constraint are touched; an index a DBA left inactive stays so.
    public struct IndexPolicy: Sendable, Hashable, CustomStringConvertible {
        enum Kind: Hashable { case keep, automatic, rebuild }
        let kind: Kind

        /// Never touch indexes.
        public static let keep = IndexPolicy(kind: .keep)
        /// Deactivate a table's indexes only when the table is empty and the load is at least
        /// ``automaticThreshold`` patients (a fresh demo database). The default.
        public static let automatic = IndexPolicy(kind: .automatic)
        /// Always deactivate and rebuild (the user asked for it).
        public static let rebuild = IndexPolicy(kind: .rebuild)

        /// The smallest load for which ``automatic`` rebuilds: 50,000 patients.
        public static let automaticThreshold = 50_000

        public var description: String {
            switch kind {
            case .keep: "keep"
            case .automatic: "automatic"
            case .rebuild: "rebuild"
            }
        }
    }
}
