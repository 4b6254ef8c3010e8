import Synchronization

/// A latency histogram recorded with two relaxed atomic adds and no lock: fixed buckets, a count per
/// bucket, the sum in nanoseconds. Read (``snapshot()``) only when `/metrics` is scraped.
final class AtomicHistogram: Sendable {
    /// Buckets for request and API latencies: 0.5 ms to 10 s.
    static let latencyBounds: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10),
    ]

    private final class Cell: Sendable {
        let value = Atomic<Int>(0)
    }

    /// Upper bounds in nanoseconds, ascending.
    private let bounds: [Int64]
    /// One per bound, then the one above the last (+Inf).
    private let cells: [Cell]
    private let sumNanoseconds = Atomic<Int>(0)

    /// The bucket bounds, in seconds.
    let boundSeconds: [Double]

    init(bounds: [Duration] = AtomicHistogram.latencyBounds) {
        self.bounds = bounds.map(\.metricsNanoseconds)
        boundSeconds = bounds.map(\.metricsSeconds)
        cells = (0...bounds.count).map { _ in Cell() }
    }

    /// Counts one observation.
    func record(_ duration: Duration) {
        let nanoseconds = max(0, duration.metricsNanoseconds)
        var index = 0
        while index < bounds.count, nanoseconds > bounds[index] { index += 1 }
        cells[index].value.wrappingAdd(1, ordering: .relaxed)
        sumNanoseconds.wrappingAdd(Int(nanoseconds), ordering: .relaxed)
    }

    /// Cumulative bucket counts (one per bound), the count of all observations and their sum in seconds.
    func snapshot() -> (cumulative: [Int], count: Int, sum: Double) {
        var running = 0
        var cumulative: [Int] = []
        cumulative.reserveCapacity(bounds.count)
        for index in bounds.indices {
            running += cells[index].value.load(ordering: .relaxed)
            cumulative.append(running)
        }
        let count = running + cells[bounds.count].value.load(ordering: .relaxed)
        return (cumulative, count, Double(sumNanoseconds.load(ordering: .relaxed)) / 1e9)
    }
}

/// Histograms by label values, found without a lock once they exist: a reader loads the current
/// immutable map with one atomic load; a new label set (rare: a route, a status never seen) takes a
/// lock, publishes a copy of the map with it, and keeps every map it published alive, since a reader
/// may still hold one. At most ``limit`` label sets; past that, new ones share an `overflow` series.
final class LabelledHistograms<Key: Hashable & Sendable>: @unchecked Sendable {
    // @unchecked: `current` points at a map in `published`, which never shrinks.

    /// One label set's histogram and its labels rendered for the text format.
    final class Series: Sendable {
        let labels: String
        let histogram: AtomicHistogram
        init(labels: String) {
            self.labels = labels
            histogram = AtomicHistogram()
        }
    }

    private final class Map: Sendable {
        let series: [Key: Series]
        init(_ series: [Key: Series]) { self.series = series }
    }

    private let current: Atomic<Unmanaged<Map>>
    private let published: Mutex<[Map]>
    private let limit: Int
    private let overflow: Series

    /// - Parameters:
    ///   - limit: label sets kept apart at most.
    ///   - overflow: the labels of the series every label set past the limit shares.
    init(limit: Int = 500, overflow: String) {
        let empty = Map([:])
        current = Atomic(Unmanaged.passUnretained(empty))
        published = Mutex([empty])
        self.limit = limit
        self.overflow = Series(labels: overflow)
    }

    /// The series of `key`, made (labels from `labels()`) the first time.
    func series(_ key: Key, labels: () -> String) -> Series {
        if let series = current.load(ordering: .acquiring).takeUnretainedValue().series[key] { return series }
        return published.withLock { maps in
            let map = maps[maps.count - 1]
            if let series = map.series[key] { return series }
            guard map.series.count < limit else { return overflow }
            var series = map.series
            let made = Series(labels: labels())
            series[key] = made
            let next = Map(series)
            maps.append(next)
            current.store(Unmanaged.passUnretained(next), ordering: .releasing)
            return made
        }
    }

    /// Every series (the overflow one last, when used), sorted by labels.
    var all: [Series] {
        let map = current.load(ordering: .acquiring).takeUnretainedValue()
        let series = map.series.values.sorted { $0.labels < $1.labels }
        return overflow.histogram.snapshot().count > 0 ? series + [overflow] : series
    }
}

/// Prometheus' text exposition format (version 0.0.4), for the families MisLink keeps outside the
/// swift-metrics registry (atomic histograms, values read when scraped).
struct PrometheusText {
    private(set) var text = ""

    /// `# HELP` and `# TYPE` of a family; its samples follow.
    mutating func family(_ name: String, _ type: String, help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    /// One sample; `labels` rendered by ``labels(_:)`` (or empty).
    mutating func sample(_ name: String, _ labels: String = "", _ value: Double) {
        text += labels.isEmpty ? "\(name) \(Self.number(value))\n" : "\(name){\(labels)} \(Self.number(value))\n"
    }

    /// A gauge family with one sample per label set.
    mutating func gauge(_ name: String, help: String, _ samples: [(labels: String, value: Double)]) {
        family(name, "gauge", help: help)
        for (labels, value) in samples { sample(name, labels, value) }
    }

    /// A histogram's samples: `_bucket` per bound and `+Inf`, `_sum`, `_count`.
    mutating func histogram(_ name: String, _ labels: String, bounds: [Double], cumulative: [Int], count: Int, sum: Double) {
        let prefix = labels.isEmpty ? "" : labels + ","
        for (bound, total) in zip(bounds, cumulative) {
            sample(name + "_bucket", prefix + "le=\"\(Self.number(bound))\"", Double(total))
        }
        sample(name + "_bucket", prefix + "le=\"+Inf\"", Double(count))
        sample(name + "_sum", labels, sum)
        sample(name + "_count", labels, Double(count))
    }

    /// An atomic histogram's samples.
    mutating func histogram(_ name: String, _ labels: String, _ histogram: AtomicHistogram) {
        let (cumulative, count, sum) = histogram.snapshot()
        self.histogram(name, labels, bounds: histogram.boundSeconds, cumulative: cumulative, count: count, sum: sum)
    }

    /// `name="value",…` with the values escaped.
    static func labels(_ pairs: KeyValuePairs<String, String>) -> String {
        pairs.map { "\($0.key)=\"\(escape($0.value))\"" }.joined(separator: ",")
    }

    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

extension Duration {
    /// Whole nanoseconds (saturating at about 292 years).
    var metricsNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? .min : .max) : whole &+ attoseconds / 1_000_000_000
    }

    /// Seconds as a `Double`.
    var metricsSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
