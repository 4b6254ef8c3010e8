import Firebird
import Hummingbird

/// The MIS refused what a profile statement asked: its procedure or trigger raised an exception
/// (`EXCEPTION SLOT_TAKEN 'Dr. Petrov is busy at 10:30'`). Answered as 409 with the exception's own
/// text, which is written for the operator ("a MIS procedure that refuses … raises an exception whose
/// text reaches the operator as a 409", SQL/profiles/CONTRACT.md).
struct MISRefusal: HTTPResponseError {
    /// The profile statement that was refused.
    var statement: String
    /// The exception's text, without Firebird's `exception N` line, the exception's name and the
    /// `At procedure …` lines.
    var message: String

    var status: HTTPResponse.Status { .conflict }

    /// isc_except, "exception @1": a user exception raised by PSQL (`/usr/include/iberror.h`).
    static let userException = 335_544_517

    /// The refusal an error carries, or nil when it is not a user exception.
    init?(_ error: FirebirdError, statement: String) {
        guard error.gdsCodes.contains(Self.userException), let text = Self.text(of: error.message) else { return nil }
        self.statement = statement
        self.message = text
    }

    /// The exception's text in what `fb_interpret` gives for it:
    ///
    /// ```
    /// exception 3
    /// -SLOT_TAKEN
    /// -Dr. Petrov is busy at 10:30
    /// -At procedure 'MIS_BOOK' line: 4, col: 5
    /// ```
    ///
    /// The first line is the exception's number, the second its name, then the text (several lines
    /// when the text has line breaks), then where it was raised ("At procedure …", "At trigger …",
    /// "At block …", one line per PSQL level).
    static func text(of message: String) -> String? {
        var lines = message.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("-") ? String(line.dropFirst()) : String(line)
        }
        guard let first = lines.first, first.hasPrefix("exception") else { return nil }
        lines.removeFirst()
        while let last = lines.last, last.hasPrefix("At ") || last.trimmingCharacters(in: .whitespaces).isEmpty {
            lines.removeLast()
        }
        // The name, when a text follows it.
        if lines.count > 1 { lines.removeFirst() }
        let text = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        .error(status, message)
    }
}
