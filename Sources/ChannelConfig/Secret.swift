import Foundation

/// A secret value (token, password). Its description is redacted, so printing or logging a value
/// that holds one never shows it; read it with ``reveal()`` at the point of use only.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String

    public init(_ value: String) { self.value = value }

    public func reveal() -> String { value }

    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }
}

/// Where secrets come from: files, systemd credentials, the environment.
public struct SecretStore: Sendable {
    public struct Failure: Error, Sendable { public var message: String }

    public var credentialsDirectory: String?
    public var environment: [String: String]
    /// False: secrets are not read at all, each is a placeholder. For building channels only to check an
    /// item against them (`cchc item add`, run by officers, who must not need, or be able to read, the
    /// channels' secrets: `*_credential` keys only resolve inside the service).
    public var readsSecrets: Bool = true
    /// Told about a secret file that the group or everyone may read (officers are in the group).
    public var onWarning: @Sendable (String) -> Void = { _ in }

    public init(
        credentialsDirectory: String? = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.credentialsDirectory = credentialsDirectory
        self.environment = environment
    }

    /// A store that reads no secret (see ``readsSecrets``).
    public static var placeholders: SecretStore {
        var store = SecretStore(credentialsDirectory: nil, environment: [:])
        store.readsSecrets = false
        return store
    }

    /// What a secret is when secrets are not read.
    static let placeholder = Secret("placeholder-secret-not-read-0123456789abcdef")

    public func fromFile(_ path: String) throws(Failure) -> Secret {
        guard readsSecrets else { return Self.placeholder }
        var st = stat()
        if stat(path, &st) == 0, st.st_mode & 0o077 != 0 {
            let who = st.st_mode & 0o007 != 0 ? "everyone" : "the file's group"
            onWarning(
                "the secret file \(path) can be read by \(who) (mode \(String(st.st_mode & 0o777, radix: 8))): officers in the service's group must not read the channels' secrets; chmod 600 it, owned by the service user, or use LoadCredential="
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(message: "cannot read the secret file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Failure(message: "the secret file \(path) is not UTF-8 text")
        }
        // Files written with `echo` end with a newline that is not part of the secret.
        let trimmed = text.trimmingCharacters(in: .newlines)
        guard !trimmed.isEmpty else { throw Failure(message: "the secret file \(path) is empty") }
        return Secret(trimmed)
    }

    public func fromCredential(_ name: String) throws(Failure) -> Secret {
        guard readsSecrets else { return Self.placeholder }
        guard let dir = credentialsDirectory, !dir.isEmpty else {
            throw Failure(message: "CREDENTIALS_DIRECTORY is not set (is the service started with LoadCredential=?)")
        }
        guard !name.contains("/") else { throw Failure(message: "a credential name has no slash") }
        return try fromFile(dir + "/" + name)
    }

    public func fromEnvironment(_ name: String) throws(Failure) -> Secret {
        guard readsSecrets else { return Self.placeholder }
        guard let value = environment[name], !value.isEmpty else {
            throw Failure(message: "the environment variable \(name) is not set")
        }
        return Secret(value)
    }
}
