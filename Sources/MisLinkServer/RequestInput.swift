import Firebird
import Foundation
import Hummingbird

/// Range checks for what a REST request brings (query strings, paths, JSON bodies), done before a value
/// reaches a fixed-width type or a column: a value out of range is a 400 naming the field, never a trap
/// and never the database's own refusal.
///
/// Ids are positive (`1...Int32.max` for INTEGER keys, `1...Int64.max` for BIGINT ones and every MIS id); times lie within
/// Firebird's TIMESTAMP range (0001-01-01 to 9999-12-31); texts are counted in code points, as Firebird
/// counts a `VARCHAR(n)`, and an ASCII column takes ASCII only.
enum RequestInput {
    /// The largest INTEGER key.
    static let maxInteger = Int(Int32.max)

    // MARK: - Numbers

    /// An INTEGER column's value, from JSON: `value` within `range` (an id by default).
    static func integer(_ value: Int, _ field: String, in range: ClosedRange<Int> = 1...maxInteger) throws -> Int32 {
        guard range.contains(value), let narrow = Int32(exactly: value) else {
            throw outOfRange(field, range)
        }
        return narrow
    }

    /// An optional INTEGER column's value, from JSON.
    static func integer(_ value: Int?, _ field: String, in range: ClosedRange<Int> = 1...maxInteger) throws -> Int32? {
        try value.map { try integer($0, field, in: range) }
    }

    /// A SMALLINT column's value, from JSON.
    static func smallint(_ value: Int, _ field: String,
                         in range: ClosedRange<Int> = Int(Int16.min)...Int(Int16.max)) throws -> Int16 {
        guard range.contains(value), let narrow = Int16(exactly: value) else { throw outOfRange(field, range) }
        return narrow
    }

    /// A MIS id (patient, employee, appeal, service, visit), from JSON: any positive 64-bit integer, since a
    /// MIS may key its rows with BIGINT codes (77000000000001).
    static func id(_ value: Int, _ field: String) throws -> Int64 {
        try bigint(Int64(value), field)
    }

    /// An optional MIS id, from JSON.
    static func id(_ value: Int?, _ field: String) throws -> Int64? {
        try value.map { try id($0, field) }
    }

    /// A MIS id from a query string or a path.
    static func id(text: some StringProtocol, _ field: String) throws -> Int64 {
        try bigint(text: text, field)
    }

    /// A BIGINT key, from JSON.
    static func bigint(_ value: Int64, _ field: String) throws -> Int64 {
        guard value >= 1 else { throw HTTPError(.badRequest, message: "\(field) must be an id from 1 to \(Int64.max)") }
        return value
    }

    /// An INTEGER from a query string or a path (`text`), within `range` (an id by default).
    static func integer(text: some StringProtocol, _ field: String, in range: ClosedRange<Int> = 1...maxInteger) throws -> Int32 {
        guard let value = Int(text) else { throw outOfRange(field, range) }
        return try integer(value, field, in: range)
    }

    /// A BIGINT key from a query string or a path.
    static func bigint(text: some StringProtocol, _ field: String) throws -> Int64 {
        guard let value = Int64(text) else { throw HTTPError(.badRequest, message: "\(field) must be an id from 1 to \(Int64.max)") }
        return try bigint(value, field)
    }

    private static func outOfRange(_ field: String, _ range: ClosedRange<Int>) -> HTTPError {
        let what = range.lowerBound == 1 && range.upperBound == maxInteger ? "an id" : "an integer"
        return HTTPError(.badRequest, message: "\(field) must be \(what) from \(range.lowerBound) to \(range.upperBound)")
    }

    // MARK: - Times

    /// 0001-01-01T00:00:00Z, the first instant a Firebird TIMESTAMP holds (in UTC).
    static let earliest = Date(timeIntervalSince1970: -62_135_596_800)
    /// 9999-12-31T23:59:59Z, the last whole second a Firebird TIMESTAMP holds (in UTC).
    static let latest = Date(timeIntervalSince1970: 253_402_300_799)

