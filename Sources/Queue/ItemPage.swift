import ChannelKit
import Foundation

/// Which items a page of the queue shows (``Store/itemPage(_:)``): newest first, `offset` then `limit`.
public struct ItemPageQuery: Sendable, Hashable {
    public var statuses: [ItemStatus]?
    /// Only these units; nil: every unit.
    public var units: [String]?
    /// Exactly this source (`web:<login>`: the drafts an officer wrote in the web app).
    public var source: String?
    public var offset: Int
    public var limit: Int

    public init(
        statuses: [ItemStatus]? = nil, units: [String]? = nil, source: String? = nil, offset: Int = 0, limit: Int = 50
    ) {
        self.statuses = statuses
        self.units = units
        self.source = source
        self.offset = offset
        self.limit = limit
    }
}

/// An item with its deliveries (in the order they were planned).
public struct ItemWithDeliveries: Sendable, Hashable {
    public var item: ItemRecord
    public var deliveries: [DeliveryRecord]

    public init(item: ItemRecord, deliveries: [DeliveryRecord]) {
        self.item = item
        self.deliveries = deliveries
    }
}

/// A page of items with their deliveries, read together (one read, not one per item).
public struct ItemPage: Sendable, Hashable {
    public var rows: [ItemWithDeliveries]
    /// Whether items follow this page.
    public var hasMore: Bool

    public init(rows: [ItemWithDeliveries], hasMore: Bool) {
        self.rows = rows
        self.hasMore = hasMore
    }
}

/// How many inbound events of one kind a channel received about one item (nil: not about one of ours).
public struct InboundCount: Sendable, Hashable {
    public var channel: String
    public var itemID: String?
    /// The item's title and unit, when the events are about one of our items.
    public var itemTitle: String?
    public var itemUnit: String?
    public var kind: String
    public var count: Int

    public init(channel: String, itemID: String?, itemTitle: String?, itemUnit: String?, kind: String, count: Int) {
        self.channel = channel
        self.itemID = itemID
        self.itemTitle = itemTitle
        self.itemUnit = itemUnit
        self.kind = kind
        self.count = count
    }
}
