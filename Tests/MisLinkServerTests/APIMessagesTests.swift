import Foundation
import MisLinkReport
import Testing

@testable import MisLinkServer

/// The API answers in Russian by default: every English message the routes throw has a Russian pattern.
@Suite struct APIMessagesTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// The messages of `HTTPError(…, message: "…")` and `.error(.status, "…")` in the server and the intake,
    /// with each interpolation `\(…)` replaced by a sample value.
    static func thrownMessages() throws -> [(file: String, message: String)] {
        var found: [(String, String)] = []
        for target in ["MisLinkServer", "MisLinkIntake", "MisLinkOutbound"] {
            let folder = sources.appendingPathComponent(target)
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".swift") {
                let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                for marker in ["message: \"", "MailingError(\"", "SendWindowError(\"", ".error(.badRequest, \"", ".error(.unauthorized, \"", ".error(.forbidden, \"",
                               ".error(.notFound, \"", ".error(.conflict, \"", ".error(.tooManyRequests, \"",
                               ".error(.serviceUnavailable, \"", ".error(.internalServerError, \""] {
                    var rest = Substring(text)
                    while let start = rest.range(of: marker) {
                        rest = rest[start.upperBound...]
                        if let literal = literal(&rest) { found.append((name, literal)) }
                    }
                }
            }
        }
        return found
    }

    /// Reads a string literal's body up to its closing quote, replacing `\(…)` with `7` and `\"` with `"`.
    static func literal(_ rest: inout Substring) -> String? {
        var out = ""
        var index = rest.startIndex
        while index < rest.endIndex {
            let c = rest[index]
            if c == "\"" { rest = rest[rest.index(after: index)...]; return out }
            if c == "\\" {
                let next = rest.index(after: index)
                guard next < rest.endIndex else { return nil }
                if rest[next] == "(" {
                    var depth = 0
                    var cursor = next
                    repeat {
                        if rest[cursor] == "(" { depth += 1 }
                        if rest[cursor] == ")" { depth -= 1 }
                        cursor = rest.index(after: cursor)
                    } while depth > 0 && cursor < rest.endIndex
                    out += "7"
                    index = cursor
                    continue
                }
                out.append(rest[next])
                index = rest.index(after: next)
                continue
            }
            out.append(c)
            index = rest.index(after: index)
        }
        return nil
    }

    @Test func everyThrownMessageHasARussianPattern() throws {
        let messages = try Self.thrownMessages()
        #expect(messages.count > 40, "the scan found \(messages.count) messages: the markers no longer match the code")
        for (file, message) in messages where !message.isEmpty {
            let isRussian = message.unicodeScalars.contains { (0x400...0x4FF).contains($0.value) }
            #expect(isRussian || APIMessages.russian(message) != nil, "\(file): \"\(message)\" has no Russian pattern in APIMessages")
        }
    }

    /// The report's refusals, as `GET /api/v1/reports/appeals` passes them on (without the command line's `--`).
    @Test func reportRefusalsHaveRussianPatterns() {
        let errors: [ReportError] = [
            .periodReversed(from: "2026-11-02", to: "2026-11-01"), .badDate(option: "from", value: "x"),
            .unknownChannel("fax"), .badOperator("-1"), .periodTooLong(days: 400, limit: 366),
        ]
        for error in errors {
            let message = error.description.replacingOccurrences(of: "--", with: "")
            #expect(APIMessages.russian(message) != nil, "\"\(message)\" has no Russian pattern")
        }
    }

    @Test func patternsKeepFieldNamesAndValues() {
        #expect(APIMessages.localized("no call 42", .russian) == "нет звонка 42")
        #expect(APIMessages.localized("comment is at most 1000 characters", .russian) == "comment: не больше 1000 символов")
        #expect(APIMessages.localized("type must be one of in, out, internal", .russian) == "type: одно из значений in, out, internal")
        #expect(APIMessages.localized("no call 42", .english) == "no call 42")
        #expect(APIMessages.localized("Неверный логин или пароль", .russian) == "Неверный логин или пароль")
        // Unknown text stays as it was rather than becoming something else.
        #expect(APIMessages.localized("something new", .russian) == "something new")
    }

    @Test func acceptLanguagePicksEnglishOnlyWhenAskedFor() {
        #expect(APILanguage.negotiate(nil, fallback: .russian) == .russian)
        #expect(APILanguage.negotiate("en-US,en;q=0.9", fallback: .russian) == .english)
        #expect(APILanguage.negotiate("ru-RU,ru;q=0.9,en;q=0.8", fallback: .english) == .russian)
        #expect(APILanguage.negotiate("de-DE", fallback: .russian) == .russian)
        #expect(APILanguage.negotiate("ru;q=0.5, en;q=0.8", fallback: .russian) == .english)
    }
}
