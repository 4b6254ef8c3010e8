import Firebird
import Foundation
import Hummingbird

/// The `cursor` of the lists paged newest first (calls, threads): the last item's time (microseconds
/// since 1970, UTC) and id, as `<micros>_<id>`; the next page starts after that pair.
struct KeysetCursor {
    var at: Date
    var id: Int64

    /// The `cursor` query parameter, if given (nil or empty: the first page).
    /// - Throws: 400 for a cursor this API did not give.
    init?(_ text: String?) throws {
        guard let text, !text.isEmpty else { return nil }
        let parts = text.split(separator: "_")
        // A time within Firebird's TIMESTAMP range and a positive id: anything else is not one we gave.
        guard parts.count == 2, let micros = Int64(parts[0]), let id = Int64(parts[1]), id >= 1,
              let at = try? RequestInput.instant(Date(timeIntervalSince1970: Double(micros) / 1e6), "cursor") else {
            throw HTTPError(.badRequest, message: "cursor is not one this API gave")
        }
        self.at = at
        self.id = id
    }

    init(at: Date, id: Int64) {
        self.at = at
        self.id = id
    }

    /// `at` as a UTC timestamp, for binding.
    var timestamp: FirebirdValue { .timestamp(FirebirdTimestamp(at, in: .utc)) }

    /// The text to hand back as `next_cursor`.
    var text: String { "\(Int64((at.timeIntervalSince1970 * 1e6).rounded()))_\(id)" }
}
