import ChannelKit
import Crypto
import Foundation

/// The manifest written last next to each bulletin's files (`<bulletin>.manifest.json`).
struct BulletinManifest: Codable, Sendable {
    struct Station: Codable, Sendable {
        var id: String
        var name: String
        var commune: String
    }
    struct Item: Codable, Sendable {
        var id: String
        var title: String
        var priority: String
        var deliveryID: String
        var syllables: Int
        var estimatedSeconds: Double
    }
    struct File: Codable, Sendable {
        var name: String
        var bytes: Int
        var sha256: String
    }

    var format = 1
    var channel: String
    var station: Station
    var bulletin: String
    /// `slot` or `khan-cap`.
    var kind: String
    /// RFC 3339, local time: the slot start, or when an emergency bulletin was made.
    var airTime: String
    var maxDurationSeconds: Double?
    var readingRate: Double
    var syllables: Int
    var estimatedSeconds: Double
    var items: [Item]
    var files: [File]
    var unknownTokens: [String]
}

/// A bulletin ready to write: its id, files (name → bytes, in writing order) and manifest.
struct RenderedBulletin: Sendable {
    var id: String
    var files: [(name: String, data: Data)]
    var manifest: BulletinManifest

    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// The manifest's bytes (keys in snake case, sorted, so the file is stable).
    var manifestData: Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? e.encode(manifest)) ?? Data()
    }

    var manifestName: String { "\(id).manifest.json" }

    /// Writes into `folder`: every file atomically (temporary file + rename), the manifest last, so
    /// a watcher that waits for the manifest sees complete files. A re-render replaces the files.
    func write(toFolder folder: String) throws {
        for (name, data) in files {
            try AtomicFile.write(data, to: folder + "/" + name)
        }
        try AtomicFile.write(manifestData, to: folder + "/" + manifestName)
    }

    /// Removes a bulletin that no longer has items: the manifest first, then the files.
    static func remove(id: String, fromFolder folder: String) {
        let fm = FileManager.default
        try? fm.removeItem(atPath: "\(folder)/\(id).manifest.json")
        for ext in ["txt", "wav", "mp3", "docx"] { try? fm.removeItem(atPath: "\(folder)/\(id).\(ext)") }
    }
}