    /// An instant that fits a TIMESTAMP column in UTC (and a day either side, for the clinic's zone).
    static func instant(_ date: Date, _ field: String) throws -> Date {
        guard date >= earliest.addingTimeInterval(86_400), date <= latest.addingTimeInterval(-86_400) else {
            throw HTTPError(.badRequest, message: "\(field) must be between 0001-01-02 and 9999-12-30")
        }
        return date
    }

    /// An ISO 8601 time (`2026-11-27T09:00:00Z`, fractions allowed) within Firebird's range.
    static func instant(text: String, _ field: String) throws -> Date {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions.insert(.withFractionalSeconds)
        guard let date = plain.date(from: text) ?? fractional.date(from: text) else {
            throw HTTPError(.badRequest, message: "\(field) must be an ISO 8601 time such as 2026-11-27T09:00:00Z")
        }
        return try instant(date, field)
    }

    // MARK: - Texts

    /// The character set of a text column, which decides what it takes.
    enum Charset {
        case ascii, utf8
    }

    /// A text for a `VARCHAR(max)` column: at most `max` code points (Firebird's count), ASCII only for an
    /// ASCII column.
    static func text(_ value: String, _ field: String, max: Int, charset: Charset = .utf8) throws -> String {
        if charset == .ascii, !value.unicodeScalars.allSatisfy(\.isASCII) {
            throw HTTPError(.badRequest, message: "\(field) must be ASCII")
        }
        guard value.unicodeScalars.count <= max else {
            throw HTTPError(.badRequest, message: "\(field) is at most \(max) characters")
        }
        return value
    }

    /// An optional text for a `VARCHAR(max)` column.
    static func text(_ value: String?, _ field: String, max: Int, charset: Charset = .utf8) throws -> String? {
        try value.map { try text($0, field, max: max, charset: charset) }
    }

    // MARK: - JSON bodies

    /// Decodes a JSON body; a value of the wrong type or out of range for its Swift type (a number past
    /// `Int.max`, a string for a number) is a 400 that names the field.
    static func decode<T: Decodable>(_ type: T.Type, from body: Data) throws -> T {
        do {
            return try JSONCoding.decoder.decode(type, from: body)
        } catch let error as DecodingError {
            let what = misfit(in: body).map { "\($0) has the wrong type or is out of range" } ?? describe(error)
            throw HTTPError(.badRequest, message: "the body is not the JSON this endpoint takes: \(what)")
        }
    }

    /// The path of the first number in a JSON body that no integer field takes (a fraction, or past
    /// `Int64`): Foundation's decoder reports those as "not valid JSON" without naming the field, and every
    /// number this API takes is an integer.
    static func misfit(in body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return nil }
        func walk(_ value: Any, _ path: String) -> String? {
            switch value {
            case let object as [String: Any]:
                for key in object.keys.sorted() {
                    if let found = walk(object[key]!, path.isEmpty ? key : "\(path).\(key)") { return found }
                }
                return nil
            case let array as [Any]:
                for (index, element) in array.enumerated() {
                    if let found = walk(element, "\(path)[\(index)]") { return found }
                }
                return nil
            case let number as NSNumber:  // true and false are 1 and 0: integral, never a misfit
                return Int64(number.stringValue) != nil || path.isEmpty ? nil : path
            default:
                return nil
            }
        }
        return walk(object, "")
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? snakeCase($0.stringValue) }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return context.codingPath.isEmpty ? "it must be a JSON object"
                : "\(path(context.codingPath)) has the wrong type or is out of range"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "it is not valid JSON"
                : "\(path(context.codingPath)) has the wrong type or is out of range"
        @unknown default:
            return "\(error)"
        }
    }

    /// `patientId` → `patient_id`, the way the API spells its keys.
    private static func snakeCase(_ key: String) -> String {
        var out = ""
        for character in key {
            if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
        }
        return out
    }
}
