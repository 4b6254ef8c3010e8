import Foundation
import MisLinkTestSupport
import Testing

/// A lint, run as a test: `Int32(…)`, `Int16(…)`, `UInt32(…)` and `UInt16(…)` trap when the value does
/// not fit, so a value from outside (a webhook, a query string, a path, a JSON body, a command line) must
/// reach them through `exactly:` (and a 400 or a refusal), `clamping:` or `truncatingIfNeeded:`. Every
/// other call site in `Sources/` must be on the allow-list below, with why it cannot see an outside value.
@Suite("Lint: no trapping integer conversions of outside values")
struct TrapLintTests {
    /// Audited call sites that do not see outside values: a file and the calls in it (whitespace
    /// collapsed), with the reason. A new call, or a changed one, fails the lint until it is audited.
    static let audited: [(file: String, calls: Set<String>, reason: String)] = [
        ("Sources/Firebird/Statement.swift",
         ["UInt16(SQL_DIALECT_V6)", "UInt16(DSQL_close)", "UInt16(DSQL_drop)", "Int32(kind)", "Int16(itemBytes.count)", "Int16(out.count)"],
         "audited by Firebird: C constants, statement types and small fixed info buffers"),
        ("Sources/Firebird/Statement+Binding.swift",
         ["Int16(FirebirdCharset.octets.id)", "Int16(SQL_VARYING)", "Int16(attachment.configuration.charset.id)", "Int16(bytes.count)",
          "Int16(length)", "Int16(number.scale)", "Int16(type)", "Int16(utf8.count)", "UInt32(0)"],
         "audited by Firebird: lengths are checked against the column's length or 32767 before, charsets and types are constants"),
        ("Sources/Firebird/Statement+Columns.swift", ["Int16(raw)", "Int32(raw)"],
         "audited by Firebird: values of SMALLINT/INTEGER columns as the server describes them"),
        ("Sources/Firebird/SQLDA.swift",
         ["Int16(SQLDA_VERSION1)", "Int16(capacity)", "Int16(slot.type.rawValue)", "Int32(index)"],
         "audited by Firebird: descriptor sizes (Firebird allows at most 32767 columns) and type constants"),
        ("Sources/Firebird/ColumnDescription.swift", ["Int32(variable.sqltype & ~1)"], "audited by Firebird: an SQL type code"),
        ("Sources/Firebird/SQLDA.swift", ["Int32(variable.pointee.sqltype & ~1)"], "audited by Firebird: an SQL type code, widened"),
        ("Sources/MisLinkServer/Reconciler.swift", ["Int32(found[\"disconnect_reason\"] ?? \"\")"],
         "audited: Int32(String) is the failable parse, nil for text that is not an Int32"),
        ("Sources/Firebird/FirebirdAttachment.swift",
         ["Int16(dpbChars.count)", "Int32(pageSize)", "UInt16(fb_cancel_raise)"],
         "audited by Firebird: a parameter block MisLink builds, the page size of a database it creates, a constant"),
        ("Sources/Firebird/FirebirdAttachment+Info.swift",
         ["Int16(itemBytes.count)", "Int16(out.count)", "Int32(InfoBuffer.integer(value[0..<4]))"],
         "audited by Firebird: small fixed info buffers and a 4-byte value the server wrote"),
        ("Sources/Firebird/FirebirdEvents.swift", ["Int16(length)", "UInt16(names.count)"],
         "audited by Firebird: event buffers of at most 15 names MisLink chooses"),
        ("Sources/Firebird/Blob.swift", ["UInt16(capacity - total)", "UInt16(count)"],
         "audited by Firebird: segment sizes capped at 32 KiB by the loop around them"),
        ("Sources/Firebird/Transaction.swift", ["Int32(chars.count)"], "audited by Firebird: a transaction parameter block"),
        ("Sources/Firebird/StatusVector.swift", ["UInt32(buffer.count)"], "audited by Firebird: a fixed message buffer"),
        ("Sources/Firebird/FirebirdCharset.swift", ["UInt32(byte)", "UInt32(win1251High[Int(byte) - 0x80])"],
         "audited by Firebird: widening a byte, and a table of code points"),
        ("Sources/Firebird/FirebirdValue+Encodable.swift", ["Int16(value)", "Int32(value)"],
         "audited by Firebird: widening (Int8, UInt8 to Int16; UInt16 to Int32) cannot trap"),
        ("Sources/Firebird/FirebirdDateTime.swift", ["Int32(40587 + days)", "UInt32(secondOfDay * 10_000 + Swift.min(Swift.max(fraction, 0), 9_999))"],
         "audited by Firebird: init?(exactly:in:) keeps the day within 0001-01-01…9999-12-31 first"),
        ("Sources/FirebirdMigrations/MigrationFile.swift", ["UInt32(byte)", "UInt32(n)"],
         "audited by migrations: CRC-32 of bytes and of a table index below 256"),
        ("Sources/MisLinkHTTP/HTTPClientRequest.swift", ["UInt32(byte)"], "audited by HTTP: widening a byte"),
        ("Sources/MisLinkIntake/IntakeQueue.swift", ["UInt32(byte)", "UInt32(lanes)"],
         "audited by intake: widening a byte; the number of writers (intake.writers)"),
        ("Sources/MisLinkIntake/DurableSpool.swift", ["UInt32(json.count)"],
         "audited by intake: a record holds one body of at most intake.max_body_bytes"),
        ("Sources/MisLinkPatients/PatientIdentifier.swift", ["Int32(best.id)"], "audited by patients: PATIENTS.ID read from the database"),
        ("Sources/MisLinkReport/AppealsReportBuilder.swift", ["Int32(clinicOffset)", "Int32(clinicOffset - dbOffset)"],
         "audited by report: time zone offsets in minutes"),
        ("Sources/MisLinkServer/Reconciler.swift", [#"Int32(row["disconnect_reason"] ?? "")"#],
         "audited by telephony: parses text (nil past Int32, never a trap)"),
        ("Sources/MisLinkDemoData/VisitGenerator.swift",
         ["Int32(random.below(14))", "Int32(random.below(30))", "Int32(random.int(in: 0...14))",
          "Int32(random.below(Int(max(1, today - earliest))))", "Int32(random.below(Int(max(1, startDay - createdDay + 1))))"],
         "audited by demo data: random day counts within the demo's history"),
        ("Sources/MisLinkDemoData/PatientGenerator.swift",
         ["Int32(Double(age) * 365.2425)", "Int32(random.below(365))", "Int32(random.below(max(1, min(3_650, Int(today - birth)))))"],
         "audited by demo data: ages and days within ten years"),
        ("Sources/MisLinkDemoData/ReferenceData.swift", ["Int16(service.minutes)"], "audited by demo data: a built-in table"),
        ("Sources/MisLinkDemoData/Rows.swift", ["UInt32((minute * 60 + second) * 10_000)"], "audited by demo data: a time of day"),
        ("Sources/MisLinkDemoData/ClinicDatabase.swift", ["Int32(first)"], "audited by demo data: an id the generator reserved"),
        ("Sources/mislink-bench/DatabaseBenchmark.swift", ["Int32(i)", "Int32(key)", "Int32(rows)"],
         "audited by the benchmark: --rows is checked to be 1…9,999,999"),
        ("Sources/mislink-bench/SoakBenchmark.swift", ["UInt16(port)"],
         "audited by the benchmark: socket constants, a port the kernel gave"),
    ]

    /// Call sites that do see outside values and trap past Int32: reported to their owners (issue 15), shown
    /// here as known issues until they are converted.
    static let known: [(file: String, call: String, why: String)] = [
    ]

    /// A trapping conversion found in a source text.
    struct Site: CustomStringConvertible {
        var file: String
        var line: Int
        var call: String
        var description: String { "\(file):\(line): \(call)" }
    }

    /// The trapping conversions in `text`: `Int32(`, `Int16(`, `UInt32(`, `UInt16(` (or `.init(`) not
    /// followed by `exactly:`, `clamping:`, `truncatingIfNeeded:` or `bitPattern:`, outside comments.
    static func sites(in text: String, file: String) -> [Site] {
        let pattern = #/\b(?:UInt|Int)(?:32|16)(?:\.init)?\(/#
        let safe = ["exactly:", "clamping:", "truncatingIfNeeded:", "bitPattern:", "bigEndian:", "littleEndian:"]
        var found: [Site] = []
        var lineNumber = 0
        var inBlockComment = false
        let lines = text.components(separatedBy: "\n")
        for (index, rawLine) in lines.enumerated() {
            lineNumber = index + 1
            var line = Substring(rawLine)
            if inBlockComment {
                guard let end = line.range(of: "*/") else { continue }
                line = line[end.upperBound...]
                inBlockComment = false
            }
            if let start = line.range(of: "/*"), line.range(of: "*/", range: start.upperBound..<line.endIndex) == nil {
                line = line[..<start.lowerBound]
                inBlockComment = true
            }
            if let comment = line.range(of: "//"), !line[..<comment.lowerBound].contains("\"") { line = line[..<comment.lowerBound] }
            for match in line.matches(of: pattern) {
                // The call up to its closing parenthesis, across lines if need be, whitespace collapsed.
                let rest = String(line[match.range.lowerBound...]) + "\n" + lines[(index + 1)...].prefix(5).joined(separator: "\n")
                let after = rest[rest.index(rest.startIndex, offsetBy: line[match.range].count)...].drop(while: \.isWhitespace)
                if safe.contains(where: { after.hasPrefix($0) }) { continue }
                var depth = 0
                var call = ""
                for character in rest {
                    call.append(character)
                    if character == "(" { depth += 1 }
                    if character == ")" { depth -= 1; if depth == 0 { break } }
                }
                let collapsed = call.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
                    .replacingOccurrences(of: "( ", with: "(").replacingOccurrences(of: " )", with: ")")
                found.append(Site(file: file, line: lineNumber, call: collapsed))
            }
        }
        return found
    }

    static func sourceSites() throws -> [Site] {
        let root = ClinicDatabase.repository
        let sources = root.appendingPathComponent("Sources")
        guard let walker = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else { return [] }
        var sites: [Site] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            let file = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
            sites += Self.sites(in: try String(contentsOf: url, encoding: .utf8), file: file)
        }
        return sites.sorted { ($0.file, $0.line) < ($1.file, $1.line) }
    }

