import ChannelConfig
import ChannelKit
import Config
import Foundation
import Testing

@testable import Email

@Suite("Email: message encoding, addresses, lists, configuration")
struct EmailUnitTests {
    @Test("encoded words: UTF-8 base64, at most 75 characters, whole characters, folded")
    func encodedWords() throws {
        let title = "Kế hoạch tuyên truyền cải cách hành chính tỉnh Sơn La năm 2019: đẩy mạnh ứng dụng CNTT"
        let value = MIMEEncoding.unstructured(title, headerName: "Subject")
        let words = value.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        var decoded: [UInt8] = []
        for word in words {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let b64 = String(word.dropFirst(10).dropLast(2))
            let bytes = try #require(Data(base64Encoded: b64))
            // Each word is valid UTF-8 on its own: no character is split.
            #expect(String(bytes: bytes, encoding: .utf8) != nil)
            decoded += bytes
        }
        #expect(String(decoding: decoded, as: UTF8.self) == title)
        // A character made of several scalars (e + combining marks) is never split either.
        let combining = String(repeating: "e\u{0323}\u{0302}", count: 40)
        for word in MIMEEncoding.encodedWords(combining).components(separatedBy: "\r\n ") {
            let bytes = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            #expect(String(decoding: bytes, as: UTF8.self).count * 5 == bytes.count)
        }
        #expect(MIMEEncoding.unstructured("Plain ASCII subject", headerName: "Subject") == "Plain ASCII subject")
    }

