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

    public init(
        credentialsDirectory: String? = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.credentialsDirectory = credentialsDirectory
        self.environment = environment
    }

    public func fromFile(_ path: String) throws(Failure) -> Secret {
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
        guard let dir = credentialsDirectory, !dir.isEmpty else {
            throw Failure(message: "CREDENTIALS_DIRECTORY is not set (is the service started with LoadCredential=?)")
        }
        guard !name.contains("/") else { throw Failure(message: "a credential name has no slash") }
        return try fromFile(dir + "/" + name)
    }

    public func fromEnvironment(_ name: String) throws(Failure) -> Secret {
        guard let value = environment[name], !value.isEmpty else {
            throw Failure(message: "the environment variable \(name) is not set")
        }
        return Secret(value)
    }
}
