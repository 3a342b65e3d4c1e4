import ChannelConfig
import ChannelKit
import Crypto
import Foundation
import Logging
import Testing
import TestSupport
import Transport

@testable import Webhook

let http: HTTPClient = try! HTTPClient()

func webhook(_ entries: [(String, Any)]) throws -> WebhookChannel {
    let section = try makeSection(
        entries, path: "channels.hook", base: "/tmp", line: 7, environment: ["HOOK_SECRET": "bí-mật-123"])
    let channel = try WebhookChannel(
        name: "hook", section: section,
        context: ChannelContext(
            name: "hook", timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!, stateDirectory: "/tmp",
            logger: Logger(label: "t")), http: http)
    try section.finish()
    return channel
}

let item = ChannelItem(
    id: "2026-11-0042", title: #"Sơn La: "một cửa" trực tuyến"#, summary: nil, body: "Nội dung *mới*.",
    topic: Topic.builtin[5], unit: "Sở Nội vụ", media: [MediaRef(url: "https://x/a.jpg", caption: "Ảnh")],
    publishAt: Date(timeIntervalSince1970: 1_795_568_400), priority: .high)

let request = PublishRequest(
    deliveryID: "dlv-9", attempt: 3, item: item,
    earlierResults: ["portal-tinh": ChannelResult(remoteID: "42", url: "https://cchc.example.gov.vn/?p=42")],
    logger: Logger(label: "t"))

@Suite struct WebhookChannelTests {
    @Test func defaultPayloadHeadersAndSignature() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .json(202, #"{"id": 77, "url": "https://tonghop/77"}"#) }
        defer { Task { try? await server.shutdown() } }
        let channel = try webhook([
            ("url", server.baseURL + "/hooks/cchc"), ("secret_env", "HOOK_SECRET"),
            ("headers", [("X-Source", "cchcd")]),
        ])
        let outcome = await channel.publish(request)
        #expect(outcome == .delivered(ChannelResult(remoteID: "77", url: "https://tonghop/77"), detail: "HTTP 202"))

        let recorded = try #require(server.requests.first)
        #expect(recorded.method == "POST")
        #expect(recorded.header("Content-Type") == "application/json")
        #expect(recorded.header("X-CCHC-Delivery") == "dlv-9")
        #expect(recorded.header("X-CCHC-Attempt") == "3")
        #expect(recorded.header("X-Source") == "cchcd")

        // The receiver's check: HMAC-SHA256 of the exact body bytes.
        let mac = HMAC<SHA256>.authenticationCode(
            for: recorded.body, using: SymmetricKey(data: Data("bí-mật-123".utf8)))
        let expected = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        #expect(recorded.header("X-Signature-256") == expected)

        let body = try #require(try JSONSerialization.jsonObject(with: Data(recorded.body)) as? [String: Any])
        #expect(body["event"] as? String == "cchc.item.published")
        #expect(body["delivery_id"] as? String == "dlv-9")
        #expect(body["attempt"] as? Int == 3)
        #expect((body["sent_at"] as? String)?.hasSuffix("+07:00") == true)
        let payloadItem = try #require(body["item"] as? [String: Any])
        #expect(payloadItem["id"] as? String == "2026-11-0042")
        #expect(payloadItem["title"] as? String == item.title)
        #expect(payloadItem["summary"] is NSNull)
        #expect(payloadItem["body"] as? String == "Nội dung *mới*.")
        #expect(payloadItem["body_html"] as? String == "<p>Nội dung <em>mới</em>.</p>")
        #expect(payloadItem["topic"] as? String == "chinh-quyen-so")
        #expect(payloadItem["topic_label"] as? String == Topic.builtin[5].label)
        #expect(payloadItem["unit"] as? String == "Sở Nội vụ")
        #expect(payloadItem["priority"] as? String == "uu-tien")
        #expect(payloadItem["publish_at"] as? String == "2026-11-25T08:00:00+07:00")
        #expect((payloadItem["media"] as? [[String: Any]])?.first?["url"] as? String == "https://x/a.jpg")
        let results = try #require(body["results"] as? [String: [String: Any]])
        #expect(results["portal-tinh"]?["url"] as? String == "https://cchc.example.gov.vn/?p=42")
        #expect(results["portal-tinh"]?["remote_id"] as? String == "42")
    }

    @Test func noSecretNoSignature() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .text(200, "ok") }
        defer { Task { try? await server.shutdown() } }
        let outcome = try await webhook([("url", server.baseURL)]).publish(request)
        #expect(outcome == .delivered(ChannelResult(), detail: "HTTP 200"))
        #expect(server.requests.first?.header("X-Signature-256") == nil)
    }

    @Test func templateBody() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .text(204, "") }
        defer { Task { try? await server.shutdown() } }
        let channel = try webhook([
            ("url", server.baseURL),
            ("body", #"{"text": "{{title}}", "link": "{{results.portal-tinh.url}}", "d": "{{delivery_id}}"}"#),
        ])
        _ = await channel.publish(request)
        let recorded = try #require(server.requests.first)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(recorded.body)) as? [String: Any])
        #expect(body["text"] as? String == item.title)
        #expect(body["link"] as? String == "https://cchc.example.gov.vn/?p=42")
        #expect(body["d"] as? String == "dlv-9")
    }

    @Test(arguments: [
        (401, ChannelError.Class.auth, false), (403, .forbidden, false), (404, .rejected, false),
        (429, .throttled, true), (500, .server, true), (503, .server, true),
    ])
    func classification(status: Int, errorClass: ChannelError.Class, retryable: Bool) async throws {
        let server = try await LoopbackHTTPServer.start { _ in
            .json(status, #"{"message":"nope"}"#, headers: [("Retry-After", "5")])
        }
        defer { Task { try? await server.shutdown() } }
        switch try await webhook([("url", server.baseURL)]).publish(request) {
        case .retry(let error, let after):
            #expect(retryable)
            #expect(error.errorClass == errorClass)
            #expect(after == .seconds(5))
        case .failed(let error):
            #expect(!retryable)
            #expect(error.errorClass == errorClass)
            #expect(error.message.contains("nope"))
        case .delivered:
            Issue.record("HTTP \(status) is no delivery")
        }
    }

    @Test func connectionRefused() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .text(200, "") }
        let url = server.baseURL
        try await server.shutdown()
        guard case .retry(let error, _) = try await webhook([("url", url)]).publish(request) else {
            Issue.record("expected retry")
            return
        }
        #expect(error.errorClass == .network)
    }

    @Test func configErrors() {
        func error(_ entries: [(String, Any)]) -> ConfigError? {
            do {
                _ = try webhook(entries)
                return nil
            } catch let error as ConfigError {
                return error
            } catch {
                return nil
            }
        }
        #expect(error([])?.path == "channels.hook.url")
        #expect(error([("url", "not a url")])?.path == "channels.hook.url")
        #expect(error([("url", "https://x"), ("secret", "abc")])?.path == "channels.hook.secret")
        #expect(error([("url", "https://x"), ("secret_env", "MISSING")])?.path == "channels.hook.secret_env")
        #expect(error([("url", "https://x"), ("body", "{{title}}")])?.path == "channels.hook.body")
        #expect(
            error([("url", "https://x"), ("headers", [("X-Signature-256", "x")])])?.path == "channels.hook.headers")
        #expect(error([("url", "https://x"), ("retries", "3")])?.path == "channels.hook.retries")
        #expect(error([("url", "https://x"), ("idempotent", "true"), ("timeout", "5s")]) == nil)
        #expect(WebhookChannel.sampleConfig.contains("secret_file"))
    }
}
