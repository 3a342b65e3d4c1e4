import Foundation
import GRDB

// MARK: - The web app: accounts, sessions, the audit trail, approval bound to a content hash

extension SQLiteStore {
    public func auditTrail(itemID: String) async throws(StoreError) -> [AuditRecord] {
        try await read("read the audit trail of \(itemID)") { db in
            try Row.fetchAll(
                db, sql: "SELECT at, actor, action, item_id, detail FROM audit WHERE item_id = ? ORDER BY at, id",
                arguments: [itemID]
            ).map {
                AuditRecord(at: dateFromMillis($0[0]), actor: $0[1], action: $0[2], itemID: $0[3], detail: $0[4])
            }
        }
    }

    public func schedule(from: Date, to: Date, limit: Int) async throws(StoreError) -> [(DeliveryRecord, ItemRecord)] {
        try await read("read the schedule") { db in
            let decoder = Self.contentDecoder()
            let deliveryCount = Self.deliveryColumns.split(separator: ",").count
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.deliveryColumns(prefix: "d")), \(Self.itemColumns(prefix: "i")) \
                    FROM deliveries d JOIN items i ON i.id = d.item_id \
                    WHERE COALESCE(d.delivered_at, d.due_at) >= ? AND COALESCE(d.delivered_at, d.due_at) < ? \
                    ORDER BY COALESCE(d.delivered_at, d.due_at), d.item_id, d.channel LIMIT ?
                    """, arguments: [millis(from), millis(to), max(0, limit)]
            ).map { row in
                (try Self.decodeDelivery(row), try Self.decodeItem(row, decoder: decoder, offset: deliveryCount))
            }
        }
    }

    public func addAccount(_ account: Account, by: String, at: Date) async throws(StoreError) {
        guard Account.isValidLogin(account.login) else {
            throw StoreError(
                .invalidState, subject: account.login, "invalid login \"\(account.login)\": use a-z, 0-9, '.', '-', '_'"
            )
        }
        let roles = try Self.json(account.roles.map(\.rawValue).sorted())
        let units = try Self.json(account.units)
        try await write("add account \(account.login)") { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM accounts WHERE login = ?", arguments: [account.login]) != nil {
                throw StoreError(
                    .invalidState, subject: account.login, currentState: "exists",
                    "account \(account.login) already exists")
            }
            try db.execute(
                sql: """
                    INSERT INTO accounts (login, display_name, password_hash, roles, units, disabled, created_at, \
                    updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    account.login, account.displayName, account.passwordHash, roles, units, account.disabled,
                    millis(account.createdAt), millis(account.updatedAt),
                ])
            try self.audit(
                db, at: at, actor: by, action: "account.add", itemID: nil,
                detail: Self.accountDetail(account.login, roles: account.roles, units: account.units))
        }
    }

    public func account(login: String) async throws(StoreError) -> Account? {
        try await read("read account \(login)") { db in try Self.fetchAccount(db, login) }
    }

    public func accounts() async throws(StoreError) -> [Account] {
        try await read("list accounts") { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.accountColumns) FROM accounts ORDER BY login").map {
                try Self.decodeAccount($0)
            }
        }
    }

    public func updateAccount(login: String, _ change: AccountChange, by: String, at: Date) async throws(StoreError)
        -> Account
    {
        try await write("change account \(login)") { db in
            guard var account = try Self.fetchAccount(db, login) else {
                throw StoreError(.notFound, subject: login, "no account \(login)")
            }
            var said: [String] = []
            if let name = change.displayName {
                account.displayName = name
                said.append("name")
            }
            if let hash = change.passwordHash {
                account.passwordHash = hash
                said.append("password")
            }
            if let roles = change.roles {
                account.roles = roles
                said.append("roles=\(roles.map(\.rawValue).sorted().joined(separator: ","))")
            }
            if let units = change.units {
                account.units = units
                said.append("units=\(units.joined(separator: ","))")
            }
            if let disabled = change.disabled {
                account.disabled = disabled
                said.append(disabled ? "disabled" : "enabled")
            }
            account.updatedAt = at
            try db.execute(
                sql: """
                    UPDATE accounts SET display_name = ?, password_hash = ?, roles = ?, units = ?, disabled = ?, \
                    updated_at = ? WHERE login = ?
                    """,
                arguments: [
                    account.displayName, account.passwordHash, try Self.json(account.roles.map(\.rawValue).sorted()),
                    try Self.json(account.units), account.disabled, millis(at), login,
                ])
            if change.passwordHash != nil || change.disabled == true {
                try db.execute(sql: "DELETE FROM web_sessions WHERE login = ?", arguments: [login])
            }
            try self.audit(
                db, at: at, actor: by, action: "account.change", itemID: nil,
                detail: "\(login): \(said.joined(separator: " "))")
            return account
        }
    }

    public func addSession(_ session: WebSession) async throws(StoreError) {
        try await write("add a session") { db in
            try db.execute(
                sql:
                    "INSERT INTO web_sessions (id_hash, login, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    session.idHash, session.login, session.csrfToken, millis(session.createdAt),
                    millis(session.expiresAt),
                ])
        }
    }

    public func session(idHash: String, now: Date) async throws(StoreError) -> (WebSession, Account)? {
        try await read("read a session") { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql:
                        "SELECT login, csrf_token, created_at, expires_at FROM web_sessions WHERE id_hash = ? AND expires_at > ?",
                    arguments: [idHash, millis(now)])
            else { return nil }
            let session = WebSession(
                idHash: idHash, login: row[0], csrfToken: row[1], createdAt: dateFromMillis(row[2]),
                expiresAt: dateFromMillis(row[3]))
            guard let account = try Self.fetchAccount(db, session.login), !account.disabled else { return nil }
            return (session, account)
        }
    }

    public func removeSession(idHash: String) async throws(StoreError) {
        try await write("remove a session") { db in
            try db.execute(sql: "DELETE FROM web_sessions WHERE id_hash = ?", arguments: [idHash])
        }
    }

    public func removeExpiredSessions(now: Date) async throws(StoreError) -> Int {
        try await write("remove expired sessions") { db in
            try db.execute(sql: "DELETE FROM web_sessions WHERE expires_at <= ?", arguments: [millis(now)])
            return db.changesCount
        }
    }

    public func addAPIToken(_ token: APIToken, by: String, at: Date) async throws(StoreError) {
        try await write("add an API token for \(token.login)") { db in
            guard try Self.fetchAccount(db, token.login) != nil else {
                throw StoreError(.notFound, subject: token.login, "no account \(token.login)")
            }
            try db.execute(
                sql: "INSERT INTO api_tokens (token_hash, login, name, created_at) VALUES (?, ?, ?, ?)",
                arguments: [token.hash, token.login, token.name, millis(token.createdAt)])
            try self.audit(
                db, at: at, actor: by, action: "token.add", itemID: nil, detail: "\(token.login): \(token.name)")
        }
    }

    public func removeAPIToken(hash: String, by: String, at: Date) async throws(StoreError) -> Bool {
        try await write("remove an API token") { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT login, name FROM api_tokens WHERE token_hash = ?", arguments: [hash])
            else { return false }
            let login: String = row[0]
            let name: String = row[1]
            try db.execute(sql: "DELETE FROM api_tokens WHERE token_hash = ?", arguments: [hash])
            try self.audit(db, at: at, actor: by, action: "token.remove", itemID: nil, detail: "\(login): \(name)")
            return true
        }
    }

    public func apiToken(hash: String) async throws(StoreError) -> (APIToken, Account)? {
        try await read("read an API token") { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT login, name, created_at FROM api_tokens WHERE token_hash = ?", arguments: [hash])
            else { return nil }
            let token = APIToken(hash: hash, login: row[0], name: row[1], createdAt: dateFromMillis(row[2]))
            guard let account = try Self.fetchAccount(db, token.login), !account.disabled else { return nil }
            return (token, account)
        }
    }

    // MARK: Rows

    static let accountColumns = "login, display_name, password_hash, roles, units, disabled, created_at, updated_at"

    static func fetchAccount(_ db: Database, _ login: String) throws -> Account? {
        try Row.fetchOne(db, sql: "SELECT \(accountColumns) FROM accounts WHERE login = ?", arguments: [login]).map {
            try decodeAccount($0)
        }
    }

    static func decodeAccount(_ row: Row) throws -> Account {
        let decoder = JSONDecoder()
        let roleWords = try decoder.decode([String].self, from: Data((row[3] as String).utf8))
        var roles = Set<Role>()
        for word in roleWords {
            guard let role = Role(rawValue: word) else { throw corrupt("account \(row[0] as String): role \(word)") }
            roles.insert(role)
        }
        return Account(
            login: row[0], displayName: row[1], passwordHash: row[2], roles: roles,
            units: try decoder.decode([String].self, from: Data((row[4] as String).utf8)), disabled: row[5],
            createdAt: dateFromMillis(row[6]), updatedAt: dateFromMillis(row[7]))
    }

    static func json(_ words: [String]) throws(StoreError) -> String {
        do {
            return String(decoding: try JSONEncoder().encode(words), as: UTF8.self)
        } catch {
            throw StoreError(.database, "cannot encode a list of words")
        }
    }

    static func accountDetail(_ login: String, roles: Set<Role>, units: [String]) -> String {
        "\(login): roles=\(roles.map(\.rawValue).sorted().joined(separator: ",")) units=\(units.joined(separator: ","))"
    }
}
