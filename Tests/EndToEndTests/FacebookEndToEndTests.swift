import Foundation
import TestSupport
import Testing
import Crypto
import Transport

/// A facebook channel section pointed at the fake Graph API (indented for `channels:`).
func facebookChannel(_ name: String, graph: FakeGraphAPI, extra: String = "") -> String {
    """
      \(name):
        type: facebook
        page_id: "\(graph.pageID)"
        graph_url: \(graph.baseURL)
        token_file: fb-token
        app_secret_file: fb-app-secret
        verify_token_file: fb-verify
    \(extra)

    """
}

/// Runs `cchc` on a dispatch thread: a command that talks to a fake server living in this test
/// process (channel check, item retract) must not hold one of the few cooperative threads the fake's
/// handler needs to answer it.

@Suite(.serialized)
struct FacebookEndToEndTests {
    static let appSecret = "e2e-app-secret-9f8e7d"

    func workspace(_ graph: FakeGraphAPI, channels: String, http: String? = nil) throws -> Workspace {
        let ws = try Workspace()
        try ws.write("fb-token", graph.token + "\n")
        try ws.write("fb-app-secret", Self.appSecret + "\n")
        try ws.write("fb-verify", "xac-minh-123\n")
        try ws.writeConfig(channels: channels, http: http)
        return ws
    }

    @Test func anItemIsPostedToThePageThroughTheDaemon() async throws {
        let graph = try await FakeGraphAPI.start()
        let portal = try await portalSink()
        defer {
            Task {
                try? await graph.shutdown(); try? await portal.shutdown()
            }
        }
        let ws = try workspace(
            graph,
            channels: """
                  portal-tinh:
                    type: portal
                    preset: generic
                    url: \(portal.baseURL)/api/articles
                    id_pointer: /id
                    url_pointer: /link
                """ + "\n"
                    + facebookChannel(
                        "fb-sonoivu", graph: graph, extra: "    after: portal-tinh\n    link_from: portal-tinh"))
        let check = try run(Binaries.cchcd, ["--config", ws.configPath, "--check-config"])
        #expect(check.status == 0, "\(check.stderr)")
        let channelCheck = try await cliOffThePool(ws, ["channel", "check", "fb-sonoivu"])
        #expect(channelCheck.status == 0, "\(channelCheck.stderr)")
        #expect(channelCheck.stdout.contains("Sở Nội vụ tỉnh Sơn La"), "\(channelCheck.stdout)")
        #expect(!channelCheck.stdout.contains(graph.token) && !channelCheck.stderr.contains(graph.token))

        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        let title = "Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến"
        try ws.write("items/a.md", itemFile(title: title, channels: ["portal-tinh", "fb-sonoivu"]))
        let add = try ws.cli(["item", "add", ws.root + "/items/a.md"])
        #expect(add.status == 0, "\(add.stderr)")
        let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)
        try await eventually(15, "both channels delivered", daemon: daemon) {
            try ws.deliveryStates(id) == ["portal-tinh": "delivered", "fb-sonoivu": "delivered"]
        }
        let post = try #require(graph.livePosts.first)
        #expect(graph.livePosts.count == 1)
        #expect(post.link == "https://cchc.example.gov.vn/tin-tuc/bai-1")
        #expect(post.message.hasPrefix(title + "\n\nTỉnh đẩy mạnh tiếp nhận hồ sơ trực tuyến."))
        // The marker: the item id, then 8 hex digits of the installation id and the content hash.
        let marker = try #require(post.message.split(separator: "\n").last.map(String.init))
        let prefix = "#cchc_" + id.replacingOccurrences(of: "-", with: "_") + "_"
        #expect(marker.hasPrefix(prefix), "\(marker)")
        #expect(marker.dropFirst(prefix.count).count == 8 && marker.dropFirst(prefix.count).allSatisfy(\.isHexDigit))

