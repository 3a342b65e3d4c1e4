import DeliveryLog
import Foundation
import GRDB

/// State transitions shared by the officers' operations and the engine's, always inside the caller's
/// transaction and always with their log lines.
extension SQLiteStore {
    /// Cancels the item's waiting deliveries, each with a `delivery.cancelled` line. Returns how many.
    @discardableResult
    func cancelWaiting(
        _ db: Database, _ item: ItemHeader, at: Date, actor: String, detail: String?
    ) throws -> Int {
        let waiting = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT \(Self.deliveryColumns) FROM deliveries
                    WHERE item_id = ? AND state IN (\(Self.waitingStates)) ORDER BY rowid
                    """), arguments: [item.id]
        ).map { try Self.decodeDelivery($0) }
        let update = try db.cachedStatement(
            sql: "UPDATE deliveries SET state = 'cancelled', updated_at = ? WHERE id = ?")
        for delivery in waiting {
            try update.execute(arguments: [millis(at), delivery.id])
            var line = line(.deliveryCancelled, item, delivery: delivery, state: .cancelled, at: at, actor: actor)
            line.detail = detail
            try appendLog(db, line, at: at)
        }
        return waiting.count
    }

    /// When the item was cancelled or rejected meanwhile, a delivery that just became waiting again
    /// (a retry outcome, a recovered lease) is cancelled instead of being sent.
    func cancelWaitingIfClosed(_ db: Database, itemID: String, at: Date) throws {
        let status = try String.fetchOne(
            db.cachedStatement(sql: "SELECT status FROM items WHERE id = ?"), arguments: [itemID])
        guard let status, status == ItemStatus.cancelled.rawValue || status == ItemStatus.rejected.rawValue else {
            return
        }
        try cancelWaiting(
            db, header(db, itemID: itemID), at: at, actor: Self.automaticActor, detail: "item \(status)")
    }

    /// Fails the waiting deliveries of the item that wait (`after:`) for `channel`, and those waiting
    /// for them, each with a `delivery.failed` line of error class `dependency`.
    func failDependents(_ db: Database, _ item: ItemHeader, of channel: String, at: Date) throws {
        let select = try db.cachedStatement(
            sql: """
                SELECT \(Self.deliveryColumns) FROM deliveries
                WHERE item_id = ? AND after_channel = ? AND state IN (\(Self.waitingStates)) ORDER BY rowid
                """)
        let update = try db.cachedStatement(
            sql: """
                UPDATE deliveries SET state = 'failed', last_error_class = 'dependency', last_error = ?, \
                updated_at = ? WHERE id = ?
                """)
        var failedChannels = [channel]
        while let failed = failedChannels.popLast() {
            let dependents = try Row.fetchAll(select, arguments: [item.id, failed]).map {
                try Self.decodeDelivery($0)
            }
            for delivery in dependents {
                let message = "waits for channel \(failed), which failed"
                try update.execute(arguments: [message, millis(at), delivery.id])
                var line = line(
                    .deliveryFailed, item, delivery: delivery, state: .failed, at: at, actor: Self.automaticActor)
                line.error_class = "dependency"
                line.error = message
                try appendLog(db, line, at: at)
                failedChannels.append(delivery.channel)
            }
        }
    }

    /// Derives the item's status from its deliveries: all delivered → `done`; all final, some failed and
    /// nothing went out (no delivery and no part delivered) → `failed`; all final otherwise →
    /// `partly-failed`; else `dispatching`. Items that are not in the dispatch part of their life
    /// (submitted, cancelled, rejected, expired…) keep their status. No log line: the delivery log schema
    /// (docs/delivery-log.schema.json) has no `item.done` event; readers derive it from the delivery lines.
    func recomputeStatus(_ db: Database, itemID: String, at: Date) throws {
        guard
            let current = try String.fetchOne(
                db.cachedStatement(sql: "SELECT status FROM items WHERE id = ?"), arguments: [itemID]
            ).flatMap(ItemStatus.init(rawValue:)),
            [.approved, .dispatching, .done, .partlyFailed, .failed].contains(current)
        else { return }
        let counts = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT state, COUNT(*) FROM deliveries WHERE item_id = ? GROUP BY state"),
            arguments: [itemID])
        var total = 0
        var delivered = 0
        var failed = 0
        var final = 0
        for row in counts {
            let count: Int = row[1]
            let state = DeliveryState(rawValue: row[0])
            total += count
            if state == .delivered { delivered += count }
            if state == .failed { failed += count }
            if state?.isFinal == true { final += count }
        }
        guard total > 0 else { return }
        var next: ItemStatus = delivered == total ? .done : final == total ? .partlyFailed : .dispatching
        if next == .partlyFailed, delivered == 0, failed > 0 {
            // A failed delivery sent in parts may still have reached some recipients: then it partly failed.
            let someRecipient =
                try Bool.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT EXISTS (
                                SELECT 1 FROM attempt_parts p JOIN deliveries d ON d.id = p.delivery_id
                                WHERE d.item_id = ? AND p.outcome = 'delivered')
                            """),
                    arguments: [itemID]) ?? false
            if !someRecipient { next = .failed }
        }
        guard next != current else { return }
        try db.cachedStatement(sql: "UPDATE items SET status = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [next.rawValue, millis(at), itemID])
    }
}
