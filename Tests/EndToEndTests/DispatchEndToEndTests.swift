import Foundation
import Synchronization
import TestSupport
import Testing

/// A portal that answers like a CMS's REST API: 201 with the new article's id and link.
func portalSink(behaviour: (@Sendable (String, Int) -> StubResponse?)? = nil) async throws -> LoopbackHTTPServer {
    let counter = Mutex<[String: Int]>([:])
    let created = Mutex(0)
    return try await LoopbackHTTPServer.start { request in
        let obj = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
        let title = obj?["title"] as? String ?? ""
        let n = counter.withLock { c -> Int in
            c[title, default: 0] += 1
            return c[title]!
        }
        if let behaviour, let response = behaviour(title, n) { return response }
        let id = created.withLock { c -> Int in
            c += 1
            return c
        }
        return .json(201, #"{"id": \#(id), "link": "https://cchc.example.gov.vn/tin-tuc/bai-\#(id)"}"#)
    }
}

@Suite(.serialized)
struct DispatchEndToEndTests {
    @Test func publishesToPortalThenWebhookWithThePortalURL() async throws {
        let portal = try await portalSink()
        let hook = try await LoopbackHTTPServer.start { _ in .json(200, #"{"ok":true}"#) }
        defer {
            Task {
                try? await portal.shutdown(); try? await hook.shutdown()
            }
        }
        let ws = try Workspace()
        try ws.write("webhook-secret", "bi-mat-rat-dai-123\n")
        try ws.writeConfig(
            channels: """
                  portal-tinh:
                    type: portal
                    preset: generic
                    url: \(portal.baseURL)/api/articles
                    id_pointer: /id
                    url_pointer: /link
                  webhook-tonghop:
                    type: webhook
                    url: \(hook.baseURL)/hooks/cchc
                    secret_file: webhook-secret
                    after: portal-tinh
                """)
        let check = try run(Binaries.cchcd, ["--config", ws.configPath, "--check-config"])
        #expect(check.status == 0, "\(check.stderr)")

        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        let title = "Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến"
        try ws.write("items/2026-11-bai-tthc.md", itemFile(title: title, channels: ["portal-tinh", "webhook-tonghop"]))
        let add = try ws.cli(["item", "add", ws.root + "/items/2026-11-bai-tthc.md"])
        #expect(add.status == 0, "\(add.stderr)")
        let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.range(of: #"^\d{4}-\d{2}-\d{4}$"#, options: .regularExpression) != nil, "id: \(id)")

        // Not approved yet: nothing leaves.
        try await Task.sleep(for: .milliseconds(300))
        #expect(portal.requestCount == 0)

        let approve = try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"])
        #expect(approve.status == 0, "\(approve.stderr)")
        try await eventually(15, "both channels delivered", daemon: daemon) {
            try ws.deliveryStates(id) == ["portal-tinh": "delivered", "webhook-tonghop": "delivered"]
        }

        // The portal got the article.
        let post = try #require(portal.requests.first)
        #expect(post.method == "POST" && post.path == "/api/articles")
        let postBody = try #require(try JSONSerialization.jsonObject(with: Data(post.body)) as? [String: Any])
        #expect(postBody["title"] as? String == title)
        #expect(post.header("X-CCHC-Delivery") == "\(id)/portal-tinh")

        // The webhook came after, signed, carrying the portal article's URL.
        let call = try #require(hook.requests.first)
        #expect(call.receivedAt >= post.receivedAt)
        #expect(call.bodyText.contains("https://cchc.example.gov.vn/tin-tuc/bai-1"))
        #expect(call.header("X-Signature-256")?.hasPrefix("sha256=") == true)
        #expect(!call.bodyText.contains("bi-mat-rat-dai-123"))

        let show = try ws.itemJSON(id)
        #expect(show["status"] as? String == "done")
        let portalDelivery = try #require(
            (show["deliveries"] as? [[String: Any]])?.first { $0["channel"] as? String == "portal-tinh" })
        #expect(portalDelivery["url"] as? String == "https://cchc.example.gov.vn/tin-tuc/bai-1")
        #expect(portalDelivery["remote_id"] as? String == "1")

        // The delivery log: one line per event, consecutive sequence numbers.
        try await eventually(5, "delivery log lines") {
            ws.logLines().filter { $0["event"] as? String == "delivery.delivered" }.count == 2
        }
        let lines = ws.logLines()
        let seqs = lines.compactMap { $0["seq"] as? Int }
        #expect(seqs == Array(1...seqs.count))
        let events = lines.compactMap { $0["event"] as? String }
        #expect(events.contains("item.submitted") && events.contains("item.approved"))
        #expect(events.filter { $0 == "delivery.delivered" }.count == 2)
        for line in lines {
            #expect(line["item_id"] as? String == id)
            #expect((line["ts"] as? String)?.hasSuffix("+07:00") == true)
        }
        let delivered = try #require(
            lines.first { $0["event"] as? String == "delivery.delivered" && $0["channel"] as? String == "portal-tinh" })
        #expect(delivered["url"] as? String == "https://cchc.example.gov.vn/tin-tuc/bai-1")
        #expect(delivered["item_title"] as? String == title)
        #expect(delivered["channel_type"] as? String == "portal")
        try validateAgainstSchema(ws.logDir)

        daemon.terminate()
        #expect(daemon.process.terminationStatus == 0, "\(daemon.output)")
        #expect(!daemon.output.contains("bi-mat-rat-dai-123"))
    }

    @Test func inboxTakesGoodFilesAndRejectsBadOnesWithReasons() async throws {
        let portal = try await portalSink()
        defer { Task { try? await portal.shutdown() } }
        let ws = try Workspace()
        try ws.writeConfig(
            channels: genericPortal("portal-tinh", url: "\(portal.baseURL)/api/articles"), inboxTrusted: true)
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        try await eventually(10, "inbox folder created") {
            FileManager.default.fileExists(atPath: ws.inbox + "/rejected")
        }

        let good = itemFile(
            title: "Thái Nguyên tuyên truyền cải cách hành chính 2026", channels: ["portal-tinh"],
            extra: "approved_by: \"Trần Thị B\"\napproved_at: 2026-11-21 15:30")
        let brokenYAML = "---\ntitle: \"không đóng ngoặc\ntopic: tthc\n---\nNội dung"
        let unknownChannel = itemFile(title: "Kênh lạ", channels: ["zalo-khong-co"])
        let missingTitle =
            "---\ntopic: tthc\nunit: \"Sở Nội vụ\"\nchannels: [portal-tinh]\n---\nNội dung không có tiêu đề"
        // Write then rename in, as the inbox contract asks.
        for (name, text) in [
            ("a-good.md", good), ("b-broken.md", brokenYAML), ("c-channel.md", unknownChannel),
            ("d-title.md", missingTitle),
        ] {
            try ws.write("staging/\(name)", text)
        }
        for name in ["a-good.md", "b-broken.md", "c-channel.md", "d-title.md"] {
            try FileManager.default.moveItem(atPath: ws.root + "/staging/\(name)", toPath: ws.inbox + "/\(name)")
        }
        try await eventually(15, "files sorted", daemon: daemon) {
            try FileManager.default.contentsOfDirectory(atPath: ws.inbox).filter { $0.hasSuffix(".md") }.isEmpty
                && FileManager.default.fileExists(atPath: ws.inbox + "/accepted/a-good.md")
                && (try FileManager.default.contentsOfDirectory(atPath: ws.inbox + "/rejected")).count == 6
        }
        let reason = { (name: String) in
            (try? String(contentsOfFile: ws.inbox + "/rejected/\(name).error", encoding: .utf8)) ?? ""
        }
        #expect(reason("b-broken.md").contains("YAML"))
        #expect(reason("c-channel.md").contains("zalo-khong-co"))
        #expect(reason("c-channel.md").contains("channels"))
        #expect(reason("d-title.md").contains("title"))
        // The good one was pre-approved by a trusted upstream and is delivered.
        try await eventually(15, "good item delivered", daemon: daemon) { portal.requestCount == 1 }
        let list = try ws.cli(["item", "list", "--json"])
        let items = try #require(
            (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["items"]
                as? [[String: Any]])
        #expect(items.count == 1)
        #expect(items.first?["approved_by"] as? String == "Trần Thị B")
        #expect(daemon.process.isRunning)
    }

    @Test func retriesHonourRetryAfterAndClassifyFailures() async throws {
        let portal = try await portalSink { title, n in
            switch title {
            case "Lỗi 503 rồi được" where n == 1: .json(503, #"{"message":"bảo trì"}"#, headers: [("Retry-After", "2")])
            case "Lỗi 429 rồi được" where n == 1:
                .json(429, #"{"message":"chậm lại"}"#, headers: [("Retry-After", "2")])
            case "Sai mật khẩu": .json(401, #"{"code":"rest_not_logged_in","message":"Sai thông tin đăng nhập"}"#)
            default: nil
            }
        }
        defer { Task { try? await portal.shutdown() } }
        let ws = try Workspace()
        try ws.writeConfig(
            channels: genericPortal("portal-tinh", url: "\(portal.baseURL)/api/articles")
                + genericPortal("portal-dong", url: "http://127.0.0.1:9/api/articles"),
            retry: "{ initial: 1s, max: 2s, attempts: 10 }")
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        var ids: [String: String] = [:]
        for (title, channels) in [
            ("Lỗi 503 rồi được", ["portal-tinh"]), ("Lỗi 429 rồi được", ["portal-tinh"]),
            ("Sai mật khẩu", ["portal-tinh"]),
            ("Cổng đóng", ["portal-dong"]),
        ] {
            try ws.write("items/\(title).md", itemFile(title: title, channels: channels))
            let add = try ws.cli(["item", "add", ws.root + "/items/\(title).md"])
            #expect(add.status == 0, "\(add.stderr)")
            let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            ids[title] = id
            #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)
        }
        try await eventually(20, "retried deliveries delivered", daemon: daemon) {
            try ws.deliveryStates(ids["Lỗi 503 rồi được"]!)["portal-tinh"] == "delivered"
                && ws.deliveryStates(ids["Lỗi 429 rồi được"]!)["portal-tinh"] == "delivered"
        }
        for title in ["Lỗi 503 rồi được", "Lỗi 429 rồi được"] {
            let tries = portal.requests.filter { ($0.bodyText).contains(title) }
            #expect(tries.count == 2)
            let gap = tries[1].receivedAt.timeIntervalSince(tries[0].receivedAt)
            #expect(gap >= 2.0, "\(title): second try only \(gap) s after the first")
            let show = try ws.itemJSON(ids[title]!)
            let d = try #require((show["deliveries"] as? [[String: Any]])?.first)
            #expect(d["attempts"] as? Int == 2)
        }
        // 401: failed at once, never retried.
        let authFailed = try ws.itemJSON(ids["Sai mật khẩu"]!)
        let d401 = try #require((authFailed["deliveries"] as? [[String: Any]])?.first)
        #expect(d401["state"] as? String == "failed")
        #expect(d401["attempts"] as? Int == 1)
        #expect(d401["last_error_class"] as? String == "auth")
        // Its only channel failed: the item failed, it did not "partly" fail.
        #expect(authFailed["status"] as? String == "failed")
        #expect(portal.requests.filter { $0.bodyText.contains("Sai mật khẩu") }.count == 1)
        // Officers find it by the Vietnamese words, with or without diacritics, and read it in Vietnamese.
        let failedID = ids["Sai mật khẩu"]!
        for word in ["that-bai", "gửi thất bại", "gui-that-bai", "failed"] {
            let list = try ws.cli(["item", "list", "--status", word])
            #expect(list.status == 0, "\(word): \(list.stderr)")
            #expect(list.stdout.contains(failedID) && list.stdout.contains("gửi thất bại"), "\(word): \(list.stdout)")
            #expect(!list.stdout.contains(ids["Lỗi 503 rồi được"]!) && !list.stdout.contains(ids["Cổng đóng"]!))
        }
        let partly = try ws.cli(["item", "list", "--status", "gui-loi-mot-phan"])
        #expect(partly.status == 0 && !partly.stdout.contains(failedID), "\(partly.stdout) \(partly.stderr)")
        let show = try ws.cli(["item", "show", failedID])
        #expect(show.stdout.contains("Trạng thái: gửi thất bại"), "\(show.stdout)")
        // The attempt in words, the technical class and the server's own reply kept but labelled.
        #expect(show.stdout.contains("lần 1 lúc "), "\(show.stdout)")
        #expect(show.stdout.contains(": thất bại — sai thông tin đăng nhập (mã lỗi: auth)"), "\(show.stdout)")
        #expect(show.stdout.contains("mã phản hồi 401"), "\(show.stdout)")
        #expect(show.stdout.contains("lỗi gần nhất: sai thông tin đăng nhập (mã lỗi: auth) — chi tiết kỹ thuật: "))
        #expect(!show.stdout.contains("auth:"), "\(show.stdout)")
        // A retried then delivered one: "sẽ thử lại" then "đã gửi".
        let retried = try ws.cli(["item", "show", ids["Lỗi 503 rồi được"]!])
        #expect(
            retried.stdout.contains("lần 1 lúc ") && retried.stdout.contains(": sẽ thử lại — "), "\(retried.stdout)")
        #expect(retried.stdout.contains("mã phản hồi 503") && retried.stdout.contains(": đã gửi, "))
        // The JSON stays the contract: technical keys.
        let attempt = try #require((d401["attempt_log"] as? [[String: Any]])?.first)
        #expect(attempt["outcome"] as? String == "failed" && attempt["error_class"] as? String == "auth")
        #expect(attempt["code"] as? Int == 401)
        let attention = try ws.cli(["can-xu-ly"])
        #expect(attention.stdout.contains(failedID), "\(attention.stdout)")
        // Connection refused: retried, not failed.
        try await eventually(15, "refused connection retried") {
            let d = try #require((try ws.itemJSON(ids["Cổng đóng"]!)["deliveries"] as? [[String: Any]])?.first)
            return (d["attempts"] as? Int ?? 0) >= 2 && d["state"] as? String != "failed"
        }
    }

    @Test func unapprovedRejectedAndCancelledItemsAreNeverSent() async throws {
        let portal = try await portalSink()
        defer { Task { try? await portal.shutdown() } }
        let ws = try Workspace()
        try ws.writeConfig(
            channels: genericPortal("portal-tinh", url: "\(portal.baseURL)/api/articles"), inboxEnabled: false)
        let daemon = try Daemon(ws)
        // With the inbox disabled the daemon still hears cchc's changes (the store's commit hints) and makes no inbox.
        defer { daemon.terminate() }
        var ids: [String] = []
        for title in ["Chờ duyệt mãi", "Bị từ chối", "Bị hủy", "Bài được duyệt"] {
            try ws.write("items/\(title).md", itemFile(title: title, channels: ["portal-tinh"]))
            let add = try ws.cli(["item", "add", ws.root + "/items/\(title).md"])
            ids.append(add.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(try ws.cli(["item", "reject", ids[1], "--by", "Lãnh đạo", "--reason", "Trùng nội dung"]).status == 0)
        #expect(try ws.cli(["item", "cancel", ids[2], "--by", "Lãnh đạo"]).status == 0)
        // A rejected item cannot be approved afterwards.
        let late = try ws.cli(["item", "approve", ids[1], "--by", "Nguyễn Văn A"])
        #expect(late.status == 4)
        #expect(late.stderr.contains("bị từ chối"))
        #expect(try ws.cli(["item", "approve", ids[3], "--by", "Nguyễn Văn A"]).status == 0)
        do {
            try await eventually(15, "approved item delivered") {
                try ws.deliveryStates(ids[3])["portal-tinh"] == "delivered"
            }
        } catch {
            Issue.record(
                "daemon said:\n\(daemon.output)\nitem: \((try? ws.cli(["item", "show", ids[3]]).stdout) ?? "")")
            throw error
        }
        #expect(!FileManager.default.fileExists(atPath: ws.inbox))
        try await Task.sleep(for: .milliseconds(500))
        #expect(portal.requestCount == 1)
        #expect(portal.requests.allSatisfy { $0.bodyText.contains("Bài được duyệt") })
        // Bad arguments: clear Vietnamese errors, documented exit codes.
        let missing = try ws.cli(["item", "show", "2099-01-9999"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("không tìm thấy"))
        let json = try ws.cli(["item", "show", "2099-01-9999", "--json"])
        #expect(json.status == 3)
        #expect(json.stdout.contains("\"code\" : \"not-found\""))
    }
}

/// Validates every delivery-log line against docs/delivery-log.schema.json with Python's jsonschema
/// (installed by scripts/test.sh).
func validateAgainstSchema(_ logDir: String) throws {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    let schema = repo + "/docs/delivery-log.schema.json"
    let script = """
        import json, sys, glob
        from jsonschema import Draft202012Validator
        schema = json.load(open(sys.argv[1]))
        v = Draft202012Validator(schema)
        n = 0
        for f in sorted(glob.glob(sys.argv[2] + "/delivery-*.jsonl")):
            for i, line in enumerate(open(f, encoding="utf-8"), 1):
                for e in v.iter_errors(json.loads(line)):
                    print(f"{f}:{i}: {e.message}"); sys.exit(1)
                n += 1
        print(n)
        """
    let r = try run("/usr/bin/env", ["python3", "-c", script, schema, logDir])
    #expect(r.status == 0, "schema: \(r.stdout) \(r.stderr)")
    #expect((Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0)
}
