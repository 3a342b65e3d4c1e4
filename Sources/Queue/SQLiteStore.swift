import ChannelKit
import DeliveryLog
import Foundation
import GRDB

/// The SQLite implementation of ``Store`` (GRDB, WAL, durable commits).
///
/// One file is shared by the daemon and the `cchc` tool: each opens its own store on it. Every method
/// is one IMMEDIATE transaction (GRDB's default for writes), so concurrent processes serialize on the
/// write lock, waiting up to the busy timeout.
///
/// Storage conventions: dates are INTEGER milliseconds since 1970; an item's content is JSON text
/// (dates as milliseconds) next to the columns the queries filter on; the delivery log is the
/// `log_events` table, whose AUTOINCREMENT key is the log's sequence number.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    let clock: LogClock
    let hints: CommitHintHub
    /// Who is behind this store's person actions beyond the name they give (`cchc` passes
    /// `os: LOGIN`, the operating-system user running it): appended to every audit row's actor as
    /// `NAME (os: LOGIN)`. Only the audit trail: the delivery log's `actor` stays the name given.
    public let auditOrigin: String?

    /// The actor written in log lines for what the daemon does by itself.
    static let automaticActor = "cchcd"

    /// Opens (creating if needed) the store at `path` and brings its schema up to date. The parent
    /// folder must exist.
    ///
    /// - Parameter durable: true (always, in cchcd and cchc): every commit is on disk when it
    ///   returns. False skips the fsyncs (`synchronous=OFF`) and is only for filling a throwaway store
    ///   fast (the benchmark's 100,000 items): a crash can lose the last commits.
    /// - Parameter auditOrigin: see ``auditOrigin``; nil (the daemon, the web app) leaves actors as given.
    public init(path: String, timeZone: TimeZone, durable: Bool = true, auditOrigin: String? = nil)
        throws(StoreError)
    {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(5)
        config.label = "cchc-store"
        config.prepareDatabase { db in
            // WAL + FULL: every commit is durable once `write` returns.
            try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = OFF")
        }
        let pool: DatabasePool
        do {
            // The daemon and `cchc` may open a new store at the same moment: switching a new file to WAL
            // needs an exclusive lock (SQLite answers "database is locked" at once rather than waiting),
            // and GRDB's migrator decides what to apply before it takes the write lock. An exclusive
            // file lock around opening and migrating makes the second process find it all done.
            let lock = try MigrationLock(path: path + ".migrate-lock")
            defer { lock.release() }
            try StoreFileMode.prepare(path)
            pool = try DatabasePool(path: path, configuration: config)
            StoreFileMode.repair(path)
            try Self.makeMigrator().migrate(pool)
        } catch {
            throw Self.mapped("open store at \(path)", error)
        }
        self.pool = pool
        self.clock = LogClock(timeZone: timeZone)
        self.hints = CommitHintHub(databasePath: path, pool: pool)
        self.auditOrigin = auditOrigin
    }

    public func commitHints() -> AsyncStream<CommitHint> { hints.subscribe() }

    // MARK: Transactions and errors

    /// Runs `body` in one write transaction; any error becomes a ``StoreError`` naming `operation`.
    func write<T: Sendable>(
        _ operation: String, _ body: @Sendable (Database) throws -> T
    ) async throws(StoreError) -> T {
        do {
            let result = try await pool.write(body)
            // After the commit, never before: a reader woken now finds what was committed.
            hints.committedHere()
            return result
        } catch {
            throw Self.mapped(operation, error)
        }
    }

    func read<T: Sendable>(
        _ operation: String, _ body: @Sendable (Database) throws -> T
    ) async throws(StoreError) -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw Self.mapped(operation, error)
        }
    }

    /// Never includes statement arguments (item bodies): GRDB's description only shows them when
    /// `publicStatementArguments` is set, and only SQLite's own message is used here.
    static func mapped(_ operation: String, _ error: any Error) -> StoreError {
        switch error {
        case let error as StoreError:
            return error
        case let error as DatabaseError:
            let message = error.message.map { ": \($0)" } ?? ""
            return StoreError(
                .database, "\(operation) failed: SQLite error \(error.extendedResultCode.rawValue)\(message)")
        case is CancellationError:
            return StoreError(.database, "\(operation) was cancelled")
        case is DecodingError, is EncodingError:
            return StoreError(.database, "\(operation) failed: stored data does not decode (\(type(of: error)))")
        default:
            return StoreError(.database, "\(operation) failed: \(error)")
        }
    }

    static func corrupt(_ what: String) -> StoreError {
        StoreError(.database, "corrupt store: \(what)")
    }
}

// MARK: - Conversions

@inline(__always)
func millis(_ date: Date) -> Int64 {
    Int64((date.timeIntervalSince1970 * 1000).rounded())
}

@inline(__always)
func dateFromMillis(_ ms: Int64) -> Date {
    Date(timeIntervalSince1970: Double(ms) / 1000)
}