    @Test func everyTrappingConversionIsAudited() throws {
        let sites = try Self.sourceSites()
        #expect(sites.count > 20, "the lint found almost nothing: is it reading Sources/?")
        var unaudited: [Site] = []
        var known: [Site] = []
        for site in sites {
            if Self.audited.contains(where: { $0.file == site.file && $0.calls.contains(site.call) }) { continue }
            if Self.known.contains(where: { $0.file == site.file && $0.call == site.call }) { known.append(site); continue }
            unaudited.append(site)
        }
        #expect(unaudited.isEmpty, """
            trapping integer conversions not on the allow-list (use Int32(exactly:) with a 400 or a refusal for outside \
            values, clamping: where a bound is meant; or audit the site and add it to TrapLintTests.audited with the reason):
            \(unaudited.map(\.description).joined(separator: "\n"))
            """)
        withKnownIssue("trapping conversions of outside values in other areas' files, reported to their owners", isIntermittent: true) {
            for site in known {
                let why = Self.known.first { $0.file == site.file && $0.call == site.call }?.why ?? ""
                Issue.record("\(site): \(why)")
            }
        }
    }

    /// The lint finds what it should and nothing else.
    @Test func theLintSeesTrapsOnly() {
        let text = """
            let a = Int32(value)
            let b = Int32(exactly: value), c = Int16(clamping: value), d = UInt32(truncatingIfNeeded: value)
            let e = UInt16(bitPattern: value), k = Int32(
                clamping: spread)
            // let f = Int32(commented)
            /* let g = Int16(inBlock)
               Int16(stillInBlock) */
            let h = UInt32.init(other)
            let i = Int32(
                spread + over(lines))
            let j = Int64(wide) + Int(value)
            """
        let calls = Self.sites(in: text, file: "x.swift").map(\.call)
        #expect(calls == ["Int32(value)", "UInt32.init(other)", "Int32(spread + over(lines))"])
    }
}
