/// Exponential backoff with jitter, capped: how long a row waits before its next attempt.
///
/// The delay after attempt `n` is `base · 2^(n-1)`, capped at `maxDelay`, of which a random half is
/// taken off ("equal jitter"), so that rows that failed together (a platform outage) do not all come
/// back in the same second. A provider's `Retry-After` is honoured when it asks for longer.
struct RetryPolicy: Sendable, Hashable {
    /// Attempts before a row is marked `failed`.
    var maxAttempts: Int
    /// The delay after the first failed attempt, before jitter.
    var baseDelay: Duration
    /// The longest delay.
    var maxDelay: Duration

    /// Makes a policy.
    /// - Parameters:
    ///   - maxAttempts: Attempts before giving up (at least 1).
    ///   - baseDelay: Defaults to 5 seconds.
    ///   - maxDelay: Defaults to 15 minutes.
    init(maxAttempts: Int, baseDelay: Duration = .seconds(5), maxDelay: Duration = .seconds(900)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = max(baseDelay, maxDelay)
    }

    /// True when a row that has been attempted `attempts` times may be attempted again.
    func allowsAnother(after attempts: Int) -> Bool { attempts < maxAttempts }

    /// The wait before the next attempt, after `attempts` attempts.
    /// - Parameter hint: the provider's `Retry-After`, if any.
    func delay(after attempts: Int, hint: Duration? = nil) -> Duration {
        let exponent = min(max(attempts - 1, 0), 30)
        var full = baseDelay * (1 << exponent)
        if full > maxDelay { full = maxDelay }
        let half = full / 2
        let jitter = half * Double.random(in: 0...1)
        let chosen = half + jitter
        guard let hint else { return chosen }
        return max(chosen, min(hint, maxDelay))
    }
}
