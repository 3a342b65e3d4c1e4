import ChannelConfig
import ChannelKit
import Config
import Foundation
import Queue
import Testing
import ZIPFoundation

@testable import Intake

/// A Word file (`.docx`) in the inbox: converted under the inbox's rules. The end-to-end test
/// (WordImportTests) uses a file written by python-docx; these build hostile packages byte by byte.
@Suite("Inbox: Word files")
struct InboxWordTests {
    static let defaults = #", word_defaults: { unit: "Sở Nội vụ", topic: tthc, channels: [portal-tinh] }"#

    /// A package with `word/document.xml` holding `paragraphs` (the first styled Title) and, for each
    /// `pictures` entry, an image relationship whose target is that (unchecked) path.
    static func package(paragraphs: [String], pictures: [(target: String, bytes: Data)] = []) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        var body = ""
        for (i, text) in paragraphs.enumerated() {
            let style = i == 0 ? "<w:pPr><w:pStyle w:val=\"Title\"/></w:pPr>" : ""
            body += "<w:p>\(style)<w:r><w:t>\(text)</w:t></w:r></w:p>"
        }
        var rels = ""
        for (i, picture) in pictures.enumerated() {
            body += "<w:p><w:r><w:drawing><a:blip r:embed=\"rId\(i + 1)\"/></w:drawing></w:r></w:p>"
            rels += "<Relationship Id=\"rId\(i + 1)\" Type=\"image\" Target=\"\(picture.target)\"/>"
        }
        let document = """
            <?xml version="1.0" encoding="UTF-8"?>
            <w:document xmlns:w="w" xmlns:a="a" xmlns:r="r"><w:body>\(body)</w:body></w:document>
            """
        func add(_ path: String, _ data: Data) throws {
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        try add("word/document.xml", Data(document.utf8))
        try add("word/_rels/document.xml.rels", Data("<Relationships>\(rels)</Relationships>".utf8))
        for picture in pictures {
            let path =
                picture.target.hasPrefix("/") ? String(picture.target.dropFirst()) : "word/" + picture.target
            try add(path, picture.bytes)
        }
        return try #require(archive.data)
    }

    /// Rewrites every size a ZIP states for its entries (local headers, central directory) to `size`:
    /// a package that lies about what it unpacks to.
    static func lyingAboutSizes(_ zip: Data, size: UInt32) -> Data {
        var bytes = [UInt8](zip)
        func put(_ value: UInt32, at offset: Int) {
            for k in 0..<4 { bytes[offset + k] = UInt8((value >> (8 * UInt32(k))) & 0xFF) }
        }
        var i = 0
        while i + 4 <= bytes.count {
            let signature =
                UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
                | UInt32(bytes[i + 3]) << 24
            if signature == 0x0403_4b50 && i + 26 <= bytes.count { put(size, at: i + 22) }
            if signature == 0x0201_4b50 && i + 28 <= bytes.count { put(size, at: i + 24) }
            if signature == 0x0807_4b50 && i + 16 <= bytes.count { put(size, at: i + 12) }
            i += 1
        }
        return Data(bytes)
    }