    @Test("quoted-printable: lines within 76, '=' and trailing spaces encoded, CRLF kept")
    func quotedPrintable() {
        let text = "a=b \r\n" + String(repeating: "x", count: 200) + "\r\nend\t"
        let qp = MIMEEncoding.quotedPrintable(Array(text.utf8))
        for line in qp.components(separatedBy: "\r\n") { #expect(line.count <= 76) }
        #expect(qp.hasPrefix("a=3Db=20\r\n"))
        #expect(qp.hasSuffix("end=09\r\n"))
        #expect(!qp.contains("\n\n") && !qp.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        let (encoding, _) = MIMEEncoding.encodeText("Hello\r\nworld\r\n")
        #expect(encoding == .sevenBit)
        let (vietnamese, body) = MIMEEncoding.encodeText("Cải cách hành chính\r\n")
        #expect(vietnamese != .sevenBit)
        #expect(body.utf8.allSatisfy { $0 < 128 })
    }

    @Test("RFC 2231 file names: continuations of percent-encoded UTF-8")
    func fileNames() {
        #expect(MIMEEncoding.parameter("filename", "report.pdf") == "filename=\"report.pdf\"")
        let p = MIMEEncoding.parameter("filename", "Kế hoạch năm 2026.pdf")
        #expect(p.hasPrefix("filename*0*=utf-8''K%E1%BA%BF%20ho%E1%BA%A1ch"))
        #expect(p.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
    }

    @Test("addresses: plain, with names, and clear errors for bad ones")
    func addresses() throws {
        let a = try MailAddress.parse("Nguyễn Văn A <a.b+c@so-noi-vu.example.gov.vn>")
        #expect(a.name == "Nguyễn Văn A" && a.address == "a.b+c@so-noi-vu.example.gov.vn")
        #expect(try MailAddress.parse("\"Sở, Nội vụ\" <x@y.vn>").name == "Sở, Nội vụ")
        for bad in ["", "a", "a@b", "a@@b.vn", ".a@b.vn", "a..b@c.vn", "a@-b.vn", "nguyễn@b.vn", "a b@c.vn", "a@b.vn>"]
        {
            #expect(throws: AddressError.self, "\(bad)") { try MailAddress.parse(bad) }
        }
    }

    @Test("lists: inline and CSV, duplicates removed without case, item lists and addresses, unknown lists refused")
    func lists() throws {
        let dir = try TempDir()
        try dir.write(
            "lists/don-vi.csv",
            "\u{FEFF}email,name,unit\nvp@x.gov.vn,\"Văn phòng, Sở\",Sở Nội vụ\n\n# ghi chú\nA@X.gov.vn,,UBND huyện\nb@x.gov.vn\n"
        )
        let channel = try emailChannel(
            """
            smtp: smtps://mail.example.gov.vn
            from: "Sở Nội vụ <cchc@example.gov.vn>"
            lists: { lanh-dao: ["a@x.gov.vn", "Giám đốc <gd@x.gov.vn>"] }
            list_files: { don-vi: lists/don-vi.csv }
            default_lists: [don-vi]
            allow_item_addresses: true
            """, in: dir)
        let item = try corpusItem()
        #expect(
            try channel.recipients(for: item).map(\.address.address) == ["vp@x.gov.vn", "A@X.gov.vn", "b@x.gov.vn"])
        #expect(try channel.recipients(for: item).first?.displayName == "Văn phòng, Sở – Sở Nội vụ")
        var named = item
        named.override["lists"] = "lanh-dao, don-vi, thu-ky@x.gov.vn"
        #expect(
            try channel.recipients(for: named).map(\.key) == [
                "a@x.gov.vn", "gd@x.gov.vn", "vp@x.gov.vn", "b@x.gov.vn", "thu-ky@x.gov.vn",
            ])
        #expect(channel.validate(named).isEmpty)
        var unknown = item
        unknown.override["lists"] = "lanh-dao, khong-co"
        #expect(channel.validate(unknown).map(\.field) == ["overrides.email-test.lists"])
        #expect(channel.validate(unknown).first?.message.contains("khong-co") == true)
        var badAddress = item
        badAddress.override["lists"] = "a@@x.gov.vn"
        #expect(channel.validate(badAddress).first?.message.contains("a@@x.gov.vn") == true)
        let listsOnly = try emailChannel(
            """
            smtp: smtps://mail.example.gov.vn
            from: "Sở Nội vụ <cchc@example.gov.vn>"
            lists: { lanh-dao: ["a@x.gov.vn"] }
            """, in: dir)
        var attacker = item
        attacker.override["lists"] = "lanh-dao, attacker@evil.example"
        #expect(listsOnly.validate(attacker).map(\.field) == ["overrides.email-test.lists"])
        #expect(listsOnly.validate(attacker).first?.message.contains("attacker@evil.example") == true)
        #expect((try? listsOnly.recipients(for: attacker)) == nil)
        var missingMedia = item
        missingMedia.media = [MediaRef(path: dir.path + "/khong-co.pdf")]
        #expect(channel.validate(missingMedia).map(\.field) == ["media[0]"])
    }

    @Test("configuration errors name the key (and the CSV line)")
    func configErrors() throws {
        let dir = try TempDir()
        func error(_ lines: String) -> ConfigError? {
            do {
                _ = try emailChannel(lines, in: dir)
                return nil
            } catch let e as ConfigError {
                return e
            } catch {
                return nil
            }
        }
        let from = "from: \"A <a@x.vn>\"\n"
        #expect(error("smtp: http://x.vn\n" + from)?.path == "channels.email-test.smtp")
        #expect(error("smtp: smtp://u:p@x.vn\n" + from)?.path == "channels.email-test.smtp")
        #expect(error("smtp: smtp://x.vn\nusername: u\n" + from)?.path == "channels.email-test.password")
        #expect(error("smtp: smtp://x.vn\npassword: p\nusername: u\n" + from)?.path == "channels.email-test.password")
        #expect(error("smtp: smtp://x.vn\nfrom: \"không hợp lệ\"\n")?.path == "channels.email-test.from")
        #expect(
            error("smtp: smtp://x.vn\n" + from + "lists: { a: [\"x@@y.vn\"] }")?.path == "channels.email-test.lists.a")
        #expect(
            error("smtp: smtp://x.vn\n" + from + "default_lists: [nope]")?.path == "channels.email-test.default_lists")
        #expect(error("smtp: smtp://x.vn\n" + from + "subjects: x")?.path == "channels.email-test.subjects")
        try dir.write("bad.csv", "email,name,unit\nok@x.vn,A,B\nnot-an-address,C,D\n")
        let csv = try #require(error("smtp: smtp://x.vn\n" + from + "list_files: { l: bad.csv }"))
        #expect(csv.path == "channels.email-test.list_files.l")
        #expect(csv.message.contains("bad.csv:3"))
    }

    @Test("Message-IDs are stable per item and recipient, different across recipients")
    func messageIDs() throws {
        let c = MailComposer(
            from: try MailAddress.parse("A <a@so.example.gov.vn>"), replyTo: nil, listID: nil, listUnsubscribe: nil,
            timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        let one = c.messageID(itemID: "2026-11-0042", channel: "e", recipient: "X@y.vn")
        #expect(one == c.messageID(itemID: "2026-11-0042", channel: "e", recipient: "x@y.vn"))
        #expect(one != c.messageID(itemID: "2026-11-0042", channel: "e", recipient: "z@y.vn"))
        #expect(one.hasPrefix("<cchc.2026-11-0042.") && one.hasSuffix("@so.example.gov.vn>"))
        #expect(
            MIMEEncoding.date(Date(timeIntervalSince1970: 1_795_136_400), timeZone: c.timeZone)
                == "Fri, 20 Nov 2026 08:00:00 +0700")
    }
}

@Suite("Email: connection places")
struct MessagePacingTests {
    @Test("max_connections: a delivery waits for a free connection place, handed over in order")
    func connectionPlaces() async throws {
        let pacing = MessagePacing(messagesPerMinute: nil, maxConnections: 2)
        await pacing.openConnection()
        await pacing.openConnection()
        let order = Order()
        let third = Task {
            await pacing.openConnection()
            await order.add("third")
        }
        // The third waits while both places are taken (it has not got one after many turns of the scheduler).
        for _ in 0..<50 { await Task.yield() }
        #expect(await order.items.isEmpty)
        await order.add("closed")
        await pacing.closeConnection()
        await third.value
        #expect(await order.items == ["closed", "third"])
        // Without a message rate, messages never wait.
        try await pacing.nextMessage()
    }

    actor Order {
        var items: [String] = []
        func add(_ s: String) { items.append(s) }
    }
}
