import ChannelKit
import DeliveryLog
import Foundation
import GRDB

// MARK: - Officers' operations

extension SQLiteStore {
    public func addItem(
        _ item: NewItem, at: Date, plan: @Sendable (ItemRecord) -> [PlannedDelivery]
    ) async throws(StoreError) -> (ItemRecord, created: Bool) {
        let item = item.normalizedNFC()
        if let id = item.id {
            try Self.validateItemID(id)
        } else {
            try Self.validateIDMonth(item.idMonth)
        }
        let hash = item.content.contentHash
        let json = try Self.encodeContent(item.content)
        return try await write("add item") { db in
            try self.addItem(db, item, hash: hash, json: json, at: at, plan: plan)
        }
    }

    public func addItems(
        _ items: [NewItem], newSourcesOnly: Bool, at: Date, plan: @Sendable (ItemRecord) -> [PlannedDelivery]
    ) async throws(StoreError) -> [ItemBatchResult] {
        guard !items.isEmpty else { return [] }
        // Checked and encoded before the transaction, so the writer holds the database only for the writes.
        let prepared: [Result<(NewItem, hash: String, json: String), StoreError>] = items.map { item in
            let item = item.normalizedNFC()
            do throws(StoreError) {
                if let id = item.id {
                    try Self.validateItemID(id)
                } else {
                    try Self.validateIDMonth(item.idMonth)
                }
                return .success((item, item.content.contentHash, try Self.encodeContent(item.content)))
            } catch {
                return .failure(error)
            }
        }
        return try await write("add \(items.count) items") { db in
            let bySource = try db.cachedStatement(sql: "SELECT id FROM items WHERE source = ? LIMIT 1")
            var results: [ItemBatchResult] = []
            results.reserveCapacity(prepared.count)
            for entry in prepared {
                switch entry {
                case .failure(let error):
                    results.append(.failed(error))
                case .success(let (item, hash, json)):
                    if newSourcesOnly, let id = try String.fetchOne(bySource, arguments: [item.source]),
                        let existing = try self.fetchItem(db, id)
                    {
                        results.append(.alreadyTaken(existing))
                        continue
                    }
                    // Each item in a savepoint: one refused (an edit of a locked item) leaves the others.
                    var outcome: ItemBatchResult = .failed(StoreError(.database, "not stored"))
                    do {
                        try db.inSavepoint {
                            let (record, created) = try self.addItem(
                                db, item, hash: hash, json: json, at: at, plan: plan)
                            outcome = .added(record, created: created)
                            return .commit
                        }
                    } catch let error as StoreError where error.kind != .database {
                        outcome = .failed(error)
                    }
                    results.append(outcome)
                }
            }
            return results
        }
    }

