import Foundation
import TestSupport
import Testing

/// Never twice, never blind (issue 13) against a real WordPress (Debian's package, Apache + mod_php,
/// MariaDB) and the real `cchcd`: a slow insert longer than the channel's timeout, an answer lost after
/// the insert, and a 503 after the insert each end as exactly one post.
@Suite(.serialized)
struct RealWordPressEndToEndTests {
    /// The `portal-tinh` channel on the real site, its password in the workspace's `wp-password`.
    static func portal(_ site: RealWordPress, extra: String = "") -> String {
        """
          portal-tinh:
            type: portal
            preset: wordpress
            url: \(site.baseURL)
            username: \(site.username)
            password_file: wp-password
        \(extra)

        """
    }

    @Test func faultsAfterTheInsertEndAsExactlyOnePostEach() async throws {
        let site = try await RealWordPress.start()
        defer { Task { try? await site.stop() } }
        let ws = try Workspace()
        try ws.write("wp-password", site.applicationPassword + "\n")
        // timeout 3 s, settle 8 s: a 6 s insert outlives the request and lands before the next attempt.
        try ws.writeConfig(
            channels: Self.portal(site, extra: "    timeout: 3s\n    settle: 8s"), inboxTrusted: true,
            retry: "{ initial: 1s, max: 5s, attempts: 5 }")
        let daemon = try Daemon(ws, name: "wordpress")
        defer { daemon.terminate() }
        try await eventually(10, "inbox ready") { FileManager.default.fileExists(atPath: ws.inbox + "/accepted") }

        let cases: [(id: String, fault: RealWordPress.Fault)] = [
            ("2026-12-0101", .slowInsert(seconds: 6)),
            ("2026-12-0102", .lostAnswer),
            ("2026-12-0103", .errorAfterInsert(status: 503)),
        ]
        for (id, fault) in cases {
            try site.setFault(fault, .once)
            try ws.write(
                "inbox/\(id).md",
                itemFile(
                    title: "Tin \(id): Sơn La đẩy mạnh \\\"một cửa\\\" & <dịch vụ công>", channels: ["portal-tinh"],
                    extra: "id: \(id)\napproved_by: \"Nguyễn Văn A\"\napproved_at: 2026-11-21 15:30"))
            try await eventually(60, "\(id) delivered (\(fault))", daemon: daemon) {
                ws.logLines().contains {
                    $0["event"] as? String == "delivery.delivered" && $0["item_id"] as? String == id
                }
            }
            let slug = "cchc-\(id)"
            // Give a late copy time to land, then count: exactly one post, never trashed, one create.
            try await Task.sleep(for: .seconds(1))
            let posts = try await site.posts(slug: slug)
            #expect(posts.count == 1, "\(fault): \(posts.map { "\($0.id) \($0.slug) \($0.status)" })")
            #expect(posts.first?.status == "publish")
            #expect(posts.first?.title == "Tin \(id): Sơn La đẩy mạnh \"một cửa\" &amp; &lt;dịch vụ công&gt;")
            let creates = site.requestLog().filter {
                $0.method == "POST" && $0.route == "/wp/v2/posts" && $0.delivery == "\(id)/portal-tinh"
            }
            #expect(creates.count == 1, "\(fault): the create was sent \(creates.count) times")
            let lines = ws.logLines().filter { $0["item_id"] as? String == id }
            let delivered = try #require(lines.last { $0["event"] as? String == "delivery.delivered" })
            #expect((delivered["detail"] as? String)?.hasPrefix("found by slug \(slug); not re-posted") == true)
            #expect(delivered["remote_id"] as? String == String(posts.first?.id ?? -1))
            let firstAttempt = try #require(lines.first { $0["event"] as? String == "delivery.retry" })
            switch fault {
            case .errorAfterInsert: #expect(firstAttempt["error_class"] as? String == "server")
            default: #expect(firstAttempt["error_class"] as? String == "uncertain")
            }
        }
        try validateAgainstSchema(ws.logDir)
    }

    @Test func aDeadPasswordHaltsTheChannelInsteadOfFailingEveryItem() async throws {
        let site = try await RealWordPress.start()
        defer { Task { try? await site.stop() } }
        let ws = try Workspace()
        try ws.write("wp-password", "aaaa bbbb cccc dddd eeee ffff\n")
        try ws.writeConfig(channels: Self.portal(site), inboxTrusted: true)
        let daemon = try Daemon(ws, name: "halt")
        defer { daemon.terminate() }
        try await eventually(10, "inbox ready") { FileManager.default.fileExists(atPath: ws.inbox + "/accepted") }
        for i in 1...3 {
            try ws.write(
                "inbox/bai-\(i).md",
                itemFile(
                    title: "Bài \(i)", channels: ["portal-tinh"],
                    extra: "approved_by: \"Nguyễn Văn A\"\napproved_at: 2026-11-21 15:30"))
        }
        try await eventually(30, "the channel halts", daemon: daemon) {
            daemon.output.contains("channel halted until an operator acts")
        }
        try await Task.sleep(for: .seconds(2))
        // One delivery met the refusal; the others wait, unburnt, for the operator.
        let failed = ws.logLines().filter { $0["event"] as? String == "delivery.failed" }
        #expect(failed.count == 1)
        #expect(failed.first?["error_class"] as? String == "auth")
        #expect(try await site.allPosts().filter { $0.title.hasPrefix("Bài ") }.isEmpty)
        #expect(!daemon.output.contains("aaaa bbbb"))
    }
}
