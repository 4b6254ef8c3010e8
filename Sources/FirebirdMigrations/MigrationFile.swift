import Firebird
import Foundation

/// A migration version: the digits between `V` and `__` in a file name, compared numerically part by
/// part (`1.10` follows `1.9`; `001` equals `1`).
public struct MigrationVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The version as written in the file name (`001`, `1.2`).
    public let text: String
    let parts: [Int]

    /// Parses `001`, `2`, `1.2` or `1_2` (Flyway's form); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "_" })
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        guard let numbers = Optional(parts.compactMap { Int($0) }), numbers.count == parts.count else { return nil }
        self.text = text
        var trimmed = numbers
        while trimmed.count > 1, trimmed.last == 0 { trimmed.removeLast() }
        self.parts = trimmed
    }

    public static func == (a: Self, b: Self) -> Bool { a.parts == b.parts }
    public func hash(into hasher: inout Hasher) { hasher.combine(parts) }
    public static func < (a: Self, b: Self) -> Bool { a.parts.lexicographicallyPrecedes(b.parts) }
    public var description: String { text }
}

/// One script file: `V<version>__<description>.sql` (apply) or `U<version>__<description>.sql` (undo).
public struct MigrationFile: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case apply = "V"
        case undo = "U"
    }

    public let kind: Kind
    public let version: MigrationVersion
    /// The description from the file name, underscores read as spaces.
    public let description: String
    /// The file name (`V001__patient_phones.sql`).
    public let fileName: String
    /// Where the file was read from.
    public let url: URL
    /// The text after normalisation (see ``normalise(_:)``).
    public let text: String
    /// CRC-32 of the normalised text's UTF-8 bytes, as a signed 32-bit number (Flyway's convention).
    public let checksum: Int32

    /// Reads and normalises a migration file; nil when the name does not follow the pattern.
    public init?(url: URL) throws {
        let name = url.lastPathComponent
        guard let parsed = Self.parse(fileName: name) else { return nil }
        let data = try Data(contentsOf: url)
        kind = parsed.kind
        version = parsed.version
        description = parsed.description
        fileName = name
        self.url = url
        text = Self.normalise(data)
        checksum = CRC32.checksum(Array(text.utf8))
    }

    /// Splits `V001__add_calls.sql` into its parts.
    static func parse(fileName name: String) -> (kind: Kind, version: MigrationVersion, description: String)? {
        guard name.lowercased().hasSuffix(".sql"), let first = name.first,
            let kind = Kind(rawValue: String(first).uppercased())
        else { return nil }
        let stem = name.dropFirst().dropLast(4)
        guard let separator = stem.range(of: "__") else { return nil }
        guard let version = MigrationVersion(String(stem[..<separator.lowerBound])) else { return nil }
        let description = stem[separator.upperBound...].replacingOccurrences(of: "_", with: " ")
        return (kind, version, description)
    }

    /// The text a checksum is taken of: decoded from UTF-8 (or from WIN1251 when the bytes are not
    /// UTF-8), without a byte-order mark, with every line ending as `\n` and trailing white space
    /// at the end of the file removed. So a file re-saved with CRLF, a BOM or in WIN1251 keeps its checksum.
    public static func normalise(_ data: Data) -> String {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var text = String(validating: bytes, as: UTF8.self) ?? bytes.withUnsafeBytes { FirebirdCharset.win1251.decode($0) }
        text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        while let last = text.unicodeScalars.last, last.properties.isWhitespace { text.unicodeScalars.removeLast() }
        return text + "\n"
    }

    /// The script's commands.
    public func script() throws -> SQLScript {
        do { return try SQLScript(text) } catch let error as SQLScriptError {
            throw MigrationError.invalidScript(file: fileName, line: error.line, message: error.message)
        }
    }
}

/// CRC-32 (IEEE 802.3, the checksum Flyway records).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> Int32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return Int32(bitPattern: crc ^ 0xFFFF_FFFF)
    }
}

/// The migration files of one folder.
///
/// A source has a namespace: nil for MisLink's core scripts (`Migrations/`), a MIS profile's name for
/// the profile's `migrations/` folder. The history records a namespaced version as
/// `<namespace>:<version>` (`medbase:001`), so a profile's V001 and the core's V001 do not collide and
/// core rows (bare `001`) read as they always did.
public struct MigrationSource: Sendable {
    /// The folder.
    public let directory: URL
    /// nil for the core scripts; the profile's name for a profile's `migrations/` folder.
    public let namespace: String?
    /// The apply scripts, by version.
    public let migrations: [MigrationFile]
    /// The undo scripts, by version.
    public let undos: [MigrationVersion: MigrationFile]
    /// Checksums of earlier texts of applied files that still count as that file (the folder's
    /// `superseded-checksums`, see ``SupersededChecksums``).
    public let superseded: SupersededChecksums

