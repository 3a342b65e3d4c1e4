import ChannelKit
import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif
import Testing

@testable import Portal

@Suite struct StaticPortalTests {
    let folder = NSTemporaryDirectory() + "static-portal-\(UUID().uuidString)"

    func read(_ name: String) throws -> String { try String(contentsOfFile: folder + "/" + name, encoding: .utf8) }

    @Test func writesPageIndexAndFeed() async throws {
        let portal = try makePortal([
            ("preset", "static"), ("output", folder), ("site_title", "Tin CCHC – Sở Nội vụ"),
            ("base_url", "https://cchc.example.gov.vn/tin/"),
        ])
        let outcome = await portal.publish(request())
        #expect(
            outcome
                == .delivered(
                    ChannelResult(
                        remoteID: "cchc-2026-11-0042", url: "https://cchc.example.gov.vn/tin/cchc-2026-11-0042.html"),
                    detail: "page written"))

        let page = try read("cchc-2026-11-0042.html")
        #expect(page.contains(#"<html lang="vi">"#))
        #expect(page.contains("<h1>Sơn La: 100% thủ tục &quot;một cửa&quot; được tiếp nhận trực tuyến</h1>"))
        #expect(page.contains("25/11/2026 08:00"))
        #expect(page.contains(#"datetime="2026-11-25T08:00:00+07:00""#))
        #expect(page.contains("Sở Nội vụ"))
        #expect(page.contains("Cải cách thủ tục hành chính"))
        #expect(page.contains("<strong>bài viết</strong>"))

        let index = try read("index.html")
        #expect(index.contains("https://cchc.example.gov.vn/tin/cchc-2026-11-0042.html"))
        let feed = try read("feed.xml")
        #expect(feed.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?>"#))
        #expect(feed.contains("<pubDate>Wed, 25 Nov 2026 08:00:00 +0700</pubDate>"))
        #expect(feed.contains("<link>https://cchc.example.gov.vn/tin/cchc-2026-11-0042.html</link>"))
        // The feed is well-formed XML.
        let parser = XMLParser(data: Data(feed.utf8))
        #expect(parser.parse())

        // No temporary files are left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names == [".items.json", "cchc-2026-11-0042.html", "feed.xml", "index.html"])
    }

    @Test func idempotentAndNewestFirst() async throws {
        let portal = try makePortal([("preset", "static"), ("output", folder)])
        #expect(portal.traits.idempotent)
        var older = item
        older.id = "2026-10-0001"
        older.title = "Tin cũ"
        older.publishAt = Date(timeIntervalSince1970: 1_790_000_000)
        _ = await portal.publish(request(older))
        _ = await portal.publish(request())
        var edited = item
        edited.title = "Tin mới (sửa)"
        let again = await portal.publish(request(edited, interrupted: true))
        guard case .delivered(let result, let detail) = again else {
            Issue.record("expected delivered")
            return
        }
        #expect(detail == "page rewritten")
        #expect(result.url == URL(fileURLWithPath: folder + "/cchc-2026-11-0042.html").absoluteString)

        let index = try read("index.html")
        let newer = try #require(index.range(of: "Tin mới (sửa)"))
        let old = try #require(index.range(of: "Tin cũ"))
        #expect(newer.lowerBound < old.lowerBound)
        #expect(!index.contains("một cửa"))
        let feed = try read("feed.xml")
        #expect(feed.components(separatedBy: "<item>").count == 3)
        let list = try JSONSerialization.jsonObject(with: Data(try read(".items.json").utf8)) as? [[String: Any]]
        #expect(list?.count == 2)
    }

    @Test func concurrentPublishesKeepEveryItem() async throws {
        let portal = try makePortal([("preset", "static"), ("output", folder)])
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<12 {
                group.addTask {
                    var each = item
                    each.id = "2026-11-\(n)"
                    _ = await portal.publish(request(each))
                }
            }
        }
        let list = try JSONSerialization.jsonObject(with: Data(try read(".items.json").utf8)) as? [[String: Any]]
        #expect(list?.count == 12)
        #expect(try read("index.html").components(separatedBy: "<li>").count == 13)
    }

    @Test func outputResolvesAgainstTheConfigFolderAndMustBeAFolder() async throws {
        let base = NSTemporaryDirectory() + "cfg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let portal = try makePortal([("preset", "static"), ("output", "www")], base: base)
        _ = await portal.publish(request())
        #expect(FileManager.default.fileExists(atPath: base + "/www/index.html"))
        try "x".write(toFile: base + "/file", atomically: true, encoding: .utf8)
        #expect(configError([("preset", "static"), ("output", "file")], base: base)?.path == "channels.portal.output")
        #expect(configError([("preset", "static")])?.path == "channels.portal.output")
        #expect(
            configError([("preset", "static"), ("output", "www"), ("url", "https://x")], base: base)?.path
                == "channels.portal.url")
    }
}
