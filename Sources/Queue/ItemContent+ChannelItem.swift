import ChannelKit
import Foundation

extension ItemContent {
    /// The fields a channel's overrides may replace in the item it is given (DESIGN §13); the others
    /// (`text`, `script`, `lists`, `link`) reach the channel in ``ChannelItem/override``.
    public static let replacingOverrides: Set<String> = ["title", "summary", "body"]

    /// The item as one channel sees it: the only place a ``ChannelItem`` is built from stored or incoming
    /// content, so intake validates exactly what the channel will publish. This channel's `title`,
    /// `summary` and `body` overrides replace the item's own; the whole override map reaches the channel in
    /// ``ChannelItem/override``.
    ///
    /// - Parameters:
    ///   - channel: the channel's name (the key of ``overrides``).
    ///   - id: the item's id (a placeholder before the store assigns one).
    ///   - topicLabel: the configured label of a topic key.
    ///   - contentHash, approvedBy, approvedAt: what the store knows of the item once it is stored.
    public func channelItem(
        for channel: String, id: String, topicLabel: (String) -> String, contentHash: String = "",
        approvedBy: String? = nil, approvedAt: Date? = nil
    ) -> ChannelItem {
        let override = overrides[channel] ?? [:]
        return ChannelItem(
            id: id, title: override["title"] ?? title, summary: override["summary"] ?? summary,
            body: override["body"] ?? body, topic: Topic(key: topic, label: topicLabel(topic)), unit: unit,
            author: author, media: media, publishAt: publishAt, priority: priority, override: override,
            contentHash: contentHash, approvedBy: approvedBy, approvedAt: approvedAt)
    }
}
