import Crypto
import Foundation

/// The Mango Office VPBX account credentials: both sides sign with them.
public struct MangoCredentials: Sendable, Hashable {
    /// `vpbx_api_key`: the product code, sent in every request.
    public var apiKey: String
    /// `vpbx_api_salt`: the signing key, never sent.
    public var apiSalt: String

    /// Makes credentials.
    public init(apiKey: String, apiSalt: String) {
        self.apiKey = apiKey
        self.apiSalt = apiSalt
    }
}

/// The Mango signature: `sign = lowercase hex sha256(vpbx_api_key + json + vpbx_api_salt)`.
public enum MangoSignature {
    /// Signs the exact `json` text that will be sent.
    /// - Returns: 64 lowercase hex characters.
    public static func sign(json: String, apiKey: String, apiSalt: String) -> String {
        hex(SHA256.hash(data: Data((apiKey + json + apiSalt).utf8)))
    }

    /// Signs with ``MangoCredentials``.
    public static func sign(json: String, credentials: MangoCredentials) -> String {
        sign(json: json, apiKey: credentials.apiKey, apiSalt: credentials.apiSalt)
    }

    /// Checks a received signature in constant time, accepting either hex case.
    public static func isValid(sign received: String, json: String, credentials: MangoCredentials) -> Bool {
        constantTimeEqual(received.lowercased(), sign(json: json, credentials: credentials))
    }

    /// The signature of a recording GET link: `sha256(vpbx_api_key + timestamp + recording_id + vpbx_api_salt)`.
    public static func recordingLinkSign(recordingId: String, timestamp: Int, credentials: MangoCredentials) -> String {
        hex(SHA256.hash(data: Data((credentials.apiKey + String(timestamp) + recordingId + credentials.apiSalt).utf8)))
    }

    /// Compares two strings without stopping at the first difference.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// Lowercase hex of a digest (no `String(format:)`: it runs for every webhook).
    public static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The three form fields of every Mango request and notification, in both directions.
public struct MangoSignedForm: Sendable, Hashable {
    /// `vpbx_api_key`.
    public var apiKey: String
    /// `sign`.
    public var sign: String
    /// `json`: the exact text that was signed.
    public var json: String

    /// Signs `json` (sign first, URL-encode later).
    public init(json: String, credentials: MangoCredentials) {
        self.apiKey = credentials.apiKey
        self.json = json
        self.sign = MangoSignature.sign(json: json, credentials: credentials)
    }

    /// Wraps fields that were received.
    public init(apiKey: String, sign: String, json: String) {
        self.apiKey = apiKey
        self.sign = sign
        self.json = json
    }

    /// The form fields in the order clients send them.
    public var fields: [(String, String)] { [("vpbx_api_key", apiKey), ("sign", sign), ("json", json)] }

    /// Reads the fields from decoded form values; `nil` when any is missing.
    public init?(form: [String: String]) {
        guard let key = form["vpbx_api_key"], let sign = form["sign"], let json = form["json"] else { return nil }
        self.init(apiKey: key, sign: sign, json: json)
    }

    /// What is wrong with a received form, as the PBX answers it: 3105 for a wrong key, 3102 for a
    /// wrong signature, `nil` when it is valid.
    public func verify(_ credentials: MangoCredentials) -> MangoResultCode? {
        guard MangoSignature.constantTimeEqual(apiKey, credentials.apiKey) else { return .badAccessKey }
        guard MangoSignature.isValid(sign: sign, json: json, credentials: credentials) else { return .signMismatch }
        return nil
    }
}

/// Compact JSON the way Mango's PHP clients write it: no spaces, slashes and Unicode unescaped.
public enum MangoJSON {
    /// Encodes a value as the `json` form field.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes the `json` form field (after the signature was checked).
    public static func decode<T: Decodable>(_ type: T.Type, from json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }
}