    func addItem(
        _ db: Database, _ item: NewItem, hash: String, json: String, at: Date,
        plan: (ItemRecord) -> [PlannedDelivery]
    ) throws -> (ItemRecord, created: Bool) {
        if item.draft && item.approval != nil {
            throw StoreError(.invalidState, subject: item.id, "a draft cannot arrive approved")
        }
        if let id = item.id, let existing = try self.fetchItem(db, id) {
            return try self.edit(db, existing, with: item, hash: hash, json: json, at: at, plan: plan)
        }
        let id = try item.id ?? self.assignID(db, month: item.idMonth)
        let content = item.content
        try db.cachedStatement(
            sql: """
                INSERT INTO items (id, content, title, unit, topic, priority_rank, publish_at, expires_at, \
                content_hash, status, source, created_at, updated_at) \
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            id, json, content.title, content.unit, content.topic, content.priority.rank,
            content.publishAt.map(millis), content.expiresAt.map(millis), hash,
            (item.draft ? ItemStatus.draft : .submitted).rawValue, item.source, millis(at), millis(at),
        ])
        let record = ItemRecord(
            id: id, content: content, contentHash: hash, status: item.draft ? .draft : .submitted,
            source: item.source, createdAt: at, updatedAt: at)
        if item.draft {
            // A draft is not in the queue yet: no delivery-log line until it is submitted.
            try audit(db, at: at, actor: item.actor, action: "add", itemID: id, detail: "draft: \(item.source)")
            return (record, true)
        }
        var line = self.line(.itemSubmitted, ItemHeader(record), at: at, actor: item.actor)
        line.detail = item.source
        try self.appendLog(db, line, at: at)
        try self.audit(db, at: at, actor: item.actor, action: "add", itemID: id, detail: item.source)
        guard let approval = item.approval else { return (record, true) }
        return (try self.approve(db, record, approval: approval, at: at, plan: plan), true)
    }

    /// Replaces the content of an existing item (see ``Store/addItem(_:at:plan:)``).
    private func edit(
        _ db: Database, _ existing: ItemRecord, with item: NewItem, hash: String, json: String, at: Date,
        plan: (ItemRecord) -> [PlannedDelivery]
    ) throws -> (ItemRecord, created: Bool) {
        if existing.status.isFinal {
            throw StoreError(
                .invalidState, subject: existing.id, currentState: existing.status.rawValue,
                "item \(existing.id) is \(existing.status.rawValue) and can no longer be edited")
        }
        if existing.status == .draft {
            return try editDraft(db, existing, with: item, hash: hash, json: json, at: at, plan: plan)
        }
        if item.draft {
            throw StoreError(
                .invalidState, subject: existing.id, currentState: existing.status.rawValue,
                "item \(existing.id) is \(existing.status.rawValue): only a draft can be saved as a draft")
        }
        if existing.contentHash == hash { return (existing, false) }
        let started =
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM deliveries WHERE item_id = ? AND (attempts > 0 OR state <> 'pending')",
                arguments: [existing.id]) ?? 0
        if started > 0 {
            throw StoreError(
                .locked, subject: existing.id, currentState: existing.status.rawValue,
                "item \(existing.id) cannot be edited: its deliveries have started")
        }
        // Nothing started, so every delivery is waiting: the approval was of the old content.
        try db.execute(sql: "DELETE FROM deliveries WHERE item_id = ?", arguments: [existing.id])
        let removed = db.changesCount
        let content = item.content
        try db.execute(
            sql: """
                UPDATE items SET content = ?, title = ?, unit = ?, topic = ?, priority_rank = ?, publish_at = ?, \
                expires_at = ?, content_hash = ?, status = ?, status_reason = NULL, approved_by = NULL, \
                approved_at = NULL, approved_hash = NULL, source = ?, updated_at = ? WHERE id = ?
                """,
            arguments: [
                json, content.title, content.unit, content.topic, content.priority.rank,
                content.publishAt.map(millis), content.expiresAt.map(millis), hash, ItemStatus.submitted.rawValue,
                item.source, millis(at), existing.id,
            ])
        var record = existing
        record.content = content
        record.contentHash = hash
        record.status = .submitted
        record.statusReason = nil
        record.approvedBy = nil
        record.approvedAt = nil
        record.approvedHash = nil
        record.source = item.source
        record.updatedAt = at
        var detail = "content changed (\(item.source))"
        if existing.status != .submitted && existing.status != .draft {
            detail += "; approval withdrawn"
        }
        if removed > 0 { detail += "; \(removed) waiting deliveries removed" }
        var line = line(.itemEdited, ItemHeader(record), at: at, actor: item.actor)
        line.detail = detail
        try appendLog(db, line, at: at)
        try audit(db, at: at, actor: item.actor, action: "edit", itemID: existing.id, detail: detail)
        guard let approval = item.approval else { return (record, false) }
        return (try approve(db, record, approval: approval, at: at, plan: plan), false)
    }

    /// A draft's new content; it stays a draft, or is submitted (`item.submitted`) when `item.draft` is false.
    private func editDraft(
        _ db: Database, _ existing: ItemRecord, with item: NewItem, hash: String, json: String, at: Date,
        plan: (ItemRecord) -> [PlannedDelivery]
    ) throws -> (ItemRecord, created: Bool) {
        var record = existing
        if existing.contentHash != hash {
            let content = item.content
            try db.execute(
                sql: """
                    UPDATE items SET content = ?, title = ?, unit = ?, topic = ?, priority_rank = ?, publish_at = ?, \
                    expires_at = ?, content_hash = ?, source = ?, updated_at = ? WHERE id = ?
                    """,
                arguments: [
                    json, content.title, content.unit, content.topic, content.priority.rank,
                    content.publishAt.map(millis), content.expiresAt.map(millis), hash, item.source, millis(at),
                    existing.id,
                ])
            record.content = content
            record.contentHash = hash
            record.source = item.source
            record.updatedAt = at
            try audit(db, at: at, actor: item.actor, action: "edit", itemID: existing.id, detail: "draft")
        }
        if item.draft { return (record, false) }
        try submitDraft(db, &record, by: item.actor, at: at)
        guard let approval = item.approval else { return (record, false) }
        return (try approve(db, record, approval: approval, at: at, plan: plan), false)
    }

    /// draft → submitted, with its `item.submitted` line (the first line of the item in the log).
    private func submitDraft(_ db: Database, _ record: inout ItemRecord, by: String, at: Date) throws {
        try db.execute(
            sql: "UPDATE items SET status = ?, updated_at = ? WHERE id = ?",
            arguments: [ItemStatus.submitted.rawValue, millis(at), record.id])
        record.status = .submitted
        record.updatedAt = at
        var line = line(.itemSubmitted, ItemHeader(record), at: at, actor: by)
        line.detail = record.source
        try appendLog(db, line, at: at)
        try audit(db, at: at, actor: by, action: "submit", itemID: record.id, detail: nil)
    }

    public func submit(itemID: String, by: String, at: Date) async throws(StoreError) -> ItemRecord {
        try await write("submit item \(itemID)") { db in
            var item = try self.requireItem(db, itemID)
            guard item.status == .draft else {
                throw StoreError(
                    .invalidState, subject: itemID, currentState: item.status.rawValue,
                    "item \(itemID) is \(item.status.rawValue), not a draft: it cannot be submitted")
            }
            try self.submitDraft(db, &item, by: by, at: at)
            return item
        }
    }

    /// The next free `<month>-NNNN` id, skipping ids chosen by hand.
    private func assignID(_ db: Database, month: String) throws -> String {
        var next = try Int64.fetchOne(db, sql: "SELECT next FROM id_counters WHERE month = ?", arguments: [month]) ?? 1
        let exists = try db.cachedStatement(sql: "SELECT 1 FROM items WHERE id = ?")
        var id = Self.formatID(month: month, number: next)
        while try Bool.fetchOne(exists, arguments: [id]) != nil {
            next += 1
            id = Self.formatID(month: month, number: next)
        }
        try db.execute(
            sql: """
                INSERT INTO id_counters (month, next) VALUES (?, ?)
                ON CONFLICT (month) DO UPDATE SET next = excluded.next
                """, arguments: [month, next + 1])
        return id
    }

    static func formatID(month: String, number: Int64) -> String {
        let digits = String(number)
        return month + "-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// 1–40 characters of `[A-Za-z0-9._-]`: ids are typed by people and end up in delivery ids
    /// (`<item id>/<channel>`), file names and URLs.
    static func validateItemID(_ id: String) throws(StoreError) {
        let allowed = id.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E
                || c == 0x5F || c == 0x2D
        }
        guard (1...40).contains(id.utf8.count), allowed else {
            throw StoreError(
                .invalidState, subject: id,
                "invalid item id \"\(id)\": use 1 to 40 letters, digits, '.', '_' or '-'")
        }
    }

    static func validateIDMonth(_ month: String) throws(StoreError) {
        let bytes = Array(month.utf8)
        let digits = [0, 1, 2, 3, 5, 6].allSatisfy { $0 < bytes.count && bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
        guard bytes.count == 7, bytes[4] == 0x2D, digits else {
            throw StoreError(.invalidState, "invalid id month \"\(month)\": expected YYYY-MM")
        }
    }

    public func approve(
        itemID: String, by: String, at: Date, plan: @Sendable (ItemRecord) -> [PlannedDelivery]
    ) async throws(StoreError) -> ItemRecord {
        try await write("approve item \(itemID)") { db in
            let item = try self.requireItem(db, itemID)
            guard item.status == .submitted else {
                throw StoreError(
                    .invalidState, subject: itemID, currentState: item.status.rawValue,
                    "item \(itemID) is \(item.status.rawValue), not submitted: it cannot be approved")
            }
            return try self.approve(db, item, approval: Approval(by: by, at: at), at: at, plan: plan)
        }
    }

    public func approve(
        itemID: String, by: String, at: Date, contentHash: String, plan: @Sendable (ItemRecord) -> [PlannedDelivery]
    ) async throws(StoreError) -> ItemRecord {
        try await write("approve item \(itemID)") { db in
            let item = try self.requireItem(db, itemID)
            guard item.status == .submitted else {
                throw StoreError(
                    .invalidState, subject: itemID, currentState: item.status.rawValue,
                    "item \(itemID) is \(item.status.rawValue), not submitted: it cannot be approved")
            }
            guard item.contentHash == contentHash else {
                throw StoreError(
                    .invalidState, subject: itemID, currentState: "stale",
                    "item \(itemID) changed since it was shown (content \(item.contentHash.prefix(12)))")
            }
            return try self.approve(db, item, approval: Approval(by: by, at: at), at: at, plan: plan)
        }
    }

    /// Sets the approval of the item's current content and creates its planned deliveries.
    private func approve(
        _ db: Database, _ item: ItemRecord, approval: Approval, at: Date, plan: (ItemRecord) -> [PlannedDelivery]
    ) throws -> ItemRecord {
        try db.execute(
            sql: """
                UPDATE items SET status = ?, approved_by = ?, approved_at = ?, approved_hash = content_hash, \
                status_reason = NULL, updated_at = ? WHERE id = ?
                """,
            arguments: [ItemStatus.approved.rawValue, approval.by, millis(approval.at), millis(at), item.id])
        var record = item
        record.status = .approved
        record.approvedBy = approval.by
        record.approvedAt = approval.at
        record.approvedHash = item.contentHash
        record.statusReason = nil
        record.updatedAt = at
        let header = ItemHeader(record)

        var approvedLine = line(.itemApproved, header, at: at, actor: approval.by)
        approvedLine.detail = "content \(record.contentHash.prefix(12))"
        try appendLog(db, approvedLine, at: at)
        try audit(db, at: at, actor: approval.by, action: "approve", itemID: item.id, detail: record.contentHash)

        let planned = plan(record)
        let channels = Set(planned.map(\.channel))
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO deliveries (id, item_id, channel, channel_type, state, due_at, priority_rank, \
                after_channel, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)
                """)
        for p in planned {
            // An `after:` naming no planned channel of this item has nothing to wait for.
            let after = p.after.flatMap { $0 != p.channel && channels.contains($0) ? $0 : nil }
            let delivery = DeliveryRecord(
                id: "\(item.id)/\(p.channel)", itemID: item.id, channel: p.channel, channelType: p.channelType,
                state: .pending, dueAt: p.dueAt, after: after, updatedAt: at)
            try insert.execute(arguments: [
                delivery.id, item.id, p.channel, p.channelType, millis(p.dueAt), record.content.priority.rank, after,
                millis(at),
            ])
            var line = line(.deliveryPlanned, header, delivery: delivery, state: .pending, at: at, actor: approval.by)
            line.due_at = clock.format(p.dueAt)
            if let after { line.detail = "after \(after)" }
            try appendLog(db, line, at: at)
        }
        return record
    }

