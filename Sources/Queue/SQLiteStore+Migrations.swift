import GRDB

extension SQLiteStore {
    /// The schema, as named migrations. Written in plain SQL without referring to app types, so a
    /// later change of a Swift type never changes what an old migration did. The schema is trusted:
    /// NOT NULL, CHECK constraints on every enumerated column, foreign keys.
    ///
    /// Dates are INTEGER milliseconds since 1970 (UTC) everywhere.
    static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: schemaV1)
        }
        // The inbox looks items up by source to recognise a file it took in just before a crash.
        migrator.registerMigration("v2-items-source") { db in
            try db.execute(sql: "CREATE INDEX items_source ON items (source)")
        }
        // Deliveries sent in parts (one email per recipient): each part's outcome per attempt. Append-only;
        // a part's latest `delivered` (ever) or `failed` (since the last re-queue) row makes it finished.
        migrator.registerMigration("v3-attempt-parts") { db in
            try db.execute(sql: schemaV3AttemptParts)
        }
        // Events platforms send us (webhooks): comments, reactions, followers' messages, follows.
        migrator.registerMigration("v4-inbound-events") { db in
            try db.execute(sql: schemaV4InboundEvents)
        }
        // Retraction of a published post (`cchc item retract`): the delivery stays `delivered` (it was),
        // and records when and by whom it was taken down.
        migrator.registerMigration("v5-retractions") { db in
            try db.execute(
                sql: """
                    ALTER TABLE deliveries ADD COLUMN retracted_at INTEGER;
                    ALTER TABLE deliveries ADD COLUMN retracted_by TEXT;
                    """)
        }
        // Records channels report by themselves (radio bulletins sent for a slot), kept once per key.
        migrator.registerMigration("v6-channel-records") { db in
            try db.execute(
                sql: """
                    CREATE TABLE channel_records (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        channel TEXT NOT NULL,
                        record_key TEXT NOT NULL CHECK (length(record_key) >= 1),
                        event TEXT NOT NULL,
                        occurred_at INTEGER NOT NULL,
                        recorded_at INTEGER NOT NULL,
                        unit TEXT NOT NULL,
                        duration_s REAL,
                        item_ids TEXT NOT NULL CHECK (json_valid(item_ids)),
                        UNIQUE (channel, record_key)
                    );
                    """)
        }
        // The installation's id: made once with the store (and so kept in its backups), it marks the posts
        // this installation makes, so a look-up never takes another installation's post for its own.
        migrator.registerMigration("v7-installation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE installation (
                        id TEXT NOT NULL CHECK (length(id) >= 8),
                        created_at INTEGER NOT NULL
                    );
                    INSERT INTO installation (id, created_at)
                    VALUES (lower(hex(randomblob(6))), CAST(strftime('%s','now') AS INTEGER) * 1000);
                    """)
        }
        // The officers' web app: local accounts (bcrypt), signed-in sessions and API tokens (only SHA-256s kept).
        migrator.registerMigration("v8-web-accounts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE accounts (
                        login TEXT PRIMARY KEY CHECK (length(login) BETWEEN 1 AND 64),
                        display_name TEXT NOT NULL CHECK (length(display_name) >= 1),
                        password_hash TEXT NOT NULL CHECK (length(password_hash) >= 20),
                        roles TEXT NOT NULL CHECK (json_valid(roles)),
                        units TEXT NOT NULL CHECK (json_valid(units)),
                        disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE TABLE web_sessions (
                        id_hash TEXT PRIMARY KEY CHECK (length(id_hash) = 64),
                        login TEXT NOT NULL REFERENCES accounts (login) ON DELETE CASCADE,
                        csrf_token TEXT NOT NULL CHECK (length(csrf_token) >= 32),
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL CHECK (expires_at > created_at)
                    );
                    CREATE INDEX web_sessions_login ON web_sessions (login);
                    CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);
                    CREATE TABLE api_tokens (
                        token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
                        login TEXT NOT NULL REFERENCES accounts (login) ON DELETE CASCADE,
                        name TEXT NOT NULL CHECK (length(name) >= 1),
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX api_tokens_login ON api_tokens (login);
                    """)
        }
        // Items whose every delivery failed (nothing went out) get a status of their own, `failed`, apart
        // from `partly-failed` (some channel or some recipient got it). SQLite cannot change a CHECK
        // constraint in place: the table is rebuilt by the documented 12-step procedure
        // (https://www.sqlite.org/lang_altertable.html#otheralter). GRDB's `.deferred` foreign key checks
        // are steps 1, 2, 10–12: the migration runs in a transaction with foreign keys off, and
        // `PRAGMA foreign_key_check` runs before the commit (a violation aborts it).
        migrator.registerMigration("v9-item-failed", foreignKeyChecks: .deferred) { db in
            // Step 3: the indexes and triggers of the table, as written, to make them again after the drop.
            let dependents = try String.fetchAll(
                db,
                sql: """
                    SELECT sql FROM sqlite_schema
                    WHERE tbl_name = 'items' AND type IN ('index', 'trigger') AND sql IS NOT NULL
                    ORDER BY type, name
                    """)
            // Steps 4–7: the new table (v1's with the wider CHECK), the rows copied, the old one replaced.
            try db.execute(
                sql: """
                    CREATE TABLE new_items (
                        id TEXT NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 40),
                        content TEXT NOT NULL CHECK (json_valid(content)),
                        title TEXT NOT NULL,
                        unit TEXT NOT NULL,
                        topic TEXT NOT NULL,
                        priority_rank INTEGER NOT NULL,
                        publish_at INTEGER,
                        expires_at INTEGER,
                        content_hash TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN (
                            'draft','submitted','approved','dispatching','done','partly-failed','failed',
                            'rejected','cancelled','expired')),
                        status_reason TEXT,
                        approved_by TEXT,
                        approved_at INTEGER,
                        approved_hash TEXT,
                        source TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        CHECK ((approved_hash IS NULL) = (approved_by IS NULL))
                    );
                    INSERT INTO new_items (
                        id, content, title, unit, topic, priority_rank, publish_at, expires_at, content_hash,
                        status, status_reason, approved_by, approved_at, approved_hash, source, created_at,
                        updated_at)
                    SELECT
                        id, content, title, unit, topic, priority_rank, publish_at, expires_at, content_hash,
                        status, status_reason, approved_by, approved_at, approved_hash, source, created_at,
                        updated_at
                    FROM items;
                    DROP TABLE items;
                    ALTER TABLE new_items RENAME TO items;
                    """)
            // Step 8: indexes and triggers back, exactly as they were.
            for sql in dependents { try db.execute(sql: sql) }
            // The rows the new status describes: finished, some delivery failed, and nothing went out —
            // no delivery delivered and no part (email recipient) delivered in any attempt.
            try db.execute(
                sql: """
                    UPDATE items SET status = 'failed'
                    WHERE status = 'partly-failed'
                    AND EXISTS (SELECT 1 FROM deliveries d WHERE d.item_id = items.id AND d.state = 'failed')
                    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.item_id = items.id AND d.state = 'delivered')
                    AND NOT EXISTS (
                        SELECT 1 FROM attempt_parts p JOIN deliveries d ON d.id = p.delivery_id
                        WHERE d.item_id = items.id AND p.outcome = 'delivered')
                    """)
        }
        return migrator
    }

    private static let itemStatuses =
        "'draft','submitted','approved','dispatching','done','partly-failed','rejected','cancelled','expired'"
    private static let deliveryStates =
        "'pending','leased','retry-wait','delivered','failed','expired','cancelled','uncertain'"

    private static let schemaV4InboundEvents = """
        CREATE TABLE inbound_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            channel TEXT NOT NULL,
            channel_type TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
            event_key TEXT NOT NULL CHECK (length(event_key) >= 1),
            occurred_at INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            remote_ref TEXT,
            item_id TEXT REFERENCES items (id),
            sender_id TEXT,
            text TEXT,
            detail TEXT,
            UNIQUE (channel, event_key)
        );
        CREATE INDEX inbound_events_channel ON inbound_events (channel, received_at);
        CREATE INDEX inbound_events_item ON inbound_events (item_id) WHERE item_id IS NOT NULL;
        -- Mapping an event's post id to our item.
        CREATE INDEX deliveries_remote ON deliveries (channel, remote_id) WHERE remote_id IS NOT NULL;
        CREATE TRIGGER inbound_events_append_only_update BEFORE UPDATE ON inbound_events
            BEGIN SELECT RAISE(ABORT, 'inbound events are append-only'); END;
        """

    private static let schemaV3AttemptParts = """
        CREATE TABLE attempt_parts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            delivery_id TEXT NOT NULL REFERENCES deliveries (id),
            attempt INTEGER NOT NULL CHECK (attempt >= 1),
            part TEXT NOT NULL CHECK (length(part) >= 1),
            outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
            code INTEGER,
            message TEXT,
            remote_id TEXT,
            at INTEGER NOT NULL
        );
        CREATE INDEX attempt_parts_delivery ON attempt_parts (delivery_id, attempt);
        CREATE TRIGGER attempt_parts_append_only_update BEFORE UPDATE ON attempt_parts
            BEGIN SELECT RAISE(ABORT, 'attempt parts are append-only'); END;
        CREATE TRIGGER attempt_parts_append_only_delete BEFORE DELETE ON attempt_parts
            BEGIN SELECT RAISE(ABORT, 'attempt parts are append-only'); END;
        """

    private static let schemaV1 = """
        CREATE TABLE items (
            id TEXT NOT NULL PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 40),
            content TEXT NOT NULL CHECK (json_valid(content)),
            title TEXT NOT NULL,
            unit TEXT NOT NULL,
            topic TEXT NOT NULL,
            priority_rank INTEGER NOT NULL,
            publish_at INTEGER,
            expires_at INTEGER,
            content_hash TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN (\(itemStatuses))),
            status_reason TEXT,
            approved_by TEXT,
            approved_at INTEGER,
            approved_hash TEXT,
            source TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            CHECK ((approved_hash IS NULL) = (approved_by IS NULL))
        );
        CREATE INDEX items_status ON items (status, created_at);
        CREATE INDEX items_created ON items (created_at);
        CREATE INDEX items_unit ON items (unit, created_at);
        CREATE INDEX items_expires ON items (expires_at) WHERE expires_at IS NOT NULL;

        CREATE TABLE deliveries (
            id TEXT NOT NULL PRIMARY KEY,
            item_id TEXT NOT NULL REFERENCES items (id),
            channel TEXT NOT NULL,
            channel_type TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN (\(deliveryStates))),
            due_at INTEGER NOT NULL,
            priority_rank INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            attempt_base INTEGER NOT NULL DEFAULT 0 CHECK (attempt_base >= 0 AND attempt_base <= attempts),
            after_channel TEXT CHECK (after_channel IS NULL OR after_channel <> channel),
            lease_owner TEXT,
            lease_expires_at INTEGER,
            interrupted INTEGER NOT NULL DEFAULT 0 CHECK (interrupted IN (0, 1)),
            last_error_class TEXT,
            last_error TEXT,
            remote_id TEXT,
            url TEXT,
            delivered_at INTEGER,
            updated_at INTEGER NOT NULL,
            UNIQUE (item_id, channel),
            CHECK (id = item_id || '/' || channel),
            CHECK ((state = 'leased') = (lease_expires_at IS NOT NULL))
        );
        -- claimDue / nextDue: only waiting rows, in claim order per channel.
        CREATE INDEX deliveries_waiting ON deliveries (channel, due_at, priority_rank DESC, item_id)
            WHERE state IN ('pending', 'retry-wait');
        -- recoverLeases.
        CREATE INDEX deliveries_leased ON deliveries (lease_expires_at) WHERE state = 'leased';
        -- deliveredCounts (max_per_day).
        CREATE INDEX deliveries_delivered ON deliveries (delivered_at, channel) WHERE state = 'delivered';

        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            delivery_id TEXT NOT NULL REFERENCES deliveries (id),
            number INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'interrupted')),
            error_class TEXT,
            message TEXT,
            code INTEGER,
            remote_id TEXT,
            url TEXT
        );
        CREATE INDEX attempts_delivery ON attempts (delivery_id, number);
        CREATE TRIGGER attempts_append_only_update BEFORE UPDATE ON attempts
            BEGIN SELECT RAISE(ABORT, 'attempts are append-only'); END;
        CREATE TRIGGER attempts_append_only_delete BEFORE DELETE ON attempts
            BEGIN SELECT RAISE(ABORT, 'attempts are append-only'); END;

        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            item_id TEXT REFERENCES items (id),
            detail TEXT
        );
        CREATE INDEX audit_item ON audit (item_id, at);
        CREATE INDEX audit_at ON audit (at);

        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            source TEXT NOT NULL,
            external_id TEXT,
            kind TEXT NOT NULL,
            at INTEGER NOT NULL,
            item_id TEXT REFERENCES items (id),
            payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
            UNIQUE (source, external_id)
        );
        CREATE INDEX events_at ON events (at);
        CREATE INDEX events_item ON events (item_id) WHERE item_id IS NOT NULL;

        CREATE TABLE log_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at INTEGER NOT NULL,
            json TEXT NOT NULL CHECK (json LIKE '{%}')
        );
        CREATE TRIGGER log_events_append_only_update BEFORE UPDATE ON log_events
            BEGIN SELECT RAISE(ABORT, 'the delivery log is append-only'); END;
        CREATE TRIGGER log_events_append_only_delete BEFORE DELETE ON log_events
            BEGIN SELECT RAISE(ABORT, 'the delivery log is append-only'); END;

        CREATE TABLE id_counters (
            month TEXT NOT NULL PRIMARY KEY,
            next INTEGER NOT NULL CHECK (next >= 1)
        );
        """
}
