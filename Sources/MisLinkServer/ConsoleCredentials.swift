import Crypto
import Foundation
import MisLinkExternalAPIs

/// The secrets of the console's sign-in: session and CSRF tokens, the MIS's stored password hashes, and
/// the MIS's signed embedding tokens. None of them is ever logged.
enum ConsoleCredentials {
    /// 32 random bytes as base64url without padding (43 characters): a session or CSRF token.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return base64URL(Data(bytes))
    }

    /// Lowercase hex SHA-256 of a session token: its key in `MISLINK_SESSIONS` (the token is never stored).
    static func tokenHash(_ token: String) -> String {
        MangoSignature.hex(SHA256.hash(data: Data(token.utf8)))
    }

    /// Whether `password` matches a hash the MIS stored as `sha256:<salt hex>:<hex of SHA-256(salt bytes +
    /// UTF-8 password)>`, compared in constant time. A hash in any other form never matches.
    static func passwordMatches(_ password: String, storedHash: String) -> Bool {
        let parts = storedHash.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].lowercased() == "sha256", let salt = bytes(hex: parts[1]),
              parts[2].count == 64
        else { return false }
        let digest = MangoSignature.hex(SHA256.hash(data: salt + Data(password.utf8)))
        return MangoSignature.constantTimeEqual(digest, parts[2].lowercased())
    }

    /// The bytes of an even-length hex text; nil when it is not one.
    static func bytes(hex: Substring) -> Data? {
        guard hex.count % 2 == 0 else { return nil }
        var data = Data(capacity: hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            data.append(byte)
            index = next
        }
        return data
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

/// A token the MIS signs so that its own page can show MisLink's card for the employee signed in there
/// (`POST /api/v1/session/embed`): `base64url(JSON {"login","exp","iat"})` + `.` +
/// `base64url(HMAC-SHA256(console.embed_secret, <the first part as ASCII>))`.
struct EmbedToken: Sendable, Equatable {
    /// The employee's MIS login.
    var login: String
    /// Expires at (Unix seconds).
    var expiresAt: Int64
    /// Issued at (Unix seconds).
    var issuedAt: Int64

    /// The longest a token may live, `exp - iat`: five minutes, so one seen in a log or a browser's
    /// history is soon worthless.
    static let maxLifetime: Int64 = 300
    /// How far ahead of this worker's clock `iat` may be (the MIS's clock may run a little fast).
    static let clockSkew: Int64 = 60

    /// Why a token is refused (each a 401).
    enum Refusal: Error, Equatable {
        case malformed, badSignature, expired, tooLongLived
        /// `iat` more than ``clockSkew`` ahead of this worker's clock.
        case issuedInTheFuture
    }

    private struct Payload: Codable {
        var login: String
        var exp: Int64
        var iat: Int64
    }

    /// Checks the signature with `secret` and the times against `now`.
    static func verify(_ token: String, secret: String, now: Date = Date()) throws(Refusal) -> EmbedToken {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, token.utf8.count <= 4096, let signature = ConsoleCredentials.data(base64URL: parts[1]) else {
            throw .malformed
        }
        let key = SymmetricKey(data: Data(secret.utf8))
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data(parts[0].utf8), using: key) else {
            throw .badSignature
        }
        guard let json = ConsoleCredentials.data(base64URL: parts[0]),
              let payload = try? JSONDecoder().decode(Payload.self, from: json), !payload.login.isEmpty
        else { throw .malformed }
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        guard payload.exp > seconds else { throw .expired }
        guard payload.iat <= seconds + clockSkew else { throw .issuedInTheFuture }
        guard payload.exp - payload.iat <= maxLifetime, payload.exp >= payload.iat else { throw .tooLongLived }
        return EmbedToken(login: payload.login, expiresAt: payload.exp, issuedAt: payload.iat)
    }

    /// Signs a token for `login` (what the MIS does; for tests and the demo).
    static func sign(login: String, issuedAt: Int64, expiresAt: Int64, secret: String) -> String {
        let payload = (try? JSONEncoder().encode(Payload(login: login, exp: expiresAt, iat: issuedAt))) ?? Data()
        let first = ConsoleCredentials.base64URL(payload)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(first.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return first + "." + ConsoleCredentials.base64URL(Data(mac))
    }
}
