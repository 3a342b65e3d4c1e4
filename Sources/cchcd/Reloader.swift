import Config
import Logging
import ServiceLifecycle
import Systemd
import UnixSignals

/// Reloads the configuration on SIGHUP (DESIGN.md §8) through ``DaemonAssembly/reload(from:)``: the new
/// files are read and every channel is built; only if all of that succeeds does every part switch to it,
/// at once. A bad configuration is refused with a log line naming file, key and line, and the running
/// one stays. Keys that need a restart (``ReloadScope``) keep their running values, and the log names
/// them. Sends in flight are not disturbed; channels removed from the configuration leave their waiting
/// deliveries waiting.
struct Reloader: Service {
    let hangups: UnixSignalsSequence
    let configPath: String
    let assembly: DaemonAssembly
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        for await _ in hangups.cancelOnGracefulShutdown() {
            notifier.reloading()
            logger.info("reloading the configuration (SIGHUP)", metadata: ["config": "\(configPath)"])
            do {
                let reload = try await assembly.reload(from: configPath)
                logger.info(
                    "configuration reloaded",
                    metadata: ["channels": "\(reload.config.channels.map(\.name).joined(separator: ","))"])
                if !reload.notApplied.isEmpty {
                    logger.warning(
                        "not applied until restart: \(reload.notApplied.joined(separator: ", ")) (restart-only keys; the running values stay)",
                        metadata: ["not_applied": "\(reload.notApplied.joined(separator: ","))"])
                }
            } catch {
                logger.error("reload refused; the running configuration stays", metadata: ["error": "\(error)"])
            }
            notifier.notify("READY=1")
        }
    }
}
