import Firebird

/// One table's INSERT as a parameterized `EXECUTE BLOCK` that inserts several rows per execution.
///
/// ```sql
/// EXECUTE BLOCK (P0 INTEGER = ?, P1 VARCHAR(20) CHARACTER SET WIN1251 = ?, …, P18 INTEGER = ?, …)
/// AS BEGIN
///     INSERT INTO PATIENTS (ID, CARD_NUMBER, …) VALUES (:P0, :P1, …);
///     INSERT INTO PATIENTS (ID, CARD_NUMBER, …) VALUES (:P18, :P19, …);
/// END
/// ```
///
/// One execution is one statement for the engine and the client library (one request start, one
/// statement savepoint, one message conversion), so their fixed cost is shared by the rows. Every row
/// is still an ordinary INSERT: constraints, foreign keys and triggers (MisLink's too) run as usual.
///
/// Text parameters are declared `CHARACTER SET WIN1251` and the rows' text arrives already encoded
/// (see ``InsertBlock/text(_:)``) on a WIN1251 attachment, so the engine copies the bytes instead of
/// transliterating them (it transliterates only into columns of another character set). Their
/// lengths are the columns' own, except the free-text columns, whose values come from a short catalog
/// and are declared as long as its longest entry: the input message of a block must stay well under
/// the 64 KB a Firebird message may take.
struct InsertBlock: Sendable {
    struct Column: Sendable {
        let name: String
        /// The parameter's SQL type.
        let type: String
        /// The bytes the parameter takes in the input message (value, VARCHAR length prefix, NULL flag).
        let messageBytes: Int
    }

    let table: String
    let columns: [Column]
    /// Rows per execution of the largest block.
    let maxRows: Int

    /// The largest input message a block may have: half of Firebird's 64 KB, to leave room for alignment.
    static let messageLimit = 32_768
    /// Rows per block when the message allows it. Larger blocks gain little more.
    static let preferredRows = 32

    init(table: String, columns: [Column]) {
        self.table = table
        self.columns = columns
        let rowBytes = columns.reduce(0) { $0 + $1.messageBytes }
        maxRows = max(1, min(Self.preferredRows, Self.messageLimit / rowBytes))
    }

    static func integer(_ name: String) -> Column { Column(name: name, type: "INTEGER", messageBytes: 8) }
    static func smallint(_ name: String) -> Column { Column(name: name, type: "SMALLINT", messageBytes: 4) }
    static func date(_ name: String) -> Column { Column(name: name, type: "DATE", messageBytes: 8) }
    static func timestamp(_ name: String) -> Column { Column(name: name, type: "TIMESTAMP", messageBytes: 12) }
    static func numeric(_ name: String) -> Column { Column(name: name, type: "NUMERIC(12,2)", messageBytes: 12) }
    static func char(_ name: String, _ length: Int) -> Column {
        Column(name: name, type: "CHAR(\(length)) CHARACTER SET WIN1251", messageBytes: length + 4)
    }
    static func varchar(_ name: String, _ length: Int) -> Column {
        Column(name: name, type: "VARCHAR(\(length)) CHARACTER SET WIN1251", messageBytes: length + 6)
    }
    /// A VARCHAR as long as the longest of `values` (at least 1 byte), for columns filled from a catalog.
    static func varchar(_ name: String, oneOf values: [String], column: Int) -> Column {
        let longest = values.map { Win1251.encode($0)?.count ?? column }.max() ?? 1
        return varchar(name, min(column, max(1, longest)))
    }

    /// The statement inserting `rows` rows.
    func sql(rows: Int) -> String {
        let width = columns.count
        let names = columns.map(\.name).joined(separator: ", ")
        var parameters: [String] = []
        parameters.reserveCapacity(rows * width)
        var body = ""
        for row in 0..<rows {
            var values: [String] = []
            for (index, column) in columns.enumerated() {
                let parameter = "P\(row * width + index)"
                parameters.append("\(parameter) \(column.type) = ?")
                values.append(":" + parameter)
            }
            body += "    INSERT INTO \(table) (\(names)) VALUES (\(values.joined(separator: ", ")));\n"
        }
        return "EXECUTE BLOCK (\(parameters.joined(separator: ", ")))\nAS BEGIN\n\(body)END"
    }

    /// How `count` rows are cut into blocks: full blocks, then the rest in powers of two, so that no
    /// more than about log2(``maxRows``) statements per table are ever prepared.
    func blockSizes(_ count: Int) -> [Int] {
        var sizes = Array(repeating: maxRows, count: count / maxRows)
        var rest = count % maxRows
        var size = 1
        while size * 2 <= rest { size *= 2 }
        while rest > 0 {
            if size <= rest {
                sizes.append(size)
                rest -= size
            }
            size /= 2
        }
        return sizes
    }

    /// A text value for a `CHARACTER SET WIN1251` parameter: its WIN1251 bytes, encoded here so the
    /// inserting thread only copies them. Text WIN1251 cannot hold stays text (the engine then fails
    /// with its own transliteration error).
    @inline(__always)
    static func text(_ value: String?) -> FirebirdValue {
        guard let value else { return .null }
        guard let bytes = Win1251.encode(value) else { return .text(value) }
        return .bytes(bytes)
    }

    // MARK: The two tables

