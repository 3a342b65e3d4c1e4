import Crypto
import Foundation
import TestSupport
import Testing
import Transport

/// The zalo channel through the real `cchcd` and `cchc` binaries, against the loopback FakeZalo.
@Suite(.serialized)
struct ZaloEndToEndTests {
    static let cover = "media:\n  - url: https://cdn.example.vn/anh-bia.jpg\n    caption: \"Ảnh bìa\""

    func workspace(_ fake: FakeZalo, http: Bool = false) throws -> Workspace {
        let ws = try Workspace()
        try ws.write("secrets/zalo-app-secret", fake.secretKey + "\n")
        try ws.write("secrets/zalo-oa-secret", "oa-secret-key-xyz\n")
        try ws.writeConfig(
            channels: """
                  zalo-oa:
                    type: zalo
                    app_id: "\(fake.appID)"
                    oa_id: "\(fake.oaID)"
                    secret_key_file: secrets/zalo-app-secret
                    oa_secret_key_file: secrets/zalo-oa-secret
                    api_url: \(fake.baseURL)
                    oauth_url: \(fake.baseURL)
                    verify_interval: 20ms
                """, http: http ? "127.0.0.1:0" : nil)
        return ws
    }

    /// `cchc zalo seed-token zalo-oa`, the pair on standard input as Zalo's JSON answer.
    func seed(_ ws: Workspace, _ pair: (access: String, refresh: String)) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        try runTool(
            Binaries.cchc, ["zalo", "seed-token", "zalo-oa", "--config", ws.configPath],
            input: #"{"access_token":"\#(pair.access)","refresh_token":"\#(pair.refresh)","expires_in":"90000"}"#)
    }

    func addApproved(_ ws: Workspace, title: String, file: String) throws -> String {
        try ws.write("items/\(file).md", itemFile(title: title, channels: ["zalo-oa"], extra: Self.cover))
        let add = try ws.cli(["item", "add", ws.root + "/items/\(file).md"])
        guard add.status == 0 else { throw HarnessError("item add: \(add.stderr)") }
        let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let approve = try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"])
        guard approve.status == 0 else { throw HarnessError("item approve: \(approve.stderr)") }
        return id
    }

    func delivery(_ ws: Workspace, _ id: String) throws -> [String: Any] {
        let item = try ws.itemJSON(id)
        return ((item["deliveries"] as? [[String: Any]]) ?? []).first { $0["channel"] as? String == "zalo-oa" } ?? [:]
    }

    /// The port the daemon's listener bound (it logs it; the config asks for port 0).
    func port(of daemon: Daemon) async throws -> Int {
        var found: Int?
        try await eventually(10, "the http listener", daemon: daemon) {
            guard let r = daemon.output.range(of: "http listener on 127.0.0.1:") else { return false }
            found = Int(daemon.output[r.upperBound...].prefix { $0.isNumber })
            return found != nil
        }
        return found!
    }

    func waitForExit(_ daemon: Daemon) async throws {
        try await eventually(15, "cchcd exits at the injected crash point", daemon: daemon) {
            !daemon.process.isRunning
        }
    }

