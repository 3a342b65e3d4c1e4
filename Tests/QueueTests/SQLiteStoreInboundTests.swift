import ChannelKit
import Foundation
import Queue
import Testing

/// Events platforms send (webhooks): stored once per key, linked to our item by the post's remote id,
/// each new one logged as `inbound.<kind>` in the same transaction; citizens' words stay in the store.
@Suite("Store: inbound events")
struct SQLiteStoreInboundTests {
    /// An item delivered to `fb` with remote id `123_456`.
    func deliveredItem(_ f: StoreFixture) async throws -> String {
        let id = try await f.store.addApproved(content(channels: ["fb"]))
        let claimed = try #require(try await f.store.claim("fb").first)
        try await f.store.record(
            [outcome(claimed, .delivered, result: ChannelResult(remoteID: "123_456", url: "https://fb.example/p/456"))],
            at: t0.addingTimeInterval(1))
        return id
    }

    @Test("new events are stored and logged once; redeliveries are dropped; posts map to our items")
    func storedOnceAndMapped() async throws {
        let f = try StoreFixture()
        let id = try await deliveredItem(f)
        let at = t0.addingTimeInterval(3600)
        let comment = InboundEvent(
            kind: "comment", key: "comment:123_456_789:add", occurredAt: at.addingTimeInterval(-2),
            remoteRef: "123_456",
            senderID: "9001", text: "Thủ tục này nộp trực tuyến ở đâu ạ?", detail: "add")
        let follow = InboundEvent(kind: "follow", key: "follow:42:1732000000", occurredAt: at, senderID: "42")
        let before = try await f.store.lastLogSeq()
        let first = try await f.store.recordInbound(
            channel: "fb", channelType: "facebook", events: [comment, follow], at: at)
        #expect(first == StoredOnce(stored: 2, duplicates: 0))
        // The platform delivers the same batch again, and one new event with it.
        let reaction = InboundEvent(
            kind: "reaction", key: "reaction:123_456:9002:like", occurredAt: at, remoteRef: "123_456", senderID: "9002",
            detail: "like")
        let second = try await f.store.recordInbound(
            channel: "fb", channelType: "facebook", events: [comment, follow, reaction], at: at.addingTimeInterval(5))
        #expect(second == StoredOnce(stored: 1, duplicates: 2))
        // The same key on another channel is another event.
        let other = try await f.store.recordInbound(
            channel: "zalo", channelType: "zalo", events: [follow], at: at.addingTimeInterval(6))
        #expect(other.stored == 1)

        let lines = try await f.store.logEvents(after: before, limit: 100).map { try decodeLine($0.json) }
        #expect(lines.map(\.event) == ["inbound.comment", "inbound.follow", "inbound.reaction", "inbound.follow"])
        #expect(lines[0].item_id == id && lines[0].item_title == content().title && lines[0].unit == "Sở Nội vụ")
        #expect(lines[0].remote_id == "123_456" && lines[0].kind == "comment" && lines[0].detail == "add")
        #expect(
            lines[0].occurred_at == "2026-11-20T08:59:58.000+07:00" && lines[0].ts == "2026-11-20T09:00:00.000+07:00")
        #expect(lines[1].item_id == "-" && lines[1].item_title == "" && lines[1].channel_type == "facebook")
        #expect(lines[3].channel == "zalo")
        // Citizens' words and ids never reach the delivery log.
        let raw = try await f.store.logEvents(after: before, limit: 100).map(\.json).joined()
        #expect(!raw.contains("Thủ tục này") && !raw.contains("9001"))
        try await f.store.expectGapFreeLog()

