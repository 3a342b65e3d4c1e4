import ChannelKit
import DeliveryLog
import Foundation
import GRDB

// MARK: - Deliveries sent in parts (one email per recipient)

extension SQLiteStore {
    public func attemptParts(deliveryID: String) async throws(StoreError) -> [AttemptPartRecord] {
        try await read("read the parts of \(deliveryID)") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT delivery_id, attempt, part, outcome, code, message, remote_id, at FROM attempt_parts
                    WHERE delivery_id = ? ORDER BY id
                    """, arguments: [deliveryID]
            ).map { try Self.decodePart($0) }
        }
    }

    /// Stores the parts of one attempt, each with its `delivery.part` line: a copy of the delivery's line
    /// (item, channel, attempt, the delivery's state after the attempt) with the part's own fields.
    func insertParts(_ db: Database, _ outcome: DeliveryOutcome, at: Date) throws {
        guard !outcome.parts.isEmpty else { return }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO attempt_parts (delivery_id, attempt, part, outcome, code, message, remote_id, at) \
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let atMs = millis(outcome.attempt.finishedAt)
        for part in outcome.parts {
            try insert.execute(arguments: [
                outcome.deliveryID, outcome.attempt.number, part.part, part.state.rawValue, part.code, part.message,
                part.remoteID, atMs,
            ])
            var line = outcome.logLine
            line.eventKind = .deliveryPart
            line.part = part.part
            line.part_state = part.state.rawValue
            line.code = part.code
            line.remote_id = part.remoteID
            line.url = nil
            line.retry_at = nil
            line.duration_ms = nil
            line.error_class = nil
            line.error = nil
            line.detail = nil
            if part.state == .delivered { line.detail = part.message } else { line.error = part.message }
            try appendLog(db, line, at: at)
        }
    }

    /// The parts of a delivery that are finished: delivered in any attempt, or failed in an attempt after
    /// `attemptBase` (a person's re-queue gives refused parts another chance). Latest outcome wins.
    func finishedParts(_ db: Database, deliveryID: String, attemptBase: Int) throws -> [String: PartOutcome] {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT delivery_id, attempt, part, outcome, code, message, remote_id, at FROM attempt_parts
                    WHERE delivery_id = ? ORDER BY id
                    """), arguments: [deliveryID])
        var out: [String: PartOutcome] = [:]
        for row in rows {
            let record = try Self.decodePart(row)
            let part = record.outcome
            switch part.state {
            case .delivered: out[part.part] = part
            case .failed where record.attempt > attemptBase:
                if out[part.part]?.state != .delivered { out[part.part] = part }
            default: break
            }
        }
        return out
    }

    static func decodePart(_ row: Row) throws -> AttemptPartRecord {
        guard let state = PartOutcome.State(rawValue: row[3]) else {
            throw corrupt("attempt part with unknown outcome \(row[3] as String)")
        }
        return AttemptPartRecord(
            deliveryID: row[0], attempt: row[1],
            outcome: PartOutcome(part: row[2], state: state, code: row[4], message: row[5], remoteID: row[6]),
            at: dateFromMillis(row[7]))
    }
}
