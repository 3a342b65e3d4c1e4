import ArgumentParser
import ChannelConfig
import ChannelKit
import ChannelRegistry
import Config
import Engine
import Foundation
import Intake
import Listener
import Logging
import Metrics
import Prometheus
import Queue
import Reports
import ServiceLifecycle
import Systemd
import Transport
import UnixSignals
import WebApp

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

        let daemonConfig: DaemonConfig
        let channels: [String: any Channel]
        let http: HTTPClient
        do {
            var secrets = SecretStore()
            secrets.onWarning = { logger.warning("\($0)") }
            daemonConfig = try ConfigLoader.load(path: path, secrets: secrets)
            http = try HTTPClient(configuration: daemonConfig.httpClientConfiguration)
            channels = try BuiltinChannels.build(daemonConfig, http: http, logger: logger, secrets: secrets)
        } catch let error as ConfigError {
            printError("configuration error: \(error)")
            throw ExitCode(78)
        } catch {
            printError("cannot start: \(error)")
            throw ExitCode(1)
        }
        var listen: Listener.Address?
        if let text = daemonConfig.httpListen {
            guard let address = Listener.parseAddress(text) else {
                printError(
                    "configuration error: \(path): http.listen: \"\(text)\" is not an address like 127.0.0.1:8640 or unix:/run/cchcd/http.sock"
                )
                throw ExitCode(78)
            }
            listen = address
        }
        var webAddress: WebAddress?
        if let web = daemonConfig.web {
            guard let address = WebAddress.parse(web.listen) else {
                printError(
                    "configuration error: \(path): web.listen: \"\(web.listen)\" is not an address like 127.0.0.1:8650 or unix:/run/cchcd/web.sock"
                )
                throw ExitCode(78)
            }
            webAddress = address
        }
        let routes = InboundRoutes()
        do {
            try routes.replace(with: Array(channels.values))
        } catch {
            printError("configuration error: \(path): \(error)")
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
                channels.isEmpty
                    ? "configuration OK: \(path) (no channels yet)"
                    : "configuration OK: \(path) (\(channels.count) channels: \(daemonConfig.channels.map(\.name).joined(separator: ", ")))"
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

        let store: SQLiteStore
        do {
            store = try SQLiteStore(path: daemonConfig.databasePath, timeZone: daemonConfig.timeZone)
        } catch {
            printError("cannot open the store \(daemonConfig.databasePath): \(error)")
            throw ExitCode(1)
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let planner = DeliveryPlanner(config: daemonConfig)
        let logWriter = DeliveryLogWriter(directory: daemonConfig.deliveryLogDirectory, store: store, logger: logger)
        let owner = "cchcd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let sendJournal: SendJournal
        do {
            sendJournal = try SendJournal(directory: daemonConfig.sendJournalDirectory, owner: owner)
        } catch {
            printError("cannot open the send journal in \(daemonConfig.sendJournalDirectory): \(error)")
            throw ExitCode(1)
        }
        let engine = Engine(
            store: store,
            channels: daemonConfig.channels.compactMap { c in
                channels[c.name].map { EngineChannel(channel: $0, config: c) }
            },
            config: daemonConfig, logWriter: logWriter, owner: owner, singleInstance: true, sendJournal: sendJournal,
            logger: logger)
        var services: [any Service] = [engine]
        let intake = ItemIntake(config: daemonConfig, channels: channels, store: store, planner: { planner.plan($0) })
        // The watcher also reports `cchc`'s wake file; with the inbox disabled only that is watched.
        let inbox = InboxWatcher(
            intake: intake, settings: daemonConfig.inbox, wakeFile: daemonConfig.wakeFilePath, logger: logger,
            retryInterval: Self.inboxRetryInterval
        ) { engine.wake() }
        services.append(inbox)
        if let listen {
            services.append(
                Listener.application(
                    address: listen, engine: engine, store: store, stuckAfter: daemonConfig.engine.stuckAfter,
                    routes: routes, registry: registry,
                    limits: ListenerLimits(
                        idleTimeout: daemonConfig.httpLimits.idleTimeout,
                        readTimeout: daemonConfig.httpLimits.readTimeout,
                        maxConnections: daemonConfig.httpLimits.maxConnections),
                    logger: logger))
        }
        if let web = daemonConfig.web, let webAddress {
            // The officers' web app, on its own listener (the webhook listener must be reachable by
            // Facebook and Zalo; this one only by officers, usually behind a TLS reverse proxy).
            var app = WebApp(
                store: store, settings: web, timeZone: daemonConfig.timeZone, topics: daemonConfig.topics,
                channels: channels, channelOrder: daemonConfig.channels.map(\.name), plan: { planner.plan($0) },
                wake: { engine.wake() }, logger: logger)
            app.channelHealth = { await engine.channelHealth() }
            services.append(app.application(address: webAddress))
        }
        if let schedule = daemonConfig.reports.schedule {
            services.append(
                ReportScheduler(
                    reports: {
                        var reports = ScheduledReports(
                            schedule: schedule, settings: daemonConfig.reports,
                            logDirectory: daemonConfig.deliveryLogDirectory, timeZone: daemonConfig.timeZone,
                            topicLabels: Dictionary(
                                daemonConfig.topics.map { ($0.key, $0.label) }, uniquingKeysWith: { a, _ in a }))
                        reports.channelLabels = daemonConfig.channelLabels
                        return reports
                    }(),
                    inbox: inbox, engine: engine, logger: logger))
        }
        // SIGHUP is trapped before anything can send it (its default action would end the process).
        let notifier = SystemdNotifier()
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        services.append(
            Reloader(
                hangups: hangups, configPath: path, initial: daemonConfig, http: http, engine: engine, inbox: inbox,
                store: store, routes: routes, notifier: notifier, logger: logger))
        // Last, so that on shutdown it is told first and systemd hears STOPPING=1 at once.
        if notifier.isActive {
            services.append(
                Supervision(
                    notifier: notifier, engine: engine, inbox: inbox, store: store, timeZone: daemonConfig.timeZone,
                    logger: logger))
        }

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