extension SQLiteStore {
    static func contentEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }

    static func contentDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }

    static func encodeContent(_ content: ItemContent) throws(StoreError) -> String {
        do {
            return String(decoding: try contentEncoder().encode(content), as: UTF8.self)
        } catch {
            throw StoreError(.database, "encode item content failed (\(type(of: error)))")
        }
    }

    static let waitingStates = "'pending','retry-wait'"
}

// MARK: - Row decoding

extension SQLiteStore {
    /// Item columns, in the order ``decodeItem(_:decoder:)`` reads them.
    static let itemColumns =
        "id, content, content_hash, status, approved_by, approved_at, approved_hash, source, created_at, updated_at, status_reason"

    static func itemColumns(prefix p: String) -> String {
        itemColumns.split(separator: ",").map { "\(p)." + $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: ", ")
    }

    static func decodeItem(_ row: Row, decoder: JSONDecoder, offset o: Int = 0) throws -> ItemRecord {
        let id: String = row[o]
        let json: String = row[o + 1]
        let statusText: String = row[o + 3]
        guard let status = ItemStatus(rawValue: statusText) else {
            throw corrupt("item \(id) has status \(statusText)")
        }
        let content = try decoder.decode(ItemContent.self, from: Data(json.utf8))
        return ItemRecord(
            id: id, content: content, contentHash: row[o + 2], status: status, approvedBy: row[o + 4],
            approvedAt: (row[o + 5] as Int64?).map(dateFromMillis), approvedHash: row[o + 6], source: row[o + 7],
            createdAt: dateFromMillis(row[o + 8]), updatedAt: dateFromMillis(row[o + 9]), statusReason: row[o + 10])
    }

    func fetchItem(_ db: Database, _ id: String) throws -> ItemRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.itemColumns) FROM items WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
        return try Self.decodeItem(row, decoder: Self.contentDecoder())
    }

    func requireItem(_ db: Database, _ id: String) throws -> ItemRecord {
        guard let item = try fetchItem(db, id) else {
            throw StoreError(.notFound, subject: id, "no item \(id)")
        }
        return item
    }

    /// Delivery columns, in the order ``decodeDelivery(_:offset:)`` reads them.
    static let deliveryColumns = """
        id, item_id, channel, channel_type, state, due_at, attempts, attempt_base, after_channel, lease_owner, \
        lease_expires_at, interrupted, last_error_class, last_error, remote_id, url, delivered_at, updated_at, \
        retracted_at, retracted_by
        """
    static let deliveryColumnCount = 20

    static func deliveryColumns(prefix p: String) -> String {
        deliveryColumns.split(separator: ",").map { "\(p)." + $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: ", ")
    }

    static func decodeDelivery(_ row: Row, offset o: Int = 0) throws -> DeliveryRecord {
        let id: String = row[o]
        let stateText: String = row[o + 4]
        guard let state = DeliveryState(rawValue: stateText) else {
            throw corrupt("delivery \(id) has state \(stateText)")
        }
        return DeliveryRecord(
            id: id, itemID: row[o + 1], channel: row[o + 2], channelType: row[o + 3], state: state,
            dueAt: dateFromMillis(row[o + 5]), attempts: row[o + 6], attemptBase: row[o + 7], after: row[o + 8],
            leaseOwner: row[o + 9], leaseExpiresAt: (row[o + 10] as Int64?).map(dateFromMillis),
            interrupted: row[o + 11], lastErrorClass: row[o + 12], lastError: row[o + 13], remoteID: row[o + 14],
            url: row[o + 15], deliveredAt: (row[o + 16] as Int64?).map(dateFromMillis),
            updatedAt: dateFromMillis(row[o + 17]), retractedAt: (row[o + 18] as Int64?).map(dateFromMillis),
            retractedBy: row[o + 19])
    }

    func fetchDelivery(_ db: Database, _ id: String) throws -> DeliveryRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.deliveryColumns) FROM deliveries WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
        return try Self.decodeDelivery(row)
    }

    func fetchDeliveries(_ db: Database, itemID: String) throws -> [DeliveryRecord] {
        let statement = try db.cachedStatement(
            sql: "SELECT \(Self.deliveryColumns) FROM deliveries WHERE item_id = ? ORDER BY rowid")
        return try Row.fetchAll(statement, arguments: [itemID]).map { try Self.decodeDelivery($0) }
    }

    static func decodeAttempt(_ row: Row) throws -> AttemptRecord {
        let outcomeText: String = row[4]
        guard let outcome = AttemptRecord.Outcome(rawValue: outcomeText) else {
            throw corrupt("attempt outcome \(outcomeText)")
        }
        return AttemptRecord(
            deliveryID: row[0], number: row[1], startedAt: dateFromMillis(row[2]), finishedAt: dateFromMillis(row[3]),
            outcome: outcome, errorClass: row[5], message: row[6], code: row[7], remoteID: row[8], url: row[9])
    }
}

// MARK: - Log, audit, attempts

