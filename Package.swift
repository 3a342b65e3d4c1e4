// swift-tools-version:6.1
import PackageDescription

// Architecture (DESIGN.md §2): executables → Engine, Intake, Reports, Config, plugins → ChannelKit,
// ChannelConfig, Queue, Transport → CCurlShims → CCurl. Plugins depend on ChannelKit (the contract),
// ChannelConfig (reading their config section and secrets), Transport, ChannelHTTP and Rendering only —
// never on Engine, Queue or Config — plus leaf helpers of no dependency of their own (ReadAloud, Docx,
// ProcessSpawn: child processes through posix_spawn).

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "cchc-dispatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cchcd", targets: ["cchcd"]),
        .executable(name: "cchc", targets: ["cchc"]),
        .executable(name: "cchc-bench", targets: ["cchc-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        // libcurl, through a module map and fixed-arity C wrappers (Swift cannot call C variadics).
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(name: "CCurlShims", dependencies: ["CCurl"]),
        // The benchmark's baseline: libcurl's multi interface driven from C with no Swift in the loop.
        .target(name: "CCurlRawLoad", dependencies: ["CCurl"]),
        .target(
            name: "Transport",
            dependencies: ["CCurl", "CCurlShims", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // sd_notify without libsystemd.
        .target(name: "Systemd", swiftSettings: swiftSettings),
        // The plugin API: the Channel protocol, the values it passes, its errors. Foundation and swift-log only.
        .target(
            name: "ChannelKit",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Reading a configuration section key by key (file:line:key errors), durations, secrets. Foundation only.
        .target(name: "ChannelConfig", swiftSettings: swiftSettings),
        // What HTTP-based channels share: HTTP answers and transport failures → outcomes; JSON pointers.
        .target(
            name: "ChannelHTTP",
            dependencies: ["ChannelKit", "Transport"],
            swiftSettings: swiftSettings
        ),
        // Markdown → HTML / plain text, and Mustache templates, for channels.
        .target(
            name: "Rendering",
            dependencies: [
                "ChannelKit", "ChannelConfig",
                .product(name: "Ink", package: "Ink"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        // Vietnamese text → text to be read aloud (numbers, dates, abbreviations); Foundation only.
        .target(name: "ReadAloud", swiftSettings: swiftSettings),
        .target(
            name: "Queue",
            dependencies: [
                "ChannelKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Config",
            dependencies: ["ChannelKit", "ChannelConfig", "Yams", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Intake",
            dependencies: [
                "ChannelKit", "ChannelConfig", "Config", "Queue", "Yams",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Engine",
            dependencies: [
                // Transport: the engine hears from the HTTP client when a send is handed to the network.
                "ChannelKit", "ChannelConfig", "Queue", "Config", "Transport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP listener: /healthz, /status, /metrics and the channels' inbound webhooks.
        .target(
            name: "Listener",
            dependencies: [
                "ChannelKit", "Engine", "Queue", .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The officers' web app (issue 16): its own listener, server-rendered Vietnamese pages.
        .target(
            name: "WebApp",
            dependencies: [
                "ChannelKit", "Queue", "Config", "Rendering", "Engine", .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // WordprocessingML (.docx) writer: reports, radio announcer scripts.
        .target(
            name: "Docx",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: swiftSettings
        ),
        // Periodic reports from the delivery log (streaming reader, aggregation, renderers).
        .target(
            name: "Reports",
            dependencies: ["ChannelKit", "Config", "Docx"],
            swiftSettings: swiftSettings
        ),
        // Plugins: each a channel type.
        .target(
            name: "Portal",
            dependencies: ["ChannelKit", "ChannelConfig", "Transport", "ChannelHTTP", "Rendering"],
            path: "Plugins/Portal",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Webhook",
            dependencies: [
                "ChannelKit", "ChannelConfig", "Transport", "ChannelHTTP", "Rendering",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Plugins/Webhook",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // Child processes through posix_spawn (Foundation's Process crashes now and then in this toolchain,
        // and passes on the daemon's signal mask and open descriptors): the exec and radio plugins.
        .target(name: "ProcessSpawn", swiftSettings: swiftSettings),
        .target(
            name: "Exec",
            dependencies: ["ChannelKit", "ChannelConfig", "Rendering", "ProcessSpawn"],
            path: "Plugins/Exec",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Email",
            dependencies: [
                "ChannelKit", "ChannelConfig", "Transport", "Rendering",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Plugins/Email",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Radio",
            dependencies: [
                "ChannelKit", "ChannelConfig", "Transport", "ChannelHTTP", "ReadAloud", "Docx", "ProcessSpawn",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Plugins/Radio",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Facebook",
            dependencies: [
                "ChannelKit", "ChannelConfig", "Transport", "ChannelHTTP", "Rendering",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Plugins/Facebook",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Zalo",
            dependencies: [
                "ChannelKit", "ChannelConfig", "Transport", "ChannelHTTP", "Rendering",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/Zalo",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // The one list of compiled-in channel types, shared by cchcd and cchc.
        .target(
            name: "ChannelRegistry",
            dependencies: [
                "ChannelKit", "ChannelConfig", "Transport", "Config", "Portal", "Webhook", "Exec", "Email", "Radio",
                "Facebook", "Zalo",
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "cchcd",
            dependencies: [
                "Engine", "Intake", "ChannelConfig", "Config", "Queue", "ChannelRegistry", "Transport", "Systemd",
                "Listener",
                "Reports", "WebApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "cchc",
            dependencies: [
                "Engine", "Intake", "ChannelConfig", "Config", "Queue", "ChannelRegistry", "Transport", "Radio", "Zalo",
                "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "cchc-bench",
            dependencies: [
                "Engine", "Queue", "Config", "ChannelRegistry", "Transport", "BenchKit", "CCurlRawLoad", "ReadAloud",
                "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/cchc-bench",
            swiftSettings: swiftSettings
        ),
        // What cchc-bench runs on, outside the test code it must not link: a counting HTTP sink (in
        // process, or as a `cchc-bench sink` child), children started with posix_spawn, /proc memory
        // figures, the delivery checks. The tests use SpawnedProcess from here too.
        .target(
            name: "BenchKit",
            dependencies: [
                "Transport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Loopback servers that follow the published APIs (tests only).
        .target(
            name: "TestSupport",
            dependencies: [
                "Engine", "BenchKit", "ChannelConfig", .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/Support",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TransportTests", dependencies: ["Transport", "TestSupport", "CCurlRawLoad"],
            swiftSettings: swiftSettings),
        .testTarget(name: "ChannelKitTests", dependencies: ["ChannelKit", "Queue"], swiftSettings: swiftSettings),
        .testTarget(name: "ChannelConfigTests", dependencies: ["ChannelConfig"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RenderingTests", dependencies: ["Rendering", "ChannelConfig"], swiftSettings: swiftSettings),
        .testTarget(name: "QueueTests", dependencies: ["Queue"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ConfigTests",
            dependencies: [
                "Config", "ChannelConfig", "ChannelRegistry", "Transport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "IntakeTests",
            dependencies: [
                "Intake", "ChannelConfig", "Config", "Queue", "ChannelRegistry", "Transport", "TestSupport",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EngineTests",
            dependencies: ["Engine", "Queue", "ChannelKit", "ChannelConfig", "Config", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PortalTests", dependencies: ["Portal", "ChannelConfig", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "WebhookTests", dependencies: ["Webhook", "ChannelConfig", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "FacebookTests",
            dependencies: [
                "Facebook", "TestSupport", "ChannelKit", "ChannelConfig", "Transport", "Engine", "Queue", "Config",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ListenerTests",
            dependencies: [
                "Listener", "ChannelKit", "ChannelConfig", "Config", "Engine", "Queue", "Zalo", "Transport",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ExecTests", dependencies: ["Exec", "ChannelConfig", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WebAppTests",
            dependencies: [
                "WebApp", "Queue", "Config", "ChannelKit", "Engine",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ZaloTests",
            dependencies: [
                "Zalo", "ChannelKit", "ChannelConfig", "Transport", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "ReadAloudTests", dependencies: ["ReadAloud"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RadioTests",
            dependencies: [
                "Radio", "ChannelConfig", "ReadAloud", "Transport", "TestSupport",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EmailTests",
            dependencies: [
                "Email", "Transport", "ChannelKit", "ChannelConfig", "Config", "Rendering", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ], swiftSettings: swiftSettings),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["Reports", "Docx", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BenchKitTests", dependencies: ["BenchKit", "Transport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport", "Queue", "Transport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
    ]
)
