import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A Word document (`.docx`) turned into an item's text: the title, the body as Markdown (paragraphs,
/// headings, bold and italic, bulleted and numbered lists as `- ` lines, line breaks) and the images
/// it holds. Tables become their cells' paragraphs; everything else Word can hold (comments, tracked
/// changes, text boxes) is left out.
///
/// The inbox and `cchc item add` both call ``WordImport/convert(_:fileName:)`` and then
/// ``WordImport/itemText(_:frontMatter:imageFolder:)``, so a Word file becomes the same item either way.
public struct WordDocument: Sendable, Equatable {
    /// The paragraph styled Title, else the first Heading 1, else the first paragraph.
    public var title: String
    /// The rest, as Markdown.
    public var markdown: String
    /// The images in the order they appear: file name inside the package (`image1.png`) and bytes.
    public var images: [WordImage]
}

public struct WordImage: Sendable, Equatable {
    public var name: String
    public var data: Data
}

public enum WordImport {
    /// What a `.docx` (a ZIP package) may unpack to: a small file must not become gigabytes in memory
    /// (a "zip bomb"). Sizes are counted as the bytes come out, not taken from the package's own claims.
    public struct Limits: Sendable, Equatable {
        /// Most entries the package may list.
        public var maxEntries: Int
        /// Most bytes one part (the document's XML, one picture) may unpack to.
        public var maxPartBytes: Int
        /// Most bytes all the parts read may unpack to together.
        public var maxTotalBytes: Int

        public init(maxEntries: Int = 10_000, maxPartBytes: Int, maxTotalBytes: Int) {
            self.maxEntries = maxEntries
            self.maxPartBytes = maxPartBytes
            self.maxTotalBytes = maxTotalBytes
        }

        /// One picture up to `inbox.max_media_size`, everything together up to twice that.
        public static func inbox(maxMediaBytes: Int) -> Limits {
            Limits(maxPartBytes: maxMediaBytes, maxTotalBytes: 2 * maxMediaBytes)
        }
    }

    /// A part unpacked past the limits.
    private struct TooLarge: Error {}

    /// Reads a `.docx` file's bytes. Errors name the file and say what to do (in Vietnamese).
    public static func convert(
        _ data: Data, fileName: String, limits: Limits = .inbox(maxMediaBytes: 50 << 20)
    ) throws(IntakeError) -> WordDocument {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch {
            throw IntakeError(
                file: fileName,
                "không mở được tệp Word: tệp .docx hỏng, hoặc là tệp .doc cũ đổi tên (hãy mở bằng Word và lưu lại dạng .docx)"
            )
        }
        let tooLarge = IntakeError(
            file: fileName,
            "tệp Word giải nén ra quá lớn (mỗi phần tối đa \(MediaConfinement.megabytes(limits.maxPartBytes)), "
                + "tất cả tối đa \(MediaConfinement.megabytes(limits.maxTotalBytes))): tệp hỏng hoặc cố ý làm phình; "
                + "hãy mở bằng Word, giảm kích thước ảnh rồi lưu lại")
        var entries = 0
        for _ in archive {
            entries += 1
            if entries > limits.maxEntries {
                throw IntakeError(
                    file: fileName,
                    "tệp Word có quá nhiều phần (hơn \(limits.maxEntries)): không phải văn bản Word thông thường")
            }
        }
        var unpacked = 0
        var overLimit = false
        func read(_ path: String) -> Data? {
            guard !overLimit, let entry = archive[path] else { return nil }
            // The declared size first (cheap), then the bytes as they come (the declaration may lie).
            guard entry.uncompressedSize <= UInt64(limits.maxPartBytes),
                unpacked + Int(entry.uncompressedSize) <= limits.maxTotalBytes
            else {
                overLimit = true
                return nil
            }
            var out = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    out.append(chunk)
                    if out.count > limits.maxPartBytes || unpacked + out.count > limits.maxTotalBytes {
                        throw TooLarge()
                    }
                }
            } catch is TooLarge {
                overLimit = true
                return nil
            } catch { return nil }
            unpacked += out.count
            return out
        }
        let documentXML = read("word/document.xml")
        if overLimit { throw tooLarge }
        guard let document = documentXML else {
            throw IntakeError(file: fileName, "tệp không phải văn bản Word (.docx): thiếu word/document.xml")
        }
        var targets: [String: String] = [:]
        if let rels = read("word/_rels/document.xml.rels") {
            let reader = RelationshipsReader()
            let parser = XMLParser(data: rels)
            parser.delegate = reader
            _ = parser.parse()
            targets = reader.targets
        }
        if overLimit { throw tooLarge }
        let reader = BodyReader()
        let parser = XMLParser(data: document)
        parser.shouldProcessNamespaces = false
        parser.delegate = reader
        guard parser.parse() else {
            throw IntakeError(
                file: fileName,
                "nội dung tệp Word không đọc được (XML hỏng ở dòng \(parser.lineNumber)); hãy mở bằng Word và lưu lại")
        }

        var images: [WordImage] = []
        var blocks: [String] = []
        var title: String?
        var titleFromHeading = false
        for paragraph in reader.paragraphs {
            var text = paragraph.markdown
            for id in paragraph.images {
                guard let target = targets[id] else { continue }
                let path = target.hasPrefix("/") ? String(target.dropFirst()) : "word/" + target
                guard let bytes = read(path) else {
                    if overLimit { throw tooLarge }
                    continue
                }
                let name = URL(fileURLWithPath: path).lastPathComponent
                if !images.contains(where: { $0.name == name }) { images.append(WordImage(name: name, data: bytes)) }
            }
            let plain = paragraph.plain.trimmingCharacters(in: .whitespaces)
            if plain.isEmpty {
                if !text.isEmpty { blocks.append(text) }
                continue
            }
            if paragraph.style == "Title" && (title == nil || titleFromHeading) {
                if let previous = title, titleFromHeading { blocks.insert("## " + previous, at: 0) }
                title = plain
                titleFromHeading = false
                continue
            }
            if let level = paragraph.headingLevel {
                if title == nil && level == 1 {
                    title = plain
                    titleFromHeading = true
                    continue
                }
                text = String(repeating: "#", count: min(level + 1, 6)) + " " + plain
            } else if let depth = paragraph.listLevel ?? (paragraph.style?.hasPrefix("List") == true ? 0 : nil) {
                text = String(repeating: "  ", count: depth) + "- " + text
            }
            blocks.append(text)
        }
        if title == nil, let first = blocks.firstIndex(where: { !$0.hasPrefix("-") && !$0.hasPrefix(" ") }) {
            title = blocks.remove(at: first).replacingOccurrences(of: "**", with: "")
                .trimmingCharacters(in: CharacterSet(charactersIn: "# "))
        }
        guard let title, !title.isEmpty else {
            throw IntakeError(file: fileName, "tệp Word không có chữ nào")
        }
        // List items stay together; other blocks are separated by an empty line.
        var markdown = ""
        for (i, block) in blocks.enumerated() {
            if i > 0 {
                let bothList =
                    block.trimmingCharacters(in: .whitespaces).hasPrefix("- ")
                    && blocks[i - 1].trimmingCharacters(in: .whitespaces).hasPrefix("- ")
                markdown += bothList ? "\n" : "\n\n"
            }
            markdown += block
        }
        return WordDocument(title: title, markdown: markdown, images: images)
    }

    /// The item file for a converted document: `frontMatter` lines (`topic: tthc`, …) after the title,
    /// the images as `media:` paths inside `imageFolder` (relative to the item file), then the body.
    public static func itemText(_ document: WordDocument, frontMatter: [String], imageFolder: String) -> String {
        var out = "---\ntitle: \(quoted(document.title))\n"
        for line in frontMatter { out += line + "\n" }
        if !document.images.isEmpty {
            out += "media:\n"
            for image in document.images { out += "  - path: \(quoted(imageFolder + "/" + image.name))\n" }
        }
        out += "---\n" + document.markdown + "\n"
        return out
    }

    /// A YAML double-quoted scalar (`"Sơn La: …"`).
    public static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// `word/_rels/document.xml.rels`: relationship id → target (`media/image1.png`).
