import Crypto
import Foundation
import TestSupport
import Testing
import Transport

/// The officers' web app in a real browser (Debian's chromium + chromedriver, Selenium from PyPI:
/// scripts/install-deps.sh --test) against the real `cchcd`, with channels on loopback fakes.
/// Screenshots of every page go to `.build/test-artefacts/web-browser/` (or `$CCHC_ARTEFACTS_DIR`).
@Suite(.serialized)
struct WebBrowserEndToEndTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// A 1×1 PNG, the uploaded image.
    static let png = Data(
        base64Encoded:
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")!

    func webPort(of daemon: Daemon) async throws -> Int {
        var found: Int?
        try await eventually(15, "the web app's listener", daemon: daemon) {
            guard let r = daemon.output.range(of: "web app on 127.0.0.1:") else { return false }
            found = Int(daemon.output[r.upperBound...].prefix { $0.isNumber })
            return found != nil
        }
        return found!
    }

    func listenerPort(of daemon: Daemon) async throws -> Int {
        var found: Int?
        try await eventually(15, "the http listener", daemon: daemon) {
            guard let r = daemon.output.range(of: "http listener on 127.0.0.1:") else { return false }
            found = Int(daemon.output[r.upperBound...].prefix { $0.isNumber })
            return found != nil
        }
        return found!
    }

    @Test func composeRefuseSelfApprovalApproveAndDeliverInABrowser() async throws {
        let graph = try await FakeGraphAPI.start()
        let portal = try await portalSink()
        defer {
            Task {
                try? await graph.shutdown()
                try? await portal.shutdown()
            }
        }
        let ws = try Workspace()
        try ws.write("fb-token", graph.token + "\n")
        try ws.write("fb-app-secret", "e2e-app-secret\n")
        try ws.write("fb-verify", "xac-minh-123\n")
        try ws.writeConfig(
            channels: """
                  portal-tinh:
                    type: portal
                    preset: generic
                    url: \(portal.baseURL)/api/articles
                    id_pointer: /id
                    url_pointer: /link
                """ + "\n"
                    + facebookChannel(
                        "fb-sonoivu", graph: graph, extra: "    after: portal-tinh\n    link_from: portal-tinh")
                        + """
                          radio-xa:
                            type: radio
                            lead_time: 0s
                            stations:
                              - id: tan-lap
                                name: Đài truyền thanh xã Tân Lập
                                commune: xã Tân Lập
                                slots: ["00:00/30m", "06:00/30m", "12:00/30m", "18:00/30m"]
                                folder: radio/tan-lap
                        """,
            http: "127.0.0.1:0", extra: "web: { listen: \"127.0.0.1:0\" }")
        let adminPassword = "mat-khau-quan-tri-2026"
        let config = ws.configPath
        let add = try await offThePool {
            try runTool(
                Binaries.cchc,
                [
                    "user", "add", "quantri", "--name", "Nguyễn Quản Trị", "--role", "quan-tri", "--unit", "*",
                    "--password-stdin", "--config", config,
                ], input: adminPassword + "\n")
        }
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout.contains("Đã thêm tài khoản quantri."))

        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        let base = "http://127.0.0.1:\(try await webPort(of: daemon))"
        let image = ws.root + "/anh-bia.png"
        try Self.png.write(to: URL(fileURLWithPath: image))
        let shots =
            ProcessInfo.processInfo.environment["CCHC_ARTEFACTS_DIR"].map { $0 + "/web-browser" }
            ?? Self.repository + "/.build/test-artefacts/web-browser"
        try? FileManager.default.removeItem(atPath: shots)
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)

        // A citizen comments on the Facebook post once it is out (a signed webhook, as Facebook sends it):
        // the browser finds it on the feedback page.
        let webhook = "http://127.0.0.1:\(try await listenerPort(of: daemon))/webhooks/facebook/fb-sonoivu"
        let commenter = Task {
            let deadline = Date().addingTimeInterval(180)
            while graph.livePosts.isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(300)) }
            guard let postID = graph.livePosts.first?.id else { return 0 }
            let body = Array(
                (#"{"object":"page","entry":[{"id":"1234567890","time":1795568400,"changes":[{"field":"feed","value":"#
                    + #"{"from":{"id":"24242424","name":"Nguyễn Văn B"},"post_id":"\#(postID)","comment_id":"c_777","#
                    + #""created_time":1795568399,"item":"comment","verb":"add","message":"Cho hỏi hồ sơ nộp ở đâu?"}}]}]}"#)
                    .utf8)
            let mac = HMAC<SHA256>.authenticationCode(
                for: body, using: SymmetricKey(data: Array("e2e-app-secret".utf8)))
            let http = try HTTPClient()
            defer { http.shutdown() }
            var headers = HTTPHeaders([("Content-Type", "application/json")])
            headers.add(name: "X-Hub-Signature-256", value: "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
            return try await http.execute(HTTPRequest(method: "POST", url: webhook, headers: headers, body: body))
                .status
        }

        let script = Self.repository + "/scripts/web-browser-test.py"
        let browser = try await offThePool {
            try runTool("/usr/bin/env", ["python3", script, base, shots, image, "quantri", adminPassword])
        }
        #expect(browser.status == 0, "\(browser.stderr)\n--- cchcd said:\n\(daemon.output.suffix(3000))")
        #expect(try await commenter.value == 200)
        let result = try #require(
            try JSONSerialization.jsonObject(with: Data(browser.stdout.utf8)) as? [String: Any], "\(browser.stdout)")
        let id = try #require(result["item"] as? String)

        // What the browser saw is what the store holds: approved by the approver's account, delivered everywhere.
        let box = WorkspaceBox(ws: ws)
        let approvedBy = try await offThePool { try box.ws.itemJSON(id)["approved_by"] as? String }
        #expect(approvedBy == "duyet")
        #expect(
            try await offThePool { try box.ws.deliveryStates(id) } == [
                "portal-tinh": "delivered", "fb-sonoivu": "delivered", "radio-xa": "delivered",
            ])
        let uploaded = try FileManager.default.contentsOfDirectory(atPath: ws.inbox + "/media")
        #expect(uploaded.count == 1 && uploaded.allSatisfy { $0.hasSuffix(".png") })
        #expect(FileManager.default.contents(atPath: ws.inbox + "/media/" + (uploaded.first ?? "")) == Self.png)
        #expect(graph.posts.count == 1)
        #expect(((result["screenshots"] as? [String]) ?? []).count >= 17)
        // The draft was submitted, by its writer, after being saved as a draft.
        let draft = try #require(result["draft"] as? String)
        let draftStatus = try await offThePool { try box.ws.itemJSON(draft)["status"] as? String }
        #expect(draftStatus == "submitted")
        let report = try #require(result["report"] as? String)
        #expect(FileManager.default.contents(atPath: report)?.prefix(2) == Data("PK".utf8))
    }
}

private struct WorkspaceBox: @unchecked Sendable {
    let ws: Workspace
}
