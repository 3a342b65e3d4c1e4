import ChannelKit
import Config
import Foundation
import Queue
import Testing

@testable import Intake

@Suite("ItemFileReader")
struct ItemFileReaderTests {
    static let fullMarkdown = """
        ---
        id: 2026-11-0042
        title: "Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến"
        summary: "Một câu tóm tắt cho mạng xã hội và email."
        topic: chuyen-doi-so
        unit: "Sở Nội vụ"
        author: "Phòng Cải cách hành chính"
        channels: [portal-tinh, fb-sonoivu, radio-xa]
        publish_at: 2026-11-25 08:00
        expires_at: 2026-12-31
        priority: uu-tien
        media:
          - path: media/anh-bia.jpg
            caption: "Bộ phận một cửa tỉnh Sơn La"
          - https://example.gov.vn/anh.png
          - { url: "https://example.gov.vn/ke-hoach.pdf", caption: "Kế hoạch" }
        overrides:
          fb-sonoivu: { text: "Bài ngắn cho Facebook" }
          radio-xa: { script: "Kính thưa bà con…" }
        approved_by: "Nguyễn Văn A"
        approved_at: 2026-11-21 15:30
        ---

        Nội dung bài viết (Markdown)…

        - một
        - hai
        """

    @Test("a Markdown file with every key, from a trusted source")
    func fullMarkdownTrusted() throws {
        let folder = try IntakeFolder()
        try folder.write("media/anh-bia.jpg", "JPEG")
        let path = try folder.write("tin.md", Self.fullMarkdown)
        let item = try folder.reader().read(path: path, trusted: true, now: t0, itemFolderHoldsMedia: true)
        #expect(item.id == "2026-11-0042")
        let c = item.content
        #expect(c.title == "Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến")
        #expect(c.summary == "Một câu tóm tắt cho mạng xã hội và email.")
        #expect(c.topic == "chuyen-doi-so")
        #expect(c.unit == "Sở Nội vụ")
        #expect(c.author == "Phòng Cải cách hành chính")
        #expect(c.channels == ["portal-tinh", "fb-sonoivu", "radio-xa"])
        #expect(c.publishAt == local(2026, 11, 25, 8))
        let expires = try #require(c.expiresAt)
        #expect(expires > local(2026, 12, 31, 23, 59, 59) && expires < local(2027, 1, 1))
        #expect(c.priority == .high)
        #expect(
            c.media == [
                MediaRef(path: folder.path + "/media/anh-bia.jpg", caption: "Bộ phận một cửa tỉnh Sơn La"),
                MediaRef(url: "https://example.gov.vn/anh.png"),
                MediaRef(url: "https://example.gov.vn/ke-hoach.pdf", caption: "Kế hoạch"),
            ])
        #expect(
            c.overrides == [
                "fb-sonoivu": ["text": "Bài ngắn cho Facebook"], "radio-xa": ["script": "Kính thưa bà con…"],
            ])
        #expect(c.body == "Nội dung bài viết (Markdown)…\n\n- một\n- hai")
        #expect(item.approval == Approval(by: "Nguyễn Văn A", at: local(2026, 11, 21, 15, 30)))
        #expect(item.warnings.isEmpty)
    }

    @Test("from an untrusted source the approval is ignored with a warning")
    func fullMarkdownUntrusted() throws {
        let folder = try IntakeFolder()
        try folder.write("media/anh-bia.jpg", "JPEG")
        let item = try folder.parse(Self.fullMarkdown, trusted: false)
        #expect(item.approval == nil)
        #expect(item.warnings.count == 1)
        #expect(item.warnings.first?.contains("approved_by") == true)
        #expect(item.content.title.hasPrefix("Sơn La"))
    }

    @Test("a YAML file with body:, minimal keys, channels as comma-separated text")
    func yamlFile() throws {
        let folder = try IntakeFolder()
        let text = """
            title: Tin ngắn
            topic: tthc
            unit: UBND xã Chiềng Lề
            channels: portal-tinh, radio-xa
            body: |
              Dòng một.
              Dòng hai.
            """
        for name in ["tin.yaml", "tin.yml"] {
            let item = try folder.parse(text, name: name)
            #expect(item.id == nil)
            #expect(item.content.body == "Dòng một.\nDòng hai.")
            #expect(item.content.channels == ["portal-tinh", "radio-xa"])
            #expect(item.content.priority == .normal)
            #expect(item.content.publishAt == nil)
            #expect(item.content.expiresAt == nil)
            #expect(item.content.media.isEmpty)
            #expect(item.content.overrides.isEmpty)
            #expect(item.approval == nil)
        }
        let noBody = try #require(folder.parseError(text.components(separatedBy: "body:")[0], name: "tin.yaml"))
        #expect(noBody.field == "body")
    }

    @Test("a byte order mark and Windows line ends are tolerated, and lines still count")
    func bomAndCRLF() throws {
        let folder = try IntakeFolder()
        let text = "\u{FEFF}" + markdown().replacingOccurrences(of: "\n", with: "\r\n")
        let item = try folder.parse(text)
        #expect(item.content.title == "Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến")
        #expect(item.content.body == "Nội dung bài viết về **cải cách**.")
        #expect(!item.content.body.contains("\r"))

        // Read from disk too (the BOM as bytes).
        let path = folder.path + "/bom.md"
        try
            (Data([0xEF, 0xBB, 0xBF])
            + Data(markdown(["colour": "red"]).replacingOccurrences(of: "\n", with: "\r\n").utf8))
            .write(to: URL(fileURLWithPath: path))
        do {
            _ = try folder.reader().read(path: path, trusted: false, now: t0)
            Issue.record("expected an unknown key")
        } catch {
            #expect(error.field == "colour")
            #expect(error.line == 6)
            #expect(error.file == "bom.md")
        }
    }

    @Test(
        "a missing required field is named",
        arguments: [("title", "title"), ("topic", "topic"), ("unit", "unit"), ("channels", "channels")])
    func missingField(key: String, field: String) throws {
        let folder = try IntakeFolder()
        let error = try #require(folder.parseError(markdown([key: nil])))
        #expect(error.field == field)
        #expect(error.file == "tin.md")
        #expect(error.description.contains("trường \"\(field)\""))
    }

    @Test("empty required fields are refused too")
    func emptyFields() throws {
        let folder = try IntakeFolder()
        #expect(folder.parseError(markdown(["title": "\"   \""]))?.field == "title")
        #expect(folder.parseError(markdown(["unit": "\"\""]))?.field == "unit")
        #expect(folder.parseError(markdown(["channels": "[]"]))?.field == "channels")
        #expect(folder.parseError(markdown(["title": "[a, b]"]))?.field == "title")
        let body = try #require(folder.parseError(markdown(body: "  \n\n ")))
        #expect(body.field == "body")
        #expect(folder.parseError("---\nbody: x\n" + markdown().dropFirst(4))?.field == "body")
    }

    @Test("an unknown key is an error naming it and its line")
    func unknownKey() throws {
        let folder = try IntakeFolder()
        let text = markdown(["publish_at": "2026-11-25 08:00", "pubish_at": "2026-11-26"])
        let error = try #require(folder.parseError(text))
        #expect(error.field == "pubish_at")
        #expect(error.line == 7)
        #expect(error.message.contains("publish_at"))  // lists the valid keys
        #expect(error.description.hasPrefix("tin.md:7: trường \"pubish_at\""))
    }

    @Test("an unknown topic names it and the choices")
    func unknownTopic() throws {
        let folder = try IntakeFolder()
        let error = try #require(folder.parseError(markdown(["topic": "cai-cach"])))
        #expect(error.field == "topic")
        #expect(error.line == 3)
        #expect(error.message.contains("\"cai-cach\""))
        #expect(error.message.contains("tthc"))
        #expect(error.message.contains("chuyen-doi-so"))
    }

    @Test("an unknown or repeated channel")
    func channels() throws {
        let folder = try IntakeFolder()
        let unknown = try #require(folder.parseError(markdown(["channels": "[portal-tinh, zalo-oa]"])))
        #expect(unknown.field == "channels")
        #expect(unknown.line == 5)
        #expect(unknown.message.contains("\"zalo-oa\""))
        #expect(unknown.message.contains("portal-tinh"))

        let twice = try #require(folder.parseError(markdown(["channels": "[portal-tinh, radio-xa, portal-tinh]"])))
        #expect(twice.field == "channels")
        #expect(twice.line == 5)
        #expect(twice.message.contains("\"portal-tinh\""))
    }

    @Test("expiry before the publish time, or already past")
    func expiry() throws {
        let folder = try IntakeFolder()
        let before = try #require(
            folder.parseError(markdown(["publish_at": "2026-12-01 08:00", "expires_at": "2026-11-30"])))
        #expect(before.field == "expires_at")
        #expect(before.line == 7)
        #expect(before.message.contains("publish_at"))

        let same = try #require(
            folder.parseError(markdown(["publish_at": "2026-12-01 08:00", "expires_at": "2026-12-01 08:00"])))
        #expect(same.field == "expires_at")

        let past = try #require(folder.parseError(markdown(["expires_at": "2026-11-19"])))
        #expect(past.field == "expires_at")
        #expect(past.line == 6)

        // A bare expiry date means the end of that day: today is still fine.
        let today = try folder.parse(markdown(["expires_at": "2026-11-20"]))
        #expect(today.content.expiresAt.map { $0 > t0 } == true)

        let bad = try #require(folder.parseError(markdown(["publish_at": "2026-02-31 08:00"])))
        #expect(bad.field == "publish_at")
        #expect(bad.line == 6)
        #expect(bad.message.contains("2026-02-31 08:00"))
    }

    @Test("a bad priority names the value")
    func priority() throws {
        let folder = try IntakeFolder()
        let error = try #require(folder.parseError(markdown(["priority": "gap"])))
        #expect(error.field == "priority")
        #expect(error.line == 6)
        #expect(error.message.contains("\"gap\""))
        #expect(try folder.parse(markdown(["priority": "khan-cap"])).content.priority == .emergency)
    }

    @Test("media: relative paths become absolute, missing files and bad URLs are errors")
    func media() throws {
        let folder = try IntakeFolder()
        try folder.write("items/media/a.jpg", "JPEG")
        let text = markdown(["media": "\n  - media/a.jpg\n  - path: ../items/media/a.jpg"])
        let path = try folder.write("items/tin.md", text)
        let item = try folder.reader().read(path: path, trusted: false, now: t0, itemFolderHoldsMedia: true)
        #expect(
            item.content.media.map(\.path) == [folder.path + "/items/media/a.jpg", folder.path + "/items/media/a.jpg"])

        let missing = try #require(folder.parseError(markdown(["media": "[media/khong-co.jpg]"])))
        #expect(missing.field == "media[0]")
        #expect(missing.line == 6)
        #expect(missing.message.contains("media/khong-co.jpg"))

        let directory = try #require(folder.parseError(markdown(["media": "[{ path: state }]"])))
        #expect(directory.field == "media[0]")

        let ftp = try #require(folder.parseError(markdown(["media": "[{ url: \"ftp://x.example/a.jpg\" }]"])))
        #expect(ftp.field == "media[0]")
        #expect(ftp.message.contains("http"))

        let both = try #require(folder.parseError(markdown(["media": "[{ url: \"https://x\", path: a.jpg }]"])))
        #expect(both.field == "media[0]")
        let neither = try #require(folder.parseError(markdown(["media": "[{ caption: x }]"])))
        #expect(neither.field == "media[0]")
        let unknown = try #require(folder.parseError(markdown(["media": "\n  - { url: \"https://x\", alt: y }"])))
        #expect(unknown.field == "media[0].alt")
        #expect(unknown.line == 7)
        let notList = try #require(folder.parseError(markdown(["media": "a.jpg"])))
        #expect(notList.field == "media")
    }

    @Test(
        "media confinement: absolute paths, .., symlinks, hard links, devices and big files outside the roots are refused"
    )
    func mediaConfinement() throws {
        let folder = try IntakeFolder()
        let inbox = folder.config.inbox.path
        try folder.write("creds/fb-token", "SECRET")
        try folder.write("inbox/media/anh-bia.jpg", "JPEG")
        try FileManager.default.createSymbolicLink(
            atPath: inbox + "/media/lien-ket.jpg", withDestinationPath: folder.path + "/creds/fb-token")
        try FileManager.default.linkItem(
            atPath: folder.path + "/creds/fb-token", toPath: inbox + "/media/cung.jpg")
        let reader = folder.reader()
        func inboxError(_ media: String) -> IntakeError? {
            do {
                _ = try reader.parse(
                    text: markdown(["media": media]), fileName: "tin.md", directory: inbox, trusted: false, now: t0)
                Issue.record("accepted: \(media)")
                return nil
            } catch {
                return error
            }
        }
        // Inside the inbox's media/ folder: taken, resolved.
        let ok = try reader.parse(
            text: markdown(["media": "[media/anh-bia.jpg]"]), fileName: "tin.md", directory: inbox, trusted: false,
            now: t0)
        #expect(ok.content.media.map(\.path) == [inbox + "/media/anh-bia.jpg"])
        for media in [
            "[\(folder.path)/creds/fb-token]", "[../creds/fb-token]", "[media/../../creds/fb-token]",
            "[{ path: media/lien-ket.jpg }]", "[/dev/zero]", "[/etc/hostname]", "[tin-khac.md]",
        ] {
            let error = try #require(inboxError(media), "\(media)")
            #expect(error.field == "media[0]", "\(media)")
            #expect(!error.message.contains("SECRET"))
        }
        #expect(inboxError("[media/cung.jpg]")?.message.contains("liên kết cứng") == true)
        // The cap.
        var small = folder.config
        small.inbox.maxMediaBytes = 2
        let big = ItemFileReader(config: small)
        do {
            _ = try big.parse(
                text: markdown(["media": "[media/anh-bia.jpg]"]), fileName: "tin.md", directory: inbox,
                trusted: false, now: t0)
            Issue.record("a file over the cap was accepted")
        } catch {
            #expect(error.message.contains("quá lớn"))
        }
    }

    @Test("YAML anchors and aliases are refused before composing, in linear time; node and depth caps")
    func yamlBombs() throws {
        let folder = try IntakeFolder()
        for depth in [2, 5, 9, 12] {
            var lines = ["a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]"]
            for i in 1...depth {
                let p = "*a\(i - 1)"
                lines.append("a\(i): &a\(i) [\(Array(repeating: p, count: 9).joined(separator: ", "))]")
            }
            let text = "---\n" + lines.joined(separator: "\n") + "\ntitle: x\n---\nbody\n"
            let start = ContinuousClock.now
            let error = try #require(folder.parseError(text))
            #expect(ContinuousClock.now - start < .seconds(2), "depth \(depth)")
            #expect(error.line == 2)
            #expect(error.message.contains("neo YAML"))
        }
        let alias = try #require(folder.parseError(markdown(["summary": "*x"])))
        #expect(alias.message.contains("bí danh"))
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(try #require(folder.parseError(markdown(["summary": deep]))).message.contains("lồng quá sâu"))
        let many = "[" + Array(repeating: "1", count: 20_000).joined(separator: ",") + "]"
        #expect(try #require(folder.parseError(markdown(["summary": many]))).message.contains("quá nhiều"))
    }

    @Test("NUL bytes and item files over the size cap are refused, the big one before it is read")
    func nulAndSize() throws {
        let folder = try IntakeFolder()
        let nul = try #require(folder.parseError(markdown(body: "Dòng một\ncó\u{0}NUL")))
        #expect(nul.message.contains("NUL"))
        #expect(nul.line == 8)
        let big = try folder.write("to.md", markdown(body: String(repeating: "a", count: 6 << 20)))
        do {
            _ = try folder.reader().read(path: big, trusted: false, now: t0)
            Issue.record("a 6 MB file was accepted")
        } catch {
            #expect(error.message.contains("quá lớn"))
        }
        let fifo = folder.path + "/ong.md"
        #expect(mkfifo(fifo, 0o600) == 0)
        do {
            _ = try folder.reader().read(path: fifo, trusted: false, now: t0)
            Issue.record("a FIFO was read")
        } catch {
            #expect(error.message.contains("tệp thông thường"))
        }
    }

    @Test("overrides: only for the item's channels, only known fields")
    func overrides() throws {
        let folder = try IntakeFolder()
        let ok = try folder.parse(markdown(["overrides": "\n  fb-sonoivu:\n    text: Ngắn\n    title: Tiêu đề khác"]))
        #expect(ok.content.overrides == ["fb-sonoivu": ["text": "Ngắn", "title": "Tiêu đề khác"]])

        let notTargeted = try #require(folder.parseError(markdown(["overrides": "\n  radio-xa: { script: x }"])))
        #expect(notTargeted.field == "overrides.radio-xa")
        #expect(notTargeted.line == 7)

        let unknownChannel = try #require(folder.parseError(markdown(["overrides": "{ zalo-oa: { text: x } }"])))
        #expect(unknownChannel.field == "overrides.zalo-oa")

        let field = try #require(folder.parseError(markdown(["overrides": "\n  fb-sonoivu:\n    txt: x"])))
        #expect(field.field == "overrides.fb-sonoivu.txt")
        #expect(field.line == 8)

        let shape = try #require(folder.parseError(markdown(["overrides": "\n  fb-sonoivu: chỉ là chữ"])))
        #expect(shape.field == "overrides.fb-sonoivu")
    }

    @Test("approval from a trusted file needs both fields")
    func approval() throws {
        let folder = try IntakeFolder()
        let noDate = try #require(folder.parseError(markdown(["approved_by": "\"Nguyễn Văn A\""]), trusted: true))
        #expect(noDate.field == "approved_at")

        let noName = try #require(folder.parseError(markdown(["approved_at": "2026-11-20 07:00"]), trusted: true))
        #expect(noName.field == "approved_by")

        // Untrusted: a lone field is ignored with a warning, not an error.
        let untrusted = try folder.parse(markdown(["approved_by": "\"Nguyễn Văn A\""]), trusted: false)
        #expect(untrusted.approval == nil)
        #expect(untrusted.warnings.count == 1)

        let trusted = try folder.parse(
            markdown(["approved_by": "\"Nguyễn Văn A\"", "approved_at": "2026-11-20T07:00:00+07:00"]), trusted: true)
        #expect(trusted.approval == Approval(by: "Nguyễn Văn A", at: local(2026, 11, 20, 7)))
        #expect(trusted.warnings.isEmpty)

        // No approval fields, trusted source: an ordinary submitted item.
        #expect(try folder.parse(markdown(), trusted: true).approval == nil)
    }

    @Test("front matter shape: no opening line, no closing line, broken YAML with its line, a bad id")
    func shape() throws {
        let folder = try IntakeFolder()
        let noOpen = try #require(folder.parseError("title: x\n---\nbody\n"))
        #expect(noOpen.line == 1)
        let noClose = try #require(folder.parseError("---\ntitle: x\nbody\n"))
        #expect(noClose.line == 1)

        let broken = "---\ntitle: \"Tin\"\ntopic: tthc\nunit: [Sở Nội vụ\nchannels: [portal-tinh]\n---\nbody\n"
        let error = try #require(folder.parseError(broken))
        let line = try #require(error.line)
        #expect((4...6).contains(line), "\(error)")
        #expect(error.message.hasPrefix("YAML không hợp lệ"))

        let twice = try #require(folder.parseError(markdown(["unit": "A\nunit: B"])))
        #expect(twice.line == 4 || twice.line == 5, "\(twice)")
        #expect(twice.message.contains("\"unit\""), "\(twice)")

        let list = try #require(folder.parseError("---\n- a\n- b\n---\nbody\n"))
        #expect(list.line == 2)

        let badID = try #require(folder.parseError(markdown(["id": "tin số 1"])))
        #expect(badID.field == "id")
        #expect(badID.line == 6)
    }
}
