import Foundation

/// Draws ``DemoDataProgress`` on standard error: a redrawn bar with the rate and the time left on a
/// terminal, or plain lines (at most one per ``plainInterval`` or per 10 %) when stderr is a file or pipe.
public final class DemoDataProgressBar: @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `lock`.
    private let lock = NSLock()
    private let interactive: Bool
    private let write: @Sendable (String) -> Void
    private var lastDraw: ContinuousClock.Instant?
    private var lastPercent = -1
    private var lastPhase: DemoDataProgress.Phase?
    private let clock = ContinuousClock()

    /// The shortest interval between two plain lines: 5 seconds.
    public static let plainInterval: Duration = .seconds(5)

    /// Creates a bar.
    /// - Parameters:
    ///   - interactive: draw in place with carriage returns. Defaults to whether stderr is a terminal.
    ///   - write: where text goes. Defaults to standard error.
    public init(
        interactive: Bool = isatty(STDERR_FILENO) == 1,
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.interactive = interactive
        self.write = write
    }

    /// Shows `progress` (throttled: a terminal is redrawn at most ten times a second).
    public func update(_ progress: DemoDataProgress) {
        lock.lock()
        defer { lock.unlock() }
        let now = clock.now
        let phaseChanged = progress.phase != lastPhase
        let previousPhase = lastPhase
        lastPhase = progress.phase
        switch progress.phase {
        case .referenceData:
            if phaseChanged { write("reference data: departments, services, staff…\n") }
        case .patients:
            let percent = progress.patientsTotal > 0 ? progress.patients * 100 / progress.patientsTotal : 100
            if interactive {
                if !phaseChanged, let lastDraw, now - lastDraw < .milliseconds(100), progress.patients < progress.patientsTotal {
                    return
                }
                write("\r\u{1B}[2K" + Self.bar(progress))
            } else {
                let due = lastDraw.map { now - $0 >= Self.plainInterval } ?? true
                guard due || percent / 10 > lastPercent / 10 || progress.patients == progress.patientsTotal else { return }
                write(Self.line(progress) + "\n")
            }
            lastPercent = percent
            lastDraw = now
        case .rebuildingIndex(let name):
            if previousPhase == .patients && interactive { write("\n") }
            write("rebuilding index \(name)…\n")
        case .done:
            if previousPhase == .patients && interactive { write("\n") }
        }
    }

    /// `patients [########------------]  40%  400,000/1,000,000  52,113/s  ETA 0:12  visits 399,812`
    static func bar(_ progress: DemoDataProgress, width: Int = 24) -> String {
        let fraction = progress.patientsTotal > 0 ? Double(progress.patients) / Double(progress.patientsTotal) : 1
        let filled = min(width, Int(fraction * Double(width)))
        return "patients [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + pad(String(Int(fraction * 100)), 3) + "%  " + grouped(progress.patients) + "/" + grouped(progress.patientsTotal)
            + "  " + grouped(Int(progress.patientsPerSecond)) + "/s  ETA " + clockText(progress.remaining)
            + "  visits " + grouped(progress.visits)
    }

    /// `patients 400000/1000000 (40%), 52113/s, ETA 12 s, visits 399812`
    static func line(_ progress: DemoDataProgress) -> String {
        let percent = progress.patientsTotal > 0 ? progress.patients * 100 / progress.patientsTotal : 100
        let eta = progress.remaining.map { "ETA \(Int($0.seconds.rounded())) s" } ?? "ETA -"
        return "patients \(progress.patients)/\(progress.patientsTotal) (\(percent)%), \(Int(progress.patientsPerSecond))/s, \(eta), visits \(progress.visits)"
    }

    /// `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// `m:ss`, or `-` when unknown.
    static func clockText(_ duration: Duration?) -> String {
        guard let duration else { return "-:--" }
        let seconds = Int(duration.seconds.rounded())
        return "\(seconds / 60):" + (seconds % 60 < 10 ? "0" : "") + String(seconds % 60)
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
