import Firebird

/// What the generator reads from and reserves in the clinic database.
struct ClinicDatabase {
    let attachment: FirebirdAttachment

    static let requiredTables = ["DEPARTMENTS", "STAFF", "SERVICES", "PATIENTS", "SCHEDULE"]

    /// Fails with a clear message when the database is not a clinic MIS like `SQL/clinic-schema.sql`.
    func checkSchema(in transaction: Transaction) throws {
        let present = Set(try attachment.query(
            "SELECT TRIM(RDB$RELATION_NAME) FROM RDB$RELATIONS WHERE COALESCE(RDB$SYSTEM_FLAG, 0) = 0",
            in: transaction).map { try $0.decode(String.self, at: 0) })
        let missing = Self.requiredTables.filter { !present.contains($0) }
        if !missing.isEmpty {
            throw DemoDataError.schema(
                "the database lacks \(missing.joined(separator: ", ")); apply SQL/clinic-schema.sql (or the MIS's own schema) first")
        }
        let generators = Set(try attachment.query(
            "SELECT TRIM(RDB$GENERATOR_NAME) FROM RDB$GENERATORS WHERE COALESCE(RDB$SYSTEM_FLAG, 0) = 0",
            in: transaction).map { try $0.decode(String.self, at: 0) })
        for table in Self.requiredTables where !generators.contains(Self.generator(of: table)) {
            throw DemoDataError.schema("the generator \(Self.generator(of: table)) is missing")
        }
    }

    static func generator(of table: String) -> String { "GEN_\(table)_ID" }

    /// The number of rows in `table`.
    func count(_ table: String, in transaction: Transaction) throws -> Int {
        try attachment.queryValue(FirebirdQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), as: Int.self, in: transaction) ?? 0
    }

    /// Moves `GEN_<table>_ID` up to MAX(ID) when rows were inserted with explicit IDs past it, so IDs
    /// the generator hands out (to this load and to the MIS) cannot collide. Returns how far it moved.
    func alignGenerator(of table: String, in transaction: Transaction) throws -> Int64 {
        let generator = Self.generator(of: table)
        let current = try attachment.queryValue(
            FirebirdQuery(unsafeSQL: "SELECT GEN_ID(\(generator), 0) FROM RDB$DATABASE"), as: Int64.self, in: transaction) ?? 0
        let maxID = try attachment.queryValue(
            FirebirdQuery(unsafeSQL: "SELECT MAX(ID) FROM \(table)"), as: Int64?.self, in: transaction) ?? nil
        guard let maxID, maxID > current else { return 0 }
        _ = try attachment.queryValue(
            FirebirdQuery(unsafeSQL: "SELECT GEN_ID(\(generator), \(maxID - current)) FROM RDB$DATABASE"),
            as: Int64.self, in: transaction)
        return maxID - current
    }

    /// Reserves `count` consecutive IDs of `GEN_<table>_ID` (one atomic `GEN_ID(g, count)`); returns the first.
    func reserveIDs(of table: String, count: Int, in transaction: Transaction) throws -> Int32 {
        let generator = Self.generator(of: table)
        let last = try attachment.queryValue(
            FirebirdQuery(unsafeSQL: "SELECT GEN_ID(\(generator), \(count)) FROM RDB$DATABASE"), as: Int64.self,
            in: transaction) ?? 0
        let first = last - Int64(count) + 1
        guard first > 0, last <= Int64(Int32.max) else {
            throw DemoDataError.schema("\(table).ID is an INTEGER and \(count) more IDs after \(first - 1) do not fit")
        }
        return Int32(first)
    }

    /// Active doctors and nurses with the services of their department, and the staff who book.
    func visitPlan(in transaction: Transaction) throws -> VisitPlan {
        var services: [Int32: [VisitPlan.Service]] = [:]
        for row in try attachment.query(
            "SELECT ID, DEPARTMENT_ID, PRICE, DURATION_MIN FROM SERVICES WHERE IS_ACTIVE = 1 AND DEPARTMENT_ID IS NOT NULL ORDER BY ID",
            in: transaction)
        {
            let price = try row.decode(FirebirdDecimal.self, at: 2).rescaled(to: -2)?.unscaled ?? 0
            services[try row.decode(Int32.self, at: 1), default: []].append(
                VisitPlan.Service(id: try row.decode(Int32.self, at: 0), priceKopecks: price,
                                  minutes: max(5, try row.decode(Int.self, at: 3))))
        }
        var plan = VisitPlan()
        for row in try attachment.query(
            """
            SELECT S.ID, S.DEPARTMENT_ID, S.SPECIALTY, D.NAME FROM STAFF S LEFT JOIN DEPARTMENTS D ON D.ID = S.DEPARTMENT_ID
            WHERE S.IS_ACTIVE = 1 AND S.ROLE IN ('doctor', 'nurse') AND S.DEPARTMENT_ID IS NOT NULL ORDER BY S.ID
            """, in: transaction)
        {
            guard let offered = services[try row.decode(Int32.self, at: 1)], !offered.isEmpty else { continue }
            let index = plan.doctors.count
            let specialty = try row.decode(String?.self, at: 2)
            let department = try row.decode(String?.self, at: 3)
            plan.doctors.append(VisitPlan.Doctor(
                id: try row.decode(Int32.self, at: 0),
                cabinet: String(100 * (1 + index / 30 % 4) + 1 + index % 30),
                services: offered,
                pediatric: specialty == "педиатр" || department == "Педиатрия"))
        }
        plan.bookers = try attachment.query(
            "SELECT ID FROM STAFF WHERE IS_ACTIVE = 1 AND ROLE IN ('registrar', 'operator') ORDER BY ID", in: transaction)
            .map { try $0.decode(Int32.self, at: 0) }
        return plan
    }

    /// True when the database writes pages synchronously (`MON$FORCED_WRITES`).
    func forcedWrites(in transaction: Transaction) throws -> Bool {
        try attachment.queryValue("SELECT MON$FORCED_WRITES FROM MON$DATABASE", as: Int.self, in: transaction) == 1
    }
}

/// Why the demo-data generator could not run.
public struct DemoDataError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in words for the user.
    public var message: String

    static func schema(_ message: String) -> DemoDataError { DemoDataError(message: message) }

    public var description: String { message }
}