        // The officer takes the post down: DELETE /{post-id}, recorded in the store and the log.
        let retract = try await cliOffThePool(
            ws, ["item", "retract", id, "--channel", "fb-sonoivu", "--by", "Trần Thị B"])
        #expect(retract.status == 0, "\(retract.stdout)\(retract.stderr)")
        #expect(retract.stdout.contains("fb-sonoivu"), "\(retract.stdout)")
        #expect(graph.livePosts.isEmpty)
        let delete = try #require(graph.requests.last { $0.method == "DELETE" })
        #expect(delete.path == "/v23.0/\(post.id)")
        #expect(delete.header("Authorization") == "Bearer \(graph.token)")
        try await eventually(10, "the retraction in the delivery log", daemon: daemon) {
            ws.logLines().contains { $0["event"] as? String == "delivery.retracted" }
        }
        let retracted = try #require(ws.logLines().first { $0["event"] as? String == "delivery.retracted" })
        #expect(retracted["channel"] as? String == "fb-sonoivu")
        #expect(retracted["remote_id"] as? String == post.id)
        #expect(retracted["actor"] as? String == "Trần Thị B")
        let show = try ws.itemJSON(id)
        let fb = try #require(
            (show["deliveries"] as? [[String: Any]])?.first { $0["channel"] as? String == "fb-sonoivu" })
        #expect(fb["retracted_by"] as? String == "Trần Thị B")

        let delivered = try #require(
            ws.logLines().first {
                $0["event"] as? String == "delivery.delivered" && $0["channel"] as? String == "fb-sonoivu"
            })
        #expect(delivered["remote_id"] as? String == post.id)
        #expect(delivered["channel_type"] as? String == "facebook")
        // The token is nowhere in what the daemon wrote.
        #expect(!daemon.output.contains(graph.token))
        let logText = ws.logLines().map { "\($0)" }.joined()
        #expect(!logText.contains(graph.token))
    }

    @Test func intakeRefusesWhatThePageCannotTake() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let ws = try workspace(graph, channels: facebookChannel("fb-sonoivu", graph: graph, extra: "    max_photos: 1"))
        try ws.write("items/media/ke-hoach.pdf", "%PDF-1.4")
        try ws.write(
            "items/b.md",
            itemFile(
                title: "Kế hoạch", channels: ["fb-sonoivu"],
                extra: "media:\n  - path: media/ke-hoach.pdf\n  - url: https://x.example/a.jpg"))
        let add = try ws.cli(["item", "add", ws.root + "/items/b.md"])
        #expect(add.status != 0)
        #expect(add.stderr.contains("\"media\""), "\(add.stderr)")
        #expect(add.stderr.contains("tối đa 1 ảnh"), "\(add.stderr)")
        try ws.write(
            "items/c.md",
            itemFile(title: "Kế hoạch", channels: ["fb-sonoivu"], extra: "media:\n  - path: media/ke-hoach.pdf"))
        let pdf = try ws.cli(["item", "add", ws.root + "/items/c.md"])
        #expect(pdf.status != 0)
        #expect(pdf.stderr.contains("media[0]"), "\(pdf.stderr)")
        #expect(pdf.stderr.contains("ke-hoach.pdf"), "\(pdf.stderr)")
        #expect(try ws.cli(["item", "list", "--json"]).stdout.contains("Kế hoạch") == false)
    }
    /// The daemon's listener port (it logs it; the test asks for port 0).
    func listenerPort(_ daemon: Daemon) async throws -> Int {
        var found: Int?
        try await eventually(10, "the http listener", daemon: daemon) {
            guard let r = daemon.output.range(of: "http listener on 127.0.0.1:") else { return false }
            found = Int(daemon.output[r.upperBound...].prefix { $0.isNumber })
            return found != nil
        }
        return found!
    }

    static func signature(_ body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(appSecret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    @Test func signedWebhooksAreStoredOnceAndTheRestRefused() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let ws = try workspace(
            graph, channels: facebookChannel("fb-sonoivu", graph: graph, extra: "    webhook_max_bytes: 4096"),
            http: "127.0.0.1:0")
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        let base = "http://127.0.0.1:\(try await listenerPort(daemon))/webhooks/facebook/fb-sonoivu"
        let http = try HTTPClient()
        defer { http.shutdown() }

        // Our post first, so the comment maps to our item.
        try ws.write("items/a.md", itemFile(title: "Bài có bình luận", channels: ["fb-sonoivu"]))
        let id = try ws.cli(["item", "add", ws.root + "/items/a.md"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)
        try await eventually(15, "posted", daemon: daemon) { try ws.deliveryStates(id)["fb-sonoivu"] == "delivered" }
        let postID = try #require(graph.livePosts.first?.id)

        // The subscription handshake: the right token gets the challenge, a wrong one 403.
        let ok = try await http.execute(
            HTTPRequest(url: base + "?hub.mode=subscribe&hub.verify_token=xac-minh-123&hub.challenge=987654"))
        #expect(ok.status == 200)
        #expect(ok.bodyText == "987654")
        let wrongToken = try await http.execute(
            HTTPRequest(url: base + "?hub.mode=subscribe&hub.verify_token=doan-bua&hub.challenge=987654"))
        #expect(wrongToken.status == 403)

        let payload = Array(
            (#"{"object":"page","entry":[{"id":"1234567890","time":1795568400,"changes":[{"field":"feed","value":"#
                + #"{"from":{"id":"24242424","name":"Nguyễn Văn B"},"post_id":"\#(postID)","comment_id":"c_777","#
                + #""created_time":1795568399,"item":"comment","verb":"add","message":"Cho hỏi hồ sơ nộp ở đâu?"}}]}]}"#)
                .utf8)
        func post(_ body: [UInt8], signature: String?) async throws -> HTTPResponse {
            var headers = HTTPHeaders([("Content-Type", "application/json")])
            if let signature { headers.add(name: "X-Hub-Signature-256", value: signature) }
            return try await http.execute(HTTPRequest(method: "POST", url: base, headers: headers, body: body))
        }
        // Delivered twice (Facebook retries when unsure): accepted both times, stored once.
        #expect(try await post(payload, signature: Self.signature(payload)).status == 200)
        #expect(try await post(payload, signature: Self.signature(payload)).status == 200)

        // Refused: a wrong signature, none, one over the re-serialised JSON, a body over the cap.
        #expect(try await post(payload, signature: "sha256=" + String(repeating: "ab", count: 32)).status == 401)
        #expect(try await post(payload, signature: nil).status == 401)
        let object = try #require(
            try? JSONSerialization.jsonObject(with: Data(payload)), "\(String(decoding: payload, as: UTF8.self))")
        let reserialised = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        #expect(try await post(payload, signature: Self.signature(reserialised)).status == 401)
        let big = Array(repeating: UInt8(ascii: " "), count: 5000) + payload
        #expect(try await post(big, signature: Self.signature(big)).status == 413)

        let events = try ws.cli(["events", "list", "--json"])
        #expect(events.status == 0, "\(events.stderr)")
        let list = try #require(
            (try? JSONSerialization.jsonObject(with: Data(events.stdout.utf8)) as? [String: Any])?["events"]
                as? [[String: Any]],
            "\(events.stdout)")
        #expect(list.count == 1, "\(events.stdout)")
        let event = try #require(list.first)
        #expect(event["kind"] as? String == "comment")
        #expect(event["item_id"] as? String == id)
        #expect(event["remote_ref"] as? String == postID)
        #expect(event["sender_id"] as? String == "24242424")
        #expect(event["text"] as? String == "Cho hỏi hồ sơ nộp ở đâu?")
        // Officers' view: the words shown; filters that match nothing; bad arguments named.
        let text = try ws.cli(["events", "list", "--channel", "fb-sonoivu"])
        #expect(
            text.status == 0 && text.stdout.contains("bình luận") && text.stdout.contains("Cho hỏi hồ sơ nộp ở đâu?"))
        #expect(try ws.cli(["events", "list", "--kind", "message"]).stdout.contains("Chưa có tương tác nào phù hợp."))
        let badDay = try ws.cli(["events", "list", "--since", "2026-13-45"])
        #expect(badDay.status == 64 && badDay.stderr.contains("--since: ngày \"2026-13-45\" không hợp lệ"))
        #expect(try ws.cli(["events", "list", "--limit", "0"]).status == 64)

        // The delivery log writer follows the store: the line appears shortly after.
        try await eventually(10, "the inbound.comment line", daemon: daemon) {
            ws.logLines().contains { $0["event"] as? String == "inbound.comment" }
        }
        let inbound = ws.logLines().filter { $0["event"] as? String == "inbound.comment" }
        #expect(inbound.count == 1)
        #expect(inbound.first?["item_id"] as? String == id)
        #expect(inbound.first?["remote_id"] as? String == postID)
        // Citizens' words and names stay out of the delivery log and the daemon's log.
        let logText = ws.logLines().map { "\($0)" }.joined()
        #expect(!logText.contains("Cho hỏi") && !logText.contains("Nguyễn Văn B"))
        #expect(!daemon.output.contains("Cho hỏi"))
        #expect(daemon.output.contains("X-Hub-Signature-256"))

        // The period's report counts the citizen's comment under the Page (read from the delivery log).
        let report = try ws.cli(["report", "--from", localDay(-1), "--to", localDay(1), "--calendar", "--json"])
        #expect(report.status == 0, "\(report.stderr)")
        let interactions = try #require(
            (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["interactions"]
                as? [[String: Any]])
        #expect(interactions.count == 1)
        #expect(interactions.first?["channel"] as? String == "fb-sonoivu")
        #expect(interactions.first?["total"] as? Int == 1)
        #expect((interactions.first?["kinds"] as? [String: Any])?["comment"] as? Int == 1)
    }
    /// Killed while Graph was answering: the delivery becomes uncertain (Facebook has no idempotency
    /// key); at the next start the engine looks for the item's marker, finds the post and resolves the
    /// delivery as delivered by itself: never posted twice, nothing for an officer to do.
    @Test func anInterruptedSendIsResolvedByItsMarkerAtTheNextStart() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let ws = try workspace(graph, channels: facebookChannel("fb-sonoivu", graph: graph))
        graph.setAnswerDelay(.seconds(30))
        let first = try Daemon(ws, name: "first")
        try ws.write("items/a.md", itemFile(title: "Bị ngắt giữa chừng", channels: ["fb-sonoivu"]))
        let id = try ws.cli(["item", "add", ws.root + "/items/a.md"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)
        try await eventually(15, "the post made while its answer is held", daemon: first) { graph.livePosts.count == 1 }
        first.kill9()
        graph.setAnswerDelay(nil)

        let second = try Daemon(ws, name: "second")
        defer { second.terminate() }
        try await eventually(15, "resolved as delivered by the marker", daemon: second) {
            try ws.deliveryStates(id)["fb-sonoivu"] == "delivered"
        }
        #expect(graph.livePosts.count == 1)
        #expect(graph.requests.filter { $0.method == "POST" }.count == 1)
        let events = ws.logLines().compactMap { $0["event"] as? String }
        #expect(events.contains("delivery.uncertain") && events.contains("delivery.resolved"), "\(events)")
        let resolved = try #require(ws.logLines().last { $0["event"] as? String == "delivery.resolved" })
        #expect(resolved["actor"] as? String == "cchcd" && resolved["state"] as? String == "delivered")
        #expect(resolved["remote_id"] as? String == graph.livePosts.first?.id)
        #expect(second.output.contains("interrupted send was published after all"))
    }

    /// Killed before Graph made the post: the marker is nowhere, so the engine sends it again at the
    /// next start, once.
    @Test func anInterruptedSendThatNeverPostedIsSentAgainAtTheNextStart() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let ws = try workspace(graph, channels: facebookChannel("fb-sonoivu", graph: graph))
        graph.setRequestDelay(.seconds(30))
        let first = try Daemon(ws, name: "first")
        try ws.write("items/b.md", itemFile(title: "Chưa kịp đăng", channels: ["fb-sonoivu"]))
        let id = try ws.cli(["item", "add", ws.root + "/items/b.md"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)
        // Held by the fake (not merely received: its handler may not have run yet).
        try await eventually(15, "the send in flight", daemon: first) { graph.pendingRequests > 0 }
        first.kill9()
        graph.setRequestDelay(nil)
        #expect(graph.livePosts.isEmpty)

        let second = try Daemon(ws, name: "second")
        defer { second.terminate() }
        try await eventually(15, "sent again and delivered", daemon: second) {
            try ws.deliveryStates(id)["fb-sonoivu"] == "delivered"
        }
        #expect(graph.livePosts.count == 1)
        #expect(
            second.output.contains("interrupted send was not published; sending it again"),
            "\(graph.requests.map { "\($0.receivedAt) \($0.method) \($0.path)" }) first: \(first.output)")
    }
}
