import Foundation

/// A mapping from the configuration that a component reads key by key. Every key must be read:
/// ``finish()`` fails on the first key nobody asked for, so a typo never passes silently.
///
/// Not thread-safe: read a section during set-up, on one task.
public final class ConfigSection {
    public let path: String
    public let location: ConfigLocation
    /// The folder relative paths resolve against (the config file's folder).
    public let baseDirectory: String
    private let entries: [(key: String, value: ConfigValue, location: ConfigLocation)]
    private var consumed: Set<String> = []
    /// Where secrets are looked up.
    public let secrets: SecretStore

    public init(
        value: ConfigValue, path: String, location: ConfigLocation, baseDirectory: String, secrets: SecretStore
    ) throws(ConfigError) {
        switch value {
        case .map(let entries, let loc):
            self.entries = entries
            self.location = loc
        case .null:
            self.entries = []
            self.location = location
        default:
            throw ConfigError(
                "expected a mapping (key: value), found \(value.kindDescription)", path: path, location: location)
        }
        self.path = path
        self.baseDirectory = baseDirectory
        self.secrets = secrets
    }

    public var keys: [String] { entries.map(\.key) }

    public func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    public func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw value of `key`, marking it read.
    public func raw(_ key: String) -> (value: ConfigValue, location: ConfigLocation)? {
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        consumed.insert(key)
        if case .null = entry.value { return nil }
        return (entry.value, entry.location)
    }

    public func error(_ key: String, _ message: String) -> ConfigError {
        let loc = entries.first(where: { $0.key == key })?.location ?? location
        return ConfigError(message, path: childPath(key), location: loc)
    }

    public func string(_ key: String) throws(ConfigError) -> String? {
        guard let (value, loc) = raw(key) else { return nil }
        guard case .scalar(let s) = value else {
            throw ConfigError(
                "expected a single value, found \(value.kindDescription)", path: childPath(key), location: loc)
        }
        return s
    }

    public func requireString(_ key: String) throws(ConfigError) -> String {
        guard let s = try string(key), !s.isEmpty else { throw error(key, "is required") }
        return s
    }

    public func int(_ key: String, range: ClosedRange<Int>? = nil) throws(ConfigError) -> Int? {
        guard let s = try string(key) else { return nil }
        guard let n = Int(s.replacingOccurrences(of: "_", with: "")) else {
            throw error(key, "expected a whole number, found \"\(s)\"")
        }
        if let range, !range.contains(n) {
            throw error(key, "must be between \(range.lowerBound) and \(range.upperBound), found \(n)")
        }
        return n
    }

    public func double(_ key: String) throws(ConfigError) -> Double? {
        guard let s = try string(key) else { return nil }
        guard let n = Double(s) else { throw error(key, "expected a number, found \"\(s)\"") }
        return n
    }

