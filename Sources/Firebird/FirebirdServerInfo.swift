/// Which Firebird engine serves an attachment: its version and the on-disk structure (ODS) of the database.
///
/// ```swift
/// let server = try attachment.serverInfo()
/// print(server)                          // Firebird 5.0.4 (LI-V5.0.4.1758 Firebird 5.0), ODS 13.1
/// try FirebirdEngineSupport.check(server) // throws for Firebird 2.5 (ODS 11)
/// ```
public struct FirebirdServerInfo: Sendable, Hashable, CustomStringConvertible {
    /// The server's version string as `isc_info_firebird_version` reports it, e.g.
    /// `LI-V5.0.4.1758 Firebird 5.0` (the engine's, not the client library's).
    public var version: String
    /// The major version (5 for `LI-V5.0.4.1758`); 0 when the string has no `-V` number.
    public var major: Int
    /// The minor version (0 for `LI-V5.0.4.1758`).
    public var minor: Int
    /// The release number (4 for `LI-V5.0.4.1758`).
    public var release: Int
    /// The build number (1758 for `LI-V5.0.4.1758`).
    public var build: Int
    /// The ODS major version of the database: 11 for Firebird 2.x, 12 for 3.0, 13 for 4.0 and 5.0.
    public var odsMajor: Int
    /// The ODS minor version: 13.0 is Firebird 4.0, 13.1 is Firebird 5.0.
    public var odsMinor: Int

    /// Parses the version from `version`; ODS as given.
    public init(version: String, odsMajor: Int, odsMinor: Int) {
        self.version = version
        self.odsMajor = odsMajor
        self.odsMinor = odsMinor
        // `LI-V3.0.11.33637 Firebird 3.0`: platform, `-`, build type (V release, T test, B beta), numbers.
        let token = version.split(separator: " ").first ?? ""
        let numbers = token.split(separator: "-").last.map { $0.dropFirst().split(separator: ".").map { Int($0) ?? 0 } } ?? []
        major = numbers.count > 0 ? numbers[0] : 0
        minor = numbers.count > 1 ? numbers[1] : 0
        release = numbers.count > 2 ? numbers[2] : 0
        build = numbers.count > 3 ? numbers[3] : 0
    }

    /// `"5.0"`.
    public var majorMinor: String { "\(major).\(minor)" }
    /// `"13.1"`.
    public var ods: String { "\(odsMajor).\(odsMinor)" }

    /// Firebird 4+: INT128, DECFLOAT, TIME ZONE types, `SET BIND`.
    public var hasFirebird4Types: Bool { major >= 4 }
    /// Firebird 5+: `SKIP LOCKED`.
    public var hasSkipLocked: Bool { major >= 5 }

    /// `Firebird 5.0.4 (LI-V5.0.4.1758 Firebird 5.0), ODS 13.1`.
    public var description: String { "Firebird \(major).\(minor).\(release) (\(version)), ODS \(ods)" }
}

extension FirebirdAttachment {
    /// The server's version and the database's ODS, read with one `isc_database_info` call.
    public func serverInfo() throws -> FirebirdServerInfo {
        let info = try info()
        return FirebirdServerInfo(version: info.serverVersion, odsMajor: info.odsMajor, odsMinor: info.odsMinor)
    }
}