    @Test("pictures get names of our making inside a new folder of the media root, whatever the package calls them")
    func picturesAreConfined() async throws {
        let f = try InboxFixture(inboxExtra: Self.defaults)
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(repeating: 7, count: 64)
        // An officer's trap: a link in the media folder named as a picture folder might be.
        let outside = f.folder.path + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: f.inbox + "/media", withIntermediateDirectories: true)
        let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0]) + Data(repeating: 9, count: 32)
        let zip = try Self.package(
            paragraphs: ["Tin có ảnh", "Nội dung bài."],
            pictures: [("../../../../outside/pwned.png", png), ("media/image2.jpeg", jpeg)])
        try zip.write(to: URL(fileURLWithPath: f.inbox + "/Bài có ảnh.docx"))
        let result = await f.watcher.scan()
        #expect(result == (1, 0), "\(f.list("/rejected")) \(f.read("rejected/Bài có ảnh.docx.error"))")
        let item = try #require(try await f.store.items(ItemFilter()).first)
        #expect(item.content.title == "Tin có ảnh" && item.content.unit == "Sở Nội vụ")
        #expect(item.content.topic == "tthc" && item.content.channels == ["portal-tinh"])
        #expect(item.status == .submitted)
        let paths = item.content.media.compactMap(\.path)
        let media = try FileManager.default.contentsOfDirectory(atPath: f.inbox + "/media")
        #expect(media.count == 1 && media[0].hasPrefix("word-bai-co-anh-"), "\(media)")
        #expect(paths.count == 2 && paths[0].hasSuffix("/media/\(media[0])/anh-1.png"), "\(paths)")
        #expect(paths.count == 2 && paths[1].hasSuffix("/media/\(media[0])/anh-2.jpeg"), "\(paths)")
        #expect(paths.map { FileManager.default.contents(atPath: $0) } == [png, jpeg])
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(f.list("/accepted") == ["Bài có ảnh.docx"])
    }

    @Test("a package that unpacks past the limits is refused, also when it lies about its sizes")
    func zipBombs() throws {
        let folder = try IntakeFolder(inboxExtra: ", max_media_size: 1MB" + Self.defaults)
        let big = String(repeating: "Cải cách hành chính. ", count: 120_000)  // ~2.8 MB of text
        let honest = try Self.package(paragraphs: ["Bài rất dài", big])
        #expect(honest.count < 1 << 20)
        let liar = Self.lyingAboutSizes(honest, size: 100)
        for (name, data) in [("that.docx", honest), ("noi-doi.docx", liar)] {
            let path = folder.path + "/inbox/" + name
            try FileManager.default.createDirectory(
                atPath: folder.path + "/inbox", withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path))
            do {
                _ = try folder.reader().readWord(path: path, trusted: false, now: t0)
                Issue.record("\(name) was taken in")
            } catch {
                #expect(error.file == name && error.message.contains("giải nén ra quá lớn"), "\(name): \(error)")
            }
        }
        // Within the limits the same text goes in (the cap is on what it unpacks to, not on the words).
        let small = try Self.package(paragraphs: ["Bài vừa", String(big.prefix(200_000))])
        let path = folder.path + "/inbox/vua.docx"
        try small.write(to: URL(fileURLWithPath: path))
        let parsed = try folder.reader().readWord(path: path, trusted: true, now: t0)
        #expect(parsed.content.title == "Bài vừa" && parsed.approval == nil)
    }

    @Test("the file itself is capped by max_item_size before it is read; without word_defaults it is refused")
    func capsAndDefaults() throws {
        let folder = try IntakeFolder(inboxExtra: ", max_item_size: 1KB" + Self.defaults)
        let noise = (0..<4000).map { _ in UInt8.random(in: 0...255) }
        let zip = try Self.package(paragraphs: ["Bài", "x"], pictures: [("media/a.png", Data(noise))])
        try FileManager.default.createDirectory(atPath: folder.path + "/inbox", withIntermediateDirectories: true)
        try zip.write(to: URL(fileURLWithPath: folder.path + "/inbox/lon.docx"))
        do {
            _ = try folder.reader().readWord(path: folder.path + "/inbox/lon.docx", trusted: false, now: t0)
            Issue.record("a file over max_item_size was taken in")
        } catch {
            #expect(error.message.contains("tệp quá lớn"), "\(error)")
        }

        let plain = try IntakeFolder()
        try FileManager.default.createDirectory(atPath: plain.path + "/inbox", withIntermediateDirectories: true)
        try Self.package(paragraphs: ["Bài", "x"]).write(to: URL(fileURLWithPath: plain.path + "/inbox/bai.docx"))
        do {
            _ = try plain.reader().readWord(path: plain.path + "/inbox/bai.docx", trusted: false, now: t0)
            Issue.record("taken in without word_defaults")
        } catch {
            #expect(error.message.contains("inbox.word_defaults"), "\(error)")
        }
    }

    @Test("word_defaults must name configured channels")
    func defaultsNameChannels() throws {
        #expect(throws: ConfigError.self) {
            _ = try IntakeFolder(
                inboxExtra: #", word_defaults: { unit: "Sở Nội vụ", topic: tthc, channels: [khong-co] }"#)
        }
    }
}
