import CCurl
import Foundation

/// Owns one libcurl easy handle. Not thread-safe: one ``HTTPClient`` lane uses it on its own queue,
/// and reusing it keeps the connection alive between requests.
final class EasyHandle {
    let handle: UnsafeMutableRawPointer
    /// CURLOPT_ERRORBUFFER: "a buffer … of at least CURL_ERROR_SIZE bytes", which must stay valid while the handle uses it.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init() {
        HTTPClient.globalInit
        guard let h = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        handle = h
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Runs one request to completion, blocking the calling thread.
    func perform(_ request: HTTPClientRequest, configuration: HTTPClient.Configuration, cancelled: CancelFlag)
        throws -> HTTPClientResponse
    {
        // "curl_easy_reset: Re-initializes all options previously set on a specified CURL handle to
        // the default values. … does not change … live connections, the Session ID cache, the DNS cache".
        curl_easy_reset(handle)
        let sink = TransferSink(cancelled: cancelled)
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { if let headerList { curl_slist_free_all(headerList) } }

        try withExtendedLifetime(sink) {
            try set(CURLOPT_URL, request.url)
            try set(CURLOPT_NOSIGNAL, 1)
            try set(CURLOPT_FOLLOWLOCATION, 0)
            try set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(configuration.connectTimeout))
            try set(CURLOPT_TIMEOUT_MS, milliseconds(request.timeout ?? configuration.timeout))
            if configuration.pinTLS12 {
                let v12 = Int(CURL_SSLVERSION_TLSv1_2)
                try set(CURLOPT_SSLVERSION, v12 | (v12 << 16))  // min 1.2, CURL_SSLVERSION_MAX_TLSv1_2
            }
            errorBuffer[0] = 0
            try check(mislink_curl_easy_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer))
            switch request.method {
            case "GET": try set(CURLOPT_HTTPGET, 1)
            case "HEAD": try set(CURLOPT_NOBODY, 1)
            case "POST": try set(CURLOPT_POST, 1)
            default: try set(CURLOPT_CUSTOMREQUEST, request.method)
            }
            if let body = request.body {
                try check(mislink_curl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
                try body.withUnsafeBytes { raw in
                    try check(mislink_curl_easy_setopt_ptr(handle, CURLOPT_COPYPOSTFIELDS, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)))
                }
            }
            // curl adds "Expect: 100-continue" to larger bodies; webhook receivers rarely want the extra round trip.
            for (name, value) in request.headers + [("Expect", "")] {
                headerList = curl_slist_append(headerList, value.isEmpty ? "\(name):" : "\(name): \(value)")
            }
            try check(mislink_curl_easy_setopt_ptr(handle, CURLOPT_HTTPHEADER, headerList))
            try check(mislink_curl_easy_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, writeBody))
            try check(mislink_curl_easy_setopt_ptr(handle, CURLOPT_WRITEDATA, sinkPointer))
            try check(mislink_curl_easy_setopt_write_function(handle, CURLOPT_HEADERFUNCTION, writeHeader))
            try check(mislink_curl_easy_setopt_ptr(handle, CURLOPT_HEADERDATA, sinkPointer))

            let code = curl_easy_perform(handle)
            if code != CURLE_OK {
                if cancelled.isCancelled { throw HTTPClientError(code: .cancelled, message: "cancelled") }
                let detail = String(cString: errorBuffer)
                throw HTTPClientError(curl: code, detail: detail)
            }
        }
        var status = 0
        _ = mislink_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var total: curl_off_t = 0
        _ = mislink_curl_easy_getinfo_off_t(handle, CURLINFO_TOTAL_TIME_T, &total)
        var response = HTTPClientResponse(status: status, headers: sink.finalHeaders, body: sink.body)
        response.transferTime = .microseconds(Int64(total))
        return response
    }

    private func set(_ option: CURLoption, _ value: Int) throws {
        try check(mislink_curl_easy_setopt_long(handle, option, value))
    }

    private func set(_ option: CURLoption, _ value: String) throws {
        // Strings are copied by libcurl (since 7.17.0), so a temporary C string is enough.
        try value.withCString { try check(mislink_curl_easy_setopt_ptr(handle, option, $0)) }
    }

    private func check(_ code: CURLcode) throws {
        if code != CURLE_OK { throw HTTPClientError(curl: code, detail: "") }
    }

    private func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}

/// Set by the task's cancellation handler, read by libcurl's callbacks on the lane's thread.
final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isCancelled: Bool { lock.withLock { value } }
    func cancel() { lock.withLock { value = true } }
}

/// Collects the body and header lines of one transfer.
private final class TransferSink {
    let cancelled: CancelFlag
    var body = Data()
    var headers: [(name: String, value: String)] = []
    init(cancelled: CancelFlag) { self.cancelled = cancelled }

    /// The headers of the last response (a `100 Continue` or a redirect starts a new block).
    var finalHeaders: [(name: String, value: String)] { headers }

    func addHeaderLine(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
        let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespacesAndNewlines)
        headers.append((name, value))
    }
}

private let writeBody: mislink_curl_write_callback = { data, size, count, userdata in
    let sink = Unmanaged<TransferSink>.fromOpaque(userdata!).takeUnretainedValue()
    // Returning a different byte count makes libcurl abort the transfer (CURLE_WRITE_ERROR).
    if sink.cancelled.isCancelled { return 0 }
    sink.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count)
    return size * count
}

private let writeHeader: mislink_curl_write_callback = { data, size, count, userdata in
    let sink = Unmanaged<TransferSink>.fromOpaque(userdata!).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
    sink.addHeaderLine(line)
    return size * count
}
