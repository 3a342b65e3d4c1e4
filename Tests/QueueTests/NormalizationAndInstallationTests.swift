import ChannelKit
import Foundation
import Queue
import Testing

@Suite("SQLiteStore: NFC text and the installation id")
struct NormalizationAndInstallationTests {
    @Test("text pasted decomposed is stored in NFC: one content hash, one unit, found by either spelling")
    func decomposedTextIsStoredPrecomposed() async throws {
        let f = try StoreFixture()
        let composed = content("Sở Nội vụ: cải cách thủ tục")
        var decomposed = composed
        decomposed.title = composed.title.decomposedStringWithCanonicalMapping
        decomposed.unit = composed.unit.decomposedStringWithCanonicalMapping
        decomposed.body = "Nội dung".decomposedStringWithCanonicalMapping
        decomposed.summary = composed.summary?.decomposedStringWithCanonicalMapping
        decomposed.overrides = ["fb": ["text": "Bài viết".decomposedStringWithCanonicalMapping]]
        decomposed.media = [MediaRef(path: "a.jpg", caption: "Ảnh bìa".decomposedStringWithCanonicalMapping)]
        // Different bytes, same letters.
        #expect(Array(decomposed.unit.utf8) != Array(composed.unit.utf8))

        let (stored, _) = try await f.store.addItem(newItem(decomposed), at: t0, plan: noPlan)
        #expect(Array(stored.content.title.utf8) == Array(composed.title.utf8))
        #expect(Array(stored.content.unit.utf8) == Array("Sở Nội vụ".utf8))
        #expect(Array(stored.content.body.utf8) == Array("Nội dung".utf8))
        #expect(Array((stored.content.overrides["fb"]?["text"] ?? "").utf8) == Array("Bài viết".utf8))
        #expect(Array((stored.content.media.first?.caption ?? "").utf8) == Array("Ảnh bìa".utf8))

        var same = composed
        same.body = "Nội dung"
        same.overrides = ["fb": ["text": "Bài viết"]]
        same.media = [MediaRef(path: "a.jpg", caption: "Ảnh bìa")]
        #expect(stored.contentHash == same.contentHash)

        // `item list --unit` typed either way finds it.
        var filter = ItemFilter()
        filter.unit = "Sở Nội vụ".decomposedStringWithCanonicalMapping
        #expect(try await f.store.items(filter).map(\.id) == [stored.id])
        filter.unit = "Sở Nội vụ"
        #expect(try await f.store.items(filter).map(\.id) == [stored.id])
    }

    @Test("each store has its own installation id, kept when the file is reopened (and so in backups)")
    func installationID() async throws {
        let a = try StoreFixture()
        let b = try StoreFixture()
        let id = try await a.store.installationID()
        #expect(id.count == 12 && id.allSatisfy(\.isHexDigit))
        #expect(try await b.store.installationID() != id)
        #expect(try await a.secondStore().installationID() == id)
    }
}
