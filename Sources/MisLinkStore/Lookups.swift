import Firebird
import Foundation

/// Reads of MisLink's own helpers the outbound side makes besides its rows (the MIS's are the profile's).
/// Each runs inside a caller's transaction.
public enum Lookups {
    /// The phone key of a free-text number (`MISLINK_PHONE_KEYS`, the same rules as every stored key);
    /// `nil` when the text holds no number.
    public static func phoneKey(_ text: String, in tx: Transaction) throws -> String? {
        try tx.attachment.queryValue(
            """
            SELECT FIRST 1 PHONE_KEY FROM MISLINK_PHONE_KEYS(CAST(\(String(text.prefix(255))) AS VARCHAR(255)))
             WHERE PHONE_KEY IS NOT NULL ORDER BY ORDINAL
            """, as: String?.self, in: tx) ?? nil
    }

    /// A number to dial or transfer to: extensions and group numbers (up to 5 digits) as they are,
    /// anything longer as its phone key.
    public static func dialable(_ text: String, in tx: Transaction) throws -> String? {
        let digits = text.filter(\.isNumber)
        if !digits.isEmpty, digits.count <= 5, text.allSatisfy({ $0.isNumber || $0 == " " }) { return digits }
        return try phoneKey(text, in: tx)
    }

    /// A MisLink setting (`MISLINK_SETTING`), `nil` when unset or empty.
    public static func setting(_ name: String, in tx: Transaction) throws -> String? {
        let value = try tx.attachment.queryValue(
            "SELECT MISLINK_SETTING(CAST(\(name) AS VARCHAR(63))) FROM RDB$DATABASE", as: String?.self, in: tx) ?? nil
        return value?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty
    }

    /// The PBX leg (Mango `call_id`) of a call to act on: the asking employee's live leg first, then a
    /// talking one, then the newest; `nil` when every leg has ended.
    public static func liveLeg(callId: Int64, staffId: Int64, in tx: Transaction) throws -> (legId: String, state: String)? {
        try tx.attachment.query(
            """
            SELECT FIRST 1 L.PBX_LEG_ID, L.STATE FROM MISLINK_CALL_LEGS L
             WHERE L.CALL_ID = \(callId) AND L.STATE <> 'ended'
             ORDER BY IIF(L.STAFF_ID = \(staffId), 0, 1), IIF(L.STATE IN ('talking', 'on_hold'), 0, 1), L.ID DESC
            """, in: tx
        ).first.map { (try $0.decode(String.self, column: "PBX_LEG_ID"), try $0.decode(String.self, column: "STATE")) }
    }
}

extension String {
    /// Nil when empty.
    var nonEmpty: String? { isEmpty ? nil : self }
}
