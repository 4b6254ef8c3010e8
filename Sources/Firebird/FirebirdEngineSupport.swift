/// Which Firebird engines this package supports, and a typed refusal for the others.
///
/// Firebird 2.5 (ODS 11) has no BOOLEAN, no identity columns, no window functions and no SRP
/// users; the binding and MisLink's migrations need Firebird 3.0 (ODS 12) or later.
public enum FirebirdEngineSupport {
    /// The oldest ODS supported: 12, Firebird 3.0.
    public static let minimumODSMajor = 12

    /// Throws ``FirebirdUnsupportedEngineError`` when `server`'s database is older than ODS 12.
    public static func check(_ server: FirebirdServerInfo) throws(FirebirdUnsupportedEngineError) {
        try check(odsMajor: server.odsMajor, odsMinor: server.odsMinor, version: server.version)
    }

    /// Throws ``FirebirdUnsupportedEngineError`` for an ODS older than 12.
    ///
    /// - Parameters:
    ///   - odsMajor: The database's ODS major version (`isc_info_ods_version`).
    ///   - odsMinor: Its minor version (`isc_info_ods_minor_version`).
    ///   - version: The server's version string, named in the error when given. Defaults to nil.
    public static func check(odsMajor: Int, odsMinor: Int, version: String? = nil) throws(FirebirdUnsupportedEngineError) {
        guard odsMajor >= minimumODSMajor else {
            throw FirebirdUnsupportedEngineError(odsMajor: odsMajor, odsMinor: odsMinor, serverVersion: version)
        }
    }

    /// The Firebird release that creates an ODS (`11.2` → `2.5`, `13.1` → `5.0`); nil when unknown.
    public static func firebirdVersion(odsMajor: Int, odsMinor: Int) -> String? {
        switch (odsMajor, odsMinor) {
        case (10, 0): "1.0"
        case (10, 1): "1.5"
        case (11, 0): "2.0"
        case (11, 1): "2.1"
        case (11, 2): "2.5"
        case (12, 0): "3.0"
        case (13, 0): "4.0"
        case (13, 1): "5.0"
        case (14, _): "6.0"
        default: nil
        }
    }
}

/// A database whose engine or on-disk structure this package does not support (Firebird 2.5 and older).
public struct FirebirdUnsupportedEngineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The database's ODS major version.
    public var odsMajor: Int
    /// The database's ODS minor version.
    public var odsMinor: Int
    /// The server's version string, when known.
    public var serverVersion: String?

    /// An error for a database of ODS `odsMajor.odsMinor`, on the server `serverVersion` if known.
    public init(odsMajor: Int, odsMinor: Int, serverVersion: String? = nil) {
        self.odsMajor = odsMajor
        self.odsMinor = odsMinor
        self.serverVersion = serverVersion
    }

    /// `the database is Firebird 2.5 (ODS 11.2, server LI-V2.5.9.27139 Firebird 2.5): MisLink needs …`.
    public var description: String {
        let release = FirebirdEngineSupport.firebirdVersion(odsMajor: odsMajor, odsMinor: odsMinor).map { "Firebird \($0)" }
            ?? "an unknown Firebird"
        let server = serverVersion.map { ", server \($0)" } ?? ""
        return "the database is \(release) (ODS \(odsMajor).\(odsMinor)\(server)): this needs Firebird 3.0 or later "
            + "(ODS 12+; BOOLEAN, identity columns and SRP users); upgrade the server and restore the database with its gbak"
    }
}
