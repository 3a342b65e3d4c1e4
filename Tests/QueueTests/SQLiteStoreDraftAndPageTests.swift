import ChannelKit
import Foundation
import Queue
import Testing

/// Drafts (kept out of the queue and the log until submitted), a page of items read with their
/// deliveries, and inbound events counted per channel, item and kind.
@Suite("Store: drafts, item pages, inbound counts")
struct SQLiteStoreDraftAndPageTests {
    func draft(_ c: ItemContent = content(), id: String? = nil) -> NewItem {
        NewItem(id: id, idMonth: "2026-11", content: c, source: "web:soantin", actor: "soantin", draft: true)
    }

    @Test("a draft is stored without a log line, edited as a draft, then submitted with item.submitted")
    func draftLifecycle() async throws {
        let f = try StoreFixture()
        let (saved, created) = try await f.store.addItem(draft(content(body: "")), at: t0, plan: noPlan)
        #expect(created && saved.status == .draft)
        #expect(try await f.store.lastLogSeq() == 0)

        let (edited, _) = try await f.store.addItem(
            draft(content(body: "Bản thảo lần hai"), id: saved.id), at: t0.addingTimeInterval(60), plan: noPlan)
        #expect(edited.status == .draft && edited.content.body == "Bản thảo lần hai")
        #expect(try await f.store.lastLogSeq() == 0)
        // A draft is not approvable, nor rejectable: it was never submitted.
        let approveDraft = await storeError { () async throws(StoreError) in
            try await f.store.approve(itemID: saved.id, by: "duyet", at: t0, plan: noPlan)
        }
        #expect(approveDraft?.kind == .invalidState)
        let rejectDraft = await storeError { () async throws(StoreError) in
            try await f.store.reject(itemID: saved.id, by: "duyet", reason: nil, at: t0)
        }
        #expect(rejectDraft?.kind == .invalidState)

        // Submitting by an edit without the draft flag: the first line of the item is item.submitted.
        var submit = draft(content(body: "Bản cuối"), id: saved.id)
        submit.draft = false
        let (submitted, _) = try await f.store.addItem(submit, at: t0.addingTimeInterval(120), plan: noPlan)
        #expect(submitted.status == .submitted && submitted.content.body == "Bản cuối")
        #expect(try await f.store.eventNames() == ["item.submitted"])
        let actions = try await f.store.auditTrail(itemID: saved.id).map(\.action)
        #expect(actions == ["add", "edit", "edit", "submit"])
        // Once submitted it can no longer be saved as a draft.
        let again = await storeError { () async throws(StoreError) in
            try await f.store.addItem(draft(id: saved.id), at: t0, plan: noPlan)
        }
        #expect(again?.kind == .invalidState)
        let resubmit = await storeError { () async throws(StoreError) in
            try await f.store.submit(itemID: saved.id, by: "soantin", at: t0)
        }
        #expect(resubmit?.kind == .invalidState)
        try await f.store.expectGapFreeLog()
    }

    @Test("submit(itemID:) moves a draft on unchanged; a draft cancelled leaves no line; no approved drafts")
    func submitAndCancelDrafts() async throws {
        let f = try StoreFixture()
        let (a, _) = try await f.store.addItem(draft(), at: t0, plan: noPlan)
        let submitted = try await f.store.submit(itemID: a.id, by: "soantin", at: t0.addingTimeInterval(1))
        #expect(submitted.status == .submitted)
        #expect(try await f.store.item(a.id)?.status == .submitted)
        let (b, _) = try await f.store.addItem(draft(), at: t0, plan: noPlan)
        let before = try await f.store.lastLogSeq()
        _ = try await f.store.cancel(itemID: b.id, by: "soantin", reason: "bỏ", at: t0.addingTimeInterval(2))
        #expect(try await f.store.lastLogSeq() == before)
        #expect(try await f.store.item(b.id)?.status == .cancelled)
        var approvedDraft = draft()
        approvedDraft.approval = Approval(by: "duyet", at: t0)
        let arrivedApproved = await storeError { () async throws(StoreError) in
            try await f.store.addItem(approvedDraft, at: t0, plan: noPlan)
        }
        #expect(arrivedApproved?.kind == .invalidState)
        try await f.store.expectGapFreeLog()
    }

