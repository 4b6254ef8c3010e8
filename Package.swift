// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "MisLink",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Firebird", targets: ["Firebird"]),
        .executable(name: "mislink", targets: ["mislink"]),
        .executable(name: "mislink-bench", targets: ["mislink-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // The C client library of Firebird (libfbclient, `ibase.h`) and a thin shim for what Swift cannot call.
        .systemLibrary(
            name: "CFirebird",
            providers: [.apt(["firebird-dev"])]
        ),
        // The Swift wrapper: attachments, transactions, statements, values, events, errors, a pool.
        .target(
            name: "Firebird",
            dependencies: [
                "CFirebird",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The same benchmark workload written in plain C over libfbclient, for the Swift/C ratio.
        .target(
            name: "CFirebirdBench",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("fbclient")]
        ),
        // The migration runner: isql-compatible scripts, history, checksums, lock, baseline, dry-run, undo.
        .target(
            name: "FirebirdMigrations",
            dependencies: ["Firebird"]
        ),
        // Realistic demo data for the reference clinic schema (patients, staff, services, visits).
        .target(
            name: "MisLinkDemoData",
            dependencies: ["Firebird"]
        ),
        // Phone keys from what registrars typed, and patient identification by phone.
        .target(
            name: "MisLinkPatients",
            dependencies: ["Firebird", "MisLinkProfiles"]
        ),
        // The appeals analysis report: runs SQL/report-appeals.sql, renders HTML (inline SVG), CSV and JSON.
        .target(
            name: "MisLinkReport",
            dependencies: ["Firebird", "MisLinkPatients", "MisLinkProfiles"]
        ),
        // MIS profiles: a folder per MIS schema (profile.json, statements.sql), the contract its named
        // statements meet, and the check that prepares them against a live database without writing.
        .target(
            name: "MisLinkProfiles",
            dependencies: ["Firebird"]
        ),
        // libcurl (Debian's libcurl4-openssl-dev) for the HTTP client.
        .systemLibrary(
            name: "CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // An async HTTP client over libcurl: PBX commands, chat API calls, webhook delivery.
        .target(
            name: "MisLinkHTTP",
            dependencies: ["CCurl"]
        ),
        // The external APIs' wire formats: Mango VPBX (signing, commands, events), edna, Chatwoot.
        .target(
            name: "MisLinkExternalAPIs",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // The settings the worker and the emulator share: a JSON config file and MISLINK_* variables.
        .target(name: "MisLinkSettings"),
        // Webhooks in: adapters (signatures, tolerant parsing, delivery keys), the inbox with group
        // commit, the durable spool, and the appliers that turn events into MIS rows.
        .target(
            name: "MisLinkIntake",
            dependencies: [
                "MisLinkProfiles",
                "MisLinkStore",
                "Firebird",
                "MisLinkExternalAPIs",
                "MisLinkPatients",
                "MisLinkSettings",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // MisLink's own tables (MISLINK_*): every statement, rows decoded by name, statuses as enums, the one
        // lease-claim of the outbox and the commands.
        .target(
            name: "MisLinkStore",
            dependencies: ["Firebird"]
        ),
        // Outbox rows and PBX commands out: claimed safely by one of several workers, sent, retried, recorded.
        .target(
            name: "MisLinkOutbound",
            dependencies: [
                "MisLinkProfiles",
                "MisLinkStore",
                "Firebird",
                "MisLinkExternalAPIs",
                "MisLinkHTTP",
                "MisLinkSettings",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The worker's HTTP face: webhook routes, the REST API, /health, /ready, /metrics; `mislink serve`.
        .target(
            name: "MisLinkServer",
            dependencies: [
                "MisLinkProfiles",
                "Firebird",
                "FirebirdMigrations",
                "MisLinkDemoData",
                "MisLinkIntake",
                "MisLinkOutbound",
                "MisLinkStore",
                "MisLinkPatients",
                "MisLinkReport",
                "MisLinkSettings",
                "MisLinkHTTP",
                "MisLinkExternalAPIs",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            exclude: ["openapi.json"],
            // The operator console's pages, compiled in (PackageResources.<file_name>): see ConsoleAssets.
            resources: [.embedInCode("Console")]
        ),
        // The emulator of the PBX and the chat platforms: fake APIs, scenarios, load.
        .target(
            name: "MisLinkEmulator",
            dependencies: [
                "MisLinkSettings",
                "MisLinkExternalAPIs",
                "MisLinkHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                // The load tool's client and `emulate receive` (issue 20): SwiftNIO's HTTP/1.1 pipelines directly.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Scenarios")]
        ),
        .executableTarget(
            name: "mislink",
            dependencies: [
                "MisLinkEmulator",
                "MisLinkExternalAPIs",
                "MisLinkHTTP",
                "Firebird",
                "FirebirdMigrations",
                "MisLinkDemoData",
                "MisLinkPatients",
                "MisLinkProfiles",
                "MisLinkReport",
                "MisLinkServer",
                "MisLinkSettings",
                "MisLinkOutbound",
                "MisLinkIntake",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "mislink-bench",
            dependencies: [
                "Firebird",
                "FirebirdMigrations",
                "MisLinkDemoData",
                "MisLinkPatients",
                "MisLinkReport",
                "MisLinkServer",
                "MisLinkSettings",
                "MisLinkIntake",
                "MisLinkEmulator",
                "MisLinkExternalAPIs",
                "MisLinkHTTP",
                "CFirebirdBench",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "FirebirdTests",
            dependencies: ["Firebird"]
        ),
        // Test databases made the way a DBA makes them (isql-fb, gbak), shared by the test targets.
        .target(
            name: "MisLinkTestSupport",
            dependencies: ["Firebird", "FirebirdMigrations"],
            path: "Tests/MisLinkTestSupport"
        ),
        .testTarget(
            name: "FirebirdMigrationsTests",
            dependencies: ["FirebirdMigrations", "Firebird", "MisLinkTestSupport"]
        ),
        .testTarget(
            name: "MisLinkPatientsTests",
            dependencies: ["MisLinkPatients", "MisLinkProfiles", "Firebird", "FirebirdMigrations", "MisLinkTestSupport"]
        ),
        .testTarget(
            name: "MisLinkEmulatorTests",
            dependencies: [
                "MisLinkEmulator",
                "MisLinkExternalAPIs",
                "MisLinkSettings",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "MisLinkOutboundTests",
            dependencies: [
                "MisLinkOutbound", "MisLinkStore", "MisLinkEmulator", "MisLinkSettings", "Firebird", "MisLinkTestSupport", "MisLinkHTTP",
                "MisLinkExternalAPIs",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "MisLinkStoreTests",
            dependencies: ["MisLinkStore", "Firebird", "MisLinkTestSupport"]
        ),
        .testTarget(
            name: "MisLinkServerTests",
            dependencies: [
                "MisLinkServer", "MisLinkIntake", "MisLinkSettings", "MisLinkEmulator", "MisLinkExternalAPIs", "MisLinkHTTP", "MisLinkDemoData",
                "MisLinkOutbound", "Firebird", "MisLinkTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "MisLinkReportTests",
            dependencies: ["MisLinkReport", "MisLinkDemoData", "Firebird", "MisLinkTestSupport"]
        ),
        .testTarget(
            name: "MisLinkProfilesTests",
            dependencies: ["MisLinkProfiles", "MisLinkSettings", "Firebird", "MisLinkTestSupport"]
        ),
        .testTarget(
            name: "MisLinkDemoDataTests",
            dependencies: ["MisLinkDemoData", "Firebird"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
