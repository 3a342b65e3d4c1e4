import Foundation
import TestSupport
import Testing

/// `cchc item retract` with the real binaries: the daemon publishes to a WordPress portal and a
/// webhook; the officer takes the post down; the portal's post is in the trash, the store and the
/// delivery log say so, the webhook (which cannot retract) is named and left alone.
@Suite(.serialized)
struct RetractEndToEndTests {
    @Test func anOfficerTakesAPublishedPostDown() async throws {
        let site = try await FakeWordPress.start()
        let hook = try await LoopbackHTTPServer.start { _ in .json(200, #"{"ok":true}"#) }
        defer {
            Task {
                try? await site.shutdown(); try? await hook.shutdown()
            }
        }
        let ws = try Workspace()
        try wordpressPassword(ws, site)
        try ws.writeConfig(
            channels: wordpressPortal("portal-tinh", site: site)
                + """
                  webhook-tonghop:
                    type: webhook
                    url: \(hook.baseURL)/hooks/cchc
                """)
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        try ws.write(
            "items/bai.md",
            itemFile(title: "Hướng dẫn nộp hồ sơ trực tuyến", channels: ["portal-tinh", "webhook-tonghop"]))
        let id = try ws.cli(["item", "add", ws.root + "/items/bai.md"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)

        // An item not approved has published nothing: nothing to take down.
        try ws.write("items/nhap.md", itemFile(title: "Bản nháp", channels: ["portal-tinh"]))
        let draft = try ws.cli(["item", "add", ws.root + "/items/nhap.md"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let early = try await cliOffThePool(ws, ["item", "retract", draft, "--by", "Trần Thị B"])
        #expect(early.status == 4, "\(early.stdout)\(early.stderr)")
        #expect(early.stderr.contains("không có bài đăng nào gỡ được"), "\(early.stderr)")
        #expect(
            try await cliOffThePool(ws, ["item", "retract", draft, "--channel", "portal-tinh", "--by", "Trần Thị B"])
                .status == 3)
        try await eventually(15, "both channels delivered", daemon: daemon) {
            try ws.deliveryStates(id) == ["portal-tinh": "delivered", "webhook-tonghop": "delivered"]
        }
        let post = try #require(site.posts.first)
        #expect(post.status == "publish")

        let retract = try await cliOffThePool(ws, ["item", "retract", id, "--by", "Trần Thị B"])
        #expect(retract.status == 0, "\(retract.stderr)")
        #expect(retract.stdout.contains("Đã gỡ bài trên portal-tinh (mã \(post.id))."), "\(retract.stdout)")
        #expect(retract.stdout.contains("Không gỡ trên webhook-tonghop: kênh loại webhook không hỗ trợ gỡ bài."))
        #expect(site.posts.first?.status == "trash")
        #expect(site.requests.filter { $0.method == "DELETE" }.count == 1)

        let show = try ws.itemJSON(id)
        let deliveries = try #require(show["deliveries"] as? [[String: Any]])
        let portal = try #require(deliveries.first { $0["channel"] as? String == "portal-tinh" })
        #expect(portal["state"] as? String == "delivered")
        #expect(portal["retracted_by"] as? String == "Trần Thị B")
        #expect((portal["retracted_at"] as? String)?.hasSuffix("+07:00") == true)
        let text = try ws.cli(["item", "show", id])
        #expect(text.stdout.contains("đã gỡ lúc"), "\(text.stdout)")

        // Again: nothing left to take down (exit 4), and the portal is not asked again.
        let again = try await cliOffThePool(
            ws, ["item", "retract", id, "--channel", "portal-tinh", "--by", "Trần Thị B", "--json"])
        #expect(again.status == 4)
        let error = try #require(
            (try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])?["error"]
                as? [String: Any])
        #expect(error["code"] as? String == "invalid-state")
        #expect((error["message"] as? String)?.contains("đã được gỡ trước đó") == true)
        #expect(site.requests.filter { $0.method == "DELETE" }.count == 1)
        #expect(try await cliOffThePool(ws, ["item", "retract", "2026-11-9999", "--by", "Trần Thị B"]).status == 3)

        try await eventually(5, "the retraction in the delivery log") {
            ws.logLines().contains { $0["event"] as? String == "delivery.retracted" }
        }
        let line = try #require(ws.logLines().first { $0["event"] as? String == "delivery.retracted" })
        #expect(line["state"] as? String == "retracted" && line["actor"] as? String == "Trần Thị B")
        #expect(line["remote_id"] as? String == "\(post.id)" && line["channel"] as? String == "portal-tinh")
        try validateAgainstSchema(ws.logDir)
        daemon.terminate()
        #expect(!daemon.output.contains(site.applicationPassword))
    }
}
