import ChannelKit
import Config
import Engine
import Foundation
import Intake
import Logging
import Queue
import Reports
import ServiceLifecycle
import Synchronization

/// Writes the scheduled periodic reports (`reports.schedule`, docs/reports.md) into their folder:
/// checks once a minute, writes what is due and missing. With `reports.schedule.send`, each period's
/// report files are then queued once as an item for the email channel (attachments; approved by the
/// daemon, which made them from its own log), so sending is retried and logged like any delivery. A
/// failure is logged and tried again on the next check; it never stops the daemon.
///
/// It runs whether or not a schedule is configured, so that a reload can add, change or remove one
/// (``update(_:)``); a reload also makes it check at once.
final class ReportScheduler: Service, Sendable {
    let inbox: InboxWatcher
    let engine: Engine
    let logger: Logger
    private let current: Mutex<ScheduledReports?>
    /// One element per check: the minute timer's, and a reload's.
    private let checks: AsyncStream<Void>
    private let checkNow: AsyncStream<Void>.Continuation

    init(reports: ScheduledReports?, inbox: InboxWatcher, engine: Engine, logger: Logger) {
        self.current = Mutex(reports)
        self.inbox = inbox
        self.engine = engine
        self.logger = logger
        let (checks, checkNow) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.checks = checks
        self.checkNow = checkNow
    }

    /// The reloaded `reports:` section (nil: no schedule); checked at once.
    func update(_ reports: ScheduledReports?) {
        current.withLock { $0 = reports }
        checkNow.yield()
    }

    var reports: ScheduledReports? { current.withLock { $0 } }

    func run() async throws {
        let checkNow = self.checkNow
        await withDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    checkNow.yield()
                    try? await Task.sleep(for: .seconds(60))
                }
            }
            // Periods whose report this process knows to be queued: checked in the store once each.
            var queued: Set<String> = []
            for await _ in checks.cancelOnGracefulShutdown() {
                guard let reports = self.reports else { continue }
                let now = Date()
                do {
                    for path in try reports.runOnce(now: now) {
                        logger.info("scheduled report written", metadata: ["path": "\(path)"])
                    }
                    if let send = reports.schedule.send {
                        await queue(send, reports: reports, now: now, known: &queued)
                    }
                } catch {
                    logger.error("scheduled report failed", metadata: ["error": "\(error)"])
                }
            }
            group.cancelAll()
        }
    }

    /// Queues each due period's report once (the item's source names the period, so a restart or the
    /// next check finds it queued and does nothing).
    func queue(_ send: ReportSending, reports: ScheduledReports, now: Date, known: inout Set<String>) async {
        let intake = inbox.intake
        for period in reports.duePeriods(now: now) {
            let key = ScheduledReports.key(period)
            guard !known.contains(key) else { continue }
            let source = "report:\(key)"
            do {
                if let item = try await intake.store.items(ItemFilter(source: source, limit: 1)).first {
                    logger.info(
                        "scheduled report already queued for sending",
                        metadata: ["item": "\(item.id)", "period": "\(key)"])
                    known.insert(key)
                    continue
                }
            } catch {
                logger.error("scheduled report: the store failed", metadata: ["error": "\(error)"])
                return
            }
            let files = reports.schedule.formats.compactMap { ReportFormat(word: $0) }.map {
                reports.schedule.dir + "/" + ScheduledReports.fileName(period, $0)
            }.filter { FileManager.default.fileExists(atPath: $0) }
            guard !files.isEmpty else { continue }
            let issuer = reports.settings.issuer ?? "Đơn vị"
            let window = "từ ngày \(period.first.vietnamese) đến ngày \(period.last.vietnamese)"
            var content = ItemContent(
                title: "Báo cáo kết quả công tác tuyên truyền cải cách hành chính \(period.label)",
                summary: "Báo cáo định kỳ do hệ thống lập từ nhật ký phát hành (\(window)).",
                body: """
                    Kính gửi các đồng chí,

                    \(issuer) gửi báo cáo kết quả công tác tuyên truyền cải cách hành chính \(period.label) \
                    (số liệu \(window)), lập tự động từ nhật ký phát hành của hệ thống.

                    Báo cáo được đính kèm thư này.
                    """,
                topic: "khac", unit: issuer, channels: [send.channel])
            content.media = files.map { MediaRef(path: $0) }
            if let lists = send.lists { content.overrides = [send.channel: ["lists": lists]] }
            do {
                let accepted = try await intake.submit(
                    content: content, approval: Approval(by: "cchcd (báo cáo định kỳ)", at: now), source: source,
                    actor: "cchcd", now: now)
                known.insert(key)
                logger.info(
                    "scheduled report queued for sending",
                    metadata: ["item": "\(accepted.item.id)", "channel": "\(send.channel)", "period": "\(key)"])
                engine.wake()
            } catch {
                logger.error(
                    "scheduled report could not be queued for sending",
                    metadata: ["period": "\(key)", "channel": "\(send.channel)", "error": "\(error)"])
            }
        }
    }
}
