import ChannelConfig
import ChannelKit
import ChannelRegistry
import Config
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Queue
import TestSupport
import Testing
import Transport

@testable import WebApp

/// Issue 16: the approval page shows exactly what Zalo, email, exec and webhook will send. The channels
/// are the real plugins built from configuration by the daemon's own registry (`BuiltinChannels.build`);
/// the page is the web app's item page on a real store. The webhook and exec previews are also compared
/// with what those channels really send (a loopback server, a program that keeps its standard input).
@Suite("Channel previews on the approval page")
struct ChannelPreviewPageTests {
    /// A title that is HTML: every channel's preview must show it as text.
    static let title = "Hướng dẫn <script>alert(1)</script> & nộp hồ sơ \"trực tuyến\""
    static let summary = "Cách nộp hồ sơ cấp đổi giấy phép lái xe qua Cổng dịch vụ công."
    static let body = "Người dân **nộp hồ sơ** tại nhà; kết quả trả qua bưu điện."
    /// The item's author: Zalo's article author before the channel's default `author`.
    static let author = "Phòng Cải cách hành chính"
    static let cover = "https://cchc.example.gov.vn/anh/bia-gplx.jpg"

    final class Setup: @unchecked Sendable {
        let fixture: WebFixture
        let directory: String
        let http: HTTPClient
        let hook: LoopbackHTTPServer
        let channels: [String: any Channel]
        let order = ["zalo-oa", "email-donvi", "exec-luutru", "webhook-tonghop"]

