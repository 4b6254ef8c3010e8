import Firebird
import Foundation
import Testing

/// The values Firebird quotes from the data in its messages (a violated key, a rejected value, a
/// string that failed conversion) stay out of `description` and `message`, which go to logs and API
/// answers; the constraint, table and column names and the codes stay in; `debugDescription` keeps all.
@Suite("Error messages drop the data's values (embedded)")
struct ErrorRedactionTests {
    static let phone = "79161234567"

    @Test func aUniqueViolationKeepsTheConstraintButNotTheKey() throws {
        try TestDatabase.withDatabase { db in
            try TestDatabase.ddl(
                db, "CREATE TABLE PHONES (ID INTEGER, PHONE VARCHAR(20), KIND VARCHAR(40), CONSTRAINT PHONES_UQ UNIQUE (PHONE, KIND))")
            try db.execute("INSERT INTO PHONES VALUES (\(1), \(Self.phone), \("mobile"))")
            let error = try #require(expectCode(.uniqueViolation) {
                try db.execute("INSERT INTO PHONES VALUES (\(2), \(Self.phone), \("mobile"))")
            })
            #expect(error.fullMessage.contains("(\"PHONE\" = '\(Self.phone)', \"KIND\" = 'mobile')"), "the server quoted the key")
            for text in [error.description, error.message] {
                #expect(!text.contains(Self.phone) && !text.contains("mobile"), "\(text)")
                #expect(text.contains("violation of PRIMARY or UNIQUE KEY constraint \"PHONES_UQ\" on table \"PHONES\""), "\(text)")
                #expect(text.contains("Problematic key value is (\"PHONE\" = ***, \"KIND\" = ***)"), "\(text)")
            }
            #expect(error.description.contains("SQLSTATE 23000") && error.description.contains("335544665"))
            #expect(error.debugDescription.contains(Self.phone), "debugDescription keeps everything")
        }
    }

    /// Firebird quotes text values without doubling their quotes, so a value holding a quote, a newline
    /// and something shaped like another column cannot be told from the list: all of it is hidden.
    @Test func aKeyThatCannotBeReadSafelyIsHiddenWhole() throws {
        try TestDatabase.withDatabase { db in
            try TestDatabase.ddl(db, "CREATE TABLE PHONES (PHONE VARCHAR(20), KIND VARCHAR(40), CONSTRAINT PHONES_UQ UNIQUE (PHONE, KIND))")
            let kind = "mo'bile\n\"SECRET\" = 5)"
            try db.execute("INSERT INTO PHONES VALUES (\(Self.phone), \(kind))")
            let error = try #require(expectCode(.uniqueViolation) { try db.execute("INSERT INTO PHONES VALUES (\(Self.phone), \(kind))") })
            #expect(error.fullMessage.contains("SECRET"), "\(error.fullMessage)")
            for text in [error.description, error.message] {
                #expect(!text.contains(Self.phone) && !text.contains("mo'bile") && !text.contains("SECRET"), "\(text)")
                #expect(text.contains("Problematic key value is (***)"), "\(text)")
                #expect(text.contains("PHONES_UQ"), "\(text)")
            }
        }
    }

    @Test func aForeignKeyViolationHidesTheMissingKey() throws {
        try TestDatabase.withDatabase { db in
            try TestDatabase.ddl(
                db, "CREATE TABLE PATIENT (PHONE VARCHAR(20) NOT NULL PRIMARY KEY)",
                "CREATE TABLE VISIT (ID INTEGER, PHONE VARCHAR(20) CONSTRAINT VISIT_PATIENT_FK REFERENCES PATIENT (PHONE))")
            let error = expectCode(.foreignKeyViolation) { try db.execute("INSERT INTO VISIT VALUES (\(1), \(Self.phone))") }
            #expect(error?.fullMessage.contains(Self.phone) == true)
            #expect(error?.description.contains(Self.phone) == false, "\(String(describing: error))")
            #expect(error?.description.contains("VISIT_PATIENT_FK") == true)
            #expect(error?.description.contains("(\"PHONE\" = ***)") == true, "\(String(describing: error))")
        }
    }

    @Test func rejectedAndUnconvertibleValuesAreHidden() throws {
        try TestDatabase.withDatabase { db in
            try TestDatabase.ddl(
                db, "CREATE DOMAIN MOBILE AS VARCHAR(20) CHECK (VALUE STARTING WITH '7')",
                "CREATE TABLE CONTACT (ID INTEGER, MOBILE MOBILE)")
            let rejected = expectCode(.server) { try db.execute("INSERT INTO CONTACT VALUES (\(1), \(String("8" + Self.phone.dropFirst())))") }
            #expect(rejected?.fullMessage.contains("8916") == true, "\(String(describing: rejected?.fullMessage))")
            #expect(rejected?.description.contains("8916") == false, "\(String(describing: rejected))")
            #expect(rejected?.description.contains("\"CONTACT\".\"MOBILE\", value \"***\"") == true, "\(String(describing: rejected))")

            let unconvertible = try #require(expectCode(.server) {
                try db.query("SELECT CAST(\("x" + Self.phone) AS INTEGER) FROM RDB$DATABASE")
            })
            #expect(unconvertible.fullMessage.contains(Self.phone))
            #expect(!unconvertible.description.contains(Self.phone), "\(unconvertible)")
            #expect(unconvertible.description.contains("conversion error from string \"***\""), "\(unconvertible)")
        }
    }
}
