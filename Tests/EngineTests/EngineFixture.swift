import ChannelKit
import Config
import DeliveryLog
import Foundation
import Logging
import Queue
import Scheduling
import Synchronization
import Testing
import TestSupport

@testable import Engine

/// A real SQLite store and delivery log in a temporary folder, channels the test scripts, a manual
/// clock, and an engine running over them.
final class EngineFixture: @unchecked Sendable {
    let folder: ConfigFolder
    let store: SQLiteStore
    let clock: ManualClock
    let channels: [String: ScriptedChannel]
    let owner = "cchcd-engine-test"
    private(set) var engine: Engine?
    private var runTask: Task<Void, any Error>?
    /// The delivery log's writer, running beside the engine as in the daemon.
    private(set) var exporter: DeliveryLogExporter?
    private var exportTask: Task<Void, any Error>?

    var config: DaemonConfig { folder.config }
    var logDirectory: String { config.deliveryLogDirectory }

    /// - Parameters:
    ///   - channelsYAML: the `channels:` section's lines (indented by two spaces).
    ///   - extra: more top-level lines (engine:, retry:).
    init(
        start: Date, channelsYAML: String, engine: String = "{ shutdown_grace: 20s }",
        extra: String = "", channels: [ScriptedChannel]
    ) throws {
        folder = try ConfigFolder(
            """
            timezone: Asia/Ho_Chi_Minh
            state_dir: state
            delivery_log: { dir: log }
            retry: { initial: 1s, max: 10s, attempts: 3 }
            engine: \(engine)
            \(extra)
            channels:
            \(channelsYAML)
            """)
        try FileManager.default.createDirectory(atPath: folder.config.stateDirectory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: folder.config.databasePath, timeZone: hcm)
        clock = ManualClock(start)
        self.channels = Dictionary(uniqueKeysWithValues: channels.map { ($0.name, $0) })
    }

    var logger: Logger {
        var logger = Logger(label: "engine-tests")
        logger.logLevel = .critical
        return logger
    }

    func makeEngine(singleInstance: Bool = true, sendJournal: SendJournal? = nil) -> Engine {
        let entries = config.channels.map { EngineChannel(channel: channels[$0.name]!, config: $0) }
        return Engine(
            store: store, channels: entries, config: config, owner: owner,
            singleInstance: singleInstance, clock: clock, sendJournal: sendJournal, logger: logger)
    }

    /// Starts the engine in a task.
    func start(singleInstance: Bool = true, sendJournal: SendJournal? = nil) {
        let engine = makeEngine(singleInstance: singleInstance, sendJournal: sendJournal)
        self.engine = engine
        startExporter()
        runTask = Task { try await engine.run() }
    }

    /// Starts the delivery log's exporter (as the daemon runs it beside the engine), once.
    func startExporter() {
        guard exporter == nil else { return }
        let exporter = DeliveryLogExporter(directory: logDirectory, source: store, logger: logger)
        self.exporter = exporter
        exportTask = Task { try await exporter.run() }
    }

    /// Stops the engine and waits (bounded) for `run()` to return; true when it did.
    @discardableResult
    func stop() async -> Bool {
        engine?.stop()
        let finished = await runFinished()
        exporter?.finish()
        _ = try? await exportTask?.value
        return finished
    }

    /// Whether `run()` returned within the limit.
    func runFinished(limit: Double = 5) async -> Bool {
        guard let task = runTask else { return true }
        let done = Mutex(false)
        let waiter = Task {
            _ = try? await task.value
            done.withLock { $0 = true }
        }
        let finished = await eventually(limit: limit) { done.withLock { $0 } }
        waiter.cancel()
        return finished
    }

    var isRunning: Bool {
        guard let runTask else { return false }
        return !runTask.isCancelled
    }

    deinit {
        runTask?.cancel()
        exporter?.finish()
    }

    // MARK: Items

