import ChannelKit
import Foundation

/// Item content as submitted. `contentHash` is computed from exactly these fields.
public struct ItemContent: Sendable, Hashable, Codable {
    public var title: String
    public var summary: String?
    public var body: String
    public var topic: String
    public var unit: String
    public var author: String?
    public var channels: [String]
    public var publishAt: Date?
    public var expiresAt: Date?
    public var priority: Priority
    public var media: [MediaRef]
    /// Channel name → field → text (`fb-sonoivu: { text: … }`).
    public var overrides: [String: [String: String]]

    public init(
        title: String, summary: String? = nil, body: String, topic: String, unit: String, author: String? = nil,
        channels: [String], publishAt: Date? = nil, expiresAt: Date? = nil, priority: Priority = .normal,
        media: [MediaRef] = [], overrides: [String: [String: String]] = [:]
    ) {
        self.title = title
        self.summary = summary
        self.body = body
        self.topic = topic
        self.unit = unit
        self.author = author
        self.channels = channels
        self.publishAt = publishAt
        self.expiresAt = expiresAt
        self.priority = priority
        self.media = media
        self.overrides = overrides
    }
}

extension ItemContent {
    /// Every text field in Unicode NFC. Vietnamese text pasted from some editors arrives decomposed
    /// (`ê` + U+0301 instead of `ế`); TCVN 6909 and WordPress's search use the precomposed letters, and a
    /// decomposed unit name would be another unit to `item list --unit` and the reports. The store
    /// normalises every item it takes, so the content hash is the same whichever way it was typed.
    public func normalizedNFC() -> ItemContent {
        func nfc(_ s: String) -> String { s.precomposedStringWithCanonicalMapping }
        var c = self
        c.title = nfc(title)
        c.summary = summary.map(nfc)
        c.body = nfc(body)
        c.topic = nfc(topic)
        c.unit = nfc(unit)
        c.author = author.map(nfc)
        c.channels = channels.map(nfc)
        c.media = media.map { m in
            var m = m
            m.caption = m.caption.map(nfc)
            return m
        }
        c.overrides = overrides.mapValues { $0.mapValues(nfc) }
        return c
    }
}
