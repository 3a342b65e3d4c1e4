import Foundation

/// A configuration value as read from a file, with where it came from, so that every error can name
/// the file, the key path and the line. The `Config` module builds these from YAML; channels read
/// their own section through ``ConfigSection``.
public indirect enum ConfigValue: Sendable, Hashable {
    case null
    case scalar(String)
    case list([ConfigValue], ConfigLocation)
    case map([(key: String, value: ConfigValue, location: ConfigLocation)], ConfigLocation)

    public static func == (lhs: ConfigValue, rhs: ConfigValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.scalar(let a), .scalar(let b)): a == b
        case (.list(let a, _), .list(let b, _)): a == b
        case (.map(let a, _), .map(let b, _)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .scalar(let s): hasher.combine(s)
        case .list(let l, _): hasher.combine(l)
        case .map(let m, _):
            for entry in m {
                hasher.combine(entry.key)
                hasher.combine(entry.value)
            }
        }
    }

    /// A short word for error messages ("a list", "text").
    public var kindDescription: String {
        switch self {
        case .null: "nothing"
        case .scalar: "a single value"
        case .list: "a list"
        case .map: "a mapping"
        }
    }
}

/// Where a configuration value was written.
public struct ConfigLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?

    public init(file: String, line: Int? = nil) {
        self.file = file
        self.line = line
    }

    public var description: String {
        if let line { return "\(file):\(line)" }
        return file
    }
}

/// A configuration error: what is wrong, in which file, at which key path and line.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: ConfigLocation
    /// The key path, dotted (`channels.portal-tinh.url`).
    public var path: String
    public var message: String

    public init(_ message: String, path: String, location: ConfigLocation) {
        self.message = message
        self.path = path
        self.location = location
    }

    public var description: String {
        path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}
