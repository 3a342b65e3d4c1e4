import ChannelKit
import Foundation

/// The item as JSON for machine receivers (the webhook's default payload, the exec protocol).
///
/// Every key is always present; unknown values are `null`. Keys are snake_case and only ever added.
public struct ItemPayload: Sendable, Hashable, Encodable {
    public var id: String
    public var title: String
    public var summary: String?
    /// Markdown, as written.
    public var body: String
    public var bodyHTML: String
    public var bodyText: String
    public var topic: String
    public var topicLabel: String
    public var unit: String
    public var author: String?
    public var priority: String
    /// RFC 3339 with the configured offset.
    public var publishAt: String?
    public var media: [Media]

    public struct Media: Sendable, Hashable, Encodable {
        public var path: String?
        public var url: String?
        public var caption: String?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(path, forKey: .path)
            try c.encode(url, forKey: .url)
            try c.encode(caption, forKey: .caption)
        }

        enum CodingKeys: String, CodingKey { case path, url, caption }
    }

    public init(_ item: ChannelItem, timeZone: TimeZone = RFC3339.defaultTimeZone) {
        id = item.id
        title = item.title
        summary = item.summary
        body = item.body
        (bodyHTML, bodyText) = Markdown.rendered(item.body)
        topic = item.topic.key
        topicLabel = item.topic.label
        unit = item.unit
        author = item.author
        priority = item.priority.rawValue
        publishAt = item.publishAt.map { RFC3339.string(from: $0, timeZone: timeZone) }
        media = item.media.map { Media(path: $0.path, url: $0.url, caption: $0.caption) }
    }

    enum CodingKeys: String, CodingKey {
        case id, title, summary, body, bodyHTML = "body_html", bodyText = "body_text", topic
        case topicLabel = "topic_label", unit, author, priority, publishAt = "publish_at", media
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(summary, forKey: .summary)
        try c.encode(body, forKey: .body)
        try c.encode(bodyHTML, forKey: .bodyHTML)
        try c.encode(bodyText, forKey: .bodyText)
        try c.encode(topic, forKey: .topic)
        try c.encode(topicLabel, forKey: .topicLabel)
        try c.encode(unit, forKey: .unit)
        try c.encode(author, forKey: .author)
        try c.encode(priority, forKey: .priority)
        try c.encode(publishAt, forKey: .publishAt)
        try c.encode(media, forKey: .media)
    }
}

/// An earlier channel's result as JSON: `{"remote_id": …, "url": …}`.
public struct ResultPayload: Sendable, Hashable, Encodable {
    public var remoteID: String?
    public var url: String?

    public init(_ result: ChannelResult) {
        remoteID = result.remoteID
        url = result.url
    }

    enum CodingKeys: String, CodingKey { case remoteID = "remote_id", url }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(remoteID, forKey: .remoteID)
        try c.encode(url, forKey: .url)
    }

    /// Earlier results by channel name.
    public static func map(_ results: [String: ChannelResult]) -> [String: ResultPayload] {
        results.mapValues(ResultPayload.init)
    }
}

/// JSON encoding for payloads: sorted keys (stable bytes, so signatures and tests are reproducible),
/// slashes unescaped, UTF-8.
public enum PayloadJSON {
    public static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Only strings, numbers, bools, lists and maps reach here, which cannot fail to encode.
        return (try? Array(encoder.encode(value))) ?? Array("{}".utf8)
    }
}
