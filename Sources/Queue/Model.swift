import ChannelKit
import Foundation

/// The life of an item (DESIGN.md §4).
public enum ItemStatus: String, Sendable, Codable, CaseIterable {
    case draft
    case submitted
    case approved
    case dispatching
    case done
    /// Some deliveries (or some recipients of one) went out and some failed for good.
    case partlyFailed = "partly-failed"
    /// Every delivery ended and nothing went out: at least one failed, none (and no recipient) delivered.
    case failed
    case rejected
    case cancelled
    case expired

    /// Nothing more will happen to it.
    public var isFinal: Bool { [.done, .partlyFailed, .failed, .rejected, .cancelled, .expired].contains(self) }

    public var label: String {
        switch self {
        case .draft: "nháp"
        case .submitted: "chờ duyệt"
        case .approved: "đã duyệt"
        case .dispatching: "đang gửi"
        case .done: "đã gửi xong"
        case .partlyFailed: "gửi lỗi một phần"
        case .failed: "gửi thất bại"
        case .rejected: "bị từ chối"
        case .cancelled: "đã hủy"
        case .expired: "hết hạn"
        }
    }
}

/// The life of one delivery (item × channel).
public enum DeliveryState: String, Sendable, Codable, CaseIterable {
    case pending
    case leased
    case retryWait = "retry-wait"
    case delivered
    case failed
    case expired
    case cancelled
    /// The process stopped while a non-idempotent send was in flight: a person decides.
    case uncertain

    /// Waiting for its due time (first try or a retry).
    public var isWaiting: Bool { self == .pending || self == .retryWait }
    public var isFinal: Bool { [.delivered, .failed, .expired, .cancelled].contains(self) }

    public var label: String {
        switch self {
        case .pending: "chờ gửi"
        case .leased: "đang gửi"
        case .retryWait: "chờ gửi lại"
        case .delivered: "đã gửi"
        case .failed: "lỗi"
        case .expired: "hết hạn"
        case .cancelled: "đã hủy"
        case .uncertain: "chưa rõ kết quả"
        }
    }
}

/// Item content as submitted. `contentHash` is computed from exactly these fields.
extension NewItem {
    /// The item with its content in NFC (``ItemContent/normalizedNFC()``).
    public func normalizedNFC() -> NewItem {
        var item = self
        item.content = content.normalizedNFC()
        return item
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

    /// The item as channels see it, with this channel's overrides: `title`, `summary` and `body`
    /// replace the item's own; the rest (`text`, `script`) reach the channel in ``ChannelItem/override``.
    public func channelItem(for channel: String, topicLabel: (String) -> String) -> ChannelItem {
        let override = content.overrides[channel] ?? [:]
        return ChannelItem(
            id: id, title: override["title"] ?? content.title, summary: override["summary"] ?? content.summary,
            body: override["body"] ?? content.body,
            topic: Topic(key: content.topic, label: topicLabel(content.topic)), unit: content.unit,
            author: content.author, media: content.media, publishAt: content.publishAt, priority: content.priority,
            override: override, contentHash: contentHash, approvedBy: approvedBy,
            approvedAt: approvedAt)
    }
}

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

/// One try of one delivery. Append-only.
public struct AttemptRecord: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Codable {
        case delivered
        case retry
        case failed
        /// Cut short before an answer: by a stop of the daemon (recorded at recovery, error class
        /// `interrupted`), or by a lost answer (error class `uncertain`). Whether it took effect is unknown.
        case interrupted
    }

    public var deliveryID: String
    public var number: Int
    public var startedAt: Date
    public var finishedAt: Date
    public var outcome: Outcome
    public var errorClass: String?
    public var message: String?
    public var code: Int?
    public var remoteID: String?
    public var url: String?

    public init(
        deliveryID: String, number: Int, startedAt: Date, finishedAt: Date, outcome: Outcome,
        errorClass: String? = nil, message: String? = nil, code: Int? = nil, remoteID: String? = nil,
        url: String? = nil
    ) {
        self.deliveryID = deliveryID
        self.number = number
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.errorClass = errorClass
        self.message = message
        self.code = code
        self.remoteID = remoteID
        self.url = url
    }

    public var durationMilliseconds: Int { Int((finishedAt.timeIntervalSince(startedAt) * 1000).rounded()) }
}

/// One part's outcome in one attempt, as stored.
public struct AttemptPartRecord: Sendable, Hashable {
    public var deliveryID: String
    /// The attempt's number.
    public var attempt: Int
    public var outcome: PartOutcome
    public var at: Date

    public init(deliveryID: String, attempt: Int, outcome: PartOutcome, at: Date) {
        self.deliveryID = deliveryID
        self.attempt = attempt
        self.outcome = outcome
        self.at = at
    }
}

