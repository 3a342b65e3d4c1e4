import ChannelKit
import Foundation

/// An event a platform sent us, as stored (``Store/recordInbound(channel:channelType:events:at:)``).
public struct InboundEventRecord: Sendable, Hashable {
    /// The store's number for it (increasing in arrival order).
    public var id: Int64
    public var channel: String
    public var channelType: String
    public var event: InboundEvent
    /// Our item the event concerns, when its post is one of ours.
    public var itemID: String?
    public var receivedAt: Date

    public init(
        id: Int64, channel: String, channelType: String, event: InboundEvent, itemID: String?, receivedAt: Date
    ) {
        self.id = id
        self.channel = channel
        self.channelType = channelType
        self.event = event
        self.itemID = itemID
        self.receivedAt = receivedAt
    }
}

/// Which stored events to list. Newest first.
public struct InboundEventFilter: Sendable, Hashable {
    public var channel: String?
    public var kind: String?
    public var itemID: String?
    /// Received at or after.
    public var since: Date?
    public var limit: Int

    public init(
        channel: String? = nil, kind: String? = nil, itemID: String? = nil, since: Date? = nil, limit: Int = 100
    ) {
        self.channel = channel
        self.kind = kind
        self.itemID = itemID
        self.since = since
        self.limit = limit
    }
}

/// What ``Store/recordInbound(channel:channelType:events:at:)`` and
/// ``Store/recordChannelRecords(channel:channelType:records:at:)`` did: things kept once per key.
public struct StoredOnce: Sendable, Hashable {
    /// Stored now (each with its delivery-log line).
    public var stored: Int
    /// Already stored under the same key (a platform's redelivery, a record reported again), dropped.
    public var duplicates: Int

    public init(stored: Int, duplicates: Int) {
        self.stored = stored
        self.duplicates = duplicates
    }
}
