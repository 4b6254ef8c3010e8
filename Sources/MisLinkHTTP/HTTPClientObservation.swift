import Synchronization

/// Reports the outcome and duration of requests to named APIs (the PBX, the chat platforms) to one
/// observer per process, for metrics; MisLinkHTTP itself depends on no metrics library.
///
/// Every ``HTTPClient`` request passes through here: its URL is matched against the prefixes given to
/// ``name(_:as:)`` (the longest one wins) and, when one matches and an observer is set, the observer
/// gets the API's name, the outcome and the time on a connection (the wait for a free one excluded).
/// Requests to other URLs (webhooks the emulator sends, tests) are not reported.
///
/// ```swift
/// HTTPClientObservation.observe { api, outcome, duration in … }
/// HTTPClientObservation.name("https://app.mango-office.ru/vpbx", as: "mango")
/// ```
public enum HTTPClientObservation {
    /// What a request came to: `"2xx"` … `"5xx"` for an HTTP answer, else the ``HTTPClientError/Code``
    /// (`"connect"`, `"timeout"`, `"cancelled"`, `"transfer"` …).
    public typealias Observer = @Sendable (_ api: String, _ outcome: String, _ duration: Duration) -> Void

    private struct State {
        var observer: Observer?
        /// (prefix, API name), the longest prefix first.
        var prefixes: [(prefix: String, api: String)] = []
    }

    private static let state = Mutex(State())

    /// Sets the process's observer (replacing any earlier one).
    public static func observe(_ observer: @escaping Observer) {
        state.withLock { $0.observer = observer }
    }

    /// Names the API of every URL starting with `prefix` (a base URL from the settings). An empty
    /// prefix is ignored; the same prefix named again takes the new name.
    public static func name(_ prefix: String, as api: String) {
        let prefix = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        guard !prefix.isEmpty else { return }
        state.withLock { state in
            state.prefixes.removeAll { $0.prefix == prefix }
            state.prefixes.append((prefix, api))
            state.prefixes.sort { $0.prefix.count > $1.prefix.count }
        }
    }

    /// The observer and API name for `url`, nil when the request is not reported.
    static func watch(_ url: String) -> (api: String, observer: Observer)? {
        state.withLock { state in
            guard let observer = state.observer,
                  let api = state.prefixes.first(where: { matches(url, $0.prefix) })?.api else { return nil }
            return (api, observer)
        }
    }

    /// `url` is `prefix` or goes on below it (`http://h:9` does not take `http://h:90/…`).
    static func matches(_ url: String, _ prefix: String) -> Bool {
        guard url.hasPrefix(prefix) else { return false }
        let rest = url.utf8.dropFirst(prefix.utf8.count)
        return rest.first.map { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? true
    }

    /// The outcome label of an answer's status.
    static func outcome(status: Int) -> String {
        (100..<600).contains(status) ? "\(status / 100)xx" : "other"
    }
}