    /// Reads every `V*__*.sql` and `U*__*.sql` of `directory` (and its `superseded-checksums`); two
    /// files with one version are an error. `namespace` must be letters, digits, `_` or `-`.
    public init(directory: URL, namespace: String? = nil) throws {
        self.directory = directory
        if let namespace {
            guard !namespace.isEmpty, namespace.count <= 40,
                namespace.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            else { throw MigrationError.invalidNamespace(namespace) }
        }
        self.namespace = namespace
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw MigrationError.noMigrations(directory.path) }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        var applies: [MigrationVersion: MigrationFile] = [:]
        var undos: [MigrationVersion: MigrationFile] = [:]
        for name in names {
            guard let file = try MigrationFile(url: directory.appendingPathComponent(name)) else { continue }
            switch file.kind {
            case .apply:
                if let other = applies[file.version] {
                    throw MigrationError.duplicateVersion(file.version.text, other.fileName, file.fileName)
                }
                applies[file.version] = file
            case .undo:
                if let other = undos[file.version] {
                    throw MigrationError.duplicateVersion(file.version.text, other.fileName, file.fileName)
                }
                undos[file.version] = file
            }
        }
        migrations = applies.values.sorted { $0.version < $1.version }
        self.undos = undos
        superseded = try SupersededChecksums(directory: directory)
    }

    /// The VERSION the history records for `version`: `001`, or `medbase:001` in a namespace.
    public func historyVersion(_ version: MigrationVersion) -> String {
        namespace.map { "\($0):\(version.text)" } ?? version.text
    }

    /// A name for messages: `core` or `profile medbase`.
    public var label: String { namespace.map { "profile \($0)" } ?? "core" }

    /// True when `checksum`, recorded for `version`, is the file's now or one its folder lists as superseded.
    public func accepts(checksum: Int32?, for version: MigrationVersion) -> Bool {
        guard let checksum, let file = migrations.first(where: { $0.version == version }) else { return false }
        return checksum == file.checksum || superseded.reason(version: version, checksum: checksum) != nil
    }

    /// The folder of scripts shipped with MisLink: `$MISLINK_MIGRATIONS`, else `share/mislink/migrations`
    /// beside the installed binary (`<prefix>/bin/mislink` → `<prefix>/share/mislink/migrations`), else
    /// `Migrations` beside the binary or in the source tree it was built from.
    public static func defaultDirectory(
        executable executablePath: String = CommandLine.arguments.first ?? "",
        environment: [String: String] = ProcessInfo.processInfo.environment, sourceTree: String = #filePath
    ) -> URL? {
        var candidates: [URL] = []
        if let env = environment["MISLINK_MIGRATIONS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let executable = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath()
        let binDirectory = executable.deletingLastPathComponent()
        candidates.append(binDirectory.deletingLastPathComponent().appendingPathComponent("share/mislink/migrations"))
        candidates.append(binDirectory.appendingPathComponent("Migrations"))
        // …/Sources/FirebirdMigrations/MigrationFile.swift → …/Migrations
        let tree = URL(fileURLWithPath: sourceTree).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(tree.appendingPathComponent("Migrations"))
        return candidates.first { url in
            (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.contains { $0.hasPrefix("V") } == true
        }
    }
}

/// The `superseded-checksums` file of a migrations folder: checksums of earlier texts of applied files
/// that MisLink edited on purpose (the one exception to "never edit an applied file", see
/// `Migrations/README.md`). A database that recorded one of them validates as if it had the file's
/// current checksum; `status` shows it as `superseded`.
///
/// One line per old text: `<version> <checksum> <reason>`; `#` starts a comment line.
/// ```
/// 002 -1234567890 the PATIENTS trigger and backfill moved to the reference profile (issue 16)
/// ```
public struct SupersededChecksums: Sendable {
    public static let fileName = "superseded-checksums"
    /// Reason by version and checksum.
    public private(set) var entries: [MigrationVersion: [Int32: String]] = [:]

    public init(entries: [MigrationVersion: [Int32: String]] = [:]) { self.entries = entries }

    /// Reads `directory/superseded-checksums`; an absent file is an empty list, a malformed line an error.
    public init(directory: URL) throws {
        let url = directory.appendingPathComponent(Self.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let text = MigrationFile.normalise(try Data(contentsOf: url))
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard parts.count >= 2, let version = MigrationVersion(String(parts[0])), let checksum = Int(parts[1]).flatMap({ Int32(exactly: $0) }) else {
                throw MigrationError.invalidScript(
                    file: Self.fileName, line: index + 1, message: "expected `<version> <checksum> <reason>`")
            }
            entries[version, default: [:]][checksum] = parts.count > 2 ? String(parts[2]) : ""
        }
    }

    /// Why `checksum` is accepted for `version`, or nil when it is not listed.
    public func reason(version: MigrationVersion, checksum: Int32) -> String? { entries[version]?[checksum] }
}
