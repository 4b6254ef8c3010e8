import Foundation

/// CSV files of the report: one per table, UTF-8 with a header row.
public struct CSVWriter: Sendable {
    /// The dialect.
    public struct Dialect: Sendable, Equatable {
        public var separator: String
        public var decimalSeparator: String
        /// Start with a UTF-8 byte order mark (Excel needs it to read UTF-8).
        public var byteOrderMark: Bool
        public var lineEnd: String

        /// RFC 4180: `,`, decimal point, no BOM, CRLF.
        public static let standard = Dialect(separator: ",", decimalSeparator: ".", byteOrderMark: false, lineEnd: "\r\n")
        /// What Excel in a Russian locale opens by double-click: `;`, decimal comma, BOM, CRLF.
        public static let excel = Dialect(separator: ";", decimalSeparator: ",", byteOrderMark: true, lineEnd: "\r\n")
    }

    public var dialect: Dialect

    /// A writer; defaults to ``Dialect/standard``.
    public init(dialect: Dialect = .standard) {
        self.dialect = dialect
    }

    /// The CSV text of one table.
    public func csv(_ table: ReportTable) -> Data {
        var text = dialect.byteOrderMark ? "\u{FEFF}" : ""
        text += table.columns.map(quote).joined(separator: dialect.separator) + dialect.lineEnd
        for row in table.rows {
            text += row.map { quote($0.text(decimalSeparator: dialect.decimalSeparator)) }.joined(separator: dialect.separator)
            text += dialect.lineEnd
        }
        return Data(text.utf8)
    }

    /// Writes `<stem>-<table id>.csv` for every table into `folder`; returns the files written.
    @discardableResult
    public func write(_ report: AppealsReport, to folder: URL, stem: String = "appeals") throws -> [URL] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try report.tables.map { table in
            let file = folder.appendingPathComponent("\(stem)-\(table.id).csv")
            try csv(table).write(to: file, options: .atomic)
            return file
        }
    }

    func quote(_ field: String) -> String {
        let special = field.contains(dialect.separator) || field.contains("\"") || field.contains("\n") || field.contains("\r")
        return special ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}
