import ChannelKit
import DeliveryLog
import Foundation
import GRDB

// MARK: - Engine operations

extension SQLiteStore {
    /// The conditions that make a waiting delivery `d` (joined with its item `i`) claimable, apart from
    /// its due time. `?` is "now" for the expiry check. Kept in one place so ``claimDue`` and
    /// ``nextDue`` can never disagree (an engine sleeping on a delivery it cannot claim busy-loops).
    /// `d.state IN (…)` is spelled exactly as in the partial index `deliveries_waiting` so SQLite uses it.
    static let claimableConditions = """
        d.state IN ('pending','retry-wait')
        AND i.status IN ('approved','dispatching')
        AND i.approved_hash = i.content_hash
        AND (i.expires_at IS NULL OR i.expires_at > :now)
        AND (d.after_channel IS NULL OR EXISTS (
            SELECT 1 FROM deliveries p WHERE p.id = d.item_id || '/' || d.after_channel AND p.state = 'delivered'))
        """

    static let claimSQL = """
        SELECT \(deliveryColumns(prefix: "d")) FROM deliveries d INDEXED BY deliveries_waiting
        JOIN items i ON i.id = d.item_id
        WHERE d.channel = :channel AND d.due_at <= :now AND \(claimableConditions)
        ORDER BY d.due_at, d.priority_rank DESC, d.item_id
        LIMIT :limit
        """

    /// The first claimable delivery of one channel, whatever its due time.
    static let nextDueSQL = """
        SELECT d.due_at FROM deliveries d INDEXED BY deliveries_waiting
        JOIN items i ON i.id = d.item_id
        WHERE d.channel = :channel AND \(claimableConditions)
        ORDER BY d.due_at LIMIT 1
        """

    public func claimDue(
        channel: String, now: Date, limit: Int, owner: String, leaseUntil: Date
    ) async throws(StoreError) -> [ClaimedDelivery] {
        guard limit > 0 else { return [] }
        return try await write("claim deliveries of \(channel)") { db in
            try self.claim(db, channel: channel, now: now, limit: limit, owner: owner, leaseUntil: leaseUntil)
        }
    }

    /// Records outcomes and claims due deliveries of several channels in one transaction: one commit
    /// (one fsync) per engine round instead of one per step.
    public func recordAndClaim(
        _ outcomes: [DeliveryOutcome], recordedAt: Date, releasing: [String], claims: [(channel: String, limit: Int)],
        now: Date, owner: String, leaseUntil: Date
    ) async throws(StoreError) -> [String: [ClaimedDelivery]] {
        try await write("record \(outcomes.count) outcomes and claim") { db in
            if !outcomes.isEmpty { try self.recordOutcomes(db, outcomes, at: recordedAt) }
            if !releasing.isEmpty { try self.release(db, releasing, owner: owner, at: recordedAt) }
            var claimed: [String: [ClaimedDelivery]] = [:]
            // An item claimed on several channels in one round is read and decoded once.
            var items: [String: (ItemRecord, [String: ChannelResult])] = [:]
            for (channel, limit) in claims where limit > 0 {
                claimed[channel] = try self.claim(
                    db, channel: channel, now: now, limit: limit, owner: owner, leaseUntil: leaseUntil, items: &items)
            }
            return claimed
        }
    }

    public func release(_ deliveryIDs: [String], owner: String, at: Date) async throws(StoreError) {
        guard !deliveryIDs.isEmpty else { return }
        try await write("release \(deliveryIDs.count) claimed deliveries") { db in
            try self.release(db, deliveryIDs, owner: owner, at: at)
        }
    }

    func release(_ db: Database, _ deliveryIDs: [String], owner: String, at: Date) throws {
        // The claim set `leased` and added one attempt; undo exactly that. `attempt_base` is the attempts
        // count at the last re-queue: more than that before this claim means it was tried and was waiting
        // for its retry.
        let update = try db.cachedStatement(
            sql: """
                UPDATE deliveries SET state = CASE WHEN attempts - 1 > attempt_base THEN 'retry-wait' ELSE 'pending' END, \
                attempts = attempts - 1, lease_owner = NULL, lease_expires_at = NULL, updated_at = ? \
                WHERE id = ? AND state = 'leased' AND lease_owner = ?
                """)
        let atMs = millis(at)
        for id in deliveryIDs { try update.execute(arguments: [atMs, id, owner]) }
    }

    func claim(
        _ db: Database, channel: String, now: Date, limit: Int, owner: String, leaseUntil: Date
    ) throws -> [ClaimedDelivery] {
        var items: [String: (ItemRecord, [String: ChannelResult])] = [:]
        return try claim(
            db, channel: channel, now: now, limit: limit, owner: owner, leaseUntil: leaseUntil, items: &items)
    }

