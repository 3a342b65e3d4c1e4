import ChannelKit
import Foundation
import Queue
import Testing

@Suite("SQLiteStore: items")
struct SQLiteStoreItemTests {
    @Test("assigned ids count up per month and skip ids chosen by hand")
    func idAssignment() async throws {
        let f = try StoreFixture()
        let (first, created1) = try await f.store.addItem(newItem(content("Một")), at: t0, plan: noPlan)
        let (second, created2) = try await f.store.addItem(newItem(content("Hai")), at: t0, plan: noPlan)
        #expect(first.id == "2026-11-0001" && created1)
        #expect(second.id == "2026-11-0002" && created2)
        #expect(first.status == .submitted)

        let (hand, created3) = try await f.store.addItem(
            newItem(id: "2026-11-0004", content("Bốn")), at: t0, plan: noPlan)
        #expect(hand.id == "2026-11-0004" && created3)
        let third = try await f.store.addItem(newItem(content("Ba")), at: t0, plan: noPlan).0
        let fifth = try await f.store.addItem(newItem(content("Năm")), at: t0, plan: noPlan).0
        #expect(third.id == "2026-11-0003")
        #expect(fifth.id == "2026-11-0005")

        var december = newItem(content("Tháng mười hai"))
        december.idMonth = "2026-12"
        #expect(try await f.store.addItem(december, at: t0, plan: noPlan).0.id == "2026-12-0001")

        let custom = try await f.store.addItem(newItem(id: "tin-dac_biet.2", content("Riêng")), at: t0, plan: noPlan).0
        #expect(custom.id == "tin-dac_biet.2")

        let stored = try #require(try await f.store.item("2026-11-0001"))
        #expect(stored == first)
        #expect(stored.content == content("Một"))
        #expect(stored.contentHash == content("Một").contentHash)
        #expect(try await f.store.item("nope") == nil)
        #expect(try await f.store.eventNames() == Array(repeating: "item.submitted", count: 7))
        try await f.store.expectGapFreeLog()
    }

    @Test(
        "bad ids are refused and nothing is stored",
        arguments: ["", "a/b", "has space", "tiếng", String(repeating: "x", count: 41), "x;drop"])
    func badIDs(id: String) async throws {
        let f = try StoreFixture()
        let error = await storeError { () async throws(StoreError) in
            try await f.store.addItem(newItem(id: id), at: t0, plan: noPlan)
        }
        #expect(error?.kind == .invalidState)
        #expect(error?.currentState == nil)
        #expect(error?.message.contains("invalid item id") == true)
        #expect(try await f.store.lastLogSeq() == 0)
        #expect(try await f.store.stats().itemsByStatus.isEmpty)
    }

    @Test("a 40-character id is fine")
    func longestID() async throws {
        let f = try StoreFixture()
        let id = String(repeating: "a", count: 40)
        #expect(try await f.store.addItem(newItem(id: id), at: t0, plan: noPlan).0.id == id)
    }

    @Test("edits: identical content is a no-op, a change withdraws the approval, started deliveries lock")
    func editSemantics() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(id: "tin-1")
        #expect(try await f.store.deliveries(itemID: id).count == 2)
        let seqBefore = try await f.store.lastLogSeq()

        // Same content again: nothing happens.
        let (same, created) = try await f.store.addItem(newItem(id: id), at: t0.addingTimeInterval(5), plan: noPlan)
        #expect(!created)
        #expect(same.status == .approved && same.approvedBy == "Trần Thị B")
        #expect(try await f.store.lastLogSeq() == seqBefore)

