import ChannelKit
import DeliveryLog
import Foundation

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
