import Foundation
import TestSupport
import Testing
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
        let channelCheck = try ws.cli(["channel", "check", "fb-sonoivu"])
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
        #expect(post.message.hasSuffix("#cchc_" + id.replacingOccurrences(of: "-", with: "_")))

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
}
