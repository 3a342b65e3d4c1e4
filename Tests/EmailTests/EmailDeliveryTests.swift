import ChannelKit
import Crypto
import Foundation
import Rendering
import TestSupport
import Testing

@testable import Email

/// A Vietnamese item from the corpus (Tests/Fixtures): its first line is the title, the rest the body.
func corpusItem(id: String = "2026-11-0042", media: [MediaRef] = []) throws -> ChannelItem {
    let text = try String(
        contentsOfFile: repository + "/Tests/Fixtures/son-la-2019-ke-hoach-tuyen-truyen.txt", encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let title = lines[0].trimmingCharacters(in: .whitespaces)
    let paragraphs = lines.dropFirst().filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    let body =
        "## Nội dung chính\n\n" + paragraphs.prefix(3).joined(separator: "\n\n")
        + "\n\n- Tuyên truyền trên **Cổng thông tin điện tử** tỉnh\n- Đài truyền thanh cơ sở"
    return ChannelItem(
        id: id, title: title, summary: "Tóm tắt: tuyên truyền cải cách hành chính năm 2019", body: body,
        topic: Topic.builtin[1], unit: "Sở Nội vụ tỉnh Sơn La", author: "Phòng CCHC", media: media,
        contentHash: "hash-\(id)")
}

let fiveRecipients = """
    lists:
      don-vi:
        - "Nguyễn Văn An <an@sonla.example.gov.vn>"
        - "Trần Thị Bình <binh@sonla.example.gov.vn>"
        - "cuong@sonla.example.gov.vn"
        - "Lê Đức Dũng <DUNG@sonla.example.gov.vn>"
        - "Phạm Thu Hà <ha@sonla.example.gov.vn>"
      lanh-dao:
        - "dung@sonla.example.gov.vn"
    default_lists: [don-vi]
    from: "Sở Nội vụ tỉnh Sơn La <cchc@sonla.example.gov.vn>"
    """

@Suite("Email channel against a real SMTP server (aiosmtpd)", .serialized)
struct EmailDeliveryTests {
    @Test("smtp:// to a server without STARTTLS: a TLS error, nothing sent in plain text")
    func plainServerRefused() async throws {
        let server = try await SMTPTestServer.running()
        let dir = try TempDir()
        let channel = try emailChannel(
            "smtp: \(server.url)\n" + fiveRecipients
                + "\nreply_to: \"Phòng Cải cách hành chính <pcchc@sonla.example.gov.vn>\"\nlist_id: cchc.sonla.example.gov.vn\nlist_name: \"Tin CCHC Sở Nội vụ\"\nlist_unsubscribe: \"<mailto:cchc@sonla.example.gov.vn?subject=huy>\"",
            in: dir)
        // STARTTLS is required on smtp://: this plain server cannot be used…
        let item = try corpusItem()
        let refused = await channel.publishInParts(request(item))
        guard case .retry(let tlsError, _) = refused.outcome else {
            Issue.record("expected a TLS retry, got \(refused.outcome)")
            return
        }
        #expect(tlsError.errorClass == .tls)
        #expect(refused.parts.isEmpty)
        #expect(try await server.messages().isEmpty)
        #expect(!server.events().contains { $0["kind"] as? String == "rcpt" }, "nothing was sent in plain text")
    }

    @Test("STARTTLS with the CA configured: delivered to 5, exact headers and bodies, no parser defects")
    func startTLSDeliveredToFive() async throws {
        let dir = try TempDir()
        let cert = try await TestCertificate.make(in: dir.path)
        let server = try await SMTPTestServer.running(tls: cert, auth: "cchc:secret")
        let channel = try emailChannel(
            "smtp: \(server.url)\nca_file: \(cert.cert)\nusername: cchc\npassword_env: SMTP_TEST_PASSWORD\n"
                + fiveRecipients
                + "\nreply_to: \"Phòng Cải cách hành chính <pcchc@sonla.example.gov.vn>\"\nlist_id: cchc.sonla.example.gov.vn\nlist_name: \"Tin CCHC Sở Nội vụ\"\nlist_unsubscribe: \"<mailto:cchc@sonla.example.gov.vn?subject=huy>\"\nsignature: \"Sở Nội vụ tỉnh Sơn La\\nPhòng Cải cách hành chính\"",
            in: dir)
        let item = try corpusItem()
        let result = await channel.publishInParts(request(item))
        guard case .delivered(_, let detail) = result.outcome else {
            Issue.record("expected delivered, got \(result.outcome)")
            return
        }
        #expect(detail == "5 of 5 recipients accepted")
        #expect(result.parts.count == 5)
        #expect(result.parts.allSatisfy { $0.state == .delivered && $0.code == 250 })
        #expect(
            result.parts.map(\.part) == [
                "an@sonla.example.gov.vn", "binh@sonla.example.gov.vn", "cuong@sonla.example.gov.vn",
                "dung@sonla.example.gov.vn", "ha@sonla.example.gov.vn",
            ])

        let messages = try await server.messages()
        #expect(messages.count == 5)
        var ids: Set<String> = []
        let expectedText = expectedPlainText(item, signature: "Sở Nội vụ tỉnh Sơn La\nPhòng Cải cách hành chính")
        for m in messages {
            #expect((m["defects"] as? [String]) == [], "parser defects: \(m["defects"] ?? "")")
            #expect(m["subject"] as? String == item.title)
            #expect(m["from_name"] as? String == "Sở Nội vụ tỉnh Sơn La")
            #expect(m["from_address"] as? String == "cchc@sonla.example.gov.vn")
            #expect(m["date_valid"] as? Bool == true)
            #expect(m["mime_version"] as? String == "1.0")
            #expect(m["content_type"] as? String == "multipart/alternative")
            #expect((m["reply_to"] as? String)?.contains("pcchc@sonla.example.gov.vn") == true)
            #expect((m["reply_to"] as? String)?.contains("Phòng Cải cách hành chính") == true)
            #expect(m["list_id"] as? String == "Tin CCHC Sở Nội vụ <cchc.sonla.example.gov.vn>")
            #expect(m["list_unsubscribe"] as? String == "<mailto:cchc@sonla.example.gov.vn?subject=huy>")
            #expect((m["longest_line"] as? Int ?? 999) <= 78)
            #expect(m["bare_line_breaks"] as? Int == 0)
            #expect(m["eight_bit"] as? Bool == false)
            let text = try #require(m["text"] as? String)
            #expect(text.replacingOccurrences(of: "\r\n", with: "\n") == expectedText)
            #expect(!text.contains("**") && !text.contains("## "))
            let html = try #require(m["html"] as? String)
            #expect(html.contains("<h1 style=") && html.contains(">\(item.title)</h1>"))
            #expect(html.contains("<strong>Cổng thông tin điện tử</strong>"))
            #expect(html.contains("Sở Nội vụ tỉnh Sơn La<br>Phòng Cải cách hành chính"))
            let id = try #require(m["message_id"] as? String)
            ids.insert(id)
            let to = try #require(m["to_address"] as? String)
            #expect((m["envelope"] as? [String]) == [to])
        }
        #expect(ids.count == 5, "Message-IDs are unique")
        let names = Set(messages.compactMap { $0["to_name"] as? String })
        #expect(names == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Đức Dũng", "Phạm Thu Hà", ""])
        // Message-IDs are stable per item and recipient: the parts carry the same ones.
        #expect(Set(result.parts.compactMap(\.remoteID)) == ids)
    }

    @Test("an attachment with a Vietnamese file name round-trips byte for byte (smtps, implicit TLS)")
    func attachmentRoundTrip() async throws {
        let dir = try TempDir()
        let cert = try await TestCertificate.make(in: dir.path)
        let server = try await SMTPTestServer.running(tls: cert, implicitTLS: true)
        var bytes = [UInt8]()
        for i in 0..<70_000 { bytes.append(UInt8((i * 7 + i / 256) & 0xFF)) }
        let fileName = "Kế hoạch tuyên truyền cải cách hành chính năm 2026 (bản ký số).pdf"
        let file = try dir.write("media/\(fileName)", Data(bytes))
        let picture = try dir.write("media/ảnh bìa.png", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 1]))
        let channel = try emailChannel(
            "smtp: \(server.smtpsURL)\nca_file: \(cert.cert)\nlists: { a: [\"Tổ CCHC <to@example.gov.vn>\"] }\ndefault_lists: [a]\nfrom: \"Sở Nội vụ <cchc@example.gov.vn>\"",
            in: dir)
        let item = try corpusItem(media: [MediaRef(path: file), MediaRef(path: picture, caption: "Ảnh")])
        #expect(channel.validate(item).isEmpty)
        let result = await channel.publishInParts(request(item))
        guard case .delivered = result.outcome else {
            Issue.record("expected delivered, got \(result.outcome)")
            return
        }
        let m = try #require(try await server.messages().first)
        #expect((m["defects"] as? [String]) == [])
        #expect(m["content_type"] as? String == "multipart/mixed")
        let attachments = try #require(m["attachments"] as? [[String: Any]])
        #expect(attachments.count == 2)
        #expect(attachments[0]["filename"] as? String == fileName)
        #expect(attachments[0]["content_type"] as? String == "application/pdf")
        #expect(attachments[0]["size"] as? Int == bytes.count)
        #expect(attachments[0]["sha256"] as? String == sha256Hex(bytes))
        #expect(attachments[1]["filename"] as? String == "ảnh bìa.png")
        #expect(attachments[1]["content_type"] as? String == "image/png")
        #expect((m["longest_line"] as? Int ?? 999) <= 78)
        #expect(m["text"] as? String != nil && m["html"] as? String != nil)
    }

    @Test("550 and 451 for two of five: three delivered once, 550 failed, 451 sent on the next attempt only")
    func perRecipientOutcomes() async throws {
        let dir = try TempDir()
        let cert = try await TestCertificate.make(in: dir.path)
        let server = try await SMTPTestServer.running(
            tls: cert, reject: ["binh@sonla.example.gov.vn=550", "cuong@sonla.example.gov.vn=451:1"])
        let channel = try emailChannel("smtp: \(server.url)\nca_file: \(cert.cert)\n" + fiveRecipients, in: dir)
        let item = try corpusItem()
        let first = await channel.publishInParts(request(item))
        guard case .retry(let deferred, _) = first.outcome else {
            Issue.record("expected a retry, got \(first.outcome)")
            return
        }
        #expect(deferred.errorClass == .rejected && deferred.code == 451)
        let byKey = Dictionary(uniqueKeysWithValues: first.parts.map { ($0.part, $0) })
        #expect(byKey["binh@sonla.example.gov.vn"]?.state == .failed)
        #expect(byKey["binh@sonla.example.gov.vn"]?.code == 550)
        #expect(byKey["binh@sonla.example.gov.vn"]?.message?.contains("Mailbox unavailable") == true)
        #expect(byKey["cuong@sonla.example.gov.vn"]?.state == .retry)
        #expect(byKey["cuong@sonla.example.gov.vn"]?.code == 451)
        #expect(first.parts.filter { $0.state == .delivered }.count == 3)
        #expect(try await server.messages().count == 3)

        // The next attempt gets the finished parts (as the engine hands them over from the store).
        let finished = first.parts.filter { $0.state != .retry }
        let second = await channel.publishInParts(request(item, attempt: 2, finished: finished))
        guard case .failed(let refused) = second.outcome else {
            Issue.record("expected failed (one recipient refused for good), got \(second.outcome)")
            return
        }
        #expect(refused.message.contains("1 of 5 recipients refused (4 accepted)"))
        #expect(refused.message.contains("binh@sonla.example.gov.vn"))
        #expect(second.parts.map(\.part) == ["cuong@sonla.example.gov.vn"])
        #expect(second.parts.first?.state == .delivered)
        let messages = try await server.messages()
        #expect(messages.count == 4)
        let recipients = messages.compactMap { ($0["envelope"] as? [String])?.first?.lowercased() }
        #expect(
            recipients.sorted() == [
                "an@sonla.example.gov.vn", "cuong@sonla.example.gov.vn", "dung@sonla.example.gov.vn",
                "ha@sonla.example.gov.vn",
            ])
        // The 451 recipient's message keeps its Message-ID across attempts.
        #expect(second.parts.first?.remoteID == byKey["cuong@sonla.example.gov.vn"]?.remoteID)

        // Everything finished: a further attempt sends nothing and reports the same outcome.
        let third = await channel.publishInParts(
            request(item, attempt: 3, finished: finished + second.parts))
        #expect(third.parts.isEmpty)
        guard case .failed = third.outcome else {
            Issue.record("expected failed, got \(third.outcome)")
            return
        }
        #expect(try await server.messages().count == 4)
    }

    @Test("AUTH with a wrong password: a permanent failure with the server's message")
    func wrongPassword() async throws {
        let dir = try TempDir()
        let cert = try await TestCertificate.make(in: dir.path)
        let server = try await SMTPTestServer.running(tls: cert, auth: "cchc:another")
        let channel = try emailChannel(
            "smtp: \(server.url)\nca_file: \(cert.cert)\nusername: cchc\npassword_env: SMTP_TEST_PASSWORD\n"
                + fiveRecipients, in: dir)
        let result = await channel.publishInParts(request(try corpusItem()))
        guard case .failed(let error) = result.outcome else {
            Issue.record("expected failed, got \(result.outcome)")
            return
        }
        #expect(error.errorClass == .auth)
        #expect(error.code == 535)
        #expect(error.message.contains("535 5.7.8 Authentication credentials invalid"))
        #expect(!error.message.contains("secret"))
        #expect(result.parts.isEmpty)
        #expect(try await server.messages().isEmpty)
        // The check names the failing step.
        await #expect(throws: ChannelError.self) { try await channel.check() }
        do {
            _ = try await channel.check()
        } catch {
            #expect(error.errorClass == .auth)
            #expect(error.message.contains("AUTH") && error.message.contains("535"))
        }
    }

    @Test("STARTTLS without the CA: a clear TLS error and no plain-text fallback")
    func tlsWithoutCA() async throws {
        let dir = try TempDir()
        let cert = try await TestCertificate.make(in: dir.path)
        let server = try await SMTPTestServer.running(tls: cert, auth: "cchc:secret")
        let channel = try emailChannel(
            "smtp: \(server.url)\nusername: cchc\npassword_env: SMTP_TEST_PASSWORD\n" + fiveRecipients, in: dir)
        let result = await channel.publishInParts(request(try corpusItem()))
        guard case .retry(let error, _) = result.outcome else {
            Issue.record("expected a TLS retry, got \(result.outcome)")
            return
        }
        #expect(error.errorClass == .tls)
        #expect(error.message.contains("certificate"), "\(error.message)")
        #expect(try await server.messages().isEmpty)
        #expect(!server.events().contains { $0["kind"] as? String == "rcpt" })
        do {
            let what = try await channel.check()
            Issue.record("check passed without the CA: \(what)")
        } catch {
            #expect(error.errorClass == .tls)
            #expect(error.message.contains("TLS"))
        }
    }

    @Test("cchc channel check: connect, EHLO, STARTTLS and AUTH succeed without sending mail")
    func checkSucceeds() async throws {
        let dir = try TempDir()
        let cert = try await TestCertificate.make(in: dir.path)
        let server = try await SMTPTestServer.running(tls: cert, auth: "cchc:secret")
        let channel = try emailChannel(
            "smtp: \(server.url)\nca_file: \(cert.cert)\nusername: cchc\npassword_env: SMTP_TEST_PASSWORD\n"
                + fiveRecipients, in: dir)
        let what = try await channel.check()
        #expect(what.contains("STARTTLS") && what.contains("đăng nhập (235)"))
        #expect(try await server.messages().isEmpty)
        #expect(!server.events().contains { $0["kind"] as? String == "rcpt" })
    }

    @Test("server down: a network retry, nothing recorded as sent; 421 greeting: throttled with a back-off")
    func serverDownAndThrottled() async throws {
        let dir = try TempDir()
        let down = try SMTPTestServer()
        let channel = try emailChannel("smtp: \(down.url)\n" + fiveRecipients, in: dir)
        let result = await channel.publishInParts(request(try corpusItem()))
        guard case .retry(let error, _) = result.outcome else {
            Issue.record("expected a retry, got \(result.outcome)")
            return
        }
        #expect(error.errorClass == .network)
        #expect(result.parts.isEmpty)
        do {
            _ = try await channel.check()
            Issue.record("check passed with the server down")
        } catch {
            #expect(error.message.contains("kết nối"))
        }

        let cert = try await TestCertificate.make(in: dir.path)
        let busy = try await SMTPTestServer.running(tls: cert, greeting421: 1)
        let throttled = try emailChannel(
            "smtp: \(busy.url)\nca_file: \(cert.cert)\nthrottle_backoff: 90s\n" + fiveRecipients, in: dir)
        let answer = await throttled.publishInParts(request(try corpusItem()))
        guard case .retry(let slowDown, let after) = answer.outcome else {
            Issue.record("expected a throttled retry, got \(answer.outcome)")
            return
        }
        #expect(slowDown.errorClass == .throttled && slowDown.code == 421)
        #expect(after == .seconds(90))
        // The server accepts again: everything goes.
        let again = await throttled.publishInParts(request(try corpusItem(), attempt: 2))
        guard case .delivered = again.outcome else {
            Issue.record("expected delivered, got \(again.outcome)")
            return
        }
        #expect(try await busy.messages().count == 5)
    }
}

/// The text part the default template gives: title, summary, body as plain text, signature.
func expectedPlainText(_ item: ChannelItem, signature: String) -> String {
    "\(item.title)\n\n\(item.summary!)\n\n\(Markdown.plainText(item.body))\n\n--\n\(signature)\n"
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}
