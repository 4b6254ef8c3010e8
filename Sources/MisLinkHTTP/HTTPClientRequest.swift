import Foundation

/// One HTTP request for ``HTTPClient``: a value that can be built, copied and sent many times.
public struct HTTPClientRequest: Sendable {
    /// The method, e.g. `GET` or `POST`.
    public var method: String
    /// The absolute URL, `http://` or `https://`.
    public var url: String
    /// Header fields in the order they are sent.
    public var headers: [(name: String, value: String)]
    /// The body, sent as is. `nil` sends none.
    public var body: Data?
    /// The whole-transfer timeout for this request. `nil` uses the client's ``HTTPClient/Configuration/timeout``.
    public var timeout: Duration?

    /// Makes a request.
    /// - Parameters:
    ///   - method: The method. Defaults to `GET`.
    ///   - url: The absolute URL.
    ///   - headers: Header fields. Defaults to none.
    ///   - body: The body. Defaults to none.
    ///   - timeout: Overrides the client's timeout. Defaults to `nil`.
    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: Data? = nil,
        timeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// A `POST` of `application/x-www-form-urlencoded` fields, encoded in the given order.
    public static func form(_ url: String, fields: [(String, String)], headers: [(name: String, value: String)] = [])
        -> HTTPClientRequest
    {
        HTTPClientRequest(
            method: "POST", url: url,
            headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers,
            body: Data(FormURLEncoding.encode(fields).utf8))
    }

    /// A `POST` (or another method) of a JSON body that is already encoded.
    public static func json(
        _ url: String, method: String = "POST", body: Data, headers: [(name: String, value: String)] = []
    ) -> HTTPClientRequest {
        HTTPClientRequest(
            method: method, url: url, headers: [("Content-Type", "application/json")] + headers, body: body)
    }

    /// A `GET`.
    public static func get(_ url: String, headers: [(name: String, value: String)] = []) -> HTTPClientRequest {
        HTTPClientRequest(method: "GET", url: url, headers: headers)
    }
}

/// What the server answered.
public struct HTTPClientResponse: Sendable {
    /// The status code, e.g. 200.
    public var status: Int
    /// The header fields of the final response, in order.
    public var headers: [(name: String, value: String)]
    /// The body, collected whole.
    public var body: Data
    /// Time on the wire (libcurl's `CURLINFO_TOTAL_TIME_T`), excluding any wait for a free connection.
    public var transferTime: Duration = .zero

    /// Makes a response (tests build them by hand).
    public init(status: Int, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header field, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// `application/x-www-form-urlencoded` encoding and decoding (WHATWG rules: space as `+`).
public enum FormURLEncoding {
    private static let unreserved = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*")

    /// Percent-encodes one value or name.
    public static func escape(_ string: String) -> String {
        var out = ""
        for byte in string.utf8 {
            if byte == 0x20 {
                out += "+"
            } else if let scalar = Unicode.Scalar(UInt32(byte)), byte < 0x80, unreserved.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Encodes fields as `a=1&b=2`, in the given order.
    public static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// Decodes `a=1&b=2`; a repeated name keeps its first value. Invalid percent escapes stay as they are.
    public static func decode(_ body: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = unescape(String(parts[0]))
            let value = parts.count > 1 ? unescape(String(parts[1])) : ""
            if result[name] == nil { result[name] = value }
        }
        return result
    }

    /// Reverses ``escape(_:)``.
    public static func unescape(_ string: String) -> String {
        let plus = string.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
    }
}

extension HTTPClientRequest {
    /// `base` and `path` joined by exactly one `/` (a configured base URL may or may not end in one).
    public static func url(_ base: String, _ path: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + (path.hasPrefix("/") ? path : "/" + path)
    }
}
