import Crypto
import Foundation

extension ItemContent {
    /// SHA-256 (hex) of the content in a canonical JSON form: the approval is of this hash, so any
    /// edit of a field an officer sees requires a new approval.
    public var contentHash: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        // Plain strings, numbers and dates always encode.
        let data = try! encoder.encode(self)
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
