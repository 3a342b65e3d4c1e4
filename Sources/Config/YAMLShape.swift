import CYaml

/// A check of YAML text at the event level, before anything is composed (issue 14).
///
/// Yams resolves aliases while composing, so a few hundred bytes of nested anchors and aliases (a
/// "billion laughs" file) become an exponentially large tree before any check on the tree can run, and
/// hashing such a node as a mapping key is exponential too. This pass reads libyaml's events (through
/// Yams' bundled libyaml: Yams 6.2.2 keeps its own event API internal) and refuses anchors, aliases,
/// too many nodes and too deep nesting, in time and memory linear in the text.
public enum YAMLShape {
    public struct Limits: Sendable, Hashable {
        public var maxNodes: Int
        public var maxDepth: Int
        /// Anchors and aliases are accepted (the configuration, written by the administrator, uses them to
        /// share settings); item files come from officers and never may.
        public var allowsAliases: Bool

        public init(maxNodes: Int = 100_000, maxDepth: Int = 64, allowsAliases: Bool = false) {
            self.maxNodes = maxNodes
            self.maxDepth = maxDepth
            self.allowsAliases = allowsAliases
        }

        /// Item files: a few dozen keys, media and overrides.
        public static let itemFile = Limits(maxNodes: 10_000, maxDepth: 16)
        /// The daemon's configuration (root's file): channels, lists, stations.
        public static let config = Limits(maxNodes: 1_000_000, maxDepth: 64, allowsAliases: true)
    }

    public enum Refusal: Error, Sendable, Hashable {
        /// `&name` on a node; line is 1-based within the text.
        case anchor(line: Int)
        /// `*name`.
        case alias(line: Int)
        case tooManyNodes(limit: Int, line: Int)
        case tooDeep(limit: Int, line: Int)

        public var line: Int {
            switch self {
            case .anchor(let l), .alias(let l), .tooManyNodes(_, let l), .tooDeep(_, let l): l
            }
        }
    }

    /// Checks `text`; a syntax error is left for the real parse, which reports it with more context.
    public static func check(_ text: String, limits: Limits) throws(Refusal) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        let refusal: Refusal? = bytes.withUnsafeMutableBufferPointer { buffer -> Refusal? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var nodes = 0
            var depth = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_ALIAS_EVENT:
                    if !limits.allowsAliases { return .alias(line: line) }
                    nodes += 1
                case YAML_SCALAR_EVENT:
                    if event.data.scalar.anchor != nil && !limits.allowsAliases { return .anchor(line: line) }
                    nodes += 1
                case YAML_SEQUENCE_START_EVENT:
                    if event.data.sequence_start.anchor != nil && !limits.allowsAliases { return .anchor(line: line) }
                    nodes += 1
                    depth += 1
                case YAML_MAPPING_START_EVENT:
                    if event.data.mapping_start.anchor != nil && !limits.allowsAliases { return .anchor(line: line) }
                    nodes += 1
                    depth += 1
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                default:
                    break
                }
                if nodes > limits.maxNodes { return .tooManyNodes(limit: limits.maxNodes, line: line) }
                if depth > limits.maxDepth { return .tooDeep(limit: limits.maxDepth, line: line) }
            }
        }
        if let refusal { throw refusal }
    }
}