    func claim(
        _ db: Database, channel: String, now: Date, limit: Int, owner: String, leaseUntil: Date,
        items: inout [String: (ItemRecord, [String: ChannelResult])]
    ) throws -> [ClaimedDelivery] {
        let nowMs = millis(now)
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: Self.claimSQL),
            arguments: ["channel": channel, "now": nowMs, "limit": limit])
        guard !rows.isEmpty else { return [] }
        let lease = try db.cachedStatement(
            sql: """
                UPDATE deliveries SET state = 'leased', lease_owner = ?, lease_expires_at = ?, \
                attempts = attempts + 1, updated_at = ? WHERE id = ?
                """)
        let leaseUntilMs = millis(leaseUntil)
        var claimed: [DeliveryRecord] = []
        claimed.reserveCapacity(rows.count)
        for row in rows {
            var delivery = try Self.decodeDelivery(row)
            try lease.execute(arguments: [owner, leaseUntilMs, nowMs, delivery.id])
            delivery.state = .leased
            delivery.leaseOwner = owner
            delivery.leaseExpiresAt = leaseUntil
            delivery.attempts += 1
            delivery.updatedAt = dateFromMillis(nowMs)
            claimed.append(delivery)
        }

        // Each item once: its status, its record, its delivered siblings.
        let startDispatch = try db.cachedStatement(
            sql: "UPDATE items SET status = 'dispatching', updated_at = ? WHERE id = ? AND status = 'approved'")
        let selectItem = try db.cachedStatement(sql: "SELECT \(Self.itemColumns) FROM items WHERE id = ?")
        let selectResults = try db.cachedStatement(
            sql: "SELECT channel, remote_id, url FROM deliveries WHERE item_id = ? AND state = 'delivered'")
        let decoder = Self.contentDecoder()
        var result: [ClaimedDelivery] = []
        result.reserveCapacity(claimed.count)
        for delivery in claimed {
            let entry: (ItemRecord, [String: ChannelResult])
            if let known = items[delivery.itemID] {
                entry = known
            } else {
                try startDispatch.execute(arguments: [nowMs, delivery.itemID])
                guard let row = try Row.fetchOne(selectItem, arguments: [delivery.itemID]) else {
                    throw Self.corrupt("delivery \(delivery.id) has no item")
                }
                let item = try Self.decodeItem(row, decoder: decoder)
                var earlier: [String: ChannelResult] = [:]
                for r in try Row.fetchAll(selectResults, arguments: [delivery.itemID]) {
                    earlier[r[0]] = ChannelResult(remoteID: r[1], url: r[2])
                }
                entry = (item, earlier)
                items[delivery.itemID] = entry
            }
            // Only a delivery tried before can have finished parts: first attempts skip the lookup.
            let finished =
                delivery.attempts > 1
                ? try self.finishedParts(db, deliveryID: delivery.id, attemptBase: delivery.attemptBase) : [:]
            result.append(
                ClaimedDelivery(delivery: delivery, item: entry.0, earlierResults: entry.1, finishedParts: finished))
        }
        return result
    }

    public func nextDue(now: Date) async throws(StoreError) -> [String: Date] {
        // The same "now" as the engine's claims, so the two never disagree about expired items.
        let nowMs = millis(now)
        return try await read("find next due deliveries") { db in
            let channels = try String.fetchAll(
                db, sql: "SELECT DISTINCT channel FROM deliveries WHERE state IN ('pending','retry-wait')")
            let first = try db.cachedStatement(sql: Self.nextDueSQL)
            var result: [String: Date] = [:]
            for channel in channels {
                if let due = try Int64.fetchOne(first, arguments: ["channel": channel, "now": nowMs]) {
                    result[channel] = dateFromMillis(due)
                }
            }
            return result
        }
    }

    public func record(_ outcomes: [DeliveryOutcome], at: Date) async throws(StoreError) {
        guard !outcomes.isEmpty else { return }
        try await write("record \(outcomes.count) outcomes") { db in
            try self.recordOutcomes(db, outcomes, at: at)
        }
    }

    func recordOutcomes(_ db: Database, _ outcomes: [DeliveryOutcome], at: Date) throws {
        let select = try db.cachedStatement(
            sql: "SELECT item_id, channel, state, lease_owner FROM deliveries WHERE id = ?")
        let delivered = try db.cachedStatement(
            sql: """
                UPDATE deliveries SET state = 'delivered', remote_id = ?, url = ?, delivered_at = ?, \
                lease_owner = NULL, lease_expires_at = NULL, interrupted = 0, last_error_class = NULL, \
                last_error = NULL, updated_at = ? WHERE id = ?
                """)
        let retry = try db.cachedStatement(
            sql: """
                UPDATE deliveries SET state = 'retry-wait', due_at = ?, lease_owner = NULL, \
                lease_expires_at = NULL, interrupted = 0, last_error_class = ?, last_error = ?, updated_at = ? \
                WHERE id = ?
                """)
        let failed = try db.cachedStatement(
            sql: """
                UPDATE deliveries SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL, \
                interrupted = 0, last_error_class = ?, last_error = ?, updated_at = ? WHERE id = ?
                """)
        let uncertain = try db.cachedStatement(
            sql: """
                UPDATE deliveries SET state = 'uncertain', lease_owner = NULL, lease_expires_at = NULL, \
                interrupted = 1, last_error_class = ?, last_error = ?, updated_at = ? WHERE id = ?
                """)
        let atMs = millis(at)
        var touched: [String] = []
        var touchedSet: Set<String> = []
        var failedChannels: [(itemID: String, channel: String)] = []
        for outcome in outcomes {
            guard let row = try Row.fetchOne(select, arguments: [outcome.deliveryID]) else {
                throw StoreError(
                    .notFound, subject: outcome.deliveryID, "no delivery \(outcome.deliveryID) to record")
            }
            let itemID: String = row[0]
            let channel: String = row[1]
            let state = DeliveryState(rawValue: row[2])
            try self.insertAttempt(db, outcome.attempt, deliveryID: outcome.deliveryID)
            try self.insertParts(db, outcome, at: at)
            try self.appendLog(db, outcome.logLine, at: at)
            // A delivery already final (resolved by a person meanwhile), or leased again by another
            // worker after this one's lease expired, keeps its state: the attempt and its line are
            // still what happened.
            guard let state, !state.isFinal else { continue }
            if let owner = outcome.leaseOwner, state != .leased || (row[3] as String?) != owner { continue }
            let a = outcome.attempt
            switch outcome.next {
            case .delivered:
                try delivered.execute(arguments: [
                    a.remoteID, a.url, millis(a.finishedAt), atMs, outcome.deliveryID,
                ])
            case .retry(let retryAt):
                try retry.execute(arguments: [
                    millis(retryAt), a.errorClass, a.message, atMs, outcome.deliveryID,
                ])
            case .failed:
                try failed.execute(arguments: [a.errorClass, a.message, atMs, outcome.deliveryID])
                failedChannels.append((itemID, channel))
            case .uncertain:
                try uncertain.execute(arguments: [a.errorClass, a.message, atMs, outcome.deliveryID])
            }
            if touchedSet.insert(itemID).inserted { touched.append(itemID) }
        }
        for (itemID, channel) in failedChannels {
            try self.failDependents(db, self.header(db, itemID: itemID), of: channel, at: at)
        }
        for itemID in touched {
            try self.cancelWaitingIfClosed(db, itemID: itemID, at: at)
            try self.recomputeStatus(db, itemID: itemID, at: at)
        }
    }

    public func recoverLeases(
        before: Date, idempotentChannels: Set<String>, evidence: SendEvidence, at: Date
    ) async throws(StoreError) -> (requeued: Int, uncertain: Int) {
        try await write("recover leases") { db in
            let leased = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.deliveryColumns) FROM deliveries
                    WHERE state = 'leased' AND lease_expires_at < ? ORDER BY lease_expires_at, id
                    """, arguments: [millis(before)]
            ).map { try Self.decodeDelivery($0) }
            let update = try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET state = ?, due_at = ?, lease_owner = NULL, lease_expires_at = NULL, \
                    interrupted = 1, updated_at = ? WHERE id = ?
                    """)
            var requeued = 0
            var uncertain = 0
            var headers: [String: ItemHeader] = [:]
            for var delivery in leased {
                let unsent = evidence.neverSent(delivery)
                let idempotent = unsent || idempotentChannels.contains(delivery.channel)
                try self.insertAttempt(
                    db,
                    AttemptRecord(
                        deliveryID: delivery.id, number: delivery.attempts, startedAt: delivery.updatedAt,
                        finishedAt: at, outcome: .interrupted, errorClass: "interrupted",
                        message: "the process stopped during the attempt (lease of \(delivery.leaseOwner ?? "?"))"),
                    deliveryID: delivery.id)
                let state: DeliveryState = idempotent ? .pending : .uncertain
                let dueAt = idempotent ? at : delivery.dueAt
                try update.execute(arguments: [state.rawValue, millis(dueAt), millis(at), delivery.id])
                delivery.state = state
                delivery.dueAt = dueAt
                let header: ItemHeader
                if let known = headers[delivery.itemID] {
                    header = known
                } else {
                    header = try self.header(db, itemID: delivery.itemID)
                    headers[delivery.itemID] = header
                }
                var line = self.line(
                    idempotent ? .deliveryRecovered : .deliveryUncertain, header, delivery: delivery, state: state,
                    at: at, actor: Self.automaticActor)
                line.attempt = delivery.attempts
                line.error_class = "interrupted"
                if idempotent {
                    line.due_at = self.clock.format(at)
                    line.detail =
                        unsent
                        ? "interrupted before it was handed to the network: sent again"
                        : "interrupted; the channel is idempotent: sent again"
                    requeued += 1
                } else {
                    line.detail = "interrupted; the channel is not idempotent: a person decides"
                    uncertain += 1
                }
                try self.appendLog(db, line, at: at)
            }
            for itemID in headers.keys.sorted() {
                try self.cancelWaitingIfClosed(db, itemID: itemID, at: at)
            }
            return (requeued, uncertain)
        }
    }

    public func expire(now: Date) async throws(StoreError) -> Int {
        try await write("expire items") { db in
            let items = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, title, unit, topic FROM items
                    WHERE expires_at <= ? AND status IN ('draft','submitted','approved','dispatching')
                    ORDER BY expires_at, id
                    """, arguments: [millis(now)])
            let update = try db.cachedStatement(
                sql: "UPDATE deliveries SET state = 'expired', updated_at = ? WHERE id = ?")
            let inFlight = try db.cachedStatement(
                sql: "SELECT COUNT(*) FROM deliveries WHERE item_id = ? AND state IN ('leased','uncertain')")
            var expired = 0
            for row in items {
                let header = ItemHeader(id: row[0], title: row[1], unit: row[2], topic: row[3])
                let waiting = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(Self.deliveryColumns) FROM deliveries
                        WHERE item_id = ? AND state IN ('pending','retry-wait') ORDER BY rowid
                        """, arguments: [header.id]
                ).map { try Self.decodeDelivery($0) }
                for delivery in waiting {
                    try update.execute(arguments: [millis(now), delivery.id])
                    let line = self.line(
                        .deliveryExpired, header, delivery: delivery, state: .expired, at: now,
                        actor: Self.automaticActor)
                    try self.appendLog(db, line, at: now)
                }
                expired += waiting.count
                if try Int.fetchOne(inFlight, arguments: [header.id]) == 0 {
                    try db.execute(
                        sql: "UPDATE items SET status = 'expired', updated_at = ? WHERE id = ?",
                        arguments: [millis(now), header.id])
                    try self.appendLog(
                        db, self.line(.itemExpired, header, at: now, actor: Self.automaticActor), at: now)
                }
            }
            return expired
        }
    }

    public func deliveredCounts(since: Date) async throws(StoreError) -> [String: Int] {
        try await read("count deliveries") { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT channel, COUNT(*) FROM deliveries
                    WHERE state = 'delivered' AND delivered_at >= ? GROUP BY channel
                    """, arguments: [millis(since)])
            {
                counts[row[0]] = row[1]
            }
            return counts
        }
    }

    // MARK: Delivery log

    public func logEvents(after seq: Int64, limit: Int) async throws(StoreError) -> [LogEvent] {
        guard limit > 0 else { return [] }
        return try await read("read the delivery log") { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, json FROM log_events WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [seq, limit]
            ).map { LogEvent(seq: $0[0], json: $0[1]) }
        }
    }

    public func lastLogSeq() async throws(StoreError) -> Int64 {
        try await read("read the delivery log") { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM log_events") ?? 0
        }
    }

    public func stats() async throws(StoreError) -> QueueStats {
        try await read("read queue figures") { db in
            var stats = QueueStats()
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) FROM items GROUP BY status") {
                stats.itemsByStatus[row[0]] = row[1]
            }
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM deliveries GROUP BY state") {
                stats.deliveriesByState[row[0]] = row[1]
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT channel, COUNT(*) FROM deliveries INDEXED BY deliveries_waiting
                    WHERE state IN ('pending','retry-wait') GROUP BY channel
                    """)
            {
                stats.waitingByChannel[row[0]] = row[1]
            }
            return stats
        }
    }

    public func installationID() async throws(StoreError) -> String {
        try await read("read the installation id") { db in
            guard let id = try String.fetchOne(db, sql: "SELECT id FROM installation LIMIT 1") else {
                throw StoreError(.database, "the store has no installation id")
            }
            return id
        }
    }
}
