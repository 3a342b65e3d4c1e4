import Foundation
import Logging
import Reports
import ServiceLifecycle

/// Writes the scheduled periodic reports (`reports.schedule`, docs/reports.md) into their folder:
/// checks once a minute, writes what is due and missing. A failure is logged and tried again on the
/// next check; it never stops the daemon. Handing the files to an email channel is not done here yet.
struct ReportScheduler: Service {
    let reports: ScheduledReports
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    for path in try reports.runOnce(now: Date()) {
                        logger.info("scheduled report written", metadata: ["path": "\(path)"])
                    }
                } catch {
                    logger.error("scheduled report failed", metadata: ["error": "\(error)"])
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
            }
        } onGracefulShutdown: {
        }
    }
}