    public func reject(itemID: String, by: String, reason: String?, at: Date) async throws(StoreError) -> ItemRecord {
        try await write("reject item \(itemID)") { db in
            let item = try self.requireItem(db, itemID)
            guard [.submitted, .approved].contains(item.status) else {
                throw StoreError(
                    .invalidState, subject: itemID, currentState: item.status.rawValue,
                    "item \(itemID) is \(item.status.rawValue): only a submitted or approved item can be rejected")
            }
            return try self.close(db, item, as: .rejected, by: by, reason: reason, at: at)
        }
    }

    public func cancel(itemID: String, by: String, reason: String?, at: Date) async throws(StoreError) -> ItemRecord {
        try await write("cancel item \(itemID)") { db in
            let item = try self.requireItem(db, itemID)
            guard !item.status.isFinal else {
                throw StoreError(
                    .invalidState, subject: itemID, currentState: item.status.rawValue,
                    "item \(itemID) is already \(item.status.rawValue)")
            }
            return try self.close(db, item, as: .cancelled, by: by, reason: reason, at: at)
        }
    }

    /// Rejects or cancels: the status, its line, then the waiting deliveries' lines.
    private func close(
        _ db: Database, _ item: ItemRecord, as status: ItemStatus, by: String, reason: String?, at: Date
    ) throws -> ItemRecord {
        try db.execute(
            sql: "UPDATE items SET status = ?, status_reason = ?, updated_at = ? WHERE id = ?",
            arguments: [status.rawValue, reason, millis(at), item.id])
        var record = item
        record.status = status
        record.statusReason = reason
        record.updatedAt = at
        let header = ItemHeader(record)
        // A draft never entered the log (see ``Store/addItem(_:at:plan:)``): its cancellation does not either.
        if item.status != .draft {
            var line = line(.item(status: status.rawValue), header, at: at, actor: by)
            line.detail = reason
            try appendLog(db, line, at: at)
        }
        let action = status == .rejected ? "reject" : "cancel"
        try audit(db, at: at, actor: by, action: action, itemID: item.id, detail: reason)
        try cancelWaiting(db, header, at: at, actor: by, detail: "item \(status.rawValue)")
        return record
    }

