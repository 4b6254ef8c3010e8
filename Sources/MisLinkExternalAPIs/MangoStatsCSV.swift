/// The `stats/result` CSV: `;`-separated, `\n` rows, no quoting or escaping.
public enum MangoStatsCSV {
    /// The fields when `stats/request` gives none.
    public static let defaultFields = [
        "records", "start", "finish", "answer", "from_extension", "from_number", "to_extension", "to_number",
        "disconnect_reason", "line_number", "location",
    ]

    /// Writes rows; a `;` or newline inside a value is replaced by a space (the format cannot carry it).
    public static func format(_ rows: [[String]]) -> String {
        rows.map { row in
            row.map { $0.replacingOccurrences(of: ";", with: " ").replacingOccurrences(of: "\n", with: " ") }
                .joined(separator: ";")
        }.joined(separator: "\n") + (rows.isEmpty ? "" : "\n")
    }

    /// Reads rows.
    public static func parse(_ text: String) -> [[String]] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        }
    }
}
