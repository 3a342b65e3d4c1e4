import ChannelKit
import ChannelRegistry
import Config
import Engine
import Foundation
import Intake
import Listener
import Logging
import Queue
import ServiceLifecycle
import Systemd
import Transport
import UnixSignals

/// Reloads the configuration on SIGHUP (DESIGN.md §8): the new files are read and every channel is
/// built; only if all of that succeeds are the engine and the inbox switched to it, at once. A bad
/// configuration is refused with a log line naming file, key and line, and the running one stays.
/// Sends in flight are not disturbed; channels removed from the configuration leave their waiting
/// deliveries waiting.
struct Reloader: Service {
    let hangups: UnixSignalsSequence
    let configPath: String
    let initial: DaemonConfig
    let http: HTTPClient
    let engine: Engine
    let inbox: InboxWatcher
    let store: any Store
    let routes: InboundRoutes
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        var current = initial
        for await _ in hangups.cancelOnGracefulShutdown() {
            notifier.reloading()
            logger.info("reloading the configuration (SIGHUP)", metadata: ["config": "\(configPath)"])
            do {
                let next = try await load(replacing: current)
                current = next
                logger.info(
                    "configuration reloaded",
                    metadata: ["channels": "\(next.channels.map(\.name).joined(separator: ","))"])
            } catch {
                logger.error("reload refused; the running configuration stays", metadata: ["error": "\(error)"])
            }
            notifier.notify("READY=1")
        }
    }

    private func load(replacing current: DaemonConfig) async throws -> DaemonConfig {
        let next = try ConfigLoader.load(path: configPath)
        // These are opened once at start; changing them needs a restart, so say so instead of half-applying.
        let restartOnly: [(String, Bool)] = [
            ("state_dir", next.stateDirectory != current.stateDirectory),
            ("delivery_log.dir", next.deliveryLogDirectory != current.deliveryLogDirectory),
            ("timezone", next.timeZone != current.timeZone),
            (
                "inbox",
                next.inbox.path != current.inbox.path || next.inbox.enabled != current.inbox.enabled
                    || next.inbox.trusted != current.inbox.trusted
            ),
            ("network", next.network != current.network),
        ]
        if let changed = restartOnly.first(where: \.1)?.0 {
            throw ReloadError(description: "\(changed) changed: restart cchcd to apply it")
        }
        let channels = try BuiltinChannels.build(next, http: http, logger: logger)
        // The last step that can fail; from here on everything switches.
        try routes.replace(with: Array(channels.values))
        let planner = DeliveryPlanner(config: next)
        inbox.update(intake: ItemIntake(config: next, channels: channels, store: store) { planner.plan($0) })
        await engine.reconfigure(
            channels: next.channels.compactMap { c in channels[c.name].map { EngineChannel(channel: $0, config: c) } },
            config: next)
        return next
    }

    struct ReloadError: Error, CustomStringConvertible {
        var description: String
    }
}
