import Foundation

/// Small inline SVG charts for the HTML report: no scripts, no fonts or images from elsewhere.
enum SVGCharts {
    /// A series of a stacked bar chart.
    struct Series {
        var name: String
        var color: String
    }

    /// Horizontal stacked bars, one per row label; a legend on top.
    static func stackedBars(_ rows: [(label: String, values: [Int])], series: [Series], width: Int = 760) -> String {
        let labelWidth = 200, barHeight = 22, gap = 6, top = 30
        let plot = width - labelWidth - 60
        let maxTotal = max(1, rows.map { $0.values.reduce(0, +) }.max() ?? 1)
        let height = top + rows.count * (barHeight + gap) + 10
        var svg = header(width: width, height: height)
        svg += legend(series, y: 14)
        for (index, row) in rows.enumerated() {
            let y = top + index * (barHeight + gap)
            svg += text(row.label, x: labelWidth - 8, y: y + 15, anchor: "end")
            var x = Double(labelWidth)
            for (value, serie) in zip(row.values, series) where value > 0 {
                let w = Double(value) / Double(maxTotal) * Double(plot)
                svg += "<rect x=\"\(fmt(x))\" y=\"\(y)\" width=\"\(fmt(max(w, 1)))\" height=\"\(barHeight)\" fill=\"\(serie.color)\"><title>\(escape(serie.name)): \(value)</title></rect>"
                x += w
            }
            svg += text(String(row.values.reduce(0, +)), x: Int(x) + 6, y: y + 15, anchor: "start")
        }
        return svg + "</svg>"
    }

    /// Vertical bars, e.g. one per day; labels thinned out to fit.
    static func columns(_ values: [(label: String, value: Int)], color: String = "#3b6fb6", width: Int = 760) -> String {
        let height = 220, left = 40, bottom = 40, top = 12
        let plotHeight = height - bottom - top
        let maxValue = max(1, values.map(\.value).max() ?? 1)
        let step = Double(width - left - 10) / Double(max(values.count, 1))
        var svg = header(width: width, height: height)
        svg += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - 10)\" y2=\"\(height - bottom)\" stroke=\"#888\"/>"
        svg += text(String(maxValue), x: left - 4, y: top + 10, anchor: "end")
        svg += text("0", x: left - 4, y: height - bottom, anchor: "end")
        let every = max(1, Int((Double(values.count) / 12).rounded(.up)))
        for (index, item) in values.enumerated() {
            let h = Double(item.value) / Double(maxValue) * Double(plotHeight)
            let x = Double(left) + Double(index) * step
            if item.value > 0 {
                svg += "<rect x=\"\(fmt(x + step * 0.1))\" y=\"\(fmt(Double(height - bottom) - h))\" width=\"\(fmt(max(step * 0.8, 1)))\" height=\"\(fmt(h))\" fill=\"\(color)\"><title>\(escape(item.label)): \(item.value)</title></rect>"
            }
            if index % every == 0 {
                svg += text(item.label, x: Int(x + step / 2), y: height - bottom + 16, anchor: "middle", size: 10)
            }
        }
        return svg + "</svg>"
    }

    /// A weekday x hour grid, darker for more.
    static func heatmap(_ grid: [[Int]], rowLabels: [String], width: Int = 760) -> String {
        let left = 44, top = 20, cellWidth = (width - left - 10) / 24, cellHeight = 24
        let height = top + grid.count * cellHeight + 10
        let maxValue = max(1, grid.flatMap { $0 }.max() ?? 1)
        var svg = header(width: width, height: height)
        for hour in 0..<24 where hour % 2 == 0 {
            svg += text(String(format: "%02d", hour), x: left + hour * cellWidth + cellWidth / 2, y: 14, anchor: "middle", size: 10)
        }
        for (row, hours) in grid.enumerated() {
            let y = top + row * cellHeight
            svg += text(rowLabels[row], x: left - 6, y: y + 16, anchor: "end")
            for (hour, value) in hours.enumerated() {
                let share = Double(value) / Double(maxValue)
                let light = Int(97 - share * 62)
                svg += "<rect x=\"\(left + hour * cellWidth)\" y=\"\(y)\" width=\"\(cellWidth - 1)\" height=\"\(cellHeight - 1)\" fill=\"hsl(212,60%,\(light)%)\"><title>\(rowLabels[row]) \(String(format: "%02d", hour)):00 \(value)</title></rect>"
            }
        }
        return svg + "</svg>"
    }

    static func header(width: Int, height: Int) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\">"
    }

    static func legend(_ series: [Series], y: Int) -> String {
        var x = 200
        var svg = ""
        for serie in series {
            svg += "<rect x=\"\(x)\" y=\"\(y - 10)\" width=\"12\" height=\"12\" fill=\"\(serie.color)\"/>"
            svg += text(serie.name, x: x + 16, y: y, anchor: "start")
            x += 24 + serie.name.count * 7
        }
        return svg
    }

    static func text(_ value: String, x: Int, y: Int, anchor: String, size: Int = 12) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" text-anchor=\"\(anchor)\" font-size=\"\(size)\" fill=\"#222\">\(escape(value))</text>"
    }

    static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
