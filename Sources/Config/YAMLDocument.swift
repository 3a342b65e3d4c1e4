import ChannelConfig
import ChannelKit
import Foundation
import Yams

/// Reads YAML text into ``ConfigValue`` trees that remember the file and line of every value, so
/// configuration and item files can report errors as `file:line: key.path: message`.
public enum YAMLDocument {
    /// Parses `text`. `lineOffset` is added to reported lines (front matter starts after a `---` line).
    /// Anchors, aliases, and more nodes or deeper nesting than `limits` allows are refused before Yams
    /// composes anything (``YAMLShape``).
    public static func parse(
        _ text: String, file: String, lineOffset: Int = 0, limits: YAMLShape.Limits = .config
    ) throws(ConfigError) -> ConfigValue {
        do {
            try YAMLShape.check(text, limits: limits)
        } catch {
            throw ConfigError(
                describe(error), path: "", location: ConfigLocation(file: file, line: error.line + lineOffset))
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(
                describe(error), path: "",
                location: ConfigLocation(file: file, line: line(of: error).map { $0 + lineOffset }))
        } catch {
            throw ConfigError("not valid YAML: \(error)", path: "", location: ConfigLocation(file: file))
        }
        guard let node else { return .null }
        return try convert(node, file: file, path: "", lineOffset: lineOffset)
    }

    /// The largest configuration file read (a config is a few kilobytes; this only stops a runaway file).
    public static let maxFileBytes = 16 << 20

    /// Reads and parses a file.
    public static func load(path: String) throws(ConfigError) -> ConfigValue {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maxFileBytes {
            throw ConfigError(
                "the file is larger than \(maxFileBytes >> 20) MB", path: "", location: ConfigLocation(file: path))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read the file", path: "", location: ConfigLocation(file: path))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("the file is not UTF-8 text", path: "", location: ConfigLocation(file: path))
        }
        return try parse(text, file: path)
    }

    private static func convert(_ node: Node, file: String, path: String, lineOffset: Int) throws(ConfigError)
        -> ConfigValue
    {
        let location = ConfigLocation(file: file, line: node.mark.map { $0.line + lineOffset })
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain, node.null != nil { return .null }
            return .scalar(scalar.string)
        case .sequence(let sequence):
            var items: [ConfigValue] = []
            for (i, child) in sequence.enumerated() {
                items.append(try convert(child, file: file, path: "\(path)[\(i)]", lineOffset: lineOffset))
            }
            return .list(items, location)
        case .mapping(let mapping):
            var entries: [(key: String, value: ConfigValue, location: ConfigLocation)] = []
            var seen: Set<String> = []
            for (keyNode, valueNode) in mapping {
                let keyLocation = ConfigLocation(file: file, line: keyNode.mark.map { $0.line + lineOffset })
                guard case .scalar(let keyScalar) = keyNode else {
                    throw ConfigError("a key must be plain text", path: path, location: keyLocation)
                }
                let key = keyScalar.string
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard seen.insert(key).inserted else {
                    throw ConfigError("the key \"\(key)\" is given twice", path: childPath, location: keyLocation)
                }
                entries.append(
                    (key, try convert(valueNode, file: file, path: childPath, lineOffset: lineOffset), keyLocation))
            }
            return .map(entries, location)
        case .alias:
            throw ConfigError("YAML aliases are not supported here", path: path, location: location)
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        case .duplicatedKeysInMapping(_, let context): context.mark.line
        default: nil
        }
    }

    /// English, for configuration files (item files word these in Vietnamese themselves).
    public static func describe(_ refusal: YAMLShape.Refusal) -> String {
        switch refusal {
        case .anchor: "YAML anchors (&name) are not allowed: write the value out"
        case .alias: "YAML aliases (*name) are not allowed: write the value out"
        case .tooManyNodes(let limit, _): "more than \(limit) YAML values"
        case .tooDeep(let limit, _): "YAML nested more than \(limit) levels deep"
        }
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
            .composer(let context, let problem, _, _):
            if let context { return "not valid YAML: \(problem) (\(context.text))" }
            return "not valid YAML: \(problem)"
        case .duplicatedKeysInMapping(let duplicates, _):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return duplicates.count == 1 ? "the key \(keys) is given twice" : "the keys \(keys) are given twice"
        default:
            return "not valid YAML: \(error)"
        }
    }
}
