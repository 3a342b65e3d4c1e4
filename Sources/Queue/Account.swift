import Foundation
import Crypto
import HummingbirdBcrypt

/// What an officer may do in the web app (issue 16). Role words are typed on the command line
/// (`cchc user add … --role duyet`), so they are a contract.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Soạn tin: writes and submits items.
    case author = "soan-tin"
    /// Duyệt: approves or rejects submitted items.
    case approver = "duyet"
    /// Vận hành: retries, resolves uncertain deliveries, watches channels.
    case `operator` = "van-hanh"
    /// Xem: reads only.
    case viewer = "xem"
    /// Quản trị: everything, including accounts.
    case admin = "quan-tri"

    public var label: String {
        switch self {
        case .author: "soạn tin"
        case .approver: "duyệt"
        case .operator: "vận hành"
        case .viewer: "xem"
        case .admin: "quản trị"
        }
    }

    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A local account of the web app.
public struct Account: Sendable, Hashable {
    /// Unique, typed at sign-in: a-z, 0-9, '.', '-' and '_'.
    public var login: String
    public var displayName: String
    /// bcrypt (``PasswordHash``); never shown, logged or returned by the web app.
    public var passwordHash: String
    public var roles: Set<Role>
    /// Units (`unit:` of items) the account sees and acts on; `*` is every unit.
    public var units: [String]
    public var disabled: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        login: String, displayName: String, passwordHash: String, roles: Set<Role>, units: [String],
        disabled: Bool = false, createdAt: Date, updatedAt: Date
    ) {
        self.login = login
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.roles = roles
        self.units = units
        self.disabled = disabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The wildcard unit: the account sees every unit.
    public static let allUnits = "*"

    public func covers(unit: String) -> Bool { units.contains(Self.allUnits) || units.contains(unit) }

    public func has(_ role: Role) -> Bool { roles.contains(role) || roles.contains(.admin) }

    /// A login is short and typable: 1–64 of a-z, 0-9, '.', '-', '_', starting with a letter or digit.
    public static func isValidLogin(_ login: String) -> Bool {
        guard let first = login.unicodeScalars.first, login.utf8.count <= 64 else { return false }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789.-_")
        let alnum = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789")
        return alnum.contains(first) && login.unicodeScalars.allSatisfy { allowed.contains($0) }
    }
}

/// Changes to an account; nil fields stay as they are.
public struct AccountChange: Sendable, Hashable {
    public var displayName: String?
    public var passwordHash: String?
    public var roles: Set<Role>?
    public var units: [String]?
    public var disabled: Bool?

    public init(
        displayName: String? = nil, passwordHash: String? = nil, roles: Set<Role>? = nil, units: [String]? = nil,
        disabled: Bool? = nil
    ) {
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.roles = roles
        self.units = units
        self.disabled = disabled
    }
}

/// A signed-in browser. The store keeps only the SHA-256 of the session id the cookie carries.
public struct WebSession: Sendable, Hashable {
    public var idHash: String
    public var login: String
    /// The token every form of this session carries (CSRF).
    public var csrfToken: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(idHash: String, login: String, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.idHash = idHash
        self.login = login
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A token for the REST API, scoped like its account. The store keeps only its SHA-256.
public struct APIToken: Sendable, Hashable {
    public var hash: String
    public var login: String
    /// What it is for ("báo cáo tháng").
    public var name: String
    public var createdAt: Date

    public init(hash: String, login: String, name: String, createdAt: Date) {
        self.hash = hash
        self.login = login
        self.name = name
        self.createdAt = createdAt
    }
}

/// The SHA-256 (lowercase hex) under which a session id or API token is stored.
public enum APITokenHash {
    public static func of(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// One row of the audit trail: who did what to which item, when.
public struct AuditRecord: Sendable, Hashable {
    public var at: Date
    /// The signed-in account's login (web), the name given with `--by` (cchc), or `cchcd`.
    public var actor: String
    /// `add`, `edit`, `approve`, `reject`, `cancel`, `retry`, `retract`, `resolve`, `account.add`…
    public var action: String
    public var itemID: String?
    public var detail: String?

    public init(at: Date, actor: String, action: String, itemID: String?, detail: String?) {
        self.at = at
        self.actor = actor
        self.action = action
        self.itemID = itemID
        self.detail = detail
    }
}

/// Password hashing for accounts: bcrypt.
public enum PasswordHash {
    /// Cost 12 in production (about a quarter of a second on this kind of machine); tests may use less.
    public static func make(_ password: String, cost: UInt8 = 12) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    public static func verify(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }

    /// Spent on a sign-in for an unknown login, so that timing does not tell which logins exist.
    public static let decoy = Bcrypt.hash("decoy-password-never-valid", cost: 12)
}
