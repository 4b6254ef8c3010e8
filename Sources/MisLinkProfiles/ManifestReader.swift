import Foundation

extension ProfileManifest {
    /// Reads a `profile.json`, reporting each mistake with its line: an unknown key (named), a value of
    /// the wrong type, a missing required key, an unknown `booking`, a staff column that is not
    /// `TABLE.COLUMN`, a contract this MisLink does not read.
    ///
    /// - Parameter file: the name issues show. Defaults to `profile.json`.
    public static func read(_ data: Data, file: String = "profile.json") throws(ProfileError) -> ProfileManifest {
        try readLocated(data, file: file).manifest
    }

    /// ``read(_:file:)``, with the line of every key for later messages.
    static func readLocated(_ data: Data, file: String) throws(ProfileError) -> (manifest: ProfileManifest, lines: JSONKeyLines) {
        let text = String(decoding: data, as: UTF8.self)
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error.localizedDescription)"
            let line = detail.firstMatch(of: #/line (\d+)/#).flatMap { Int($0.1) }
            throw ProfileError(file: file, line: line, "is not valid JSON: \(detail)")
        }
        let lines = JSONKeyLines(text)
        guard let root = object as? [String: Any] else { throw ProfileError(file: file, line: 1, "must hold a JSON object") }
        var issues: [ProfileIssue] = []
        unknownKeys(in: root, path: [], schema: "", lines: lines, file: file, issues: &issues)
        if !issues.isEmpty { throw ProfileError(issues) }

        let manifest: ProfileManifest
        do {
            manifest = try JSONDecoder().decode(ProfileManifest.self, from: data)
        } catch let error as DecodingError {
            throw ProfileError([describe(error, lines: lines, file: file)])
        } catch {
            throw ProfileError(file: file, "cannot be read: \(error)")
        }
        issues = manifest.validate(lines: lines, file: file)
        if !issues.isEmpty { throw ProfileError(issues) }
        return (manifest, lines)
    }

    private static func unknownKeys(in object: [String: Any], path: [String], schema: String, lines: JSONKeyLines,
                                    file: String, issues: inout [ProfileIssue]) {
        let known = knownKeys[schema] ?? []
        for key in object.keys.sorted() where !key.hasPrefix("_") {
            let keyPath = path + [key]
            guard known.contains(key) else {
                let dotted = Self.dotted(keyPath)
                issues.append(ProfileIssue(file: file, line: lines.line(of: keyPath),
                                           "unknown key \"\(dotted)\" (known here: \(known.joined(separator: ", ")))"))
                continue
            }
            let childSchema = schema.isEmpty ? key : "\(schema).\(key)"
            if let nested = object[key] as? [String: Any] {
                unknownKeys(in: nested, path: keyPath, schema: childSchema, lines: lines, file: file, issues: &issues)
            } else if let list = object[key] as? [Any] {
                for (index, element) in list.enumerated() {
                    guard let nested = element as? [String: Any] else { continue }
                    unknownKeys(in: nested, path: keyPath + [String(index)], schema: childSchema + "[]", lines: lines,
                                file: file, issues: &issues)
                }
            }
        }
    }

    /// `patients.phones[0].table`.
    static func dotted(_ path: [String]) -> String {
        path.reduce("") { text, part in
            if part.allSatisfy(\.isNumber) { return "\(text)[\(part)]" }
            return text.isEmpty ? part : "\(text).\(part)"
        }
    }

    private static func describe(_ error: DecodingError, lines: JSONKeyLines, file: String) -> ProfileIssue {
        func dotted(_ path: [any CodingKey]) -> [String] { path.map { $0.intValue.map(String.init) ?? $0.stringValue } }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = dotted(context.codingPath)
            let name = Self.dotted(parent + [key.stringValue])
            return ProfileIssue(file: file, line: parent.isEmpty ? nil : lines.line(of: parent), "\"\(name)\" is missing")
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let path = dotted(context.codingPath)
            return ProfileIssue(file: file, line: lines.line(of: path),
                                "\"\(Self.dotted(path))\" should be \(expected(type))")
        case .dataCorrupted(let context):
            let path = dotted(context.codingPath)
            let last = path.last ?? ""
            let choices: String? =
                switch last {
                case "booking": Booking.allCases.map(\.rawValue).joined(separator: " or ")
                case "booking_changes": BookingChanges.allCases.map(\.rawValue).joined(separator: " or ")
                case "method": SignIn.Method.allCases.map(\.rawValue).joined(separator: " or ")
                default: nil
                }
            let message = choices.map { "\"\(Self.dotted(path))\" must be \($0)" }
                ?? "\"\(Self.dotted(path))\": \(context.debugDescription)"
            return ProfileIssue(file: file, line: lines.line(of: path), message)
        @unknown default:
            return ProfileIssue(file: file, "cannot be read: \(error)")
        }
    }

    private static func expected(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is String.Type: "a string"
        case is [String].Type: "a list of strings"
        default: "\(type)"
        }
    }

    /// The rules JSON types cannot say.
    func validate(lines: JSONKeyLines, file: String) -> [ProfileIssue] {
        var issues: [ProfileIssue] = []
        func problem(_ path: [String], _ message: String) {
            issues.append(ProfileIssue(file: file, line: lines.line(of: path), message))
        }
        if contract != ProfileContract.version {
            problem(["contract"], "the profile is written for contract \(contract); this MisLink reads contract \(ProfileContract.version)")
        }
        for (path, value) in [(["patients", "table"], patients.table), (["patients", "key"], patients.key),
                              (["staff", "table"], staff.table), (["staff", "key"], staff.key)]
        where value.trimmingCharacters(in: .whitespaces).isEmpty {
            problem(path, "\"\(path.joined(separator: "."))\" is empty")
        }
        if patients.name.isEmpty || patients.name.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            problem(["patients", "name"], "\"patients.name\" must name at least one column, none empty")
        }
        if patients.phones.isEmpty { problem(["patients", "phones"], "\"patients.phones\" must name at least one table") }
        for (index, source) in patients.phones.enumerated() where source.columns.isEmpty {
            problem(["patients", "phones", String(index)], "\"patients.phones[\(index)].columns\" must name at least one column")
        }
        for (key, value) in [("extension", staff.extension), ("sip", staff.sip), ("chat_login", staff.chatLogin)]
        where value != Staff.mapTable && Self.tableColumn(value) == nil {
            problem(["staff", key], "\"staff.\(key)\" must be TABLE.COLUMN or \(Staff.mapTable), not \"\(value)\"")
        }
        return issues
    }

    /// `TABLE.COLUMN` split, or nil.
    static func tableColumn(_ text: String) -> (table: String, column: String)? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}

