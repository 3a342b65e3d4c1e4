import Foundation
import GRDB
import Testing

@testable import Queue

/// Changes an item's content hash behind the store's back, as if its content changed after approval
/// without going through `addItem` (the store must then refuse to send it).
func tamperContentHash(path: String, itemID: String) throws {
    try execute(path: path, "UPDATE items SET content_hash = 'tampered' WHERE id = ?", [itemID])
}

/// Runs one statement on the file through its own connection (foreign keys on, as GRDB sets them).
func execute(path: String, _ sql: String, _ arguments: StatementArguments = []) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in try db.execute(sql: sql, arguments: arguments) }
}

@Suite("SQLiteStore: schema")
struct SQLiteStoreSchemaTests {
    @Test("assigned ids are zero-padded to 4 digits and grow beyond")
    func idFormat() {
        #expect(SQLiteStore.formatID(month: "2026-11", number: 1) == "2026-11-0001")
        #expect(SQLiteStore.formatID(month: "2026-11", number: 9999) == "2026-11-9999")
        #expect(SQLiteStore.formatID(month: "2026-11", number: 10000) == "2026-11-10000")
    }

    @Test("pragmas: WAL, synchronous FULL, foreign keys")
    func pragmas() async throws {
        let f = try StoreFixture()
        let (journal, synchronous, foreignKeys) = try await f.store.pool.read { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                try Int.fetchOne(db, sql: "PRAGMA foreign_keys")
            )
        }
        #expect(journal == "wal" && synchronous == 2 && foreignKeys == 1)
    }

    @Test("claimDue and nextDue use the partial index of waiting deliveries, without sorting")
    func queryPlans() async throws {
        let f = try StoreFixture()
        func plan(_ sql: String) async throws -> [String] {
            try await f.store.pool.read { db in
                try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: ["channel": "portal", "now": 0, "limit": 10]
                ).map { $0["detail"] as String }
            }
        }
        let claim = try await plan(SQLiteStore.claimSQL)
        #expect(claim.contains { $0.contains("USING INDEX deliveries_waiting (channel=? AND due_at<?)") })
        #expect(claim.contains { $0.contains("SEARCH i USING INDEX sqlite_autoindex_items_1 (id=?)") })
        #expect(!claim.contains { $0.contains("TEMP B-TREE") || $0.hasPrefix("SCAN") })
        let next = try await plan(SQLiteStore.nextDueSQL)
        #expect(next.contains { $0.contains("USING INDEX deliveries_waiting (channel=?)") })
        #expect(!next.contains { $0.contains("TEMP B-TREE") || $0.hasPrefix("SCAN") })
    }

    @Test("the schema refuses what the model forbids")
    func constraints() async throws {
        let f = try StoreFixture()
        try await f.store.addApproved(id: "tin")
        for sql in [
            "UPDATE items SET status = 'bogus' WHERE id = 'tin'",
            "UPDATE deliveries SET state = 'sent' WHERE id = 'tin/fb'",
            "INSERT INTO deliveries (id, item_id, channel, channel_type, state, due_at, priority_rank, updated_at) VALUES ('x/fb', 'x', 'fb', 't', 'pending', 0, 0, 0)",
            "UPDATE deliveries SET state = 'leased' WHERE id = 'tin/fb'",
            "DELETE FROM log_events",
            "INSERT INTO items (id, content, title, unit, topic, priority_rank, content_hash, status, source, created_at, updated_at) VALUES ('bad', 'not json', 't', 'u', 't', 0, 'h', 'submitted', 's', 0, 0)",
        ] {
            #expect(throws: DatabaseError.self, "\(sql)") { try execute(path: f.path, sql) }
        }
    }

    @Test("database errors name the operation and never carry item bodies")
    func errorMessages() async throws {
        let f = try StoreFixture()
        let secret = "NỘI DUNG BÍ MẬT"
        try await f.store.addApproved(id: "tin", content(body: secret))
        // Make the next item insert fail inside SQLite.
        try execute(
            path: f.path, "CREATE TRIGGER no_more BEFORE INSERT ON items BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        )
        let error = await storeError { () async throws(StoreError) in
            try await f.store.addItem(newItem(content(body: secret)), at: t0, plan: noPlan)
        }
        #expect(error?.kind == .database)
        #expect(error?.message.hasPrefix("add item failed: SQLite error") == true)
        #expect(error?.message.contains("disk says no") == true)
        #expect(error?.message.contains(secret) == false)
        #expect(try await f.store.lastLogSeq() == 4)  // the failed transaction left nothing behind
    }
}

@Suite struct ConcurrentOpenTests {
    /// The daemon and `cchc` may create the store at the same moment: neither may fail.
    @Test func manyOpenersOfANewStoreAllSucceed() async throws {
        let dir = NSTemporaryDirectory() + "cchc-open-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cchcd.sqlite"
        let opened = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let store = try SQLiteStore(path: path, timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
                    _ = try await store.stats()
                    return 1
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(opened == 8)
    }
}