        /// `smtp`: the email channel's server (nothing listens on the default).
        init(smtp: String = "smtp://127.0.0.1:9", caFile: String? = nil) async throws {
            fixture = try await WebFixture()
            directory = fixture.directory.path + "/daemon"
            try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
            hook = try await LoopbackHTTPServer.start { _ in .json(200, #"{"ok":true}"#) }
            try "bi-mat-ung-dung\n".write(toFile: directory + "/zalo-secret", atomically: true, encoding: .utf8)
            // The exec program keeps the line it was given and acknowledges.
            let script = directory + "/luu-tru.sh"
            try """
            #!/bin/sh
            IFS= read -r line
            printf '%s\\n' "$line" > "\(directory)/exec-stdin.jsonl"
            echo '{"status": "delivered", "remote_id": "1"}'
            """.write(toFile: script, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
            try """
            timezone: Asia/Ho_Chi_Minh
            state_dir: state
            channels:
              zalo-oa:
                type: zalo
                app_id: "4321"
                oa_id: "9876"
                secret_key_file: \(directory)/zalo-secret
                api_url: http://127.0.0.1:9
                oauth_url: http://127.0.0.1:9
                author: "Sở Nội vụ tỉnh Sơn La"
              email-donvi:
                type: email
                smtp: \(smtp)
                \(caFile.map { "ca_file: \($0)" } ?? "")
                from: "Sở Nội vụ <cchc@example.gov.vn>"
                lists:
                  lanh-dao: ["giamdoc@example.gov.vn", "Nguyễn Văn A <pgd@example.gov.vn>"]
                  phong-ban: ["vp@example.gov.vn", "tccb@example.gov.vn", "cchc@example.gov.vn"]
                default_lists: [lanh-dao, phong-ban]
                signature: "Phòng Cải cách hành chính"
              exec-luutru:
                type: exec
                command: luu-tru.sh
              webhook-tonghop:
                type: webhook
                url: \(hook.baseURL)/hooks/cchc
            """.write(toFile: directory + "/cchcd.yaml", atomically: true, encoding: .utf8)
            let config = try ConfigLoader.load(
                path: directory + "/cchcd.yaml", secrets: SecretStore(credentialsDirectory: nil, environment: [:]))
            http = try HTTPClient()
            var logger = Logger(label: "preview-test")
            logger.logLevel = .critical
            channels = try BuiltinChannels.build(
                config, http: http, logger: logger, secrets: SecretStore(credentialsDirectory: nil, environment: [:]))
        }

        func shutdown() async {
            try? await hook.shutdown()
            http.shutdown()
        }

        var app: WebApp {
            var app = WebApp(
                store: fixture.store, settings: fixture.settings, timeZone: hcm, topics: Topic.builtin,
                channels: channels, channelOrder: order,
                plan: { item in
                    item.content.channels.map { PlannedDelivery(channel: $0, channelType: "x", dueAt: t0) }
                }, wake: {}, logger: Logger(label: "web-test"), clock: { [fixture] in fixture.clock.read() })
            app.passwordCost = 4
            return app
        }

        /// A submitted item for the four channels; the email goes to the lists `emailLists` names.
        func item(emailLists: String? = nil) async throws -> ItemRecord {
            var overrides: [String: [String: String]] = [:]
            if let emailLists { overrides["email-donvi"] = ["lists": emailLists] }
            let content = ItemContent(
                title: ChannelPreviewPageTests.title, summary: ChannelPreviewPageTests.summary,
                body: ChannelPreviewPageTests.body, topic: "tthc", unit: WebFixture.unitA,
                author: ChannelPreviewPageTests.author,
                channels: order, media: [MediaRef(url: ChannelPreviewPageTests.cover, caption: "Ảnh bìa")],
                overrides: overrides)
            return try await fixture.store.addItem(
                NewItem(id: nil, idMonth: "2026-11", content: content, source: "web:soantin", actor: "soantin"),
                at: t0, plan: { _ in [] }
            ).0
        }

        /// The item page as the approver sees it.
        func page(_ id: String) async throws -> String {
            let application = Application(router: app.router())
            return try await application.test(.router) { client in
                var b = Browser(client)
                _ = try await b.signIn("duyet")
                let r = try await b.get("/bai/\(id)")
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
        }
    }

    /// The web app's label for a topic (the same `Topic.builtin` the app is given).
    static func topicLabel(_ key: String) -> String { Topic.builtin.first { $0.key == key }?.label ?? key }

    /// Text as it appears in the page's HTML: escaped once (a `<pre>`, a note).
    static func shown(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The card of one channel's preview.
    static func card(_ channel: String, in html: String) throws -> String {
        let start = try #require(html.range(of: "<div class=\"card\" id=\"xem-truoc-\(channel)\">"), "no \(channel)")
        let rest = html[start.lowerBound...]
        let end = try #require(rest.range(of: "\n</div>\n"))
        return String(rest[..<end.upperBound])
    }

    /// The text of the part labelled `label` in a card (a `<pre>`), unescaped back.
    static func pre(_ label: String, in card: String) throws -> String {
        let head = try #require(card.range(of: "<p><b>\(label)</b></p><pre>"), "no part \(label) in \(card)")
        let rest = card[head.upperBound...]
        let end = try #require(rest.range(of: "</pre>"))
        return String(rest[..<end.lowerBound]).replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test func zaloShowsTheArticleFieldsAndCoverAsText() async throws {
        let s = try await Setup()
        let item = try await s.item()
        let html = try await s.page(item.id)
        await s.shutdown()
        #expect(!html.contains("<script>alert"), "the HTML title is never markup on the page")
        let zalo = try Self.card("zalo-oa", in: html)
        #expect(zalo.contains("(zalo)"))
        #expect(try Self.pre("Tiêu đề bài viết Zalo", in: zalo) == Self.title)
        #expect(zalo.contains("<pre>" + Self.shown(Self.title) + "</pre>"))
        #expect(try Self.pre("Tác giả", in: zalo) == Self.author)
        #expect(try Self.pre("Mô tả", in: zalo) == Self.summary)
        #expect(try Self.pre("Ảnh bìa", in: zalo) == Self.cover)
        #expect(zalo.contains("Tiêu đề \(Self.title.count)/150 ký tự; mô tả \(Self.summary.count)/300 ký tự."))
        #expect(zalo.contains("Chỉ tạo bài viết trên OA, không gửi thông báo (broadcast)."))
        // The article's body is HTML shown in a sandboxed frame: its markup is escaped into the attribute.
        #expect(zalo.contains("<iframe sandbox=\"\" srcdoc=\""))
        #expect(
            zalo.contains("&lt;p&gt;Người dân nộp hồ sơ tại nhà; kết quả trả qua bưu điện.&lt;/p&gt;"), "\(zalo)")
        #expect(!zalo.contains("class=\"error\""), "a valid article has no problems: \(zalo)")
    }

    @Test func emailShowsSubjectPartsListsAndRecipientCount() async throws {
        let s = try await Setup()
        let all = try await s.item()
        let some = try await s.item(emailLists: "lanh-dao")
        let allPage = try await s.page(all.id)
        let somePage = try await s.page(some.id)
        await s.shutdown()
        let email = try Self.card("email-donvi", in: allPage)
        #expect(try Self.pre("Tiêu đề thư", in: email) == Self.title)
        let text = try Self.pre("Phần văn bản", in: email)
        #expect(text.contains(Self.title) && text.contains(Self.summary), "\(text)")
        #expect(text.contains("Phòng Cải cách hành chính"), "the signature: \(text)")
        #expect(email.contains("<p><b>Phần HTML</b></p><iframe sandbox=\"\" srcdoc=\""))
        // The HTML part escapes the title (&lt;script…), and the page escapes that again into srcdoc.
        #expect(email.contains("&amp;lt;script&amp;gt;"), "\(email)")
        #expect(!allPage.contains("<script>alert"))
        #expect(email.contains("Danh sách: lanh-dao, phong-ban; 5 người nhận, mỗi người một thư."), "\(email)")
        let chosen = try Self.card("email-donvi", in: somePage)
        #expect(chosen.contains("Danh sách: lanh-dao; 2 người nhận, mỗi người một thư."), "\(chosen)")
    }

    @Test func emailPreviewIsWhatEveryRecipientReceives() async throws {
        let certificates = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: certificates, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: certificates) }
        let cert = try await TestCertificate.make(in: certificates.path)
        // STARTTLS, as the channel requires on smtp://.
        let server = try await SMTPTestServer.running(tls: cert)
        defer { server.stop() }
        let s = try await Setup(smtp: server.url, caFile: cert.cert)
        let item = try await s.item()
        let card = try Self.card("email-donvi", in: try await s.page(item.id))
        let subject = try Self.pre("Tiêu đề thư", in: card)
        let text = try Self.pre("Phần văn bản", in: card)
        let head = try #require(card.range(of: "<p><b>Phần HTML</b></p><iframe sandbox=\"\" srcdoc=\""))
        let srcdoc = card[head.upperBound...].prefix { $0 != "\"" }
        let html = String(srcdoc).replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(
            of: "&gt;", with: ">"
        )
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
        .replacingOccurrences(of: "&amp;", with: "&")
        let channel = try #require(s.channels["email-donvi"])
        let outcome = await channel.publish(
            PublishRequest(
                deliveryID: "\(item.id)/email-donvi", attempt: 1,
                item: item.channelItem(for: "email-donvi", topicLabel: Self.topicLabel), logger: Logger(label: "test")))
        await s.shutdown()
        guard case .delivered = outcome else {
            Issue.record("email not delivered: \(outcome)")
            return
        }
        func normal(_ text: String?) -> String {
            (text ?? "").replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let messages = try await server.messages()
        #expect(messages.count == 5, "the page said 5 recipients")
        for message in messages {
            #expect(message["subject"] as? String == subject)
            #expect(normal(message["text"] as? String) == normal(text))
            #expect(normal(message["html"] as? String) == normal(html))
        }
    }

    @Test func webhookShowsTheJSONItPosts() async throws {
        let s = try await Setup()
        let item = try await s.item()
        let html = try await s.page(item.id)
        let card = try Self.card("webhook-tonghop", in: html)
        let shown = try Self.pre("Nội dung JSON gửi đi", in: card)
        #expect(card.contains(Self.shown("<script>alert(1)</script>")))
        // What the channel really posts, for the same delivery id.
        let channel = try #require(s.channels["webhook-tonghop"])
        let channelItem = item.channelItem(for: "webhook-tonghop", topicLabel: Self.topicLabel)
        let outcome = await channel.publish(
            PublishRequest(
                deliveryID: "\(item.id)/webhook-tonghop", attempt: 1, item: channelItem,
                logger: Logger(label: "test")))
        let posted = try #require(s.hook.requests.first)
        await s.shutdown()
        guard case .delivered = outcome else {
            Issue.record("webhook not delivered: \(outcome)")
            return
        }
        var sent = try #require(try JSONSerialization.jsonObject(with: Data(posted.body)) as? [String: Any])
        var previewed = try #require(try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any])
        // Only the moment of sending differs.
        let sentAt = sent.removeValue(forKey: "sent_at")
        let previewedAt = previewed.removeValue(forKey: "sent_at")
        #expect(sentAt != nil && previewedAt != nil)
        #expect(NSDictionary(dictionary: sent).isEqual(to: previewed), "sent \(sent)\npreviewed \(previewed)")
        #expect((previewed["item"] as? [String: Any])?["title"] as? String == Self.title)
    }

    @Test func execShowsTheLineTheProgramReads() async throws {
        let s = try await Setup()
        let item = try await s.item()
        let html = try await s.page(item.id)
        let card = try Self.card("exec-luutru", in: html)
        #expect(card.contains("(exec)"))
        let command = try #require(
            card.range(of: "<p><b>Dòng JSON gửi cho chương trình ").map { card[$0.upperBound...] })
        #expect(command.hasPrefix(s.directory + "/luu-tru.sh</b>"), "the program named: \(card)")
        let shown = try Self.pre("Dòng JSON gửi cho chương trình " + command.prefix { $0 != "<" }, in: card)
        #expect(card.contains(Self.shown("<script>alert(1)</script>")))
        let channel = try #require(s.channels["exec-luutru"])
        let channelItem = item.channelItem(for: "exec-luutru", topicLabel: Self.topicLabel)
        let outcome = await channel.publish(
            PublishRequest(
                deliveryID: "\(item.id)/exec-luutru", attempt: 1, item: channelItem, logger: Logger(label: "test")))
        await s.shutdown()
        guard case .delivered = outcome else {
            Issue.record("exec not delivered: \(outcome)")
            return
        }
        let read = try String(contentsOfFile: s.directory + "/exec-stdin.jsonl", encoding: .utf8)
        #expect(read == shown + "\n", "the program read\n\(read)\nthe page showed\n\(shown)")
        let parsed = try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any]
        #expect((parsed?["item"] as? [String: Any])?["title"] as? String == Self.title)
    }
}
