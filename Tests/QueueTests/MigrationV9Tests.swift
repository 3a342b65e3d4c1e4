import ChannelKit
import Foundation
import GRDB
import Testing

@testable import Queue

/// `v9-item-failed` rebuilds the items table (SQLite's 12-step procedure) to allow the `failed` status.
/// These tests start from a store left at v8 with data in every table that refers to items.
@Suite("SQLiteStore: migration v9-item-failed")
struct MigrationV9Tests {
    /// A v8 store on disk: the migrations up to `v8-web-accounts` run on a plain pool, as an older
    /// `cchcd` left it, then rows are written with the SQL of that schema.
    static func makeV8Store(at path: String) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        let pool = try DatabasePool(path: path, configuration: config)
        try SQLiteStore.makeMigrator().migrate(pool, upTo: "v8-web-accounts")
        try pool.write { db in
            func item(_ id: String, _ status: String, approved: Bool = true) throws {
                let json = try SQLiteStore.encodeContent(content("Bài \(id)", channels: ["portal", "fb"]))
                try db.execute(
                    sql: """
                        INSERT INTO items (id, content, title, unit, topic, priority_rank, content_hash, status,
                            status_reason, approved_by, approved_at, approved_hash, source, created_at, updated_at)
                        VALUES (?, ?, ?, 'Sở Nội vụ', 'tthc', 0, 'hash-' || ?, ?, NULL, ?, ?, ?, 'inbox:x.md', 1000, 2000)
                        """,
                    arguments: [
                        id, json, "Bài \(id)", id, status, approved ? "Trần Thị B" : nil, approved ? 1500 : nil,
                        approved ? "hash-\(id)" : nil,
                    ])
            }
            func delivery(_ item: String, _ channel: String, _ state: String, error: String? = nil) throws {
                try db.execute(
                    sql: """
                        INSERT INTO deliveries (id, item_id, channel, channel_type, state, due_at, priority_rank,
                            attempts, last_error_class, last_error, updated_at)
                        VALUES (?, ?, ?, 'portal', ?, 1600, 0, 1, ?, ?, 3000)
                        """,
                    arguments: ["\(item)/\(channel)", item, channel, state, error == nil ? nil : "auth", error])
                try db.execute(
                    sql: """
                        INSERT INTO attempts (delivery_id, number, started_at, finished_at, outcome, error_class, message)
                        VALUES (?, 1, 1700, 1800, ?, ?, ?)
                        """,
                    arguments: [
                        "\(item)/\(channel)", state == "delivered" ? "delivered" : "failed",
                        error == nil ? nil : "auth",
                        error,
                    ])
            }
            // Only channel failed: nothing went out.
            try item("only-failed", "partly-failed")
            try delivery("only-failed", "portal", "failed", error: "HTTP 401")
            // One channel failed, its dependent failed with it: nothing went out.
            try item("chain-failed", "partly-failed")
            try delivery("chain-failed", "portal", "failed", error: "HTTP 401")
            try delivery("chain-failed", "fb", "failed", error: "waits for channel portal, which failed")
            // One channel delivered, one failed: partly failed, as before.
            try item("half", "partly-failed")
            try delivery("half", "portal", "delivered")
            try delivery("half", "fb", "failed", error: "HTTP 401")
            // An email delivery failed but two of three recipients got it: partly failed, as before.
            try item("some-recipients", "partly-failed")
            try delivery("some-recipients", "email", "failed", error: "1 of 3 recipients refused")
            for (part, outcome) in [("a@x.vn", "delivered"), ("b@x.vn", "delivered"), ("c@x.vn", "failed")] {
                try db.execute(
                    sql: """
                        INSERT INTO attempt_parts (delivery_id, attempt, part, outcome, code, at)
                        VALUES ('some-recipients/email', 1, ?, ?, 250, 1800)
                        """,
                    arguments: [part, outcome])
            }
            // Cancelled by an operator after its only channel failed: not ours to relabel.
            try item("cancelled", "cancelled")
            try delivery("cancelled", "portal", "failed", error: "HTTP 401")
            try item("done", "done")
            try delivery("done", "portal", "delivered")
            try item("waiting", "submitted", approved: false)
            // Rows in every table that refers to items.
            try db.execute(
                sql: """
                    INSERT INTO audit (at, actor, action, item_id, detail) VALUES (1000, 'Nguyễn Văn A', 'submit', 'half', NULL);
                    INSERT INTO events (source, external_id, kind, at, item_id) VALUES ('fb', 'e1', 'comment', 5, 'half');
                    INSERT INTO inbound_events (channel, channel_type, kind, event_key, occurred_at, received_at, item_id)
                        VALUES ('fb', 'facebook', 'comment', 'k1', 5, 6, 'half');
                    INSERT INTO id_counters (month, next) VALUES ('2026-11', 8);
                    INSERT INTO accounts (login, display_name, password_hash, roles, units, created_at, updated_at)
                        VALUES ('a', 'Nguyễn Văn A', '$2b$12$abcdefghijklmnopqrstuv', '["officer"]', '["*"]', 1, 1);
                    """)
        }
    }

    /// Every row of `table` (all columns, in a stable order), to compare before and after.
    static func rows(_ db: Database, _ table: String, except column: String? = nil) throws -> [[String]] {
        try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY rowid").map { row in
            row.columnNames.filter { $0 != column }.map { name in
                (row[name] as DatabaseValue).description
            }
        }
    }

    static let referringTables = ["deliveries", "attempts", "attempt_parts", "audit", "events", "inbound_events"]

    @Test("rows, indexes and foreign keys survive; items whose every delivery failed become failed")
    func migratesV8() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("v9-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("queue.sqlite").path
        try Self.makeV8Store(at: path)

        let schemaSQL =
            "SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = 'items' AND type IN ('index', 'trigger') ORDER BY name"
        let before = try await DatabaseQueue(path: path).read { db in
            (
                items: try Self.rows(db, "items", except: "status"),
                others: try Self.referringTables.map { try Self.rows(db, $0) },
                schema: try Row.fetchAll(db, sql: schemaSQL).map { "\($0)" },
                migrations: try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            )
        }
        #expect(before.migrations.last == "v8-web-accounts")
        #expect(before.schema.count == 6, "\(before.schema)")  // 5 indexes + the primary key's

        let store = try SQLiteStore(path: path, timeZone: hcm)
        let after = try await store.pool.read { db in
            (
                items: try Self.rows(db, "items", except: "status"),
                others: try Self.referringTables.map { try Self.rows(db, $0) },
                schema: try Row.fetchAll(db, sql: schemaSQL).map { "\($0)" },
                statuses: Dictionary(
                    uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, status FROM items").map {
                        ($0[0] as String, $0[1] as String)
                    }),
                foreignKeyViolations: try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count,
                integrity: try String.fetchAll(db, sql: "PRAGMA integrity_check"),
                parents: try Set(
                    Self.referringTables.filter { $0 != "attempts" && $0 != "attempt_parts" }.flatMap { table in
                        try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(\(table))").map { $0["table"] as String }
                    }),
                tableSQL: try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = 'items'") ?? ""
            )
        }
        #expect(
            after.statuses == [
                "only-failed": "failed", "chain-failed": "failed", "half": "partly-failed",
                "some-recipients": "partly-failed", "cancelled": "cancelled", "done": "done", "waiting": "submitted",
            ])
        #expect(after.items == before.items, "every other column of every item is as it was (updated_at too)")
        #expect(after.others == before.others, "rows that refer to items are untouched")
        #expect(after.schema == before.schema, "the same indexes, with the same definitions")
        #expect(after.foreignKeyViolations == 0)
        #expect(after.integrity == ["ok"])
        #expect(after.parents == ["items"], "foreign keys still name the items table")
        #expect(after.tableSQL.contains("'failed'") && !after.tableSQL.contains("new_items"))

        // The store reads and works on the migrated rows; the schema still refuses what the model forbids.
        #expect(try await store.item("only-failed")?.status == .failed)
        #expect(try await store.item("half")?.status == .partlyFailed)
        #expect(throws: DatabaseError.self) {
            try execute(path: path, "UPDATE items SET status = 'bogus' WHERE id = 'done'")
        }
        #expect(throws: DatabaseError.self) {
            try execute(
                path: path,
                "INSERT INTO deliveries (id, item_id, channel, channel_type, state, due_at, priority_rank, updated_at) VALUES ('x/fb', 'x', 'fb', 't', 'pending', 0, 0, 0)"
            )
        }
        _ = try await store.retry(itemID: "only-failed", channel: nil, by: officer, at: Date())
        #expect(try await store.item("only-failed")?.status == .dispatching)
        #expect(try await store.deliveries(itemID: "only-failed").map(\.state) == [.pending])

        // Opening again applies nothing more.
        let again = try SQLiteStore(path: path, timeZone: hcm)
        #expect(try await again.item("chain-failed")?.status == .failed)
    }
}
