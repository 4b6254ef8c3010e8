extension MisLinkSettings {
    /// The public HTTP listener (webhooks, the REST API): what a slow or hostile client may hold.
    ///
    /// A connection that sends its request a byte at a time (slowloris), or opens and sends nothing,
    /// is closed after ``readTimeoutSeconds`` or ``idleTimeoutSeconds``; past ``maxConnections``
    /// a new connection is answered 503 and closed at once. The largest body is
    /// `intake.max_body_bytes` (413 past it).
    public struct HTTP: Codable, Sendable, Equatable {
        /// Seconds a connection may stay open with no request in progress (kept alive after an answer,
        /// or opened and silent), and with no request part arriving while one is read. Defaults to 60.
        public var idleTimeoutSeconds: Double
        /// Seconds a request may take to arrive whole, head and body, from its first byte (or from
        /// the connection's opening): a client that trickles it is closed. Defaults to 30.
        public var readTimeoutSeconds: Double
        /// Connections open at once; a new one past it gets `503 Service Unavailable` and is closed.
        /// Defaults to 1024.
        public var maxConnections: Int
        /// Largest request head (request line and header fields) in bytes; a larger one gets 400 and
        /// the connection is closed. Defaults to 16 KiB.
        public var maxHeaderBytes: Int

        public init(idleTimeoutSeconds: Double = 60, readTimeoutSeconds: Double = 30, maxConnections: Int = 1024,
                    maxHeaderBytes: Int = 16 * 1024) {
            self.idleTimeoutSeconds = idleTimeoutSeconds
            self.readTimeoutSeconds = readTimeoutSeconds
            self.maxConnections = maxConnections
            self.maxHeaderBytes = maxHeaderBytes
        }

        /// Refuses values that would switch a limit off or make the listener unusable.
        public init(from decoder: any Decoder) throws {
            let defaults = HTTP()
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                idleTimeoutSeconds: try c.decodeIfPresent(Double.self, forKey: .idleTimeoutSeconds) ?? defaults.idleTimeoutSeconds,
                readTimeoutSeconds: try c.decodeIfPresent(Double.self, forKey: .readTimeoutSeconds) ?? defaults.readTimeoutSeconds,
                maxConnections: try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? defaults.maxConnections,
                maxHeaderBytes: try c.decodeIfPresent(Int.self, forKey: .maxHeaderBytes) ?? defaults.maxHeaderBytes)
            try validate()
        }

        /// Throws a ``SettingsError`` naming the first setting out of its range.
        public func validate() throws {
            for (name, seconds) in [("idle_timeout_seconds", idleTimeoutSeconds), ("read_timeout_seconds", readTimeoutSeconds)]
            where !(seconds.isFinite && seconds > 0 && seconds <= 86_400) {
                throw SettingsError("http.\(name) must be more than 0 and at most 86400 seconds, got \(seconds)")
            }
            guard (1...1_000_000).contains(maxConnections) else {
                throw SettingsError("http.max_connections must be 1…1000000, got \(maxConnections)")
            }
            guard (1024...1 << 20).contains(maxHeaderBytes) else {
                throw SettingsError("http.max_header_bytes must be 1024…1048576, got \(maxHeaderBytes)")
            }
        }
    }
}
