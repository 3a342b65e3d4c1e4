import Foundation
import Queue
import TestSupport
import Testing

@Suite(.serialized)
struct CrashSafetyTests {
    /// 500 approved items on an idempotent WordPress portal and a non-idempotent webhook, both slow;
    /// `kill -9` in the middle, restart: nothing is lost, nothing is published twice, the log has no gap.
    @Test func killNineMidwayLosesNothingAndDuplicatesNothing() async throws {
        let site = try await FakeWordPress.start()
        site.setDelay(.milliseconds(100))
        let hook = try await LoopbackHTTPServer.start { _ in
            try? await Task.sleep(for: .milliseconds(100))
            return .json(200, #"{"ok":true}"#)
        }
        defer {
            Task {
                try? await site.shutdown(); try? await hook.shutdown()
            }
        }

        let ws = try Workspace()
        try wordpressPassword(ws, site)
        try ws.writeConfig(
            channels: wordpressPortal("portal-tinh", site: site, extra: "    max_concurrency: 8")
                + """
                  webhook-tonghop:
                    type: webhook
                    url: \(hook.baseURL)/hooks/cchc
                    max_concurrency: 8
                """, inboxTrusted: true)
        let count = 500
        for i in 0..<count {
            try ws.write(
                "staging/bai-\(i).md",
                itemFile(
                    title: "Bài \(i): cải cách hành chính", channels: ["portal-tinh", "webhook-tonghop"],
                    extra: "approved_by: \"Nguyễn Văn A\"\napproved_at: 2026-11-21 15:30"))
        }
        var daemon = try Daemon(ws, name: "first")
        try await eventually(10, "inbox ready") { FileManager.default.fileExists(atPath: ws.inbox + "/accepted") }
        for i in 0..<count {
            try FileManager.default.moveItem(
                atPath: ws.root + "/staging/bai-\(i).md", toPath: ws.inbox + "/bai-\(i).md")
        }
        // Let it get about a third of the way, then pull the plug.
        try await eventually(60, "a third of the posts sent") { site.posts.count >= count / 3 }
        daemon.kill9()
        #expect(site.posts.count < count, "the daemon finished before it was killed; the test proves nothing")

        daemon = try Daemon(ws, name: "second")
        defer { daemon.terminate() }
        let store = try SQLiteStore(
            path: ws.root + "/state/cchcd.sqlite", timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        do {
            try await eventually(120, "every delivery settled") {
                let stats = try await store.stats()
                let settled = (stats.deliveriesByState["delivered"] ?? 0) + (stats.deliveriesByState["uncertain"] ?? 0)
                return settled == 2 * count
            }
        } catch {
            let stats = try await store.stats()
            Issue.record("not settled: \(stats); daemon said:\n\(daemon.output.suffix(3000))")
            throw error
        }
        let stats = try await store.stats()
        #expect(Set(stats.deliveriesByState.filter { $0.value > 0 }.keys).isSubset(of: ["delivered", "uncertain"]))
        #expect(stats.itemsByStatus.values.reduce(0, +) == count)

        // The idempotent portal: every item exactly once, even those interrupted mid-send.
        let titles = Dictionary(grouping: site.posts, by: \.title)
        #expect(titles.count == count)
        #expect(
            titles.values.allSatisfy { $0.count == 1 },
            "posted twice: \(titles.filter { $0.value.count > 1 }.keys.sorted())")
        // The webhook: interrupted sends became uncertain and were not sent again.
        let calls = Dictionary(grouping: hook.requests, by: { $0.header("X-CCHC-Delivery") ?? "" })
        #expect(calls.values.allSatisfy { $0.count == 1 })
        // Only deliveries whose request reached the server are uncertain: those the killed daemon had
        // claimed but not yet handed to the network (its send journal says which) were sent again.
        let uncertain = try await store.uncertainDeliveries()
        #expect(uncertain.allSatisfy { $0.channel == "webhook-tonghop" })
        let received = Set(calls.keys)
        #expect(
            uncertain.allSatisfy { received.contains($0.id) },
            "uncertain without a request at the server: \(uncertain.map(\.id).filter { !received.contains($0) })")

        // The delivery log: no gap, no duplicate, every line valid.
        try await eventually(10, "log complete") {
            ws.logLines().filter { ($0["event"] as? String) == "delivery.delivered" }.count == stats.deliveriesByState[
                "delivered"] ?? -1
        }
        let seqs = ws.logLines().compactMap { $0["seq"] as? Int }
        #expect(seqs == Array(1...seqs.count))
        try validateAgainstSchema(ws.logDir)
        #expect(
            daemon.output.contains("recovered deliveries interrupted by the last stop")
                || stats.deliveriesByState["uncertain"] == nil)
    }
}
