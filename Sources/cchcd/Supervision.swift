import DeliveryLog
import Engine
import Foundation
import Intake
import Logging
import Queue
import ServiceLifecycle
import Systemd

/// Talks to systemd (DESIGN.md §9): READY=1 once the store is open, migrations ran, channels are built,
/// the engine has recovered, the delivery log is caught up with the store and the inbox is watched; STATUS= with queue figures; WATCHDOG=1 at half of
/// WATCHDOG_USEC, but only while the engine answers and no round is stuck; STOPPING=1 on shutdown.
struct Supervision: Service {
    let notifier: SystemdNotifier
    let engine: Engine
    let logExporter: DeliveryLogExporter
    let inbox: InboxWatcher
    let store: any Store
    let timeZone: TimeZone
    let logger: Logger

    func run() async throws {
        while !(await engine.isStarted()) || !logExporter.isCaughtUp || !inbox.isWatching {
            // Start-up only: a few milliseconds.
            try await Task.sleep(for: .milliseconds(5))
        }
        notifier.ready(status: await statusLine())
        logger.info("ready", metadata: ["watchdog": "\(notifier.watchdogInterval.map { "\($0)" } ?? "off")"])

        let watchdog = notifier.watchdogInterval
        // Pings at half the interval systemd allows; without a watchdog, STATUS is refreshed every 30 s
        // and only when the engine did something.
        let period = watchdog.map { $0 / 2 } ?? .seconds(30)
        var lastTransactions = -1
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                // If the engine's actor is blocked this await never returns, and the pings stop.
                let age = await engine.roundAge()
                if let watchdog {
                    if let age, age > watchdog {
                        logger.error(
                            "engine round stuck; not pinging the watchdog", metadata: ["running_for": "\(age)"])
                    } else {
                        notifier.watchdog()
                    }
                }
                let figures = await engine.figures()
                if figures.transactions != lastTransactions {
                    lastTransactions = figures.transactions
                    notifier.status(await statusLine())
                }
            }
        } onGracefulShutdown: {
            notifier.stopping(status: "stopping: finishing sends in flight")
        }
    }

    /// "12 waiting, 3 retrying, 2 sending, 1 uncertain; last delivery 08:00:02".
    func statusLine() async -> String {
        guard let stats = try? await store.stats() else { return "store unreadable" }
        let d = stats.deliveriesByState
        var line =
            "\(d["pending"] ?? 0) waiting, \(d["retry-wait"] ?? 0) retrying, \(d["leased"] ?? 0) sending, "
            + "\(d["uncertain"] ?? 0) uncertain"
        if let last = await engine.figures().lastDelivery {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let c = calendar.dateComponents([.hour, .minute, .second], from: last)
            line += String(format: "; last delivery %02d:%02d:%02d", c.hour!, c.minute!, c.second!)
        }
        return line
    }
}