    @Test("a page of items comes with each item's deliveries, filtered by status, units and source, paged")
    func itemPages() async throws {
        let f = try StoreFixture()
        var ids: [String] = []
        for n in 0..<5 {
            var c = content("Tin số \(n)", channels: ["portal", "fb"])
            c.unit = n % 2 == 0 ? "Sở Nội vụ" : "UBND xã Tân Lập"
            ids.append(try await f.store.addApproved(c, at: t0.addingTimeInterval(Double(n))))
        }
        let (d, _) = try await f.store.addItem(draft(), at: t0.addingTimeInterval(10), plan: noPlan)

        let all = try await f.store.itemPage(ItemPageQuery(limit: 10))
        #expect(all.rows.map(\.item.id) == [d.id] + ids.reversed())
        #expect(!all.hasMore)
        for row in all.rows where row.item.status == .approved {
            #expect(row.deliveries.map(\.channel) == ["portal", "fb"])
            #expect(row.deliveries == (try await f.store.deliveries(itemID: row.item.id)))
        }
        #expect(all.rows.first?.deliveries == [])

        let first = try await f.store.itemPage(ItemPageQuery(statuses: [.approved], limit: 2))
        #expect(first.rows.map(\.item.id) == [ids[4], ids[3]] && first.hasMore)
        let last = try await f.store.itemPage(ItemPageQuery(statuses: [.approved], offset: 4, limit: 2))
        #expect(last.rows.map(\.item.id) == [ids[0]] && !last.hasMore)

        let unit = try await f.store.itemPage(ItemPageQuery(units: ["UBND xã Tân Lập"], limit: 10))
        #expect(unit.rows.map(\.item.id) == [ids[3], ids[1]])
        let drafts = try await f.store.itemPage(ItemPageQuery(statuses: [.draft], source: "web:soantin"))
        #expect(drafts.rows.map(\.item.id) == [d.id])
        #expect(try await f.store.itemPage(ItemPageQuery(units: [])).rows.isEmpty)
        #expect(try await f.store.itemPage(ItemPageQuery(statuses: [.draft], source: "web:khac")).rows.isEmpty)
    }

    @Test("inbound events are counted per channel, item and kind, with the item's title and unit")
    func inboundCounts() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(content(channels: ["fb"]))
        let claimed = try #require(try await f.store.claim("fb").first)
        try await f.store.record(
            [outcome(claimed, .delivered, result: ChannelResult(remoteID: "123_456"))], at: t0.addingTimeInterval(1))
        let at = t0.addingTimeInterval(60)
        let events =
            (0..<3).map {
                InboundEvent(
                    kind: "comment", key: "c\($0)", occurredAt: at, remoteRef: "123_456", text: "Câu hỏi \($0)")
            } + [
                InboundEvent(kind: "reaction", key: "r1", occurredAt: at, remoteRef: "123_456"),
                InboundEvent(kind: "message", key: "m1", occurredAt: at, text: "Xin hỏi"),
            ]
        _ = try await f.store.recordInbound(channel: "fb", channelType: "facebook", events: events, at: at)
        let counts = try await f.store.inboundCounts(InboundEventFilter())
        #expect(
            Set(counts)
                == [
                    InboundCount(channel: "fb", itemID: nil, itemTitle: nil, itemUnit: nil, kind: "message", count: 1),
                    InboundCount(
                        channel: "fb", itemID: id, itemTitle: content().title, itemUnit: "Sở Nội vụ", kind: "comment",
                        count: 3),
                    InboundCount(
                        channel: "fb", itemID: id, itemTitle: content().title, itemUnit: "Sở Nội vụ", kind: "reaction",
                        count: 1),
                ])
        let forItem = try await f.store.inboundCounts(InboundEventFilter(itemID: id))
        #expect(forItem.map(\.count).reduce(0, +) == 4)
        #expect(try await f.store.inboundCounts(InboundEventFilter(channel: "zalo")).isEmpty)
    }
}
