import ArgumentParser

/// `mislink-bench`: MisLink's benchmarks. Each prints `name value` lines; run them on a quiet
/// machine and in release mode (`swift run -c release mislink-bench db`).
@main
struct MisLinkBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mislink-bench",
        abstract: "Measure MisLink's throughput and latency.",
        subcommands: [DatabaseBenchmark.self, IdentifyBenchmark.self, IntakeBenchmark.self, CallLogBenchmark.self, CallsPageBenchmark.self,
                      CardBenchmark.self,
                      ReportBenchmark.self, SoakBenchmark.self])
}