/// A delivery handed to the engine by ``Store/claimDue(channel:now:limit:owner:leaseUntil:)``.
public struct ClaimedDelivery: Sendable {
    public var delivery: DeliveryRecord
    public var item: ItemRecord
    /// This item's other delivered channels: channel name → result.
    public var earlierResults: [String: ChannelResult]
    /// Parts of this delivery finished in earlier attempts (see ``PublishRequest/finishedParts``).
    public var finishedParts: [String: PartOutcome]

    public init(
        delivery: DeliveryRecord, item: ItemRecord, earlierResults: [String: ChannelResult],
        finishedParts: [String: PartOutcome] = [:]
    ) {
        self.delivery = delivery
        self.item = item
        self.earlierResults = earlierResults
        self.finishedParts = finishedParts
    }
}

/// What the engine decided after an attempt, recorded with the attempt in one transaction.
public struct DeliveryOutcome: Sendable {
    public enum Next: Sendable, Hashable {
        case delivered
        /// Try again at this time (state `retry-wait`).
        case retry(at: Date)
        case failed
        /// The send's answer was lost and the channel cannot look for what it did: a person decides
        /// (state `uncertain`, `cchc delivery resolve`).
        case uncertain
    }

    public var deliveryID: String
    public var attempt: AttemptRecord
    public var next: Next
    /// The delivery-log line for this outcome (the store assigns its sequence number).
    public var logLine: LogLine
    /// The worker that leased the delivery: the state changes only while it still holds the lease
    /// (with several workers, a late outcome must not overwrite a delivery someone else re-claimed).
    /// Nil: no check.
    public var leaseOwner: String?
    /// The outcome of each part tried in this attempt (deliveries sent in parts). Each is stored with the
    /// attempt and gets a `delivery.part` log line (a copy of ``logLine`` with the part's fields), written
    /// before the delivery's own line.
    public var parts: [PartOutcome]

    public init(
        deliveryID: String, attempt: AttemptRecord, next: Next, logLine: LogLine, leaseOwner: String? = nil,
        parts: [PartOutcome] = []
    ) {
        self.deliveryID = deliveryID
        self.attempt = attempt
        self.next = next
        self.logLine = logLine
        self.leaseOwner = leaseOwner
        self.parts = parts
    }
}

/// Which items to list.
public struct ItemFilter: Sendable {
    public var statuses: [ItemStatus]?
    public var channel: String?
    public var unit: String?
    /// Exactly this source (`inbox:file.md#hash`): how the inbox recognises a file it already took in.
    public var source: String?
    /// Created at or after.
    public var from: Date?
    /// Created before.
    public var to: Date?
    public var limit: Int?

    public init(
        statuses: [ItemStatus]? = nil, channel: String? = nil, unit: String? = nil, source: String? = nil,
        from: Date? = nil, to: Date? = nil, limit: Int? = nil
    ) {
        self.statuses = statuses
        self.channel = channel
        self.unit = unit
        self.source = source
        self.from = from
        self.to = to
        self.limit = limit
    }
}

/// A person's decision about an uncertain delivery (`cchc delivery resolve`).
public enum Resolution: Sendable, Hashable {
    /// It was published after all; optionally where.
    case delivered(ChannelResult)
    /// It was not published: send it again.
    case resend
    /// It was not published and should not be.
    case failed
}

/// Counts for status lines and metrics.
public struct QueueStats: Sendable, Hashable, Codable {
    public var itemsByStatus: [String: Int]
    public var deliveriesByState: [String: Int]
    /// Deliveries waiting (pending or retry-wait) per channel name, configured or not.
    public var waitingByChannel: [String: Int]
    public init(
        itemsByStatus: [String: Int] = [:], deliveriesByState: [String: Int] = [:],
        waitingByChannel: [String: Int] = [:]
    ) {
        self.itemsByStatus = itemsByStatus
        self.deliveriesByState = deliveriesByState
        self.waitingByChannel = waitingByChannel
    }
}

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

/// What the journals of stopped processes say about the deliveries they had leased (the engine's
/// `SendJournal`): which owners kept a journal that is complete (same boot), and which attempts they
/// handed to the network. A delivery leased by such an owner whose attempt is not listed never left.
public struct SendEvidence: Sendable, Hashable {
    public var owners: Set<String> = []
    public var sent: Set<String> = []

    public init(owners: Set<String> = [], sent: Set<String> = []) {
        self.owners = owners
        self.sent = sent
    }

    static func key(_ deliveryID: String, _ attempt: Int) -> String { "\(attempt) \(deliveryID)" }

    public mutating func markSent(_ deliveryID: String, attempt: Int) { sent.insert(Self.key(deliveryID, attempt)) }

    /// Whether the delivery's current attempt certainly never reached the network.
    public func neverSent(_ delivery: DeliveryRecord) -> Bool {
        guard let owner = delivery.leaseOwner, owners.contains(owner) else { return false }
        return !sent.contains(Self.key(delivery.id, delivery.attempts))
    }
}