/// The line of every key of a JSON text, by path (`["patients", "phones", "1", "table"]`); list
/// elements by their index. Only meant for text `JSONSerialization` has already accepted.
struct JSONKeyLines: Sendable {
    private var lines: [[String]: Int] = [:]
    private var scalars: [Unicode.Scalar]
    private var i = 0
    private var line = 1

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
        value(path: [])
        scalars = []
    }

    /// The line of the key at `path`, else of its nearest ancestor that has one.
    func line(of path: [String]) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path] { return line }
            path.removeLast()
        }
        return nil
    }

    private mutating func skipSpace() {
        while i < scalars.count, scalars[i].properties.isWhitespace {
            if scalars[i] == "\n" { line += 1 }
            i += 1
        }
    }

    private mutating func value(path: [String]) {
        skipSpace()
        guard i < scalars.count else { return }
        switch scalars[i] {
        case "{":
            i += 1
            while true {
                skipSpace()
                guard i < scalars.count, scalars[i] != "}" else { break }
                if scalars[i] == "," { i += 1; continue }
                let keyLine = line
                let key = string()
                lines[path + [key]] = keyLine
                skipSpace()
                if i < scalars.count, scalars[i] == ":" { i += 1 }
                value(path: path + [key])
            }
            i += 1
        case "[":
            i += 1
            var index = 0
            while true {
                skipSpace()
                guard i < scalars.count, scalars[i] != "]" else { break }
                if scalars[i] == "," { i += 1; continue }
                lines[path + [String(index)]] = line
                value(path: path + [String(index)])
                index += 1
            }
            i += 1
        case "\"":
            _ = string()
        default:
            while i < scalars.count, !",}] \t\r\n".unicodeScalars.contains(scalars[i]) { i += 1 }
        }
    }

    private mutating func string() -> String {
        var out = String.UnicodeScalarView()
        guard i < scalars.count, scalars[i] == "\"" else { return "" }
        i += 1
        while i < scalars.count, scalars[i] != "\"" {
            if scalars[i] == "\\", i + 1 < scalars.count {
                i += 1
            }
            if scalars[i] == "\n" { line += 1 }
            out.append(scalars[i])
            i += 1
        }
        i += 1
        return String(out)
    }
}