    public func retry(itemID: String, channel: String?, by: String, at: Date) async throws(StoreError)
        -> [DeliveryRecord]
    {
        try await write("retry item \(itemID)") { db in
            let item = try self.requireItem(db, itemID)
            guard [.approved, .dispatching, .done, .partlyFailed, .failed, .expired].contains(item.status) else {
                throw StoreError(
                    .invalidState, subject: itemID, currentState: item.status.rawValue,
                    "item \(itemID) is \(item.status.rawValue): its deliveries cannot be retried")
            }
            if let expiresAt = item.content.expiresAt, expiresAt <= at {
                throw StoreError(
                    .invalidState, subject: itemID, currentState: ItemStatus.expired.rawValue,
                    "item \(itemID) expired at \(self.clock.format(expiresAt)): it can no longer be sent")
            }
            var deliveries = try self.fetchDeliveries(db, itemID: itemID)
            if let channel {
                guard let delivery = deliveries.first(where: { $0.channel == channel }) else {
                    throw StoreError(.notFound, subject: "\(itemID)/\(channel)", "no delivery \(itemID)/\(channel)")
                }
                guard delivery.state == .failed || delivery.state == .expired else {
                    throw StoreError(
                        .invalidState, subject: delivery.id, currentState: delivery.state.rawValue,
                        "delivery \(delivery.id) is \(delivery.state.rawValue): only failed or expired deliveries are retried"
                    )
                }
                deliveries = [delivery]
            } else {
                deliveries = deliveries.filter { $0.state == .failed || $0.state == .expired }
            }
            guard !deliveries.isEmpty else { return [] }

            let header = ItemHeader(item)
            let update = try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET state = 'pending', due_at = ?, attempt_base = attempts, lease_owner = NULL, \
                    lease_expires_at = NULL, updated_at = ? WHERE id = ?
                    """)
            var requeued: [DeliveryRecord] = []
            for var delivery in deliveries {
                let previous = delivery.state
                try update.execute(arguments: [millis(at), millis(at), delivery.id])
                delivery.state = .pending
                delivery.dueAt = at
                delivery.attemptBase = delivery.attempts
                delivery.leaseOwner = nil
                delivery.leaseExpiresAt = nil
                delivery.updatedAt = at
                var line = self.line(
                    .deliveryRequeued, header, delivery: delivery, state: .pending, at: at, actor: by)
                line.due_at = self.clock.format(at)
                line.attempt = delivery.attempts
                line.detail = "was \(previous.rawValue); fresh retry budget"
                try self.appendLog(db, line, at: at)
                try self.audit(db, at: at, actor: by, action: "retry", itemID: itemID, detail: delivery.channel)
                requeued.append(delivery)
            }
            if item.status != .approved && item.status != .dispatching {
                try db.execute(
                    sql: "UPDATE items SET status = 'dispatching', updated_at = ? WHERE id = ?",
                    arguments: [millis(at), itemID])
            }
            return requeued
        }
    }

    public func uncertainDeliveries() async throws(StoreError) -> [DeliveryRecord] {
        try await read("read the uncertain deliveries") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.deliveryColumns) FROM deliveries WHERE state = 'uncertain' ORDER BY updated_at, id"
            ).map { try Self.decodeDelivery($0) }
        }
    }

    public func retract(deliveryID: String, by: String, detail: String?, at: Date) async throws(StoreError)
        -> DeliveryRecord
    {
        try await write("record the retraction of \(deliveryID)") { db in
            guard var delivery = try self.fetchDelivery(db, deliveryID) else {
                throw StoreError(.notFound, subject: deliveryID, "no delivery \(deliveryID)")
            }
            guard delivery.state == .delivered, delivery.retractedAt == nil else {
                let state = delivery.retractedAt == nil ? delivery.state.rawValue : "retracted"
                throw StoreError(
                    .invalidState, subject: deliveryID, currentState: state,
                    "delivery \(deliveryID) is \(state), not a published post")
            }
            delivery.retractedAt = at
            delivery.retractedBy = by
            delivery.updatedAt = at
            try db.execute(
                sql: "UPDATE deliveries SET retracted_at = ?, retracted_by = ?, updated_at = ? WHERE id = ?",
                arguments: [millis(at), by, millis(at), deliveryID])
            let header = try self.header(db, itemID: delivery.itemID)
            var line = self.line(.deliveryRetracted, header, delivery: delivery, state: .delivered, at: at, actor: by)
            line.state = "retracted"
            line.remote_id = delivery.remoteID
            line.url = delivery.url
            line.detail = detail
            try self.appendLog(db, line, at: at)
            try self.audit(
                db, at: at, actor: by, action: "retract", itemID: delivery.itemID,
                detail: "\(delivery.channel): \(delivery.remoteID ?? "-")")
            return delivery
        }
    }

    public func resolve(deliveryID: String, _ resolution: Resolution, by: String, at: Date) async throws(StoreError)
        -> DeliveryRecord
    {
        try await write("resolve delivery \(deliveryID)") { db in
            guard var delivery = try self.fetchDelivery(db, deliveryID) else {
                throw StoreError(.notFound, subject: deliveryID, "no delivery \(deliveryID)")
            }
            guard delivery.state == .uncertain else {
                throw StoreError(
                    .invalidState, subject: deliveryID, currentState: delivery.state.rawValue,
                    "delivery \(deliveryID) is \(delivery.state.rawValue), not uncertain")
            }
            let header = try self.header(db, itemID: delivery.itemID)
            delivery.leaseOwner = nil
            delivery.leaseExpiresAt = nil
            delivery.updatedAt = at
            let detail: String
            switch resolution {
            case .delivered(let result):
                delivery.state = .delivered
                delivery.remoteID = result.remoteID
                delivery.url = result.url
                delivery.deliveredAt = at
                delivery.interrupted = false
                delivery.lastErrorClass = nil
                delivery.lastError = nil
                detail = "published after all"
            case .resend:
                delivery.state = .pending
                delivery.dueAt = at
                delivery.interrupted = true
                detail = "not published: send again"
            case .failed:
                delivery.state = .failed
                delivery.interrupted = false
                delivery.lastErrorClass = delivery.lastErrorClass ?? "uncertain"
                delivery.lastError = delivery.lastError ?? "resolved as failed by \(by)"
                detail = "not published: failed"
            }
            try db.execute(
                sql: """
                    UPDATE deliveries SET state = ?, due_at = ?, lease_owner = NULL, lease_expires_at = NULL, \
                    interrupted = ?, last_error_class = ?, last_error = ?, remote_id = ?, url = ?, delivered_at = ?, \
                    updated_at = ? WHERE id = ?
                    """,
                arguments: [
                    delivery.state.rawValue, millis(delivery.dueAt), delivery.interrupted, delivery.lastErrorClass,
                    delivery.lastError, delivery.remoteID, delivery.url, delivery.deliveredAt.map(millis), millis(at),
                    deliveryID,
                ])
            var line = self.line(
                .deliveryResolved, header, delivery: delivery, state: delivery.state, at: at, actor: by)
            line.remote_id = delivery.state == .delivered ? delivery.remoteID : nil
            line.url = delivery.state == .delivered ? delivery.url : nil
            line.due_at = delivery.state == .pending ? self.clock.format(at) : nil
            line.detail = detail
            try self.appendLog(db, line, at: at)
            try self.audit(
                db, at: at, actor: by, action: "resolve", itemID: delivery.itemID,
                detail: "\(delivery.channel): \(detail)")
            if delivery.state == .failed {
                try self.failDependents(db, header, of: delivery.channel, at: at)
            }
            if delivery.state == .pending {
                try self.cancelWaitingIfClosed(db, itemID: delivery.itemID, at: at)
            }
            try self.recomputeStatus(db, itemID: delivery.itemID, at: at)
            return try self.fetchDelivery(db, deliveryID) ?? delivery
        }
    }

    // MARK: Readers

    public func item(_ id: String) async throws(StoreError) -> ItemRecord? {
        try await read("read item \(id)") { db in try self.fetchItem(db, id) }
    }

    /// Newest first (creation time, then id).
    public func items(_ filter: ItemFilter) async throws(StoreError) -> [ItemRecord] {
        try await read("list items") { db in
            var conditions: [String] = []
            var arguments = StatementArguments()
            if let statuses = filter.statuses {
                if statuses.isEmpty { return [] }
                conditions.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
                for status in statuses { arguments += [status.rawValue] }
            }
            if let unit = filter.unit {
                conditions.append("unit = ?")
                arguments += [unit.precomposedStringWithCanonicalMapping]
            }
            if let source = filter.source {
                conditions.append("source = ?")
                arguments += [source]
            }
            if let from = filter.from {
                conditions.append("created_at >= ?")
                arguments += [millis(from)]
            }
            if let to = filter.to {
                conditions.append("created_at < ?")
                arguments += [millis(to)]
            }
            if let channel = filter.channel {
                conditions.append("EXISTS (SELECT 1 FROM json_each(items.content, '$.channels') WHERE value = ?)")
                arguments += [channel]
            }
            var sql = "SELECT \(Self.itemColumns) FROM items"
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            sql += " ORDER BY created_at DESC, id DESC"
            if let limit = filter.limit {
                sql += " LIMIT ?"
                arguments += [max(0, limit)]
            }
            let decoder = Self.contentDecoder()
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                try Self.decodeItem($0, decoder: decoder)
            }
        }
    }

    /// In the order they were planned.
    public func deliveries(itemID: String) async throws(StoreError) -> [DeliveryRecord] {
        try await read("read deliveries of \(itemID)") { db in try self.fetchDeliveries(db, itemID: itemID) }
    }

    public func delivery(_ id: String) async throws(StoreError) -> DeliveryRecord? {
        try await read("read delivery \(id)") { db in try self.fetchDelivery(db, id) }
    }

    public func attempts(deliveryID: String) async throws(StoreError) -> [AttemptRecord] {
        try await read("read attempts of \(deliveryID)") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT delivery_id, number, started_at, finished_at, outcome, error_class, message, code, \
                    remote_id, url FROM attempts WHERE delivery_id = ? ORDER BY id
                    """, arguments: [deliveryID]
            ).map { try Self.decodeAttempt($0) }
        }
    }
}