    @Test func seedTokenFromStdinThenAnItemBecomesAZaloArticle() async throws {
        let fake = try await FakeZalo.start()
        defer { Task { try? await fake.shutdown() } }
        let ws = try workspace(fake)

        // Tokens are never taken from the command line.
        let onArgv = try ws.cli(["zalo", "seed-token", "zalo-oa", "at-123", "rt-456"])
        #expect(onArgv.status != 0)
        let empty = try runTool(Binaries.cchc, ["zalo", "seed-token", "zalo-oa", "--config", ws.configPath], input: "")
        #expect(empty.status == 64 && empty.stderr.contains("đầu vào chuẩn trống"), "\(empty.stderr)")
        let notZalo = try runTool(
            Binaries.cchc, ["zalo", "seed-token", "khong-co", "--config", ws.configPath], input: "a\nb\n")
        #expect(notZalo.status == 3)

        let pair = fake.issuePair()
        let seeded = try seed(ws, pair)
        #expect(seeded.status == 0, "\(seeded.stderr)")
        #expect(seeded.stdout.contains("Đã lưu cặp token Zalo của kênh zalo-oa"))
        #expect(!seeded.stdout.contains(pair.access) && !seeded.stdout.contains(pair.refresh))
        let tokenFile = ws.root + "/state/zalo/zalo-oa.tokens.json"
        #expect(try FileManager.default.attributesOfItem(atPath: tokenFile)[.posixPermissions] as? Int == 0o600)

        let check = try ws.cli(["channel", "check", "zalo-oa"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("Sở Nội vụ tỉnh Sơn La"))

        // Intake refuses an item Zalo would refuse: no cover picture.
        try ws.write("items/khong-anh.md", itemFile(title: "Bài không có ảnh bìa", channels: ["zalo-oa"]))
        let refused = try ws.cli(["item", "add", ws.root + "/items/khong-anh.md"])
        #expect(refused.status == 5, "\(refused.stdout) \(refused.stderr)")
        #expect((refused.stdout + refused.stderr).contains("ảnh bìa"))

        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        let title = "Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến"
        let id = try addApproved(ws, title: title, file: "bai-zalo")
        try await eventually(20, "the Zalo delivery", daemon: daemon) {
            try ws.deliveryStates(id)["zalo-oa"] == "delivered"
        }
        let article = try #require(fake.articles.first)
        #expect(fake.articles.count == 1)
        #expect(article.title == title)
        #expect(article.coverURL == "https://cdn.example.vn/anh-bia.jpg")
        let d = try delivery(ws, id)
        #expect(d["remote_id"] as? String == article.id)
        #expect(d["url"] as? String == article.link, "\(d)")
        // No token in the daemon's log or the delivery log.
        let logText = ws.logLines().map { "\($0)" }.joined()
        #expect(!daemon.output.contains(pair.access) && !logText.contains(pair.access))
    }

    @Test func aCrashRightAfterPersistingTheNewPairLeavesAWorkingChannel() async throws {
        let fake = try await FakeZalo.start()
        defer { Task { try? await fake.shutdown() } }
        let ws = try workspace(fake)
        let pair = fake.issuePair()
        #expect(try seed(ws, pair).status == 0)
        fake.expireAccessTokens()

        let crashing = try Daemon(ws, environment: ["CCHCD_TEST_ZALO_CRASH": "after-token-persist"])
        let first = try addApproved(ws, title: "Bài thứ nhất về CCHC", file: "bai-1")
        try await waitForExit(crashing)
        #expect(crashing.output.contains("test crash at after-token-persist"))
        #expect(fake.refreshCount == 1)
        let stored = try String(contentsOfFile: ws.root + "/state/zalo/zalo-oa.tokens.json", encoding: .utf8)
        #expect(!stored.contains(pair.refresh), "the new pair is on disk")

        // After the restart the saved pair works: nothing is refreshed again, nothing is refused.
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        // The interrupted send never reached article/create and the OA has no such article: Zalo may
        // list an article late, so the delivery stays uncertain for a person, who sends it again.
        try await eventually(20, "the interrupted delivery looked up and left uncertain", daemon: daemon) {
            try ws.deliveryStates(first)["zalo-oa"] == "uncertain"
                && daemon.output.contains("interrupted send left uncertain for a person")
        }
        let resend = try ws.cli(["delivery", "resolve", "\(first)/zalo-oa", "--as", "resend", "--by", "Nguyễn Văn A"])
        #expect(resend.status == 0, "\(resend.stderr)")
        let second = try addApproved(ws, title: "Bài thứ hai về CCHC", file: "bai-2")
        try await eventually(20, "both delivered after the restart", daemon: daemon) {
            try ws.deliveryStates(first)["zalo-oa"] == "delivered"
                && ws.deliveryStates(second)["zalo-oa"] == "delivered"
        }
        #expect(fake.refreshCount == 1)
        #expect(fake.refusedRefreshCount == 0)
        #expect(Set(fake.articles.map(\.title)) == ["Bài thứ nhất về CCHC", "Bài thứ hai về CCHC"])
    }

    @Test func aCrashBeforePersistingTheNewPairStopsTheChannelWithTheOperatorMessage() async throws {
        let fake = try await FakeZalo.start()
        defer { Task { try? await fake.shutdown() } }
        let ws = try workspace(fake, http: true)
        let pair = fake.issuePair()
        #expect(try seed(ws, pair).status == 0)
        fake.expireAccessTokens()

        let crashing = try Daemon(ws, environment: ["CCHCD_TEST_ZALO_CRASH": "after-refresh-response"])
        let first = try addApproved(ws, title: "Bài thứ nhất về CCHC", file: "bai-1")
        try await waitForExit(crashing)
        #expect(crashing.output.contains("test crash at after-refresh-response"))
        // Zalo spent the refresh token and its answer was lost with the process: the file still holds
        // the old pair, whose refresh token Zalo now refuses. Only re-authorising the OA helps.
        let stored = try String(contentsOfFile: ws.root + "/state/zalo/zalo-oa.tokens.json", encoding: .utf8)
        #expect(stored.contains(pair.refresh))

        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        let second = try addApproved(ws, title: "Bài thứ hai về CCHC", file: "bai-2")
        try await eventually(20, "the channel halts with the operator message", daemon: daemon) {
            daemon.output.contains("re-authorise the OA")
        }
        #expect(daemon.output.contains("cchc zalo seed-token zalo-oa"))
        // /status shows the channel halted, with what the operator must do.
        let http = try HTTPClient()
        defer { http.shutdown() }
        let status = try await http.execute(HTTPRequest(url: "http://127.0.0.1:\(try await port(of: daemon))/status"))
        let statusJSON = try #require(try JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any])
        let zalo = (statusJSON["channels"] as? [String: Any])?["zalo-oa"] as? [String: Any]
        #expect(zalo?["circuit"] as? String == "halted", "\(status.bodyText)")
        #expect((zalo?["halt_reason"] as? String)?.contains("re-authorise the OA") == true)
        #expect(fake.refusedRefreshCount >= 1)
        #expect(fake.articles.isEmpty)
        let check = try ws.cli(["channel", "check", "zalo-oa"])
        #expect(check.status == 6 && check.stderr.contains("re-authorise the OA"), "\(check.stderr)")

        // The interrupted send could not be looked up (the OA's articles cannot be listed without a
        // token): it stays uncertain for a person. The second item met the refusal: failed, channel halted.
        try await eventually(20, "the interrupted one uncertain, the other failed", daemon: daemon) {
            try ws.deliveryStates(first)["zalo-oa"] == "uncertain" && ws.deliveryStates(second)["zalo-oa"] == "failed"
        }
        #expect(try delivery(ws, second)["last_error_class"] as? String == "auth")
        #expect(daemon.output.contains("interrupted send left uncertain for a person"))

        // The operator re-authorises the OA, seeds the new pair and reloads; the officer sends the
        // uncertain one again (nothing reached the OA) and re-queues the failed one.
        #expect(try seed(ws, fake.issuePair()).status == 0)
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually(20, "the channel resumes after the reload", daemon: daemon) {
            daemon.output.contains("halted channel resumes after the reload")
        }
        let resend = try ws.cli(["delivery", "resolve", "\(first)/zalo-oa", "--as", "resend", "--by", "Nguyễn Văn A"])
        #expect(resend.status == 0, "\(resend.stderr)")
        #expect(try ws.cli(["item", "retry", second, "--by", "Nguyễn Văn A"]).status == 0)
        try await eventually(20, "both delivered", daemon: daemon) {
            try ws.deliveryStates(first)["zalo-oa"] == "delivered"
                && ws.deliveryStates(second)["zalo-oa"] == "delivered"
        }
        #expect(fake.articles.count == 2)
    }

    @Test func aSignedWebhookSentTwiceIsStoredOnceAndListed() async throws {
        let fake = try await FakeZalo.start()
        defer { Task { try? await fake.shutdown() } }
        let ws = try workspace(fake, http: true)
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        var port: Int?
        try await eventually(10, "the http listener", daemon: daemon) {
            guard let r = daemon.output.range(of: "http listener on 127.0.0.1:") else { return false }
            port = Int(daemon.output[r.upperBound...].prefix { $0.isNumber })
            return port != nil
        }
        let url = "http://127.0.0.1:\(port!)/webhooks/zalo/zalo-oa"
        let body = Array(
            #"{"app_id":"4321","event_name":"user_send_text","timestamp":"1763800000000","sender":{"id":"246810"},"recipient":{"id":"9876"},"message":{"msg_id":"m-77","text":"Xin hỏi giờ làm việc của bộ phận một cửa?"}}"#
                .utf8)
        let mac = SHA256.hash(
            data: Array("4321".utf8) + body + Array("1763800000000".utf8) + Array("oa-secret-key-xyz".utf8)
        )
        .map { String(format: "%02x", $0) }.joined()
        let http = try HTTPClient()
        defer { http.shutdown() }
        for _ in 0..<2 {
            let response = try await http.execute(
                HTTPRequest(
                    method: "POST", url: url,
                    headers: HTTPHeaders([("Content-Type", "application/json"), ("X-ZEvent-Signature", "mac=" + mac)]),
                    body: body))
            #expect(response.status == 200)
        }
        let forged = try await http.execute(
            HTTPRequest(
                method: "POST", url: url,
                headers: HTTPHeaders([("X-ZEvent-Signature", "mac=" + String(repeating: "0", count: 64))]),
                body: body))
        #expect(forged.status == 401)

        let list = try ws.cli(["events", "list", "--channel", "zalo-oa", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let events = try #require(
            (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["events"]
                as? [[String: Any]])
        #expect(events.count == 1)
        #expect(events.first?["kind"] as? String == "message")
        #expect(events.first?["key"] as? String == "msg:m-77")
        #expect(events.first?["text"] as? String == "Xin hỏi giờ làm việc của bộ phận một cửa?")
        let text = try ws.cli(["events", "list", "--channel", "zalo-oa"])
        #expect(text.stdout.contains("tin nhắn") && text.stdout.contains("Xin hỏi giờ làm việc"))
        // One inbound.message line in the delivery log, without the citizen's words.
        try await eventually(10, "the inbound log line", daemon: daemon) {
            ws.logLines().contains { $0["event"] as? String == "inbound.message" }
        }
        let lines = ws.logLines().filter { ($0["event"] as? String)?.hasPrefix("inbound.") == true }
        #expect(lines.count == 1)
        #expect(!ws.logLines().map { "\($0)" }.joined().contains("Xin hỏi"))
    }
}