    /// Adds an item and approves it at `approvedAt` (the clock's now by default), planning its
    /// deliveries with the real ``DeliveryPlanner``; returns its id.
    @discardableResult
    func addApproved(
        id: String, channels: [String], publishAt: Date? = nil, expiresAt: Date? = nil, approvedAt: Date? = nil,
        priority: Priority = .normal
    ) async throws -> String {
        let at = approvedAt ?? clock.now()
        try await addSubmitted(
            id: id, channels: channels, publishAt: publishAt, expiresAt: expiresAt, at: at, priority: priority)
        let planner = DeliveryPlanner(config: config)
        _ = try await store.approve(itemID: id, by: "Trần Thị B", at: at, plan: { planner.plan($0) })
        engine?.wake()
        return id
    }

    func addSubmitted(
        id: String, channels: [String], publishAt: Date? = nil, expiresAt: Date? = nil, at: Date? = nil,
        priority: Priority = .normal
    ) async throws {
        let content = ItemContent(
            title: "Tin \(id): cải cách thủ tục hành chính", summary: "Tóm tắt", body: "Nội dung **\(id)**.",
            topic: "tthc", unit: "Sở Nội vụ", author: "Phòng CCHC", channels: channels, publishAt: publishAt,
            expiresAt: expiresAt, priority: priority)
        _ = try await store.addItem(
            NewItem(id: id, idMonth: "2026-11", content: content, source: "test", actor: "Nguyễn Văn A"),
            at: at ?? clock.now(), plan: { _ in [] })
    }

    func delivery(_ item: String, _ channel: String) async throws -> DeliveryRecord? {
        try await store.delivery("\(item)/\(channel)")
    }

    func state(_ item: String, _ channel: String) async throws -> DeliveryState? {
        try await delivery(item, channel)?.state
    }

    /// Waits (bounded) until the delivery is in `state`.
    func waitForState(_ item: String, _ channel: String, _ state: DeliveryState) async throws -> Bool {
        try await eventually { try await self.state(item, channel) == state }
    }

    /// Waits (bounded) until the engine sleeps on the clock until exactly `deadline` (it has looked
    /// at the queue and found nothing to do before then).
    func waitForSleep(until deadline: Date) async -> Bool {
        let slept = await eventually {
            self.clock.deadlines.contains { abs($0.timeIntervalSince(deadline)) < 0.002 }
        }
        if !slept {
            // Tells a slow machine (no sleep yet) from a wrong wake-up time.
            Issue.record("the engine did not sleep until \(deadline); its sleeps: \(clock.deadlines)")
        }
        return slept
    }

    // MARK: Delivery log

    func logFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: logDirectory)) ?? []).filter { $0.hasSuffix(".jsonl") }
            .sorted()
    }

    /// Every line of every log file, in file order, once the files have caught up with the store (the
    /// exporter writes them after each commit, beside the engine; bounded wait).
    func logFileLines() async -> [String] {
        let last = (try? await store.lastLogSeq()) ?? 0
        _ = await eventually { self.lastSequenceInFiles() >= last }
        return readLogFileLines()
    }

    private func lastSequenceInFiles() -> Int64 {
        guard let line = readLogFileLines().last,
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { return 0 }
        return (object["seq"] as? NSNumber)?.int64Value ?? 0
    }

    func readLogFileLines() -> [String] {
        logFiles().flatMap { name -> [String] in
            let text = (FileManager.default.contents(atPath: logDirectory + "/" + name)).map {
                String(decoding: $0, as: UTF8.self)
            }
            return text.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } ?? []
        }.filter { !$0.isEmpty }
    }

    func logLinesFromFiles() async throws -> [(seq: Int64, line: LogLine)] {
        try await logFileLines().map { text in
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            let seq = (object?["seq"] as? NSNumber)?.int64Value ?? -1
            return (seq, try JSONDecoder().decode(LogLine.self, from: Data(text.utf8)))
        }
    }
}
