import Foundation
import TestSupport
import Testing

/// `cchc item add bai.docx`: a Word file written by python-docx (an independent Office Open XML
/// writer) becomes an item — title, headings, bold, lists and the image.
@Suite(.serialized)
struct WordImportTests {
    /// Writes `bai.docx` with python-docx: a Title, a paragraph with bold words, a Heading 1, a bulleted
    /// and a numbered list, and a PNG image.
    func writeWordFile(_ path: String) throws {
        let script = """
            import docx, struct, sys, zlib
            def png(w, h):
                raw = b"".join(b"\\x00" + b"\\x2f\\x55\\x97" * w for _ in range(h))
                def chunk(kind, data):
                    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
                return (b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                        + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
            open(sys.argv[1] + ".png", "wb").write(png(40, 20))
            d = docx.Document()
            d.add_heading("Sơn La: 100% hồ sơ được tiếp nhận trực tuyến", level=0)
            p = d.add_paragraph("Năm 2026, ")
            p.add_run("100% thủ tục").bold = True
            p.add_run(" đủ điều kiện được cung cấp trực tuyến.")
            d.add_heading("Các bước nộp hồ sơ", level=1)
            d.add_paragraph("Đăng nhập Cổng dịch vụ công", style="List Bullet")
            d.add_paragraph("Chọn thủ tục", style="List Bullet")
            d.add_paragraph("Nộp lệ phí", style="List Number")
            d.add_picture(sys.argv[1] + ".png")
            d.add_paragraph("Mọi thắc mắc xin gọi đường dây nóng.")
            d.save(sys.argv[1])
            """
        let r = try run("/usr/bin/env", ["python3", "-c", script, path])
        guard r.status == 0 else { throw HarnessError("python-docx: \(r.stderr)") }
    }

