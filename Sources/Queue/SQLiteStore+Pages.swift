import Foundation
import GRDB

// MARK: - Pages for the officers' web app and cchc lich: several things read together

extension SQLiteStore {
    public func itemPage(_ query: ItemPageQuery) async throws(StoreError) -> ItemPage {
        try await read("read a page of items") { db in
            var conditions: [String] = []
            var arguments = StatementArguments()
            if let statuses = query.statuses {
                if statuses.isEmpty { return ItemPage(rows: [], hasMore: false) }
                conditions.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
                for status in statuses { arguments += [status.rawValue] }
            }
            if let units = query.units {
                if units.isEmpty { return ItemPage(rows: [], hasMore: false) }
                conditions.append("unit IN (\(units.map { _ in "?" }.joined(separator: ",")))")
                for unit in units { arguments += [unit.precomposedStringWithCanonicalMapping] }
            }
            if let source = query.source {
                conditions.append("source = ?")
                arguments += [source]
            }
            var sql = "SELECT \(Self.itemColumns) FROM items"
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            // One more than asked for tells whether another page follows.
            sql += " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
            arguments += [max(0, query.limit) + 1, max(0, query.offset)]
            let decoder = Self.contentDecoder()
            var items = try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                try Self.decodeItem($0, decoder: decoder)
            }
            let hasMore = items.count > max(0, query.limit)
            items = Array(items.prefix(max(0, query.limit)))
            guard !items.isEmpty else { return ItemPage(rows: [], hasMore: hasMore) }
            // The page's deliveries in one statement (the UNIQUE (item_id, channel) index serves it).
            var byItem: [String: [DeliveryRecord]] = [:]
            let marks = items.map { _ in "?" }.joined(separator: ",")
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT \(Self.deliveryColumns) FROM deliveries WHERE item_id IN (\(marks)) ORDER BY rowid",
                arguments: StatementArguments(items.map(\.id)))
            for row in rows {
                let delivery = try Self.decodeDelivery(row)
                byItem[delivery.itemID, default: []].append(delivery)
            }
            return ItemPage(
                rows: items.map { ItemWithDeliveries(item: $0, deliveries: byItem[$0.id] ?? []) }, hasMore: hasMore)
        }
    }

    public func inboundCounts(_ filter: InboundEventFilter) async throws(StoreError) -> [InboundCount] {
        try await read("count inbound events") { db in
            var conditions: [String] = []
            var arguments = StatementArguments()
            if let channel = filter.channel {
                conditions.append("e.channel = ?")
                arguments += [channel]
            }
            if let kind = filter.kind {
                conditions.append("e.kind = ?")
                arguments += [kind]
            }
            if let itemID = filter.itemID {
                conditions.append("e.item_id = ?")
                arguments += [itemID]
            }
            if let since = filter.since {
                conditions.append("e.received_at >= ?")
                arguments += [millis(since)]
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT e.channel, e.item_id, i.title, i.unit, e.kind, COUNT(*) FROM inbound_events e \
                    LEFT JOIN items i ON i.id = e.item_id \(whereClause) \
                    GROUP BY e.channel, e.item_id, e.kind ORDER BY e.channel, e.item_id, e.kind
                    """, arguments: arguments
            ).map { row in
                InboundCount(
                    channel: row[0], itemID: row[1], itemTitle: row[2], itemUnit: row[3], kind: row[4], count: row[5])
            }
        }
    }
}
