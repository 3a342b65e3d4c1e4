import ChannelConfig
import ChannelKit
import Config
import DeliveryLog
import Engine
import Foundation
import Intake
import Listener
import Logging
import Metrics
import Prometheus
import Queue
import ServiceLifecycle
import Synchronization
import Systemd
import Transport
import UnixSignals
import WebApp

#if canImport(Glibc)
    import Glibc
#endif

/// The running daemon: the parts that live as long as the process (store, engine, inbox watcher,
/// listeners, report scheduler), built from the first ``DaemonBuild``; a reload hands each of them
/// the next one through ``reload(from:)``. This is the one place that says which part takes what from
/// the configuration — start-up and SIGHUP both come through here.
final class DaemonAssembly: Sendable {
    let http: HTTPClient
    let store: SQLiteStore
    let engine: Engine
    /// Appends what the store committed to the delivery log files, woken by the store's commit hints.
    let logExporter: DeliveryLogExporter
    let inbox: InboxWatcher
    let routes: InboundRoutes
    let reports: ReportScheduler
    let web: WebApp?
    let addresses: ListenAddresses
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    /// The configuration in force (restart-only keys keep their start-up values).
    private let running: Mutex<DaemonConfig>

    var config: DaemonConfig { running.withLock { $0 } }

    /// A part that could not be opened; the message says which and why.
    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Opens the store and the send journal and makes every part from `build`. The state folder must be
    /// locked by this process already.
    init(
        build: DaemonBuild, addresses: ListenAddresses, http: HTTPClient, logger: Logger,
        inboxRetryInterval: Duration
    ) throws(StartFailure) {
        let config = build.config
        do {
            store = try SQLiteStore(path: config.databasePath, timeZone: config.timeZone)
        } catch {
            throw StartFailure(description: "cannot open the store \(config.databasePath): \(error)")
        }
        let owner = "cchcd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let sendJournal: SendJournal
        do {
            sendJournal = try SendJournal(directory: config.sendJournalDirectory, owner: owner)
        } catch {
            throw StartFailure(description: "cannot open the send journal in \(config.sendJournalDirectory): \(error)")
        }
        registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        logExporter = DeliveryLogExporter(directory: config.deliveryLogDirectory, source: store, logger: logger)
        let engine = Engine(
            store: store, channels: build.engineChannels, config: config, owner: owner, singleInstance: true,
            sendJournal: sendJournal, logger: logger)
        inbox = InboxWatcher(
            intake: build.intake(store: store), settings: config.inbox, logger: logger,
            retryInterval: inboxRetryInterval
        ) { engine.wake() }
        routes = InboundRoutes()
        do {
            try routes.replace(with: build.inboundChannels)
        } catch {
            throw StartFailure(description: "\(config.path): \(error)")
        }
        reports = ReportScheduler(reports: build.scheduledReports, inbox: inbox, engine: engine, logger: logger)
        if let settings = config.web {
            // The officers' web app, on its own listener (the webhook listener must be reachable by
            // Facebook and Zalo; this one only by officers, usually behind a TLS reverse proxy).
            let planner = build.planner
            var app = WebApp(
                store: store, settings: settings, timeZone: config.timeZone, topics: config.topics,
                channels: build.channels, channelOrder: config.channels.map(\.name), plan: { planner.plan($0) },
                wake: { engine.wake() }, logger: logger)
            app.channelHealth = { await engine.channelHealth() }
            app.config = config
            web = app
        } else {
            web = nil
        }
        self.engine = engine
        self.http = http
        self.addresses = addresses
        self.logger = logger
        running = Mutex(config)
    }

    /// Every service, in start order (shutdown runs in reverse): the log exporter first, so it appends the
    /// lines of everything committed before the others stopped; then the engine and what wakes it when
    /// another process (`cchc`) commits; the notifier last so that systemd hears STOPPING=1 at once.
    func services(configPath: String, hangups: UnixSignalsSequence, notifier: SystemdNotifier) -> [any Service] {
        let config = self.config
        var services: [any Service] = [logExporter, engine, StoreChangeFollower(store: store, engine: engine), inbox]
        if let address = addresses.http {
            services.append(
                Listener.application(
                    address: address, engine: engine, store: store,
                    stuckAfter: { self.config.engine.stuckAfter },
                    routes: routes, registry: registry,
                    limits: ListenerLimits(
                        idleTimeout: config.httpLimits.idleTimeout, readTimeout: config.httpLimits.readTimeout,
                        maxConnections: config.httpLimits.maxConnections),
                    logger: logger))
        }
        if let web, let address = addresses.web {
            services.append(web.application(address: address))
        }
        services.append(reports)
        services.append(
            Reloader(hangups: hangups, configPath: configPath, assembly: self, notifier: notifier, logger: logger))
        if notifier.isActive {
            services.append(
                Supervision(
                    notifier: notifier, engine: engine, logExporter: logExporter, inbox: inbox, store: store,
                    timeZone: config.timeZone,
                    logger: logger))
        }
        return services
    }

    /// What a reload did.
    struct Reload: Sendable {
        var config: DaemonConfig
        /// Restart-only keys the new files change: still running with their old values.
        var notApplied: [String]
    }

    /// Reads the configuration files again and, if they load and every channel builds, switches every
    /// part to them at once; keys that need a restart keep their running values (``ReloadScope``).
    /// Throws without changing anything otherwise.
    func reload(from path: String) async throws -> Reload {
        let current = config
        let next = try ConfigLoader.load(path: path, secrets: Self.secrets(logger: logger))
        let (effective, notApplied) = ReloadScope.applicable(running: current, next: next)
        let build = try DaemonBuild.make(effective, http: http, secrets: Self.secrets(logger: logger), logger: logger)
        // The last step that can fail; from here on everything switches.
        try routes.replace(with: build.inboundChannels)
        inbox.update(intake: build.intake(store: store))
        await engine.reconfigure(channels: build.engineChannels, config: effective)
        if let web { build.configure(web) }
        reports.update(build.scheduledReports)
        running.withLock { $0 = effective }
        return Reload(config: effective, notApplied: notApplied)
    }

    /// Where secrets come from (files, `$CREDENTIALS_DIRECTORY`, the environment); warnings go to the log.
    static func secrets(logger: Logger) -> SecretStore {
        var secrets = SecretStore()
        secrets.onWarning = { logger.warning("\($0)") }
        return secrets
    }
}
