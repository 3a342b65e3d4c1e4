import Foundation
import Queue
import TestSupport
import Testing

/// The delivery log written by the real `cchcd`'s exporter, with the real `cchc` changing the store
/// from another process.
@Suite(.serialized)
struct DeliveryLogExportEndToEndTests {
    /// The events of one item, in log order.
    private func events(_ ws: Workspace, _ id: String) -> [String] {
        ws.logLines().filter { $0["item_id"] as? String == id }.compactMap { $0["event"] as? String }
    }

    @Test func cchcsChangesReachTheLogWhileTheDaemonRunsWithNoWakeFile() async throws {
        let portal = try await portalSink()
        defer { Task { try? await portal.shutdown() } }
        let ws = try Workspace()
        try ws.writeConfig(
            channels: genericPortal("portal-tinh", url: "\(portal.baseURL)/api/articles"), inboxEnabled: false)
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        try await eventually(10, "the daemon started", daemon: daemon) { daemon.output.contains("engine started") }

        var ids: [String] = []
        for title in ["Được duyệt", "Bị từ chối"] {
            try ws.write("items/\(title).md", itemFile(title: title, channels: ["portal-tinh"]))
            let add = try ws.cli(["item", "add", ws.root + "/items/\(title).md"])
            #expect(add.status == 0, "\(add.stderr)")
            ids.append(add.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        // Only the store changed, in another process: the daemon hears it and writes the lines.
        try await eventually(10, "item.submitted lines", daemon: daemon) {
            ids.allSatisfy { events(ws, $0) == ["item.submitted"] }
        }
        #expect(try ws.cli(["item", "approve", ids[0], "--by", "Nguyễn Văn A"]).status == 0)
        // A rejection: nothing for the engine to send, the line is written all the same.
        #expect(try ws.cli(["item", "reject", ids[1], "--by", "Lãnh đạo", "--reason", "Trùng"]).status == 0)
        try await eventually(15, "the approved item's lines, the rejection", daemon: daemon) {
            events(ws, ids[0]) == ["item.submitted", "item.approved", "delivery.planned", "delivery.delivered"]
                && events(ws, ids[1]) == ["item.submitted", "item.rejected"]
        }
        #expect(portal.requestCount == 1)
        // The whole log: the store's events, in order, once each.
        let seqs = ws.logLines().compactMap { $0["seq"] as? Int }
        #expect(seqs == Array(1...seqs.count))
        // No wake file: nothing but the store connects cchc and the daemon.
        let state = try FileManager.default.contentsOfDirectory(atPath: ws.root + "/state")
        #expect(!state.contains("wake"), "\(state)")
        try validateAgainstSchema(ws.logDir)
    }

    /// kill -9 while items are being sent, a torn last line, and changes by `cchc` while the daemon is
    /// down: at the next start the files get every line the store has, once, in order.
    @Test func afterKillNineTheNextStartCatchesTheLogUp() async throws {
        let hook = try await LoopbackHTTPServer.start { _ in
            try? await Task.sleep(for: .milliseconds(30))
            return .json(200, #"{"ok":true}"#)
        }
        defer { Task { try? await hook.shutdown() } }
        let ws = try Workspace()
        try ws.writeConfig(
            channels: """
                  webhook-tonghop:
                    type: webhook
                    url: \(hook.baseURL)/hooks/cchc
                    idempotent: true
                    max_concurrency: 4
                """, inboxTrusted: true)
        let count = 120
        for i in 0..<count {
            try ws.write(
                "staging/bai-\(i).md",
                itemFile(
                    title: "Bài \(i): cải cách hành chính", channels: ["webhook-tonghop"],
                    extra: "approved_by: \"Nguyễn Văn A\"\napproved_at: 2026-11-21 15:30"))
        }
        var daemon = try Daemon(ws, name: "first")
        try await eventually(10, "inbox ready") { FileManager.default.fileExists(atPath: ws.inbox + "/accepted") }
        for i in 0..<count {
            try FileManager.default.moveItem(
                atPath: ws.root + "/staging/bai-\(i).md", toPath: ws.inbox + "/bai-\(i).md")
        }
        try await eventually(60, "some deliveries", daemon: daemon) { hook.requestCount >= count / 4 }
        daemon.kill9()
        #expect(hook.requestCount < count, "the daemon finished before it was killed; the test proves nothing")

        // A crash mid-write leaves half a line at the end of the file.
        let file = try #require(
            try FileManager.default.contentsOfDirectory(atPath: ws.logDir).filter { $0.hasSuffix(".jsonl") }.max())
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: ws.logDir + "/" + file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"seq":999999,"event":"delivery.deliv"#.utf8))
        try handle.close()
        // While the daemon is down, an officer adds and approves an item.
        try ws.write("items/sau.md", itemFile(title: "Sau sự cố", channels: ["webhook-tonghop"]))
        let add = try ws.cli(["item", "add", ws.root + "/items/sau.md"])
        let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)

        daemon = try Daemon(ws, name: "second")
        defer { daemon.terminate() }
        let store = try SQLiteStore(
            path: ws.root + "/state/cchcd.sqlite", timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        try await eventually(60, "every delivery delivered", daemon: daemon) {
            try await store.stats().deliveriesByState["delivered"] == count + 1
        }
        let last = try await store.lastLogSeq()
        try await eventually(10, "the log caught up", daemon: daemon) {
            ws.logLines().last?["seq"] as? Int == Int(last)
        }
        let seqs = ws.logLines().compactMap { $0["seq"] as? Int }
        #expect(seqs == Array(1...Int(last)))
        // The lines are the store's, byte for byte.
        let stored = try await store.logEvents(after: 0, limit: 100_000).map(\.line)
        let files = try FileManager.default.contentsOfDirectory(atPath: ws.logDir).filter { $0.hasSuffix(".jsonl") }
            .sorted()
        let written = try files.flatMap {
            try String(contentsOfFile: ws.logDir + "/" + $0, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        #expect(written == stored)
        #expect(events(ws, id).suffix(2) == ["delivery.planned", "delivery.delivered"])
        try validateAgainstSchema(ws.logDir)
    }
}
