import Foundation

/// RFC 6901 JSON pointers (`/id`, `/data/link`, `/items/0/id`) into a decoded JSON document.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    public let tokens: [String]
    public let description: String

    public init?(_ text: String) {
        guard text.isEmpty || text.hasPrefix("/") else { return nil }
        description = text
        tokens =
            text.isEmpty
            ? []
            : text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            }
    }

    public func resolve(in document: Any) -> Any? {
        var current: Any = document
        for token in tokens {
            if let object = current as? [String: Any] {
                guard let next = object[token] else { return nil }
                current = next
            } else if let array = current as? [Any] {
                guard let index = Int(token), index >= 0, index < array.count, String(index) == token else {
                    return nil
                }
                current = array[index]
            } else {
                return nil
            }
        }
        return current
    }

    /// The value as text: strings as they are, numbers in their shortest form; nil for null, objects, lists.
    public func string(in document: Any) -> String? {
        switch resolve(in: document) {
        case let s as String: s
        case let n as NSNumber: n.stringValue
        default: nil
        }
    }
}
