import Foundation

/// A MIS profile: the folder that tells MisLink how one MIS schema is laid out (`profile.json`) and
/// holds every statement MisLink runs against the MIS's tables (`statements.sql`).
///
/// ```swift
/// let profile = try MISProfile(directory: try MISProfile.resolve("reference"))
/// let query = try profile.statement("identify_candidates").query(["phone_key": .text("79171234567")])
/// ```
public struct MISProfile: Sendable {
    /// The manifest's file name.
    public static let manifestFile = "profile.json"
    /// The statements' file name.
    public static let statementsFile = "statements.sql"
    /// The profile used when none is named (`mis.profile`'s default).
    public static let defaultName = "reference"

    /// The folder it was read from.
    public let directory: URL
    /// The manifest.
    public let manifest: ProfileManifest
    /// The named statements.
    public let statements: StatementFile
    /// The line of each key of profile.json, for messages about the manifest.
    let manifestLines: JSONKeyLines

    /// The profile's name: `name` in profile.json, else the folder's name.
    public var name: String { manifest.name ?? directory.lastPathComponent }

    /// What reading the statements file found wrong (a name given twice, an empty block, …).
    public var issues: [ProfileIssue] { statements.issues }

    /// Reads the profile in `directory`.
    ///
    /// Throws a ``ProfileError`` when the folder, `profile.json` or `statements.sql` is missing, or
    /// `profile.json` is not what the contract describes; mistakes inside `statements.sql` are kept in
    /// ``issues`` so that a check can list them all.
    public init(directory: URL) throws(ProfileError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ProfileError(file: directory.path, "is not a folder holding a MIS profile")
        }
        let manifestURL = directory.appendingPathComponent(Self.manifestFile)
        let data: Data
        do { data = try Data(contentsOf: manifestURL) } catch {
            throw ProfileError(file: Self.manifestFile, "cannot be read in \(directory.path): \(error.localizedDescription)")
        }
        let located = try ProfileManifest.readLocated(data, file: Self.manifestFile)
        manifest = located.manifest
        manifestLines = located.lines
        do {
            statements = try StatementFile(contentsOf: directory.appendingPathComponent(Self.statementsFile),
                                           file: Self.statementsFile)
        } catch let error as ProfileError {
            throw error
        } catch {
            throw ProfileError(file: Self.statementsFile, "cannot be read: \(error)")
        }
        self.directory = directory
    }

    /// The statement called `name`; throws when the file has none.
    public func statement(_ name: String) throws(ProfileError) -> ProfileStatement {
        guard let statement = statements[name] else {
            throw ProfileError(file: Self.statementsFile, "has no statement \(name)")
        }
        return statement
    }
}

extension MISProfile {
    /// The folder of the profile `reference` names: a path (anything with a `/`, or starting with `.`
    /// or `~`) is taken as it is; a name is looked for in `$MISLINK_SQL/profiles/<name>`, then
    /// `<prefix>/share/mislink/profiles/<name>` beside the installed binary, then `SQL/profiles/<name>`
    /// beside the binary and in the source tree, and last as a folder of that name in the working
    /// directory.
    ///
    /// - Throws: a ``ProfileError`` listing the places looked at when none holds a `profile.json`.
    public static func resolve(
        _ reference: String, executable: String = CommandLine.arguments.first ?? "",
        environment: [String: String] = ProcessInfo.processInfo.environment, sourceTree: String = MISProfile.sourceFile
    ) throws(ProfileError) -> URL {
        let trimmed = reference.trimmingCharacters(in: .whitespaces)
        if trimmed.contains("/") || trimmed.hasPrefix(".") || trimmed.hasPrefix("~") {
            return URL(fileURLWithPath: (trimmed as NSString).expandingTildeInPath)
        }
        let candidates = searchDirectories(executable: executable, environment: environment, sourceTree: sourceTree)
            .map { $0.appendingPathComponent(trimmed) }
            + [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(trimmed)]
        if let found = candidates.first(where: {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent(manifestFile).path)
        }) {
            return found
        }
        throw ProfileError(
            file: trimmed,
            "no MIS profile of that name; looked in \(candidates.map(\.path).joined(separator: ", ")) (give a folder to use another)")
    }

    /// The folders that hold shipped profiles, in the order ``resolve(_:executable:environment:sourceTree:)`` tries them.
    public static func searchDirectories(
        executable: String = CommandLine.arguments.first ?? "",
        environment: [String: String] = ProcessInfo.processInfo.environment, sourceTree: String = MISProfile.sourceFile
    ) -> [URL] {
        var folders: [URL] = []
        if let sql = environment["MISLINK_SQL"], !sql.isEmpty {
            folders.append(URL(fileURLWithPath: sql).appendingPathComponent("profiles"))
        }
        let bin = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        folders.append(bin.deletingLastPathComponent().appendingPathComponent("share/mislink/profiles"))
        folders.append(bin.appendingPathComponent("SQL/profiles"))
        // …/Sources/MisLinkProfiles/MISProfile.swift → …/SQL/profiles
        let tree = URL(fileURLWithPath: sourceTree).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        folders.append(tree.appendingPathComponent("SQL/profiles"))
        return folders
    }

    /// This file in the source tree MisLink was built from.
    public static let sourceFile: String = #filePath
}