    static let patients = InsertBlock(table: "PATIENTS", columns: [
        integer("ID"), varchar("CARD_NUMBER", 20), varchar("LAST_NAME", 60), varchar("FIRST_NAME", 60),
        varchar("MIDDLE_NAME", 60), date("BIRTH_DATE"), char("SEX", 1), varchar("PHONE_MOBILE", 64),
        varchar("PHONE_HOME", 64), varchar("PHONE_WORK", 64), varchar("EMAIL", 100), varchar("SNILS", 14),
        varchar("ADDRESS", 255), smallint("CONSENT_SMS"), smallint("CONSENT_MESSENGERS"),
        varchar("NOTES", oneOf: ClinicCatalog.patientNotes, column: 1_000), timestamp("CREATED_AT"), smallint("IS_DELETED"),
    ])

    /// SCHEDULE IDs are reserved from GEN_SCHEDULE_ID in generation order (see ``Pipeline``).
    static let visits = InsertBlock(table: "SCHEDULE", columns: [
        integer("ID"), integer("PATIENT_ID"), integer("DOCTOR_ID"), integer("SERVICE_ID"), timestamp("START_AT"),
        timestamp("END_AT"), varchar("STATUS", 16), varchar("CABINET", 16), numeric("PRICE"), integer("CREATED_BY"),
        timestamp("CREATED_AT"), timestamp("UPDATED_AT"), timestamp("CANCELLED_AT"),
        varchar("COMMENT", oneOf: ClinicCatalog.visitComments, column: 1_000),
    ])
}

extension PatientRow {
    /// Appends this row's parameter values, in the order of ``InsertBlock/patients``.
    func appendValues(to values: inout [FirebirdValue]) {
        values.append(.integer(id))
        values.append(InsertBlock.text(cardNumber))
        values.append(InsertBlock.text(lastName))
        values.append(InsertBlock.text(firstName))
        values.append(InsertBlock.text(middleName))
        values.append(birthDate.map(FirebirdValue.date) ?? .null)
        values.append(InsertBlock.text(sex))
        values.append(InsertBlock.text(phoneMobile))
        values.append(InsertBlock.text(phoneHome))
        values.append(InsertBlock.text(phoneWork))
        values.append(InsertBlock.text(email))
        values.append(InsertBlock.text(snils))
        values.append(InsertBlock.text(address))
        values.append(.smallint(consentSMS ? 1 : 0))
        values.append(.smallint(consentMessengers ? 1 : 0))
        values.append(InsertBlock.text(notes))
        values.append(.timestamp(createdAt))
        values.append(.smallint(isDeleted ? 1 : 0))
    }
}

extension VisitRow {
    /// Appends this row's parameter values, in the order of ``InsertBlock/visits``; the ID is a
    /// placeholder the inserting thread overwrites with a reserved one.
    func appendValues(to values: inout [FirebirdValue]) {
        values.append(.integer(id))
        values.append(.integer(patientID))
        values.append(.integer(doctorID))
        values.append(.integer(serviceID))
        values.append(.timestamp(startAt))
        values.append(.timestamp(endAt))
        values.append(InsertBlock.text(status))
        values.append(InsertBlock.text(cabinet))
        values.append(price.map(FirebirdValue.decimal) ?? .null)
        values.append(createdBy.map(FirebirdValue.integer) ?? .null)
        values.append(.timestamp(createdAt))
        values.append(updatedAt.map(FirebirdValue.timestamp) ?? .null)
        values.append(cancelledAt.map(FirebirdValue.timestamp) ?? .null)
        values.append(InsertBlock.text(comment))
    }
}

/// WIN1251 (Windows Cyrillic) encoding, table-driven.
enum Win1251 {
    /// The WIN1251 byte of each Unicode scalar below 0x2200 that has one (0: none, or ASCII).
    private static let bytes: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x2200)
        for byte in 0x80...0xFF {
            let text = withUnsafeBytes(of: UInt8(byte)) { FirebirdCharset.win1251.decode($0) }
            if let scalar = text.unicodeScalars.first, scalar.value != 0xFFFD, Int(scalar.value) < table.count {
                table[Int(scalar.value)] = UInt8(byte)
            }
        }
        return table
    }()

    /// The WIN1251 bytes of `text`, or nil when a character has none.
    static func encode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { utf8 -> [UInt8]? in
            let count = utf8.count
            let table = bytes
            var failed = false
            // A String's UTF-8 is valid, so sequences are decoded without checks; WIN1251 has nothing
            // outside the BMP, so a four-byte sequence fails.
            let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, written in
                var index = 0
                var length = 0
                while index < count {
                    let lead = utf8[index]
                    if lead < 0x80 {
                        buffer[length] = lead
                        index += 1
                    } else {
                        let value: Int
                        if lead < 0xE0 {
                            value = Int(lead & 0x1F) << 6 | Int(utf8[index + 1] & 0x3F)
                            index += 2
                        } else if lead < 0xF0 {
                            value = Int(lead & 0x0F) << 12 | Int(utf8[index + 1] & 0x3F) << 6 | Int(utf8[index + 2] & 0x3F)
                            index += 3
                        } else {
                            failed = true
                            break
                        }
                        guard value < table.count, table[value] != 0 else {
                            failed = true
                            break
                        }
                        buffer[length] = table[value]
                    }
                    length += 1
                }
                written = failed ? 0 : length
            }
            return failed ? nil : out
        }
    }
}
