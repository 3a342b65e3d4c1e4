import ChannelKit
import Foundation

/// An item to add to the queue.
public struct NewItem: Sendable {
    /// Nil: the store assigns `YYYY-MM-NNNN` using ``idMonth``.
    public var id: String?
    /// `YYYY-MM` of "now" in the configured time zone, for assigned ids.
    public var idMonth: String
    public var content: ItemContent
    /// Where it came from (`cli:/path/file.md`, `inbox:file.md`).
    public var source: String
    public var actor: String
    /// Set when the item arrives pre-approved from a trusted inbox.
    public var approval: Approval?

    public init(
        id: String?, idMonth: String, content: ItemContent, source: String, actor: String, approval: Approval? = nil
    ) {
        self.id = id
        self.idMonth = idMonth
        self.content = content
        self.source = source
        self.actor = actor
        self.approval = approval
    }
}

extension NewItem {
    /// The item with its content in NFC (``ItemContent/normalizedNFC()``).
    public func normalizedNFC() -> NewItem {
        var item = self
        item.content = content.normalizedNFC()
        return item
    }
}

public struct Approval: Sendable, Hashable, Codable {
    public var by: String
    public var at: Date
    public init(by: String, at: Date) {
        self.by = by
        self.at = at
    }
}

/// An item as stored.
public struct ItemRecord: Sendable, Hashable, Codable {
    public var id: String
    public var content: ItemContent
    public var contentHash: String
    public var status: ItemStatus
    public var approvedBy: String?
    public var approvedAt: Date?
    /// The content hash the approval was given for.
    public var approvedHash: String?
    public var source: String
    public var createdAt: Date
    public var updatedAt: Date
    /// Why it was rejected or cancelled.
    public var statusReason: String?

    public init(
        id: String, content: ItemContent, contentHash: String, status: ItemStatus, approvedBy: String? = nil,
        approvedAt: Date? = nil, approvedHash: String? = nil, source: String, createdAt: Date, updatedAt: Date,
        statusReason: String? = nil
    ) {
        self.id = id
        self.content = content
        self.contentHash = contentHash
        self.status = status
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
        self.approvedHash = approvedHash
        self.source = source
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.statusReason = statusReason
    }

    /// The item as channels see it, with this channel's overrides
    /// (``ItemContent/channelItem(for:id:topicLabel:contentHash:approvedBy:approvedAt:)``).
    public func channelItem(for channel: String, topicLabel: (String) -> String) -> ChannelItem {
        content.channelItem(
            for: channel, id: id, topicLabel: topicLabel, contentHash: contentHash, approvedBy: approvedBy,
            approvedAt: approvedAt)
    }
}
