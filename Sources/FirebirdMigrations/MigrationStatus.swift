import Foundation
import Firebird

/// The state of every version: files and history side by side, as `mislink migrate status` prints it.
public struct MigrationStatus: Sendable {
    /// One version's line.
    public struct Line: Sendable, Hashable, Encodable {
        public enum State: String, Sendable, Encodable {
            case applied, pending, failed
            /// Applied, but the file is gone.
            case missing
            /// At or below the baseline version: taken as applied before MisLink's history began.
            case belowBaseline = "below baseline"
            /// The baseline row itself.
            case baseline
        }

        public enum ChecksumState: String, Sendable, Encodable {
            case ok, changed
            /// The recorded checksum is an earlier text the folder's `superseded-checksums` accepts.
            case superseded
            case none = "-"
        }

        public var version: String
        /// The profile's name for a profile's migration; nil for the core's.
        public var namespace: String?
        public var description: String
        public var state: State
        public var checksum: ChecksumState
        public var script: String?
        public var installedOn: String?
        public var installedBy: String?
        public var executionTimeMilliseconds: Int?
        /// True when an undo script exists for the version.
        public var undoAvailable: Bool
    }

    public var lines: [Line]
    /// nil for the core; the profile's name.
    public var namespace: String?
    /// The fingerprint recorded by the baseline, if any.
    public var recordedFingerprint: DatabaseFingerprint?
    /// The database's fingerprint now.
    public var currentFingerprint: DatabaseFingerprint
    let state: SchemaHistory.State

    init(source: MigrationSource, state: SchemaHistory.State, entries: [SchemaHistory.Entry], fingerprint: DatabaseFingerprint) {
        self.state = state
        namespace = source.namespace
        currentFingerprint = fingerprint
        recordedFingerprint = state.fingerprintBaseline.flatMap { entry in
            entry.detail.flatMap { DatabaseFingerprint(text: $0, recordedAt: entry.installedOn.description) }
        }
        var lines: [Line] = []
        if let baseline = state.baseline {
            lines.append(
                Line(
                    version: state.baselineVersion?.text ?? baseline.version, namespace: source.namespace,
                    description: baseline.description, state: .baseline, checksum: .none,
                    script: nil, installedOn: baseline.installedOn.description, installedBy: baseline.installedBy,
                    executionTimeMilliseconds: baseline.executionTimeMilliseconds, undoAvailable: false))
        }
        let files = Dictionary(source.migrations.map { ($0.version, $0) }, uniquingKeysWith: { a, _ in a })
        let versions = Set(files.keys).union(state.applied.keys).union(state.failed.keys).sorted()
        for version in versions {
            let file = files[version]
            let entry = state.applied[version] ?? state.failed[version]
            let lineState: Line.State
            if state.failed[version] != nil {
                lineState = .failed
            } else if entry != nil {
                lineState = file == nil ? .missing : .applied
            } else if let base = state.baselineVersion, version <= base {
                lineState = .belowBaseline
            } else {
                lineState = .pending
            }
            var checksum = Line.ChecksumState.none
            if let entry, entry.success, let file {
                if entry.checksum == file.checksum {
                    checksum = .ok
                } else {
                    checksum = source.accepts(checksum: entry.checksum, for: version) ? .superseded : .changed
                }
            }
            lines.append(
                Line(
                    version: version.text, namespace: source.namespace, description: file?.description ?? entry?.description ?? "",
                    state: lineState, checksum: checksum, script: file?.fileName ?? entry?.script,
                    installedOn: entry?.installedOn.description, installedBy: entry?.installedBy,
                    executionTimeMilliseconds: entry?.executionTimeMilliseconds,
                    undoAvailable: source.undos[version] != nil))
        }
        self.lines = lines
    }

    /// The versions still to apply.
    public var pending: [String] { lines.filter { $0.state == .pending }.map(\.version) }

    /// Everything `validate` complains about.
    public var problems: [String] { problems(excludingFailures: false) }

    func problems(excludingFailures: Bool) -> [String] {
        var problems: [String] = []
        let highestApplied = state.applied.keys.max()
        for line in lines {
            switch line.state {
            case .failed where !excludingFailures:
                problems.append("\(line.version) (\(line.script ?? "")) failed; fix the database, then run `repair`")
            case .missing:
                problems.append("\(line.version) is applied but its file \(line.script ?? "") is missing")
            case .pending:
                if let highestApplied, let version = MigrationVersion(line.version), version < highestApplied {
                    problems.append(
                        "\(line.script ?? line.version) is pending but older than the applied \(highestApplied); "
                            + "renumber it above \(highestApplied)")
                }
            default:
                break
            }
            if line.checksum == .changed {
                problems.append(
                    "\(line.script ?? line.version) was edited after it was applied (checksum differs); "
                        + "restore the file, or run `repair` to accept the edit")
            }
        }
        if let namespace { return problems.map { "profile \(namespace): \($0)" } }
        if let recorded = recordedFingerprint {
            let differences = recorded.differences(from: currentFingerprint)
            if !differences.isEmpty {
                problems.append(
                    "this is not the database that was baselined (\(differences.joined(separator: "; "))); "
                        + "`baseline --force` records it anew")
            }
        }
        return problems
    }

    /// A text table for a terminal.
    public func table() -> String {
        let header = [namespace == nil ? "Version" : "Version (\(namespace!))", "Description", "State", "Checksum", "Installed on", "By", "ms", "Undo"]
        let rows = lines.map { line in
            [
                line.version, line.description, line.state.rawValue, line.checksum.rawValue,
                line.installedOn.map { String($0.prefix(19)) } ?? "", line.installedBy ?? "",
                line.executionTimeMilliseconds.map(String.init) ?? "", line.undoAvailable ? "yes" : "no",
            ]
        }
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func format(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingTrailingSpaces()
        }
        var out = [format(header), format(widths.map { String(repeating: "-", count: $0) })]
        out += rows.map(format)
        return out.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