private final class RelationshipsReader: NSObject, XMLParserDelegate {
    var targets: [String: String] = [:]
    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if name == "Relationship", let id = attributes["Id"], let target = attributes["Target"] { targets[id] = target }
    }
}

/// One paragraph of `word/document.xml` as read.
struct WordParagraph {
    var style: String?
    var listLevel: Int?
    var markdown = ""
    var plain = ""
    var images: [String] = []

    /// `Heading1` … `Heading6` (Word's style ids whatever the interface language), or LibreOffice's
    /// `Heading 1`.
    var headingLevel: Int? {
        guard let style, style.lowercased().hasPrefix("heading") else { return nil }
        return Int(style.dropFirst("heading".count).trimmingCharacters(in: .whitespaces))
    }
}

private final class BodyReader: NSObject, XMLParserDelegate {
    var paragraphs: [WordParagraph] = []
    private var paragraph: WordParagraph?
    private var inRunProperties = false
    private var bold = false
    private var italic = false
    private var inText = false
    private var runText = ""

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        switch name {
        case "w:p": paragraph = WordParagraph()
        case "w:pStyle": paragraph?.style = attributes["w:val"]
        case "w:ilvl": paragraph?.listLevel = Int(attributes["w:val"] ?? "0") ?? 0
        case "w:numPr": if paragraph?.listLevel == nil { paragraph?.listLevel = 0 }
        case "w:r":
            bold = false
            italic = false
            runText = ""
        case "w:rPr": inRunProperties = true
        case "w:b": if inRunProperties { bold = Self.on(attributes) }
        case "w:i": if inRunProperties { italic = Self.on(attributes) }
        case "w:t": inText = true
        case "w:tab": runText += " "
        case "w:br", "w:cr": runText += "\n"
        case "a:blip": if let id = attributes["r:embed"] { paragraph?.images.append(id) }
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { runText += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "w:t": inText = false
        case "w:rPr": inRunProperties = false
        case "w:r":
            guard !runText.isEmpty else { return }
            paragraph?.plain += runText
            paragraph?.markdown += Self.emphasis(runText, bold: bold, italic: italic)
        case "w:p":
            if var p = paragraph {
                // Adjacent bold runs (Word splits runs freely) read as one: `**a****b**` → `**ab**`.
                p.markdown = p.markdown.replacingOccurrences(of: "****", with: "")
                    .replacingOccurrences(of: "\n", with: "  \n")
                paragraphs.append(p)
            }
            paragraph = nil
        default: break
        }
    }

    /// `<w:b/>`, `<w:b w:val="true"/>` are on; `w:val="0"` / `"false"` off.
    static func on(_ attributes: [String: String]) -> Bool {
        guard let v = attributes["w:val"] else { return true }
        return !(v == "0" || v == "false" || v == "off")
    }

    /// Markdown emphasis around the words, leaving the spaces at either end outside.
    static func emphasis(_ text: String, bold: Bool, italic: Bool) -> String {
        guard bold || italic else { return text }
        let core = text.trimmingCharacters(in: .whitespaces)
        guard !core.isEmpty else { return text }
        let lead = String(text.prefix { $0 == " " })
        let trail = String(text.reversed().prefix { $0 == " " })
        let mark = bold && italic ? "***" : bold ? "**" : "*"
        return lead + mark + core + mark + trail
    }
}
