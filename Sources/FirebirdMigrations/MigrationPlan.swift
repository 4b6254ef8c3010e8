import Firebird
import Foundation

/// What `up` or `down` will execute, step by step. The runner executes a plan and `dry-run` prints the
/// same plan as an isql script, so the two cannot drift apart.
public struct MigrationPlan: Sendable {
    /// One step: a statement, or transaction control.
    public struct Step: Sendable, Hashable {
        public enum Action: Sendable, Hashable {
            /// Executes `sql`; DDL is committed at once while AUTODDL is on.
            case execute(isDDL: Bool)
            case commit
            case rollback
            case setAutoDDL(Bool)
        }

        public var action: Action
        /// The SQL of an ``Action/execute(isDDL:)`` step.
        public var sql: String
        /// The line in the source file, when the step comes from one.
        public var line: Int?
    }

    /// A history row to record when a unit has run.
    public struct HistoryRecord: Sendable, Hashable {
        public var version: String
        public var description: String
        public var kind: SchemaHistory.Kind
        public var script: String?
        public var checksum: Int32?
        public var detail: String?

        func insertSQL(executionTimeMilliseconds: Int, success: Bool = true, detail: String? = nil) -> String {
            SchemaHistory.insertSQL(
                version: version, description: description, kind: kind, script: script, checksum: checksum,
                executionTimeMilliseconds: executionTimeMilliseconds, success: success, detail: detail ?? self.detail)
        }
    }

    /// A group of steps with one history record: the bootstrap, the baseline, one migration or one undo.
    public struct Unit: Sendable {
        /// `V001__calls.sql`, or a label for the runner's own units.
        public var title: String
        public var steps: [Step]
        public var history: HistoryRecord?

        /// The statements of the unit (without transaction control).
        public var statementCount: Int {
            steps.count { if case .execute = $0.action { true } else { false } }
        }
    }

    public var units: [Unit]

    /// True when nothing would run.
    public var isEmpty: Bool { units.isEmpty }

    /// The steps of a script, with a COMMIT inserted wherever DML is pending before DDL (AUTODDL
    /// semantics: DDL is never mixed with uncommitted DML that may depend on it), and the history
    /// INSERT and a COMMIT at the end.
    static func unit(title: String, script: SQLScript, history: HistoryRecord?) -> Unit {
        var steps: [Step] = []
        var autoDDL = true
        var dmlPending = false
        for command in script.commands {
            switch command.kind {
            case .statement(let isDDL):
                if isDDL && autoDDL && dmlPending {
                    steps.append(Step(action: .commit, sql: "COMMIT", line: nil))
                    dmlPending = false
                }
                steps.append(Step(action: .execute(isDDL: isDDL), sql: command.text, line: command.line))
                if !isDDL || !autoDDL { dmlPending = true }
            case .commit:
                steps.append(Step(action: .commit, sql: "COMMIT", line: command.line))
                dmlPending = false
            case .rollback:
                steps.append(Step(action: .rollback, sql: "ROLLBACK", line: command.line))
                dmlPending = false
            case .setAutoDDL(let on):
                steps.append(Step(action: .setAutoDDL(on), sql: "SET AUTODDL \(on ? "ON" : "OFF")", line: command.line))
                autoDDL = on
            case .setTerminator, .displaySetting:
                continue
            }
        }
        if !autoDDL { steps.append(Step(action: .setAutoDDL(true), sql: "SET AUTODDL ON", line: nil)) }
        return Unit(title: title, steps: steps, history: history)
    }

    /// The plan as an isql script: `isql-fb -ch UTF8 -bail -q -i <file> <database>` runs exactly what
    /// `up` (or `down`) would run. Execution times in the history rows are 0.
    public func isqlScript(header: [String]) -> String {
        var out = header.map { "-- \($0)" }.joined(separator: "\n")
        out += "\n\nSET BAIL ON;\nSET AUTODDL ON;\n"
        var terminator = ";"
        func emit(_ sql: String) {
            let needed = sql.contains(";") ? Self.alternativeTerminator(for: sql) : ";"
            if needed != terminator {
                out += "SET TERM \(needed) \(terminator)\n"
                terminator = needed
            }
            let lastLine = sql.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
            out += sql + (lastLine.contains("--") ? "\n" : "") + terminator + "\n"
        }
        for unit in units {
            out += "\n-- ==== \(unit.title) ====\n"
            for step in unit.steps {
                switch step.action {
                case .execute: emit(step.sql)
                case .commit: emit("COMMIT")
                case .rollback: emit("ROLLBACK")
                case .setAutoDDL(let on): emit("SET AUTODDL \(on ? "ON" : "OFF")")
                }
            }
            if let history = unit.history {
                emit(history.insertSQL(executionTimeMilliseconds: 0))
                emit("COMMIT")
            }
        }
        if terminator != ";" { out += "SET TERM ; \(terminator)\n" }
        return out
    }

    static func alternativeTerminator(for sql: String) -> String {
        ["^", "!!", "^^", "#END#", "@@@"].first { !sql.contains($0) } ?? "#MISLINK_END#"
    }
}
