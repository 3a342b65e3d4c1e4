import ChannelKit
import Foundation
import Queue
import Testing

@Suite struct ChannelValueTests {
    @Test func prioritiesOrderAndLabels() {
        #expect(Priority.emergency > Priority.high && Priority.high > Priority.normal)
        #expect(Priority(rawValue: "uu-tien") == .high)
        #expect(Priority.emergency.label == "Khẩn cấp")
    }

    @Test func builtinTopicsHaveVietnameseLabelsAndDecodeByKey() throws {
        #expect(
            Topic.builtin.map(\.key) == [
                "the-che", "tthc", "bo-may", "cong-vu", "tai-chinh-cong", "chinh-quyen-so", "chi-so", "khac",
            ])
        let t = try JSONDecoder().decode(Topic.self, from: Data("\"tthc\"".utf8))
        #expect(t.label == "Cải cách thủ tục hành chính")
        #expect(String(decoding: try JSONEncoder().encode(t), as: UTF8.self) == "\"tthc\"")
    }

    @Test func channelErrorsDescribeClassAndCode() {
        let e = ChannelError(.throttled, "chậm lại", code: 429)
        #expect(e.description == "throttled (429): chậm lại")
        #expect(ChannelError(.auth, "sai").description == "auth: sai")
    }
}

@Suite struct ChannelItemOverrideTests {
    @Test func overridesReplaceFieldsForTheirChannelOnly() {
        let content = ItemContent(
            title: "Tiêu đề gốc", summary: "Tóm tắt", body: "Nội dung **gốc**", topic: "tthc", unit: "Sở Nội vụ",
            channels: ["portal-tinh", "fb-sonoivu"],
            overrides: ["fb-sonoivu": ["title": "Tiêu đề ngắn", "text": "Bài đăng Facebook #CCHC"]])
        let record = ItemRecord(
            id: "2026-11-0001", content: content, contentHash: content.contentHash, status: .approved, source: "test",
            createdAt: Date(), updatedAt: Date())
        let facebook = record.channelItem(for: "fb-sonoivu") { _ in "Cải cách thủ tục hành chính" }
        #expect(facebook.title == "Tiêu đề ngắn")
        #expect(facebook.body == "Nội dung **gốc**")
        #expect(facebook.override["text"] == "Bài đăng Facebook #CCHC")
        #expect(facebook.topic.label == "Cải cách thủ tục hành chính")
        let portal = record.channelItem(for: "portal-tinh") { $0 }
        #expect(portal.title == "Tiêu đề gốc")
        #expect(portal.override.isEmpty)
    }

    @Test func theContentHashChangesWithEveryField() {
        let base = ItemContent(title: "A", body: "B", topic: "tthc", unit: "U", channels: ["x"])
        var edits: [ItemContent] = []
        var e = base
        e.title = "A2"
        edits.append(e)
        e = base
        e.channels = ["x", "y"]
        edits.append(e)
        e = base
        e.publishAt = Date(timeIntervalSince1970: 1)
        edits.append(e)
        e = base
        e.overrides = ["x": ["text": "t"]]
        edits.append(e)
        #expect(
            base.contentHash
                == ItemContent(title: "A", body: "B", topic: "tthc", unit: "U", channels: ["x"]).contentHash)
        for edit in edits { #expect(edit.contentHash != base.contentHash) }
    }
}
