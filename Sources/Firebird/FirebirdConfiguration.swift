import CFirebird
import Foundation

/// Where and how to attach to a Firebird database.
///
/// ```swift
/// var config = FirebirdConfiguration(database: "/var/lib/mislink/clinic.fdb")     // embedded file
/// var remote = FirebirdConfiguration(database: "localhost/3050:/srv/mis/clinic.fdb") // server
/// ```
public struct FirebirdConfiguration: Sendable, Hashable {
    /// The DSN: an embedded file path (`/path/db.fdb`) or a server (`host:path`, `host/port:path`).
    public var database: String
    /// The user. Defaults to `ISC_USER` from the environment, else `SYSDBA`.
    public var user: String
    /// The password. Defaults to `ISC_PASSWORD` from the environment (ignored for embedded files).
    public var password: String?
    /// The SQL role, if any. Defaults to nil.
    public var role: String?
    /// The connection character set the server transliterates text to and from. Defaults to UTF8.
    public var charset: FirebirdCharset
    /// How text in `CHARACTER SET NONE` columns is decoded and encoded. Defaults to WIN1251,
    /// the usual charset of legacy Russian MIS databases.
    public var noneCharset: FirebirdCharset
    /// Rows fetched per network round trip is decided by the server; this is the number of rows the
    /// async row sequence asks its connection for at a time. Defaults to 512.
    public var fetchBatchSize: Int
    /// Page buffers for this attachment's database cache (`isc_dpb_num_buffers`); nil keeps the server's
    /// setting. The engine takes it from the first attachment that opens the database; bulk loads gain
    /// from a larger cache.
    public var pageBuffers: Int?
    /// How a Firebird 4+ server describes its newer types to this attachment (`isc_dpb_set_bind`).
    /// Defaults to ``FirebirdTypeBinding/native``: the binding reads INT128, DECFLOAT and the
    /// WITH TIME ZONE types as they are.
    public var typeBinding: FirebirdTypeBinding = .native

    /// Creates a configuration; see each property for its default.
    public init(
        database: String,
        user: String? = nil,
        password: String? = nil,
        role: String? = nil,
        charset: FirebirdCharset = .utf8,
        noneCharset: FirebirdCharset = .win1251,
        fetchBatchSize: Int = 512,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.database = database
        self.user = user ?? environment["ISC_USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "SYSDBA"
        self.password = password ?? environment["ISC_PASSWORD"]
        self.role = role
        self.charset = charset
        self.noneCharset = noneCharset
        self.fetchBatchSize = fetchBatchSize
    }

    /// The parsed DSN.
    public var dsn: FirebirdDSN { FirebirdDSN(database) }

    /// The database parameter buffer for attach and create.
    func parameterBuffer(extra: [UInt8] = []) -> [UInt8] {
        var dpb = DPBBuilder()
        dpb.append(string: user, tag: isc_dpb_user_name)
        if let password, !password.isEmpty { dpb.append(string: password, tag: isc_dpb_password) }
        if let role, !role.isEmpty { dpb.append(string: role, tag: isc_dpb_sql_role_name) }
        dpb.append(string: charset.name, tag: isc_dpb_lc_ctype)
        dpb.append(flag: isc_dpb_utf8_filename)
        if let pageBuffers { dpb.append(int: Int32(clamping: pageBuffers), tag: isc_dpb_num_buffers) }
        if let rules = typeBinding.rules { dpb.append(string: rules, tag: FirebirdTypeBinding.dpbTag) }
        // A server DSN goes to the server only: without this, when the server is down the client
        // library falls back to its embedded engine and opens the file itself, behind the server's back.
        if !dsn.isEmbedded { dpb.append(string: "Providers=Remote", tag: isc_dpb_config) }
        return dpb.bytes + extra
    }
}

/// A parsed Firebird DSN: an embedded file path or `host[/port]:path`.
public struct FirebirdDSN: Sendable, Hashable, CustomStringConvertible {
    /// The server host, nil for an embedded file.
    public var host: String?
    /// The server port, nil for the default (3050) or embedded.
    public var port: Int?
    /// The database path (or alias) on the server, or the local file path.
    public var path: String

    /// Parses `/path`, `host:path`, `host/port:path`. A Windows drive letter (`C:\…`) is a path.
    public init(_ text: String) {
        guard let colon = text.firstIndex(of: ":"), text.distance(from: text.startIndex, to: colon) > 1,
            !text.hasPrefix("/")
        else {
            host = nil
            port = nil
            path = text
            return
        }
        let server = text[..<colon]
        path = String(text[text.index(after: colon)...])
        if let slash = server.firstIndex(of: "/") {
            host = String(server[..<slash])
            port = Int(server[server.index(after: slash)...])
        } else {
            host = String(server)
            port = nil
        }
    }

    /// True when the database is opened in-process by the embedded engine.
    public var isEmbedded: Bool { host == nil }

    /// The DSN text libfbclient understands.
    public var description: String {
        guard let host else { return path }
        return port.map { "\(host)/\($0):\(path)" } ?? "\(host):\(path)"
    }
}

/// Builds a DPB (database parameter buffer) without the variadic `isc_expand_dpb`.
struct DPBBuilder {
    private(set) var bytes: [UInt8] = [UInt8(isc_dpb_version1)]

    mutating func append(string: String, tag: Int32) {
        let value = Array(string.utf8.prefix(255))
        bytes += [UInt8(tag), UInt8(value.count)] + value
    }

    mutating func append(int value: Int32, tag: Int32) {
        bytes += [UInt8(tag), 4] + withUnsafeBytes(of: value.littleEndian, Array.init)
    }

    mutating func append(flag tag: Int32) {
        bytes += [UInt8(tag), 0]
    }
}
