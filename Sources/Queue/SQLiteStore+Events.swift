import ChannelKit
import DeliveryLog
import Foundation
import GRDB

// MARK: - Events platforms send us (webhooks)

extension SQLiteStore {
    public func recordInbound(channel: String, channelType: String, events: [InboundEvent], at: Date)
        async throws(StoreError) -> StoredOnce
    {
        for (index, event) in events.enumerated() {
            guard InboundEvent.isValidKind(event.kind) else {
                throw StoreError(
                    .invalidState, subject: channel,
                    "inbound event \(index) of channel \(channel): kind \"\(event.kind)\" is not a lower-case word")
            }
            guard !event.key.isEmpty else {
                throw StoreError(
                    .invalidState, subject: channel, "inbound event \(index) of channel \(channel): empty key")
            }
        }
        guard !events.isEmpty else { return StoredOnce(stored: 0, duplicates: 0) }
        let clock = self.clock
        return try await write("store inbound events of \(channel)") { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO inbound_events (channel, channel_type, kind, event_key, occurred_at, received_at, \
                    remote_ref, item_id, sender_id, text, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                    ON CONFLICT (channel, event_key) DO NOTHING
                    """)
            let findItem = try db.cachedStatement(
                sql: """
                    SELECT i.id, i.title, i.unit, i.topic FROM deliveries d JOIN items i ON i.id = d.item_id \
                    WHERE d.channel = ? AND d.remote_id = ? LIMIT 1
                    """)
            var stored = 0
            var duplicates = 0
            for event in events {
                var item: ItemHeader?
                if let ref = event.remoteRef, !ref.isEmpty,
                    let row = try Row.fetchOne(findItem, arguments: [channel, ref])
                {
                    item = ItemHeader(id: row[0], title: row[1], unit: row[2], topic: row[3])
                }
                try insert.execute(arguments: [
                    channel, channelType, event.kind, event.key, millis(event.occurredAt), millis(at),
                    event.remoteRef, item?.id, event.senderID, event.text, event.detail,
                ])
                guard db.changesCount > 0 else {
                    duplicates += 1
                    continue
                }
                stored += 1
                // An event about none of our items (a follow, a message) has item_id "-" in the log.
                var line = LogLine(
                    ts: clock.format(at), event: .inbound(kind: event.kind), item_id: item?.id ?? "-",
                    item_title: item?.title ?? "", unit: item?.unit ?? "", topic: item?.topic ?? "",
                    channel: channel, channel_type: channelType, remote_id: event.remoteRef, detail: event.detail)
                line.kind = event.kind
                line.occurred_at = clock.format(event.occurredAt)
                try appendLog(db, line, at: at)
            }
            return StoredOnce(stored: stored, duplicates: duplicates)
        }
    }

    public func inboundEvents(_ filter: InboundEventFilter) async throws(StoreError) -> [InboundEventRecord] {
        try await read("read inbound events") { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let channel = filter.channel {
                conditions.append("channel = ?")
                _ = arguments.append(contentsOf: [channel])
            }
            if let kind = filter.kind {
                conditions.append("kind = ?")
                _ = arguments.append(contentsOf: [kind])
            }
            if let itemID = filter.itemID {
                conditions.append("item_id = ?")
                _ = arguments.append(contentsOf: [itemID])
            }
            if let since = filter.since {
                conditions.append("received_at >= ?")
                _ = arguments.append(contentsOf: [millis(since)])
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            _ = arguments.append(contentsOf: [max(0, filter.limit)])
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT id, channel, channel_type, kind, event_key, occurred_at, received_at, remote_ref, item_id, \
                    sender_id, text, detail FROM inbound_events \(whereClause) ORDER BY id DESC LIMIT ?
                    """, arguments: arguments
            ).map { row in
                InboundEventRecord(
                    id: row[0], channel: row[1], channelType: row[2],
                    event: InboundEvent(
                        kind: row[3], key: row[4], occurredAt: dateFromMillis(row[5]), remoteRef: row[7],
                        senderID: row[9], text: row[10], detail: row[11]),
                    itemID: row[8], receivedAt: dateFromMillis(row[6]))
            }
        }
    }
}

// MARK: - Records channels report by themselves (radio bulletins)

extension SQLiteStore {
    public func recordChannelRecords(channel: String, channelType: String, records: [ChannelRecord], at: Date)
        async throws(StoreError) -> StoredOnce
    {
        for (index, record) in records.enumerated() {
            guard ChannelRecord.isValidEvent(record.event) else {
                throw StoreError(
                    .invalidState, subject: channel,
                    "record \(index) of channel \(channel): event \"\(record.event)\" is not a channel event name")
            }
            guard !record.key.isEmpty else {
                throw StoreError(.invalidState, subject: channel, "record \(index) of channel \(channel): empty key")
            }
        }
        guard !records.isEmpty else { return StoredOnce(stored: 0, duplicates: 0) }
        let clock = self.clock
        return try await write("store the records of \(channel)") { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO channel_records (channel, record_key, event, occurred_at, recorded_at, unit, \
                    duration_s, item_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, record_key) DO NOTHING
                    """)
            var stored = 0
            var duplicates = 0
            for record in records {
                let ids = String(decoding: try JSONEncoder().encode(record.itemIDs), as: UTF8.self)
                try insert.execute(arguments: [
                    channel, record.key, record.event, millis(record.occurredAt), millis(at), record.unit,
                    record.durationSeconds, ids,
                ])
                guard db.changesCount > 0 else {
                    duplicates += 1
                    continue
                }
                stored += 1
                // The first item names the line (a bulletin carries several: `detail` says how many).
                var header = ItemHeader(id: "-", title: "", unit: record.unit, topic: "")
                if let first = record.itemIDs.first,
                    let row = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT title, topic FROM items WHERE id = ?"), arguments: [first])
                {
                    header = ItemHeader(id: first, title: row[0], unit: record.unit, topic: row[1])
                }
                var line = LogLine(
                    ts: clock.format(at), event: .record(record.event), item_id: header.id, item_title: header.title,
                    unit: header.unit, topic: header.topic, channel: channel, channel_type: channelType,
                    detail: record.detail)
                line.occurred_at = clock.format(record.occurredAt)
                line.duration_s = record.durationSeconds
                // The delivery log's field for a record's reference (docs/delivery-log.md): `bulletin_id`,
                // named when `radio.bulletin` was the only channel record; the bytes stay as they were.
                line.bulletin_id = record.reference
                try appendLog(db, line, at: at)
            }
            return StoredOnce(stored: stored, duplicates: duplicates)
        }
    }
}
