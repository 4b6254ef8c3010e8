import Foundation

/// The report as one self-contained, printable HTML file: inline CSS, inline SVG charts, no
/// scripts, and under every chart the table it draws. Every number cell carries
/// `data-cell="<table>|<row>|<column>"` so a test (or a script) can read the values back.
public struct HTMLRenderer: Sendable {
    public init() {}

    static let outcomeSeries = [
        SVGCharts.Series(name: "booked", color: "#2e8b57"), SVGCharts.Series(name: "cancelled", color: "#c0392b"),
        SVGCharts.Series(name: "completed without booking", color: "#7f8c8d"), SVGCharts.Series(name: "still open", color: "#e6a23c"),
    ]

    /// The HTML text.
    public func render(_ report: AppealsReport) -> String {
        let p = report.parameters
        let tables = Dictionary(uniqueKeysWithValues: report.tables.map { ($0.id, $0) })
        let stamp = ISO8601DateFormatter().string(from: report.generatedAt)
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>Appeals \(p.from) – \(p.to)</title>
            <style>
            body{font-family:sans-serif;margin:24px;color:#222;background:#fff}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ccc}
            .meta{color:#444;font-size:13px;margin:2px 0}
            table{border-collapse:collapse;font-size:12px;margin:8px 0 16px}
            th,td{border:1px solid #bbb;padding:2px 6px;text-align:right}th{background:#eef2f7}
            td.l,th.l{text-align:left}.empty{color:#666;font-style:italic}
            caption{text-align:left;font-weight:bold;padding:2px 0}
            section{page-break-inside:avoid}svg{max-width:100%;height:auto}
            td.l{white-space:nowrap}th{font-weight:600;vertical-align:bottom}
            @page{size:A4 landscape;margin:8mm}@media print{body{margin:0}h2{page-break-after:avoid}}
            </style></head><body>
            <h1>Appeals analysis</h1>
            <p class="meta">Period: <b>\(p.from)</b> to <b>\(p.to)</b> (both days included), clinic time \(p.timeZone)</p>
            <p class="meta">Operator: <b>\(esc(p.operatorId.map { "\(p.operatorName ?? "") (#\($0))" } ?? "all"))</b>; channel: <b>\(esc(p.channel ?? "all"))</b></p>
            <p class="meta">Made \(stamp) from the MIS database.</p>

            """
        if report.isEmpty {
            html += "<p class=\"empty\" id=\"empty\">Nothing happened in this period: no appeals, calls or chats.</p>\n"
        }
        html += section("Outcomes by channel", chart: SVGCharts.stackedBars(
            report.appeals.byChannel.map { ($0.channel, outcomeValues($0.outcomes)) }, series: Self.outcomeSeries),
                        table: tables["appeals_by_channel"]!)
        html += section("Outcomes by operator", chart: SVGCharts.stackedBars(
            report.appeals.byOperator.map { ($0.operatorName, outcomeValues($0.outcomes)) }, series: Self.outcomeSeries),
                        table: tables["appeals_by_operator"]!)
        html += section("Appeals by day", chart: SVGCharts.columns(report.appeals.byDay.map { (String($0.date.suffix(5)), $0.appeals) }),
                        table: tables["appeals_by_day"]!)
        html += section("Appeals by weekday and hour", chart: SVGCharts.heatmap(report.appeals.heatmap, rowLabels: AppealsReport.weekdays),
                        table: tables["appeals_by_weekday_hour"]!)
        html += section("Calls by operator", chart: SVGCharts.stackedBars(
            report.calls.byOperator.map { ($0.operatorName, [$0.inboundAnswered, $0.missed, $0.abandoned, $0.outboundAnswered, $0.notReached + $0.failed]) },
            series: [.init(name: "answered", color: "#2e8b57"), .init(name: "missed", color: "#c0392b"),
                     .init(name: "abandoned in IVR", color: "#e6a23c"), .init(name: "outbound answered", color: "#3b6fb6"),
                     .init(name: "not reached", color: "#7f8c8d")]),
                        table: tables["calls_by_operator"]!)
        let o = report.chats.overall
        html += section("Chats by operator", chart: SVGCharts.stackedBars(
            report.chats.byOperator.map { ($0.label, [$0.firstResponseUnderOneMinute, $0.firstResponseOneToFiveMinutes, $0.firstResponseFiveToFifteenMinutes, $0.firstResponseFifteenToSixtyMinutes, $0.firstResponseOverOneHour, $0.notResponded]) }
                + [("all", [o.firstResponseUnderOneMinute, o.firstResponseOneToFiveMinutes, o.firstResponseFiveToFifteenMinutes, o.firstResponseFifteenToSixtyMinutes, o.firstResponseOverOneHour, o.notResponded])],
            series: [.init(name: "< 1 min", color: "#2e8b57"), .init(name: "1–5", color: "#7cb342"), .init(name: "5–15", color: "#e6a23c"),
                     .init(name: "15–60", color: "#e67e22"), .init(name: "> 1 h", color: "#c0392b"), .init(name: "no answer", color: "#7f8c8d")]),
                        table: tables["chats_by_operator"]!)
        html += section("Chats by channel", chart: nil, table: tables["chats_by_channel"]!)
        return html + "</body></html>\n"
    }

    func outcomeValues(_ o: OutcomeCounts) -> [Int] { [o.booked, o.cancelled, o.completed, o.stillOpen] }

    func section(_ title: String, chart: String?, table: ReportTable) -> String {
        var html = "<section id=\"s-\(table.id)\"><h2>\(esc(title))</h2>\n"
        if let chart { html += "<figure>\(chart)</figure>\n" }
        html += "<table id=\"\(table.id)\"><caption class=\"l\">\(esc(table.title))</caption><thead><tr>"
        html += table.columns.map {
            "<th class=\"\($0 == "operator" || $0 == "channel" ? "l" : "")\">\(esc($0.replacingOccurrences(of: "_", with: " ")))</th>"
        }.joined()
        html += "</tr></thead><tbody>\n"
        for row in table.rows {
            // The row key: the operator id, else the first text cell (channel, date, weekday, "all").
            let key: String
            if table.columns.first == "operator_id" {
                key = row[0] == .empty ? (row[1] == .text("all") ? "all" : "none") : row[0].text()
            } else {
                key = row[0].text()
            }
            html += "<tr>" + zip(table.columns, row).map { column, cell in
                if case .text(let value) = cell { return "<td class=\"l\">\(esc(value))</td>" }
                return "<td data-cell=\"\(esc(table.id))|\(esc(key))|\(esc(column))\">\(esc(cell.text()))</td>"
            }.joined() + "</tr>\n"
        }
        return html + "</tbody></table></section>\n"
    }

    func esc(_ text: String) -> String { SVGCharts.escape(text) }
}