        let stored = try await f.store.inboundEvents(InboundEventFilter(channel: "fb"))
        #expect(stored.map(\.event.kind) == ["reaction", "follow", "comment"])
        #expect(stored[2].event == comment && stored[2].itemID == id && stored[2].receivedAt == at)
        #expect(stored[1].itemID == nil)
        #expect(try await f.store.inboundEvents(InboundEventFilter(kind: "follow")).count == 2)
        #expect(try await f.store.inboundEvents(InboundEventFilter(itemID: id)).count == 2)
        #expect(
            try await f.store.inboundEvents(InboundEventFilter(since: at.addingTimeInterval(5))).map(\.channel) == [
                "zalo", "fb",
            ])
        #expect(try await f.store.inboundEvents(InboundEventFilter(limit: 1)).count == 1)
    }

    @Test("a batch with a bad kind or an empty key is refused whole, naming the event")
    func badEventsRefused() async throws {
        let f = try StoreFixture()
        let good = InboundEvent(kind: "message", key: "m1", occurredAt: t0, text: "Xin chào")
        for bad in [
            InboundEvent(kind: "Comment", key: "c1", occurredAt: t0),
            InboundEvent(kind: "new\"kind", key: "c1", occurredAt: t0),
            InboundEvent(kind: "", key: "c1", occurredAt: t0),
            InboundEvent(kind: "comment", key: "", occurredAt: t0),
        ] {
            let error = await storeError { () async throws(StoreError) in
                try await f.store.recordInbound(channel: "zl", channelType: "zalo", events: [good, bad], at: t0)
            }
            #expect(error?.kind == .invalidState)
            #expect(error?.message.contains("inbound event 1 of channel zl") == true, "\(String(describing: error))")
        }
        #expect(try await f.store.inboundEvents(InboundEventFilter()).isEmpty)
        #expect(try await f.store.lastLogSeq() == 0)
        #expect(try await f.store.recordInbound(channel: "zl", channelType: "zalo", events: [], at: t0).stored == 0)
    }
}

/// Records channels report by themselves (radio bulletins): kept once per key, each new one logged.
@Suite("Store: channel records")
struct SQLiteStoreChannelRecordTests {
    @Test("a record is stored and logged once, named after its first item, with its airtime")
    func storedOnce() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(content(channels: ["radio"]))
        let bulletin = ChannelRecord(
            event: "radio.bulletin", key: "tan-lap/2026-11-20-0600", occurredAt: t0.addingTimeInterval(-7200),
            unit: "UBND xã Tân Lập", durationSeconds: 312.5, reference: "2026-11-20-0600", itemIDs: [id, "gone"],
            detail: "Đài truyền thanh xã Tân Lập: 2 tin")
        let empty = ChannelRecord(
            event: "radio.bulletin", key: "tan-lap/2026-11-20-1700", occurredAt: t0, unit: "UBND xã Tân Lập",
            durationSeconds: 60, reference: "2026-11-20-1700")
        let before = try await f.store.lastLogSeq()
        #expect(
            try await f.store.recordChannelRecords(channel: "radio", channelType: "radio", records: [bulletin], at: t0)
                == StoredOnce(stored: 1, duplicates: 0))
        #expect(
            try await f.store.recordChannelRecords(
                channel: "radio", channelType: "radio", records: [bulletin, empty], at: t0.addingTimeInterval(60))
                == StoredOnce(stored: 1, duplicates: 1))
        let raw = try await f.store.logEvents(after: before, limit: 10)
        let lines = try raw.map { try decodeLine($0.json) }
        #expect(lines.map(\.event) == ["radio.bulletin", "radio.bulletin"])
        #expect(lines[0].item_id == id && lines[0].item_title == content().title && lines[0].unit == "UBND xã Tân Lập")
        #expect(lines[0].duration_s == 312.5 && lines[0].bulletin_id == "2026-11-20-0600")
        #expect(lines[0].occurred_at == "2026-11-20T06:00:00.000+07:00" && lines[0].channel_type == "radio")
        #expect(raw[0].json.contains(#""duration_s":312.5,"#))
        #expect(lines[1].item_id == "-" && lines[1].topic == "" && lines[1].unit == "UBND xã Tân Lập")
        #expect(raw[1].json.contains(#""duration_s":60,"#))
    }

    @Test("event names of the daemon's own namespaces, bad words and empty keys are refused")
    func badRecordsRefused() async throws {
        let f = try StoreFixture()
        for event in [
            "delivery.delivered", "item.approved", "inbound.comment", "radio", "Radio.bulletin", "a.b.c", ".x",
        ] {
            let error = await storeError { () async throws(StoreError) in
                try await f.store.recordChannelRecords(
                    channel: "radio", channelType: "radio",
                    records: [ChannelRecord(event: event, key: "k", occurredAt: t0, unit: "u")], at: t0)
            }
            #expect(error?.kind == .invalidState, "\(event)")
        }
        let error = await storeError { () async throws(StoreError) in
            try await f.store.recordChannelRecords(
                channel: "radio", channelType: "radio",
                records: [ChannelRecord(event: "radio.bulletin", key: "", occurredAt: t0, unit: "u")], at: t0)
        }
        #expect(error?.message.contains("empty key") == true)
        #expect(try await f.store.lastLogSeq() == 0)
    }
}
