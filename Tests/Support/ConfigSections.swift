import ChannelConfig
import Foundation

/// Builds a channel's configuration section the way the Config module does, from plain values:
/// `String` → a single value, `[String]` → a list, `[(String, String)]` → a mapping of text,
/// `[(String, Any)]` → a nested section; anything else becomes its description.
///
/// - Parameters:
///   - entries: the section's keys and values, in order.
///   - path: the section's key path in error messages (`channels.portal`).
///   - base: the folder relative paths resolve against.
///   - file, line: where every value claims to be written.
///   - environment: the environment `*_env` secrets are read from (no credentials directory).
public func makeSection(
    _ entries: [(String, Any)], path: String = "channels.test", base: String = NSTemporaryDirectory(),
    file: String = "/etc/cchcd/cchcd.yaml", line: Int = 1, environment: [String: String] = [:]
) throws(ConfigError) -> ConfigSection {
    let location = ConfigLocation(file: file, line: line)
    func value(_ any: Any) -> ConfigValue {
        switch any {
        case let s as String: .scalar(s)
        case let list as [String]: .list(list.map { .scalar($0) }, location)
        case let map as [(String, String)]:
            .map(map.map { (key: $0.0, value: .scalar($0.1), location: location) }, location)
        case let nested as [(String, Any)]:
            .map(nested.map { (key: $0.0, value: value($0.1), location: location) }, location)
        default: .scalar("\(any)")
        }
    }
    return try ConfigSection(
        value: .map(entries.map { (key: $0.0, value: value($0.1), location: location) }, location), path: path,
        location: location, baseDirectory: base,
        secrets: SecretStore(credentialsDirectory: nil, environment: environment))
}