/// What every log line says about its item.
struct ItemHeader: Sendable {
    var id: String
    var title: String
    var unit: String
    var topic: String

    init(id: String, title: String, unit: String, topic: String) {
        self.id = id
        self.title = title
        self.unit = unit
        self.topic = topic
    }

    init(_ item: ItemRecord) {
        self.init(id: item.id, title: item.content.title, unit: item.content.unit, topic: item.content.topic)
    }
}

extension SQLiteStore {
    func header(_ db: Database, itemID: String) throws -> ItemHeader {
        let statement = try db.cachedStatement(sql: "SELECT title, unit, topic FROM items WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [itemID]) else {
            throw StoreError(.notFound, subject: itemID, "no item \(itemID)")
        }
        return ItemHeader(id: itemID, title: row[0], unit: row[1], topic: row[2])
    }

    /// A log line with the item fields filled.
    func line(_ event: LogEventKind, _ item: ItemHeader, at: Date, actor: String?) -> LogLine {
        LogLine(
            ts: clock.format(at), event: event, item_id: item.id, item_title: item.title, unit: item.unit,
            topic: item.topic, actor: actor)
    }

    /// A log line about one delivery, with its channel fields and state filled.
    func line(
        _ event: LogEventKind, _ item: ItemHeader, delivery: DeliveryRecord, state: DeliveryState, at: Date,
        actor: String?
    ) -> LogLine {
        var line = line(event, item, at: at, actor: actor)
        line.channel = delivery.channel
        line.channel_type = delivery.channelType
        line.delivery_id = delivery.id
        line.state = state.rawValue
        return line
    }

    /// Appends a line to the delivery log under the next sequence number.
    func appendLog(_ db: Database, _ line: LogLine, at: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO log_events (at, json) VALUES (?, ?)")
            .execute(arguments: [millis(at), line.encoded()])
    }

    func audit(_ db: Database, at: Date, actor: String, action: String, itemID: String?, detail: String?) throws {
        try db.cachedStatement(sql: "INSERT INTO audit (at, actor, action, item_id, detail) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [millis(at), Self.auditActor(actor, origin: auditOrigin), action, itemID, detail])
    }

    /// `NAME (os: LOGIN)`; a name that already says who it is (`cli:LOGIN`, the daemon's own `cchcd`,
    /// the login itself) is kept as it is.
    static func auditActor(_ actor: String, origin: String?) -> String {
        guard let origin, !origin.isEmpty, !actor.hasPrefix("cli:"), actor != automaticActor,
            origin != "os: \(actor)"
        else { return actor }
        return "\(actor) (\(origin))"
    }

    func insertAttempt(_ db: Database, _ attempt: AttemptRecord, deliveryID: String) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO attempts (delivery_id, number, started_at, finished_at, outcome, error_class, message, \
                code, remote_id, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            deliveryID, attempt.number, millis(attempt.startedAt), millis(attempt.finishedAt),
            attempt.outcome.rawValue, attempt.errorClass, attempt.message, attempt.code, attempt.remoteID,
            attempt.url,
        ])
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive `flock` held while migrations run (see ``SQLiteStore/init(path:timeZone:)``).
struct MigrationLock {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let fd: Int32

    init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o660)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        // Explicit: the umask must not take the group's write bit (officers' `cchc` takes this lock too).
        var st = stat()
        if fstat(fd, &st) == 0, st.st_uid == geteuid(), st.st_mode & 0o777 != 0o660 { fchmod(fd, 0o660) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(fd)
                throw Failure(description: "cannot lock \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

extension SQLiteStore {
    /// Copies the whole store to a new file with SQLite's online backup, consistent even while the
    /// daemon writes (`cchc backup`). The destination must not exist yet.
    public func backup(to destination: String) async throws(StoreError) {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError(.invalidState, subject: destination, "the backup file \(destination) already exists")
        }
        do {
            let target = try DatabaseQueue(path: destination)
            try pool.backup(to: target)
            try target.close()
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw Self.mapped("back up the store to \(destination)", error)
        }
    }
}

/// The store's files are 0660 whatever the umask (issue 14): officers in the daemon's group approve
/// through `cchc`, so they must write it (SQLite's default under `UMask=0007` is 0640: "attempt to write
/// a readonly database"), and it holds citizens' messages, so others must not read it (0644 under
/// umask 022). SQLite gives its `-wal` and `-shm` files the database file's mode.
enum StoreFileMode {
    static let mode: mode_t = 0o660

    /// Creates the database file with the mode before SQLite does.
    static func prepare(_ path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if fd < 0 {
            if errno == EEXIST { return }
            throw MigrationLock.Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        fchmod(fd, mode)
        close(fd)
    }

    /// Brings files this process owns to the mode (a store created by an earlier version).
    static func repair(_ path: String) {
        for file in [path, path + "-wal", path + "-shm"] {
            var st = stat()
            guard stat(file, &st) == 0, st.st_uid == geteuid(), st.st_mode & 0o777 != mode else { continue }
            chmod(file, mode)
        }
    }
}
