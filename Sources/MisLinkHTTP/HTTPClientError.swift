import CCurl

/// A request that did not produce an HTTP response.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    /// What failed.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        /// The connection could not be made (refused, DNS, TLS handshake).
        public static let connect = Code(name: "connect")
        /// The timeout elapsed.
        public static let timeout = Code(name: "timeout")
        /// The request was cancelled by its task.
        public static let cancelled = Code(name: "cancelled")
        /// The URL was rejected.
        public static let badURL = Code(name: "badURL")
        /// Any other transfer failure.
        public static let transfer = Code(name: "transfer")
        /// The client was shut down.
        public static let shutdown = Code(name: "shutdown")
        public var description: String { name }
    }

    /// The kind of failure.
    public var code: Code
    /// libcurl's `CURLcode`, when libcurl reported the failure.
    public var curlCode: Int
    /// libcurl's message (it names the host, never the body).
    public var message: String

    public var description: String { "HTTPClientError.\(code) (curl \(curlCode)): \(message)" }

    init(curl: CURLcode, detail: String) {
        switch curl {
        case CURLE_OPERATION_TIMEDOUT: code = .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION:
            code = .connect
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: code = .badURL
        case CURLE_ABORTED_BY_CALLBACK: code = .cancelled
        default: code = .transfer
        }
        curlCode = Int(curl.rawValue)
        message = detail.isEmpty ? String(cString: curl_easy_strerror(curl)) : detail
    }

    init(code: Code, message: String) {
        self.code = code
        self.curlCode = 0
        self.message = message
    }
}