        // Changed content: back to submitted, approval and waiting deliveries gone.
        let later = t0.addingTimeInterval(10)
        let (edited, created2) = try await f.store.addItem(
            newItem(id: id, content("Tiêu đề mới")), at: later, plan: noPlan)
        #expect(!created2)
        #expect(edited.status == .submitted)
        #expect(edited.approvedBy == nil && edited.approvedAt == nil && edited.approvedHash == nil)
        #expect(edited.contentHash == content("Tiêu đề mới").contentHash)
        #expect(edited.createdAt == t0 && edited.updatedAt == later)
        #expect(try await f.store.item(id) == edited)
        #expect(try await f.store.deliveries(itemID: id).isEmpty)
        let lines = try await f.store.logLines()
        #expect(
            lines.map(\.event) == [
                "item.submitted", "item.approved", "delivery.planned", "delivery.planned", "item.edited",
            ])
        #expect(lines.last?.item_title == "Tiêu đề mới")
        #expect(lines.last?.actor == officer)
        #expect(try await f.store.claim("portal").isEmpty)

        // Approved again, one delivery started: edits are locked.
        _ = try await f.store.approve(itemID: id, by: "Trần Thị B", at: later, plan: planner())
        #expect(try await f.store.claim("portal", now: later).count == 1)
        let error = await storeError { () async throws(StoreError) in
            try await f.store.addItem(newItem(id: id, content("Lại sửa")), at: later, plan: noPlan)
        }
        #expect(error?.kind == .locked)
        #expect(error?.subject == id)
        #expect(try await f.store.item(id)?.content.title == "Tiêu đề mới")

        // Final items: invalid state.
        let other = try await f.store.addItem(newItem(id: "tin-2"), at: t0, plan: noPlan).0
        _ = try await f.store.cancel(itemID: other.id, by: officer, reason: nil, at: t0)
        let final = await storeError { () async throws(StoreError) in
            try await f.store.addItem(newItem(id: "tin-2", content("Khác")), at: t0, plan: noPlan)
        }
        #expect(final?.kind == .invalidState)
        #expect(final?.currentState == "cancelled")
        try await f.store.expectGapFreeLog()
    }

    @Test("editing a submitted item replaces its content")
    func editSubmitted() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addItem(newItem(), at: t0, plan: noPlan).0.id
        let (edited, created) = try await f.store.addItem(newItem(id: id, content("Sửa")), at: t0, plan: noPlan)
        #expect(!created && edited.status == .submitted && edited.content.title == "Sửa")
        #expect(try await f.store.eventNames() == ["item.submitted", "item.edited"])
    }

    @Test("approve plans the deliveries and logs them in order")
    func approveLogs() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addItem(newItem(), at: t0, plan: noPlan).0.id
        let due = t0.addingTimeInterval(3600)
        let approvedAt = t0.addingTimeInterval(60)
        let seen = SeenRecord()
        let approved = try await f.store.approve(itemID: id, by: "Trần Thị B", at: approvedAt) { record in
            seen.set(record)
            return planner(due: due, after: ["fb": "portal"])(record)
        }
        #expect(approved.status == .approved)
        #expect(approved.approvedBy == "Trần Thị B" && approved.approvedAt == approvedAt)
        #expect(approved.approvedHash == approved.contentHash)
        #expect(seen.get() == approved)

        let deliveries = try await f.store.deliveries(itemID: id)
        #expect(deliveries.map(\.id) == ["\(id)/portal", "\(id)/fb"])
        #expect(deliveries.allSatisfy { $0.state == .pending && $0.dueAt == due && $0.attempts == 0 })
        #expect(deliveries.map(\.after) == [nil, "portal"])
        #expect(deliveries.map(\.channelType) == ["type-portal", "type-fb"])

        let lines = try await f.store.logLines()
        #expect(lines.map(\.event) == ["item.submitted", "item.approved", "delivery.planned", "delivery.planned"])
        let planned = lines[2]
        #expect(planned.channel == "portal" && planned.channel_type == "type-portal")
        #expect(planned.delivery_id == "\(id)/portal" && planned.state == "pending")
        #expect(planned.due_at == "2026-11-20T09:00:00.000+07:00")
        #expect(planned.ts == "2026-11-20T08:01:00.000+07:00")
        #expect(lines[1].actor == "Trần Thị B")
        #expect(lines.allSatisfy { $0.item_id == id && $0.unit == "Sở Nội vụ" && $0.topic == "tthc" })
        try await f.store.expectGapFreeLog()

        // Twice: invalid state, nothing written.
        let seq = try await f.store.lastLogSeq()
        let error = await storeError { () async throws(StoreError) in
            try await f.store.approve(itemID: id, by: "X", at: t0, plan: planner())
        }
        #expect(error?.kind == .invalidState)
        #expect(error?.currentState == "approved")
        #expect(try await f.store.lastLogSeq() == seq)
        #expect(try await f.store.deliveries(itemID: id).count == 2)

        let missing = await storeError { () async throws(StoreError) in
            try await f.store.approve(itemID: "khong-co", by: "X", at: t0, plan: planner())
        }
        #expect(missing?.kind == .notFound && missing?.subject == "khong-co")
    }

    @Test("an item from a trusted inbox arrives approved with its deliveries")
    func preApproved() async throws {
        let f = try StoreFixture()
        let approval = Approval(by: "Lãnh đạo", at: t0.addingTimeInterval(-3600))
        let (item, created) = try await f.store.addItem(newItem(approval: approval), at: t0, plan: planner())
        #expect(created && item.status == .approved && item.approvedBy == "Lãnh đạo")
        #expect(item.approvedAt == approval.at && item.approvedHash == item.contentHash)
        #expect(try await f.store.item(item.id) == item)
        #expect(try await f.store.deliveries(itemID: item.id).count == 2)
        #expect(
            try await f.store.eventNames() == [
                "item.submitted", "item.approved", "delivery.planned", "delivery.planned",
            ])
        #expect(try await f.store.claim("fb").count == 1)
    }

    @Test("reject and cancel cancel the waiting deliveries")
    func rejectAndCancel() async throws {
        let f = try StoreFixture()
        let rejected = try await f.store.addApproved(id: "tu-choi")
        let record = try await f.store.reject(itemID: rejected, by: "Trần Thị B", reason: "sai số liệu", at: t0)
        #expect(record.status == .rejected && record.statusReason == "sai số liệu")
        #expect(try await f.store.deliveries(itemID: rejected).allSatisfy { $0.state == .cancelled })
        #expect(try await f.store.claim("portal").isEmpty)
        let seq = try await f.store.lastLogSeq()

        let cancelled = try await f.store.addApproved(id: "huy")
        // One in flight: it stays leased, the other is cancelled.
        #expect(try await f.store.claim("portal").count == 1)
        let after = try await f.store.cancel(itemID: cancelled, by: officer, reason: "trùng", at: t0)
        #expect(after.status == .cancelled && after.statusReason == "trùng")
        let states = try await f.store.deliveries(itemID: cancelled).map(\.state)
        #expect(states == [.leased, .cancelled])
        let lines = try await f.store.logLines()
        #expect(
            lines.prefix(Int(seq)).suffix(3).map(\.event) == [
                "item.rejected", "delivery.cancelled", "delivery.cancelled",
            ])
        #expect(lines.suffix(2).map(\.event) == ["item.cancelled", "delivery.cancelled"])
        #expect(lines.last?.actor == officer && lines.last?.state == "cancelled" && lines.last?.channel == "fb")

        // Rejecting a dispatching or cancelled item, cancelling twice: invalid state.
        let again = await storeError { () async throws(StoreError) in
            try await f.store.cancel(itemID: cancelled, by: officer, reason: nil, at: t0)
        }
        #expect(again?.kind == .invalidState && again?.currentState == "cancelled")
        let late = await storeError { () async throws(StoreError) in
            try await f.store.reject(itemID: rejected, by: officer, reason: nil, at: t0)
        }
        #expect(late?.kind == .invalidState && late?.currentState == "rejected")
        try await f.store.expectGapFreeLog()
    }

    @Test("the outcome of a delivery in flight when its item was cancelled is still recorded")
    func cancelledInFlight() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(id: "huy")
        let portal = try #require(try await f.store.claim("portal").first)
        let fb = try #require(try await f.store.claim("fb").first)
        _ = try await f.store.cancel(itemID: id, by: officer, reason: nil, at: t0)
        try await f.store.record(
            [
                outcome(portal, .delivered, result: ChannelResult(remoteID: "1", url: "https://p/1")),
                outcome(fb, .retry(at: t0.addingTimeInterval(30)), errorClass: "timeout", error: "timed out"),
            ], at: t0.addingTimeInterval(1))
        #expect(try await f.store.item(id)?.status == .cancelled)
        let deliveries = try await f.store.deliveries(itemID: id)
        #expect(deliveries.map(\.state) == [.delivered, .cancelled])
        #expect(try await f.store.attempts(deliveryID: "\(id)/fb").count == 1)
        #expect(try await f.store.claim("fb", now: t0.addingTimeInterval(60)).isEmpty)
        try await f.store.expectGapFreeLog()
    }

    @Test("item listing filters")
    func listing() async throws {
        let f = try StoreFixture()
        _ = try await f.store.addItem(newItem(content("A", channels: ["portal"])), at: t0, plan: noPlan)
        _ = try await f.store.addItem(
            newItem(content("B", channels: ["fb"])), at: t0.addingTimeInterval(10), plan: noPlan)
        var other = content("C", channels: ["portal", "fb"])
        other.unit = "UBND xã"
        _ = try await f.store.addItem(newItem(other), at: t0.addingTimeInterval(20), plan: noPlan)
        _ = try await f.store.approve(itemID: "2026-11-0001", by: officer, at: t0, plan: planner())

        #expect(try await f.store.items(ItemFilter()).map(\.content.title) == ["C", "B", "A"])
        #expect(try await f.store.items(ItemFilter(statuses: [.approved])).map(\.content.title) == ["A"])
        #expect(try await f.store.items(ItemFilter(statuses: [])).isEmpty)
        #expect(try await f.store.items(ItemFilter(channel: "fb")).map(\.content.title) == ["C", "B"])
        #expect(try await f.store.items(ItemFilter(unit: "UBND xã")).map(\.content.title) == ["C"])
        #expect(
            try await f.store.items(ItemFilter(from: t0.addingTimeInterval(10), to: t0.addingTimeInterval(20)))
                .map(\.content.title) == ["B"])
        #expect(try await f.store.items(ItemFilter(limit: 2)).count == 2)
        let stats = try await f.store.stats()
        #expect(stats.itemsByStatus == ["approved": 1, "submitted": 2])
        #expect(stats.deliveriesByState == ["pending": 1])
    }

    @Test("two stores on one file see each other's writes, and concurrent writers never collide")
    func twoStores() async throws {
        let f = try StoreFixture()
        let cli = try f.secondStore()
        let id = try await cli.addItem(newItem(), at: t0, plan: noPlan).0.id
        #expect(try await f.store.item(id)?.status == .submitted)
        _ = try await f.store.approve(itemID: id, by: officer, at: t0, plan: planner())
        #expect(try await cli.deliveries(itemID: id).count == 2)
        #expect(try await cli.claim("portal").count == 1)
        #expect(try await f.store.delivery("\(id)/portal")?.state == .leased)

        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in [f.store, cli] {
                for n in 0..<15 {
                    group.addTask {
                        _ = try await store.addItem(newItem(content("Tin \(n)")), at: t0, plan: noPlan)
                    }
                }
            }
            try await group.waitForAll()
        }
        let ids = try await cli.items(ItemFilter()).map(\.id)
        #expect(ids.count == 31 && Set(ids).count == 31)
        #expect(Set(ids) == Set((1...31).map { String(format: "2026-11-%04d", $0) }))
        try await f.store.expectGapFreeLog()
        try await cli.expectGapFreeLog()
    }
}