    /// A Word file dropped in the inbox of the running daemon: converted under the inbox's rules (its
    /// defaults for unit, topic and channels; pictures into the media folder; waiting for approval even
    /// in a trusted inbox, as a Word file carries no approval), and a zip bomb refused with a reason.
    @Test func wordFileInTheInboxBecomesAnItem() async throws {
        let ws = try Workspace()
        try ws.writeConfig(
            channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/api"), inboxTrusted: true,
            inboxExtra:
                #", max_media_size: 2MB, word_defaults: { unit: "Sở Nội vụ", topic: tthc, channels: [portal-tinh] }"#)
        try FileManager.default.createDirectory(atPath: ws.root + "/word", withIntermediateDirectories: true)
        try writeWordFile(ws.root + "/word/bai.docx")
        // A package whose document unpacks to 40 MB of zeros (a few tens of KB on disk).
        let bomb = """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("[Content_Types].xml", "<Types/>")
                with z.open("word/document.xml", "w") as f:
                    for _ in range(40):
                        f.write(b"\\x00" * (1 << 20))
            """
        let made = try run("/usr/bin/env", ["python3", "-c", bomb, ws.root + "/word/bom.docx"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(
            try FileManager.default.attributesOfItem(atPath: ws.root + "/word/bom.docx")[.size] as? Int ?? 0 < 1 << 20)

        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        try await eventually(15, "the inbox is ready", daemon: daemon) {
            FileManager.default.fileExists(atPath: ws.inbox + "/accepted")
        }
        for name in ["bai.docx", "bom.docx"] {
            try FileManager.default.moveItem(atPath: ws.root + "/word/" + name, toPath: ws.inbox + "/" + name)
        }
        try await eventually(20, "both files sorted", daemon: daemon) {
            FileManager.default.fileExists(atPath: ws.inbox + "/accepted/bai.docx")
                && FileManager.default.fileExists(atPath: ws.inbox + "/rejected/bom.docx.error")
        }
        let reason = try String(contentsOfFile: ws.inbox + "/rejected/bom.docx.error", encoding: .utf8)
        #expect(reason.contains("bom.docx") && reason.contains("giải nén ra quá lớn"), "\(reason)")

        let list = try ws.cli(["item", "list", "--json"])
        let items = try #require(
            (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["items"]
                as? [[String: Any]])
        #expect(items.count == 1)
        let id = try #require(items.first?["id"] as? String)
        let item = try ws.itemJSON(id)
        #expect(item["title"] as? String == "Sơn La: 100% hồ sơ được tiếp nhận trực tuyến")
        #expect(item["status"] as? String == "submitted", "a Word file carries no approval, even from a trusted inbox")
        #expect(item["unit"] as? String == "Sở Nội vụ" && item["topic"] as? String == "tthc")
        #expect(item["channels"] as? [String] == ["portal-tinh"])
        #expect((item["source"] as? String ?? "").hasPrefix("inbox:bai.docx#"))
        let body = item["body"] as? String ?? ""
        #expect(body.contains("Năm 2026, **100% thủ tục** đủ điều kiện được cung cấp trực tuyến."), "\(body)")
        #expect(body.contains("- Đăng nhập Cổng dịch vụ công\n- Chọn thủ tục\n- Nộp lệ phí"), "\(body)")
        let media = try #require((item["media"] as? [[String: Any]])?.first)
        let picture = try #require(media["path"] as? String)
        #expect(picture.contains("/inbox/media/word-bai-") && picture.hasSuffix("/anh-1.png"), "\(picture)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: picture))
        #expect(bytes.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]) && media["size"] as? Int == bytes.count)
        // The officer approves it as any other item.
        #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)
        #expect(daemon.process.isRunning)
    }

    @Test func wordFileBecomesAnItem() throws {
        let ws = try Workspace()
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/api"))
        try FileManager.default.createDirectory(atPath: ws.root + "/word", withIntermediateDirectories: true)
        let docx = ws.root + "/word/bai.docx"
        try writeWordFile(docx)

        // With the item's topic, unit and channel on the command line it goes straight in.
        let r = try ws.cli([
            "item", "add", docx, "--topic", "tthc", "--unit", "Sở Nội vụ", "--channel", "portal-tinh",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("đã chuyển") && r.stderr.contains("bai.md"), "\(r.stderr)")
        let item = try ws.itemJSON(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(item["title"] as? String == "Sơn La: 100% hồ sơ được tiếp nhận trực tuyến")
        #expect(item["topic"] as? String == "tthc" && item["unit"] as? String == "Sở Nội vụ")
        let md = try String(contentsOfFile: ws.root + "/word/bai.md", encoding: .utf8)
        #expect(md.contains("Năm 2026, **100% thủ tục** đủ điều kiện được cung cấp trực tuyến."), "\(md)")
        #expect(md.contains("## Các bước nộp hồ sơ"), "\(md)")
        #expect(md.contains("- Đăng nhập Cổng dịch vụ công\n- Chọn thủ tục\n- Nộp lệ phí"), "\(md)")
        #expect(md.contains("media:\n  - path: \"bai-anh/image1.png\""), "\(md)")
        let image = try Data(contentsOf: URL(fileURLWithPath: ws.root + "/word/bai-anh/image1.png"))
        #expect(image.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))

        // Without them, the converted file is left to complete, and says what to fill in.
        let second = ws.root + "/word/bai2.docx"
        try writeWordFile(second)
        let draft = try ws.cli(["item", "add", second])
        #expect(draft.status == 5)
        #expect(draft.stderr.contains("bai2.md") && draft.stderr.contains("topic, unit, channels"), "\(draft.stderr)")
        var text = try String(contentsOfFile: ws.root + "/word/bai2.md", encoding: .utf8)
        #expect(text.contains("# topic: …   # ĐIỀN"))
        text = text.replacingOccurrences(
            of: #"# topic: [^\n]*\n# unit: [^\n]*\n# channels: [^\n]*\n"#,
            with: "topic: tthc\nunit: \"Sở Nội vụ\"\nchannels: [portal-tinh]\n", options: .regularExpression)
        try text.write(toFile: ws.root + "/word/bai2.md", atomically: true, encoding: .utf8)
        let filled = try ws.cli(["item", "add", ws.root + "/word/bai2.md"])
        #expect(filled.status == 0, "\(filled.stderr)\n\(text)")
        // Converting again does not overwrite the officer's edits.
        let again = try ws.cli(["item", "add", second])
        #expect(again.status == 64 && again.stderr.contains("đã có tệp"), "\(again.stderr)")

        // A file that is not a Word document.
        try ws.write("word/gia.docx", "không phải tệp Word")
        let fake = try ws.cli(["item", "add", ws.root + "/word/gia.docx"])
        #expect(fake.status == 5 && fake.stderr.contains("không mở được tệp Word"), "\(fake.stderr)")
    }
}
