import ChannelKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Queue
import Testing

@testable import WebApp

/// Drafts (save, list, edit, submit — the writer's own only), and the compose page's counters and
/// suggested publish times.
@Suite struct DraftAndComposeTests {
    static let fields: [(String, String)] = [
        ("unit", WebFixture.unitA), ("topic", "tthc"), ("priority", "thuong"),
    ]

    @Test func aDraftIsSavedListedEditedAndSubmittedByItsWriterOnly() async throws {
        let f = try await WebFixture()
        let box = IDBox()
        try await f.run { client in
            var author = Browser(client)
            _ = try await author.signIn("soantin")
            // Only a title: enough for a draft (no body, no channel yet).
            let saved = try await author.post(
                "/soan", [("title", "Bản nháp về một cửa"), ("body", ""), ("action", "draft")] + Self.fields,
                from: "/soan")
            #expect(saved.status == .seeOther || saved.status == .found)
            let location = try #require(saved.headers[.location])
            #expect(location.hasSuffix("?kq=nhap"))
            let id = String(location.dropFirst("/bai/".count).prefix { $0 != "?" })
            box.id.withLock { $0 = id }
            #expect(try await f.store.item(id)?.status == .draft)
            #expect(String(buffer: try await author.get(location).body).contains("Đã lưu bản nháp"))

            let list = String(buffer: try await author.get("/nhap").body)
            #expect(list.contains("Bản nháp về một cửa") && list.contains("/soan?nhap=\(id)"))
            // Not in the queue, for its writer or an approver.
            #expect(!String(buffer: try await author.get("/").body).contains("Bản nháp về một cửa"))
            var approver = Browser(client)
            _ = try await approver.signIn("duyet")
            #expect(!String(buffer: try await approver.get("/").body).contains("Bản nháp về một cửa"))
            // Another author of the same unit neither sees it in their drafts nor edits it.
            var other = Browser(client)
            _ = try await other.signIn("lamca")
            #expect(!String(buffer: try await other.get("/nhap").body).contains("Bản nháp về một cửa"))
            #expect(try await other.get("/soan?nhap=\(id)").status == .notFound)
            let foreign = try await other.post(
                "/soan",
                [("draft_id", id), ("title", "Sửa trộm"), ("body", "x"), ("channels", "bang-tin"), ("action", "draft")]
                    + Self.fields, from: "/soan")
            #expect(foreign.status == .notFound)

            // The writer opens it filled in, saves again, then submits.
            let form = String(buffer: try await author.get("/soan?nhap=\(id)").body)
            #expect(form.contains("Sửa bản nháp \(id)") && form.contains("value=\"Bản nháp về một cửa\""))
            #expect(form.contains("name=\"draft_id\" value=\"\(id)\""))
            let incomplete = try await author.post(
                "/soan",
                [("draft_id", id), ("title", "Một cửa điện tử"), ("body", ""), ("action", "submit")] + Self.fields,
                from: "/soan?nhap=\(id)")
            #expect(incomplete.status == .unprocessableContent)
            #expect(String(buffer: incomplete.body).contains("Nội dung: chưa có."))
            #expect(try await f.store.item(id)?.status == .draft)
            let submitted = try await author.post(
                "/soan",
                [
                    ("draft_id", id), ("title", "Một cửa điện tử"), ("body", "Nội dung đầy đủ"),
                    ("channels", "bang-tin"), ("action", "submit"),
                ] + Self.fields, from: "/soan?nhap=\(id)")
            #expect(submitted.headers[.location] == "/bai/\(id)?kq=gui")
            #expect(!String(buffer: try await author.get("/nhap").body).contains("Một cửa điện tử"))
            #expect(String(buffer: try await approver.get("/").body).contains("Một cửa điện tử"))
            // A submitted item is no longer a draft to edit.
            #expect(try await author.get("/soan?nhap=\(id)").status == .conflict)
        }
        let id = box.id.withLock { $0 }
        let item = try #require(try await f.store.item(id))
        #expect(item.status == .submitted && item.content.title == "Một cửa điện tử")
        #expect(item.content.channels == ["bang-tin"])
        let names = try await f.store.logEvents(after: 0, limit: 100).map(\.json)
        #expect(names.count == 1 && names[0].contains("\"event\":\"item.submitted\""))
        #expect(try await f.store.auditTrail(itemID: id).map(\.action) == ["add", "edit", "submit"])
    }

    @Test func anAuthorOfUnitBCannotOpenUnitAsDraft() async throws {
        let f = try await WebFixture()
        let (draft, _) = try await f.store.addItem(
            NewItem(
                id: nil, idMonth: "2026-11",
                content: ItemContent(title: "Nháp", body: "", topic: "tthc", unit: WebFixture.unitA, channels: []),
                source: "web:soantin", actor: "soantin", draft: true), at: t0, plan: { _ in [] })
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("soantin-b")
            #expect(try await b.get("/soan?nhap=\(draft.id)").status == .notFound)
            #expect(try await b.get("/bai/\(draft.id)").status == .notFound)
        }
    }

    @Test func composeCountsEachChannelsLimitsAndSuggestsItsNextSlots() async throws {
        let f = try await WebFixture()
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("soantin")
            let page = try await b.get("/soan")
            let html = String(buffer: page.body)
            #expect(html.contains("data-limits=\"title:150:tiêu đề bảng tin\""))
            #expect(html.contains("<script src=\"/static/app.js\"></script>"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            // 20/11 08:00: the board's slots are 06:00 and 17:00 (quiet 22:00–05:00), the radio station's
            // air times 06:30 and 18:00.
            for slot in ["2026-11-20T17:00", "2026-11-21T06:00", "2026-11-21T17:00"] {
                #expect(html.contains("data-slot=\"\(slot)\""), "\(slot)")
            }
            for slot in ["2026-11-20T18:00", "2026-11-21T06:30", "2026-11-21T18:00"] {
                #expect(html.contains("data-slot=\"\(slot)\""), "\(slot)")
            }
            #expect(!html.contains("data-slot=\"2026-11-20T06:00\""))
            let script = try await b.get("/static/app.js")
            #expect(script.headers[.contentType]?.hasPrefix("text/javascript") == true)
            let js = String(buffer: script.body)
            #expect(js.contains("dataset.limits") && js.contains("title-lead") && js.contains("data-slot"))
        }
    }

    @Test func nextSlotsFollowSlotsQuietHoursAndStations() async throws {
        let f = try await WebFixture()
        let app = f.app
        func local(_ d: Date) -> String { app.localInput(d) }
        // 21:00: the board's next slot is 06:00 tomorrow (not 17:00 today, past).
        let evening = t0.addingTimeInterval(13 * 3600)
        #expect(app.nextSlots(channel: "bang-tin", after: evening).map(local).first == "2026-11-21T06:00")
        // Inside an open slot (17:10), that slot is the first suggestion.
        let inSlot = t0.addingTimeInterval(9 * 3600 + 600)
        #expect(
            app.nextSlots(channel: "bang-tin", after: inSlot).map(local).prefix(2) == [
                "2026-11-20T17:10", "2026-11-21T06:00",
            ])
        #expect(
            app.nextSlots(channel: "bang-phu", after: evening).map(local) == [
                "2026-11-21T06:30", "2026-11-21T18:00", "2026-11-22T06:30",
            ])
        #expect(app.nextSlots(channel: "khong-co", after: evening).isEmpty)
    }
}

import Synchronization

final class IDBox: Sendable {
    let id = Mutex("")
}
