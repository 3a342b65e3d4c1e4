import DeliveryLog
import Foundation
import GRDB
import Logging
import Synchronization
import Testing

@testable import Queue

private let hcm = TimeZone(identifier: "Asia/Ho_Chi_Minh")!

/// A store and a log folder in a temporary folder, and the exporter running over them.
private final class ExporterFixture: Sendable {
    let root: String
    let store: SQLiteStore
    let exporter: DeliveryLogExporter
    let task: Task<Void, any Error>

    init() throws {
        root = NSTemporaryDirectory() + "cchc-exporter-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/state", withIntermediateDirectories: true)
        store = try SQLiteStore(path: root + "/state/cchcd.sqlite", timeZone: hcm)
        var logger = Logger(label: "exporter-tests")
        logger.logLevel = .critical
        let exporter = DeliveryLogExporter(directory: root + "/log", source: store, logger: logger)
        self.exporter = exporter
        task = Task { try await exporter.run() }
    }

    deinit {
        exporter.finish()
        try? FileManager.default.removeItem(atPath: root)
    }

    func lines() -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/log")) ?? []).sorted()
        return names.flatMap { name in
            ((try? String(contentsOfFile: root + "/log/" + name, encoding: .utf8)) ?? "").split(separator: "\n")
                .map(String.init)
        }
    }

    func add(_ id: String) async throws { try await addItem(store, id) }
}

/// Adds a submitted item: one commit, one `item.submitted` line.
private func addItem(_ store: SQLiteStore, _ id: String) async throws {
    let content = ItemContent(
        title: "Tin \(id): một cửa liên thông", summary: "Tóm tắt", body: "Nội dung.", topic: "tthc",
        unit: "Sở Nội vụ", author: "Phòng CCHC", channels: ["portal"])
    _ = try await store.addItem(
        NewItem(id: id, idMonth: "2026-11", content: content, source: "test", actor: "Nguyễn Văn A"), at: Date(),
        plan: { _ in [] })
}

/// Waits (bounded, 10 s) for a condition: a state, not a time.
private func eventually(_ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

@Suite("Delivery log exporter")
struct DeliveryLogExporterTests {
    @Test("a commit in this process wakes the exporter: no one calls wake()")
    func wakesOnAnInProcessCommit() async throws {
        let f = try ExporterFixture()
        #expect(await eventually { f.exporter.isCaughtUp })
        try await f.add("tin-1")
        #expect(await eventually { f.lines().count == 1 })
        #expect(f.lines().first?.contains(#""event":"item.submitted""#) == true)
        #expect(f.lines().first?.hasPrefix(#"{"seq":1,"#) == true)
        // The next commit too, and nothing twice.
        try await f.add("tin-2")
        #expect(await eventually { f.lines().count == 2 })
        #expect(f.lines() == (try await f.store.logEvents(after: 0, limit: 10).map(\.line)))
    }

    @Test("a line is never appended before its transaction commits; another connection's commit is heard")
    func neverBeforeTheCommit() async throws {
        let f = try ExporterFixture()
        #expect(await eventually { f.exporter.isCaughtUp })
        // Another writer of the same database (as `cchc` would be), holding its transaction open after
        // writing the line.
        let other = try SQLiteStore(path: f.root + "/state/cchcd.sqlite", timeZone: hcm)
        let written = DispatchSemaphore(value: 0)
        let commit = DispatchSemaphore(value: 0)
        let line = LogLine(
            ts: "2026-11-25T08:00:00.000+07:00", event: .itemSubmitted, item_id: "tin-9", item_title: "Tin 9",
            unit: "Sở Nội vụ", topic: "tthc", actor: "Nguyễn Văn A")
        let writing = Task {
            try await other.write("held transaction") { db in
                try other.appendLog(db, line, at: Date())
                written.signal()
                commit.wait()
            }
        }
        await withCheckedContinuation { c in
            DispatchQueue.global().async {
                written.wait()
                c.resume()
            }
        }
        // The line is in the open transaction; a wake-up finds nothing committed.
        f.exporter.wake()
        try await Task.sleep(for: .milliseconds(300))
        #expect(f.lines().isEmpty)
        #expect(try await f.store.lastLogSeq() == 0)
        commit.signal()
        try await writing.value
        // Committed by another connection: the store's hint (the -wal watch) wakes the exporter.
        #expect(await eventually { f.lines().count == 1 })
        #expect(f.lines().first == #"{"seq":1,"# + String(line.encoded().dropFirst()))
    }

    @Test("another connection's commit is a hint `elsewhere`; this store's own commits are `here`")
    func hintsTellWhoCommitted() async throws {
        let root = NSTemporaryDirectory() + "cchc-hints-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try SQLiteStore(path: root + "/cchcd.sqlite", timeZone: hcm)
        let other = try SQLiteStore(path: root + "/cchcd.sqlite", timeZone: hcm)
        let seen = Mutex<[CommitHint]>([])
        let hints = store.commitHints()
        let listening = Task {
            for await hint in hints { seen.withLock { $0.append(hint) } }
        }
        defer { listening.cancel() }
        // Let the watch start (it reads the data version once).
        try await Task.sleep(for: .milliseconds(200))
        try await addItem(other, "tin-1")
        #expect(await eventually { seen.withLock { $0.contains(.elsewhere) } })
        #expect(!seen.withLock { $0.contains(.here) })
        try await addItem(store, "tin-2")
        #expect(await eventually { seen.withLock { $0.contains(.here) } })
    }

    @Test("at start the files get what they miss; at the end of a stop, what was committed before it")
    func catchUpAtStartAndAtStop() async throws {
        let root = NSTemporaryDirectory() + "cchc-exporter-stop-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/state", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try SQLiteStore(path: root + "/state/cchcd.sqlite", timeZone: hcm)
        for i in 1...3 { try await addItem(store, "tin-\(i)") }
        let exporter = DeliveryLogExporter(directory: root + "/log", source: store, logger: Logger(label: "t"))
        let run = Task { try await exporter.run() }
        #expect(await eventually { exporter.isCaughtUp })
        #expect(try await exporter.writer.lastSequenceInFiles() == 3)
        exporter.finish()
        try await run.value
        #expect(try await exporter.writer.lastSequenceInFiles() == 3)
    }
}
