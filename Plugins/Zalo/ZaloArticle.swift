import ChannelKit
import Foundation
import Rendering

/// The `article/create` request for an item: `type: normal`, title (≤150), author (≤50),
/// description (≤300), a photo cover (required), body blocks from the Markdown.
struct ZaloArticle {
    static let titleLimit = 150
    static let authorLimit = 50
    static let descriptionLimit = 300

    var title: String
    var author: String
    var description: String
    var coverURL: String?
    var body: [[String: String]]

    /// The article for an item, with the channel's defaults (`author`, `cover_url`).
    init(item: ChannelItem, defaultAuthor: String?, defaultCover: String?) {
        title = item.title.trimmingCharacters(in: .whitespacesAndNewlines)
        author = (item.author ?? defaultAuthor ?? item.unit).trimmingCharacters(in: .whitespacesAndNewlines)
        let markdown = item.override["text"] ?? item.body
        if let summary = item.summary?.trimmingCharacters(in: .whitespacesAndNewlines), !summary.isEmpty {
            description = summary
        } else {
            // No summary: the start of the body, cut at a word boundary to fit.
            let text = Markdown.plainText(markdown).split(whereSeparator: \.isNewline).joined(separator: " ")
            description = Self.cut(text, to: Self.descriptionLimit)
        }
        coverURL = item.media.lazy.compactMap(\.url).first(where: Self.isWebURL) ?? defaultCover
        var blocks = Self.blocks(markdown)
        // The item's other pictures (those given by URL) follow the text, with their captions.
        for media in item.media {
            guard let url = media.url, Self.isWebURL(url), url != coverURL else { continue }
            if blocks.contains(where: { $0["url"] == url }) { continue }
            blocks.append(Self.image(url: url, caption: media.caption))
        }
        body = blocks
    }

    static func isWebURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }

    /// The JSON `article/create` takes.
    var json: [String: Any] {
        var cover: [String: Any] = ["cover_type": "photo", "status": "show"]
        if let coverURL { cover["photo_url"] = coverURL }
        return [
            "type": "normal", "title": title, "author": author, "description": description, "cover": cover,
            "body": body, "status": "show", "comment": "show",
        ]
    }

    /// What breaks Zalo's rules, for intake validation (Vietnamese, for officers).
    var problems: [ValidationProblem] {
        var out: [ValidationProblem] = []
        if title.isEmpty { out.append(.init(field: "title", message: "tiêu đề đang trống")) }
        if title.count > Self.titleLimit {
            out.append(
                .init(
                    field: "title",
                    message: "tiêu đề dài \(title.count) ký tự; Zalo chỉ nhận tối đa \(Self.titleLimit) ký tự"))
        }
        if author.isEmpty { out.append(.init(field: "author", message: "bài viết Zalo cần tên tác giả")) }
        if author.count > Self.authorLimit {
            out.append(
                .init(
                    field: "author",
                    message: "tên tác giả dài \(author.count) ký tự; Zalo chỉ nhận tối đa \(Self.authorLimit) ký tự"))
        }
        if description.count > Self.descriptionLimit {
            out.append(
                .init(
                    field: "summary",
                    message:
                        "tóm tắt dài \(description.count) ký tự; Zalo chỉ nhận tối đa \(Self.descriptionLimit) ký tự"))
        }
        if coverURL == nil {
            out.append(
                .init(
                    field: "media",
                    message:
                        "bài viết Zalo bắt buộc có ảnh bìa: thêm một ảnh bằng đường dẫn https:// vào media (hoặc đặt cover_url cho kênh)"
                ))
        }
        if body.isEmpty { out.append(.init(field: "body", message: "nội dung bài viết đang trống")) }
        return out
    }

    /// Body blocks: each paragraph (and list) a text block, headings as bold text, Markdown images
    /// standing alone on a line as image blocks. Text blocks carry HTML-escaped text: Zalo renders
    /// the content as HTML.
    static func blocks(_ markdown: String) -> [[String: String]] {
        var out: [[String: String]] = []
        var paragraph: [String] = []
        func flush() {
            let text = Markdown.plainText(paragraph.joined(separator: "\n")).trimmingCharacters(
                in: .whitespacesAndNewlines)
            if !text.isEmpty {
                out.append([
                    "type": "text",
                    "content": escape(text).split(separator: "\n").joined(separator: "<br>"),
                ])
            }
            paragraph.removeAll()
        }
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                flush()
            } else if let heading = headingText(line) {
                flush()
                let text = Markdown.plainText(heading).trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty { out.append(["type": "text", "content": "<b>\(escape(text))</b>"]) }
            } else if let (alt, url) = imageLine(line) {
                flush()
                out.append(image(url: url, caption: alt.isEmpty ? nil : alt))
            } else {
                paragraph.append(String(raw))
            }
        }
        flush()
        return out
    }

    static func image(url: String, caption: String?) -> [String: String] {
        var block = ["type": "image", "url": url]
        if let caption, !caption.isEmpty { block["caption"] = caption }
        return block
    }

    /// `# Title` … `###### Title` (ATX headings).
    private static func headingText(_ line: String) -> String? {
        let hashes = line.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(hashes) else { return nil }
        let rest = line.dropFirst(hashes)
        guard rest.isEmpty || rest.first == " " else { return nil }
        var text = rest.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("#") { text.removeLast() }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// `![alt](https://…)` alone on its line.
    private static func imageLine(_ line: String) -> (String, String)? {
        guard line.hasPrefix("!["), line.hasSuffix(")"), let close = line.range(of: "](") else { return nil }
        let alt = String(line[line.index(line.startIndex, offsetBy: 2)..<close.lowerBound])
        var target = String(line[close.upperBound..<line.index(before: line.endIndex)])
        if let space = target.firstIndex(of: " ") { target = String(target[..<space]) }
        guard isWebURL(target), !alt.contains("]") else { return nil }
        return (alt, target)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(c)
            }
        }
        return out
    }

    /// At most `limit` characters, cut at the last space and ended with "…" when shortened.
    static func cut(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        var head = String(text.prefix(limit - 1))
        if let space = head.lastIndex(of: " "), head.distance(from: head.startIndex, to: space) > limit / 2 {
            head = String(head[..<space])
        }
        return head.trimmingCharacters(in: .whitespaces) + "…"
    }
}
