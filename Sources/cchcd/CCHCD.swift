import ArgumentParser
import ChannelConfig
import ChannelKit
import ChannelRegistry
import Config
import Foundation
import Listener
import Logging
import ServiceLifecycle
import Systemd
import Transport
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

@main
struct CCHCD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cchcd",
        abstract: "The cchc-dispatch daemon: publishes approved CCHC items to their channels on schedule.",
        discussion:
            "Exit codes: 0 stopped cleanly; 1 failed at run time; 75 another cchcd holds the state folder; 78 configuration error.",
        version: CCHCDVersion.string)

    @Option(name: .long, help: "The configuration file (default: $CCHC_CONFIG, then /etc/cchcd/cchcd.yaml).")
    var config: String?

    @Flag(name: .long, help: "Check the configuration (and build every channel), print the result and exit.")
    var checkConfig = false

    @Option(
        name: .long,
        help: "Print the sample configuration of a channel type (portal, webhook, exec, email, radio, zalo) and exit.")
    var sampleConfig: String?

    @Flag(name: .long, help: "Print the configuration keys a reload (SIGHUP) does not apply, one per line, and exit.")
    var restartOnlyKeys = false

    @Option(
        name: .long, help: "trace, debug, info, notice, warning, error or critical (default: $CCHCD_LOG_LEVEL or info)."
    )
    var logLevel: String?

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        if let word = sampleConfig {
            guard let type = BuiltinChannels.type(word) else {
                printError(
                    "unknown channel type \"\(word)\" (known: \(BuiltinChannels.all.map(\.type).joined(separator: ", ")))"
                )
                throw ExitCode(64)
            }
            print(type.sampleConfig)
            return
        }
        if restartOnlyKeys {
            for name in ReloadScope.names { print(name) }
            return
        }
        let level =
            Logger.Level(rawValue: logLevel ?? ProcessInfo.processInfo.environment["CCHCD_LOG_LEVEL"] ?? "info")
            ?? .info
        LoggingSystem.bootstrap { label in
            var handler = JournalLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "cchcd")
        let path = ConfigLoader.resolvePath(config)

        let build: DaemonBuild
        let http: HTTPClient
        do {
            let daemonConfig = try ConfigLoader.load(path: path, secrets: DaemonAssembly.secrets(logger: logger))
            http = try HTTPClient(configuration: daemonConfig.httpClientConfiguration)
            build = try DaemonBuild.make(
                daemonConfig, http: http, secrets: DaemonAssembly.secrets(logger: logger), logger: logger)
        } catch let error as ConfigError {
            printError("configuration error: \(error)")
            throw ExitCode(78)
        } catch {
            printError("cannot start: \(error)")
            throw ExitCode(1)
        }
        let daemonConfig = build.config
        let addresses: ListenAddresses
        do {
            addresses = try ListenAddresses(daemonConfig)
        } catch {
            printError("configuration error: \(error)")
            http.shutdown()
            throw ExitCode(78)
        }
        do {
            // A conflict between channels' inbound routes is a configuration error too.
            try InboundRoutes().replace(with: build.inboundChannels)
        } catch {
            printError("configuration error: \(path): \(error)")
            http.shutdown()
            throw ExitCode(78)
        }
        if checkConfig {
            let problems = OutputPathCheck.standard().problems(daemonConfig)
            if !problems.isEmpty {
                for problem in problems { printError("configuration error: \(problem)") }
                http.shutdown()
                throw ExitCode(78)
            }
            print(
                build.channels.isEmpty
                    ? "configuration OK: \(path) (no channels yet)"
                    : "configuration OK: \(path) (\(build.channels.count) channels: \(daemonConfig.channels.map(\.name).joined(separator: ", ")))"
            )
            http.shutdown()
            return
        }

        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: daemonConfig.stateDirectory, withIntermediateDirectories: true)
            try fm.createDirectory(atPath: daemonConfig.deliveryLogDirectory, withIntermediateDirectories: true)
        } catch {
            printError("cannot create the state or log folder: \(error)")
            throw ExitCode(1)
        }
        let lock: InstanceLock
        do {
            lock = try InstanceLock(path: daemonConfig.lockFilePath)
        } catch {
            printError("\(error)")
            throw ExitCode(75)
        }
        defer { lock.release() }

        let assembly: DaemonAssembly
        do {
            assembly = try DaemonAssembly(
                build: build, addresses: addresses, http: http, logger: logger,
                inboxRetryInterval: Self.inboxRetryInterval)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        // SIGHUP is trapped before anything can send it (its default action would end the process).
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let services = assembly.services(configPath: path, hangups: hangups, notifier: SystemdNotifier())

        logger.info(
            "cchcd started",
            metadata: [
                "config": "\(path)", "store": "\(daemonConfig.databasePath)",
                "delivery_log": "\(daemonConfig.deliveryLogDirectory)",
                "channels": "\(daemonConfig.channels.count)",
            ])
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("cchcd stopped on an error", metadata: ["error": "\(error)"])
            http.shutdown()
            throw ExitCode(1)
        }
        http.shutdown()
        logger.info("cchcd stopped")
    }
}

extension CCHCD {
    /// How soon a failed inbox scan is repeated (`CCHCD_INBOX_RETRY_MS` shortens it for tests).
    static var inboxRetryInterval: Duration {
        if let ms = ProcessInfo.processInfo.environment["CCHCD_INBOX_RETRY_MS"].flatMap(Int.init), ms > 0 {
            return .milliseconds(ms)
        }
        return .seconds(5)
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("cchcd: \(message)\n".utf8))
}

enum CCHCDVersion {
    static let string = "0.1.0"
}