/// Captures the record handed to a plan closure.
final class SeenRecord: @unchecked Sendable {
    private let lock = NSLock()
    private var record: ItemRecord?
    func set(_ record: ItemRecord) { lock.withLock { self.record = record } }
    func get() -> ItemRecord? { lock.withLock { record } }
}

@Suite("Store: retraction of a published post")
struct SQLiteStoreRetractionTests {
    @Test("a delivered post is marked retracted once, with its log line and audit row; nothing else can be")
    func retractOnce() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(content(channels: ["fb", "portal"]))
        let fb = try #require(try await f.store.claim("fb").first)
        try await f.store.record(
            [outcome(fb, .delivered, result: ChannelResult(remoteID: "123_456", url: "https://fb.example/p/456"))],
            at: t0.addingTimeInterval(1))
        let at = t0.addingTimeInterval(600)
        let before = try await f.store.lastLogSeq()
        let d = try await f.store.retract(deliveryID: "\(id)/fb", by: officer, detail: "đã xoá bài 123_456", at: at)
        #expect(d.state == .delivered && d.retractedAt == at && d.retractedBy == officer)
        #expect(try await f.store.delivery("\(id)/fb")?.retractedAt == at)
        let lines = try await f.store.logEvents(after: before, limit: 10).map { try decodeLine($0.json) }
        #expect(lines.map(\.event) == ["delivery.retracted"])
        #expect(lines[0].state == "retracted" && lines[0].actor == officer && lines[0].remote_id == "123_456")
        #expect(lines[0].url == "https://fb.example/p/456" && lines[0].detail == "đã xoá bài 123_456")
        #expect(lines[0].delivery_id == "\(id)/fb" && lines[0].item_id == id)

        let again = await storeError { () async throws(StoreError) in
            try await f.store.retract(deliveryID: "\(id)/fb", by: officer, detail: nil, at: at)
        }
        #expect(again?.kind == .invalidState && again?.currentState == "retracted")
        let pending = await storeError { () async throws(StoreError) in
            try await f.store.retract(deliveryID: "\(id)/portal", by: officer, detail: nil, at: at)
        }
        #expect(pending?.kind == .invalidState && pending?.currentState == "pending")
        let missing = await storeError { () async throws(StoreError) in
            try await f.store.retract(deliveryID: "\(id)/zalo", by: officer, detail: nil, at: at)
        }
        #expect(missing?.kind == .notFound)
        #expect(try await f.store.lastLogSeq() == before + 1)
    }
}
