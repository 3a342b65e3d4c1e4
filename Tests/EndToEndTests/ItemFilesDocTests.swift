import Foundation
import TestSupport
import Testing

/// docs/item-files.md is what officers copy from: every example in it is added with the real `cchc`,
/// every key its table documents is used by an example that went in, and `cchc item new` writes a
/// template that goes in as it is.
@Suite(.serialized)
struct ItemFilesDocTests {
    static let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/item-files.md").path

    func workspace() throws -> Workspace {
        let ws = try Workspace()
        try ws.write("fb-token", "EAAB-test-token\n")
        try ws.writeConfig(
            channels: """
                  portal-tinh:
                    type: portal
                    preset: generic
                    url: http://127.0.0.1:9/api
                  fb-sonoivu:
                    type: facebook
                    page_id: "1234567890"
                    graph_url: http://127.0.0.1:9
                    token_file: fb-token
                  email-donvi:
                    type: email
                    smtp: smtp://127.0.0.1:9
                    from: "Sở Nội vụ <cchc@example.gov.vn>"
                    lists: { lanh-dao: [a@example.gov.vn] }
                    default_lists: [lanh-dao]
                  radio-xa:
                    type: radio
                    stations:
                      - id: tan-lap
                        name: Đài truyền thanh xã Tân Lập
                        commune: xã Tân Lập
                        slots: ["06:00/30m", "17:00/30m"]
                        folder: radio/tan-lap
                  webhook-tonghop:
                    type: webhook
                    url: http://127.0.0.1:9/hook

                """)
        // The image the examples attach.
        try ws.write("items/anh-bia.png", "not really a PNG, but a file")
        return ws
    }

    /// The fenced examples of the doc: (language, text).
    static func examples() throws -> [(String, String)] {
        let text = try String(contentsOfFile: doc, encoding: .utf8)
        var out: [(String, String)] = []
        var current: (String, [String])?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let open = current {
                if line == "```" {
                    out.append((open.0, open.1.joined(separator: "\n") + "\n"))
                    current = nil
                } else {
                    current?.1.append(String(line))
                }
            } else if line == "```markdown" || line == "```yaml" {
                current = (String(line.dropFirst(3)), [])
            }
        }
        return out
    }

    @Test func everyExampleGoesInAndEveryDocumentedKeyIsUsed() throws {
        let ws = try workspace()
        let examples = try Self.examples()
        #expect(examples.count >= 6, "examples found: \(examples.count)")
        var usedKeys = Set<String>()
        for (n, (language, text)) in examples.enumerated() {
            let file = "items/vi-du-\(n).\(language == "yaml" ? "yaml" : "md")"
            try ws.write(file, text)
            let r = try ws.cli(["item", "add", ws.root + "/" + file])
            #expect(r.status == 0, "example \(n) of docs/item-files.md: \(r.stderr)")
            for line in text.split(separator: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if let colon = trimmed.firstIndex(of: ":"), !trimmed.hasPrefix("-"), !line.hasPrefix(" ") {
                    usedKeys.insert(String(trimmed[..<colon]))
                }
                if trimmed.hasPrefix("- path:") || trimmed.hasPrefix("path:") { usedKeys.insert("media.path") }
                if trimmed.hasPrefix("- url:") { usedKeys.insert("media.url") }
                if trimmed.hasPrefix("caption:") { usedKeys.insert("media.caption") }
            }
        }
        // The full example went in with every field as written.
        let full = try ws.itemJSON("2026-12-0042")
        #expect(full["title"] as? String == "Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến")
        #expect(full["priority"] as? String == "uu-tien")
        #expect(full["author"] as? String == "Phòng Cải cách hành chính")
        #expect((full["publish_at"] as? String)?.hasPrefix("2030-11-25T08:00:00") == true, "\(full)")
        #expect((full["expires_at"] as? String)?.hasPrefix("2030-12-31T23:59:59") == true, "\(full)")
        // (`media` is checked at intake: the path must exist beside the file, the url must be http(s);
        // `item show --json` does not print it yet.)

        // Every key of the table "Các khóa" is used by an example that went in; approved_by and
        // approved_at are ignored from `cchc item add`, with a note, as the table says.
        let doc = try String(contentsOfFile: Self.doc, encoding: .utf8)
        let keysSection = try #require(
            doc.components(separatedBy: "## Các khóa").last?.components(separatedBy: "\n## ").first)
        let documented = keysSection.split(separator: "\n").filter { $0.hasPrefix("| `") }.flatMap { row in
            row.split(separator: "|")[0].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            }
        }
        #expect(documented.count >= 15, "\(documented)")
        for key in documented where !["approved_by", "approved_at"].contains(key) {
            #expect(usedKeys.contains(key), "docs/item-files.md documents \(key) but no example uses it")
        }
        #expect(usedKeys.isSuperset(of: ["media.path", "media.url", "media.caption"]))
        try ws.write(
            "items/duyet.md",
            itemFile(
                title: "Tin ghi sẵn người duyệt", channels: ["portal-tinh"],
                extra: "approved_by: \"Nguyễn Văn A\"\napproved_at: 2026-12-01 15:30"))
        let approved = try ws.cli(["item", "add", ws.root + "/items/duyet.md"])
        #expect(
            approved.status == 0 && approved.stderr.contains("bỏ qua approved_by/approved_at"), "\(approved.stderr)")
        #expect(
            try ws.itemJSON(approved.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["status"] as? String
                == "submitted")
    }

    @Test func itemNewWritesACommentedTemplateThatGoesIn() throws {
        let ws = try workspace()
        let r = try ws.cli(["item", "new", ws.root + "/moi.md"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: ws.root + "/moi.md", encoding: .utf8)
        #expect(text.contains("# priority: thuong") && text.contains("channels: [portal-tinh, fb-sonoivu]"))
        let add = try ws.cli(["item", "add", ws.root + "/moi.md"])
        #expect(add.status == 0, "\(add.stderr)")
        let again = try ws.cli(["item", "new", ws.root + "/moi.md"])
        #expect(again.status == 64 && again.stderr.contains("không ghi đè"))
    }
}
