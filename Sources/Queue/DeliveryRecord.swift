import Foundation

/// A delivery to plan at approval: one per target channel.
public struct PlannedDelivery: Sendable, Hashable {
    public var channel: String
    public var channelType: String
    /// Already fitted to the channel's slots and quiet hours.
    public var dueAt: Date
    /// Another channel of the same item that must be delivered first (`after:`).
    public var after: String?

    public init(channel: String, channelType: String, dueAt: Date, after: String? = nil) {
        self.channel = channel
        self.channelType = channelType
        self.dueAt = dueAt
        self.after = after
    }
}

/// A delivery as stored. Its id is `<item id>/<channel>`.
public struct DeliveryRecord: Sendable, Hashable, Codable {
    public var id: String
    public var itemID: String
    public var channel: String
    public var channelType: String
    public var state: DeliveryState
    public var dueAt: Date
    /// Attempts made so far (all time).
    public var attempts: Int
    /// `attempts` when the delivery was last re-queued by a person: the retry budget counts from here.
    public var attemptBase: Int
    public var after: String?
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    /// The previous attempt was interrupted and may have reached the remote side.
    public var interrupted: Bool
    public var lastErrorClass: String?
    public var lastError: String?
    public var remoteID: String?
    public var url: String?
    public var deliveredAt: Date?
    public var updatedAt: Date
    /// When the published post was taken down (`cchc item retract`); the state stays `delivered`.
    public var retractedAt: Date?
    /// Who took it down.
    public var retractedBy: String?

    public init(
        id: String, itemID: String, channel: String, channelType: String, state: DeliveryState, dueAt: Date,
        attempts: Int = 0, attemptBase: Int = 0, after: String? = nil, leaseOwner: String? = nil,
        leaseExpiresAt: Date? = nil, interrupted: Bool = false, lastErrorClass: String? = nil,
        lastError: String? = nil, remoteID: String? = nil, url: String? = nil, deliveredAt: Date? = nil,
        updatedAt: Date, retractedAt: Date? = nil, retractedBy: String? = nil
    ) {
        self.retractedAt = retractedAt
        self.retractedBy = retractedBy
        self.id = id
        self.itemID = itemID
        self.channel = channel
        self.channelType = channelType
        self.state = state
        self.dueAt = dueAt
        self.attempts = attempts
        self.attemptBase = attemptBase
        self.after = after
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.interrupted = interrupted
        self.lastErrorClass = lastErrorClass
        self.lastError = lastError
        self.remoteID = remoteID
        self.url = url
        self.deliveredAt = deliveredAt
        self.updatedAt = updatedAt
    }
}