    public func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let s = try string(key) else { return nil }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(key, "expected true or false, found \"\(s)\"")
        }
    }

    /// A duration written as `500ms`, `30s`, `15m`, `1h`, `2d` or a number of seconds.
    public func duration(_ key: String) throws(ConfigError) -> Duration? {
        guard let s = try string(key) else { return nil }
        guard let d = DurationText.parse(s) else {
            throw error(key, "expected a duration such as 30s, 15m or 1h, found \"\(s)\"")
        }
        return d
    }

    public func oneOf(_ key: String, _ allowed: [String]) throws(ConfigError) -> String? {
        guard let s = try string(key) else { return nil }
        guard allowed.contains(s) else {
            throw error(key, "must be one of \(allowed.joined(separator: ", ")), found \"\(s)\"")
        }
        return s
    }

    public func stringList(_ key: String) throws(ConfigError) -> [String]? {
        guard let (value, loc) = raw(key) else { return nil }
        switch value {
        case .scalar(let s): return [s]
        case .list(let items, _):
            var out: [String] = []
            for (i, item) in items.enumerated() {
                guard case .scalar(let s) = item else {
                    throw ConfigError(
                        "expected a single value, found \(item.kindDescription)", path: "\(childPath(key))[\(i)]",
                        location: loc)
                }
                out.append(s)
            }
            return out
        default:
            throw ConfigError("expected a list, found \(value.kindDescription)", path: childPath(key), location: loc)
        }
    }

    /// A mapping of text to text (HTTP headers, template variables).
    public func stringMap(_ key: String) throws(ConfigError) -> [(String, String)]? {
        guard let sub = try section(key) else { return nil }
        var out: [(String, String)] = []
        for k in sub.keys { out.append((k, try sub.requireStringAllowEmpty(k))) }
        try sub.finish()
        return out
    }

    func requireStringAllowEmpty(_ key: String) throws(ConfigError) -> String {
        guard let s = try string(key) else { return "" }
        return s
    }

    public func section(_ key: String) throws(ConfigError) -> ConfigSection? {
        guard let (value, loc) = raw(key) else { return nil }
        return try ConfigSection(
            value: value, path: childPath(key), location: loc, baseDirectory: baseDirectory, secrets: secrets)
    }

    public func list(_ key: String) throws(ConfigError) -> [(
        value: ConfigValue, path: String, location: ConfigLocation
    )]? {
        guard let (value, loc) = raw(key) else { return nil }
        guard case .list(let items, _) = value else {
            throw ConfigError("expected a list, found \(value.kindDescription)", path: childPath(key), location: loc)
        }
        return items.enumerated().map { (i, v) in
            var l = loc
            if case .map(_, let ml) = v { l = ml } else if case .list(_, let ll) = v { l = ll }
            return (v, "\(childPath(key))[\(i)]", l)
        }
    }

    /// A sub-section for a list element or any value.
    public func section(of value: ConfigValue, path: String, location: ConfigLocation) throws(ConfigError)
        -> ConfigSection
    {
        try ConfigSection(value: value, path: path, location: location, baseDirectory: baseDirectory, secrets: secrets)
    }

    /// A path, resolved against the config file's folder when relative.
    public func path(_ key: String) throws(ConfigError) -> String? {
        guard let s = try string(key) else { return nil }
        return resolve(path: s)
    }

    public func resolve(path s: String) -> String {
        if s.hasPrefix("/") { return s }
        return URL(fileURLWithPath: baseDirectory).appendingPathComponent(s).standardizedFileURL.path
    }

    /// A secret, from `<key>_file` (a file holding it), `<key>_credential` (a name in systemd's
    /// `$CREDENTIALS_DIRECTORY`) or `<key>_env` (an environment variable). The secret itself is never
    /// written in the configuration. Returns nil when none of the three keys is present.
    public func secret(_ key: String) throws(ConfigError) -> Secret? {
        let variants = ["\(key)_file", "\(key)_credential", "\(key)_env"].filter { has($0) }
        if has(key) {
            _ = raw(key)
            throw error(
                key, "secrets are never written in the configuration: use \(key)_file, \(key)_credential or \(key)_env")
        }
        if variants.count > 1 { throw error(variants[1], "give only one of \(variants.joined(separator: ", "))") }
        guard let which = variants.first else { return nil }
        let reference = try requireString(which)
        do throws(SecretStore.Failure) {
            if which.hasSuffix("_file") {
                return try secrets.fromFile(resolve(path: reference))
            } else if which.hasSuffix("_credential") {
                return try secrets.fromCredential(reference)
            } else {
                return try secrets.fromEnvironment(reference)
            }
        } catch {
            throw self.error(which, error.message)
        }
    }

    public func requireSecret(_ key: String) throws(ConfigError) -> Secret {
        guard let s = try secret(key) else {
            throw error(key, "is required (as \(key)_file, \(key)_credential or \(key)_env)")
        }
        return s
    }

    /// Fails on the first key that was not read.
    public func finish() throws(ConfigError) {
        for entry in entries where !consumed.contains(entry.key) {
            throw ConfigError("unknown key \"\(entry.key)\"", path: childPath(entry.key), location: entry.location)
        }
    }
}
