/// What a delivery-log line records: its `event` field (docs/delivery-log.md, "Events").
///
/// The wire strings are the contract: a case's ``rawValue`` is exactly what the log has always
/// carried. Inbound events and channel records carry a kind the channel names (`inbound.comment`,
/// `radio.bulletin`), so those two cases take it as a value.
public enum LogEventKind: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    case itemSubmitted, itemEdited, itemApproved, itemRejected, itemCancelled, itemExpired
    case deliveryPlanned, deliveryDelivered, deliveryRetry, deliveryFailed, deliveryExpired, deliveryCancelled
    case deliveryUncertain, deliveryRecovered, deliveryRequeued, deliveryResolved, deliveryRetracted, deliveryPart
    /// `inbound.<kind>`: a platform told us something through its webhook (`comment`, `follow`…).
    case inbound(kind: String)
    /// A channel's own record (``ChannelKit/ChannelRecord``), under the event name the channel gives it
    /// (`radio.bulletin`).
    case record(String)

    /// Every kind without a value, for reading names back.
    public static let fixedKinds: [LogEventKind] = [
        .itemSubmitted, .itemEdited, .itemApproved, .itemRejected, .itemCancelled, .itemExpired, .deliveryPlanned,
        .deliveryDelivered, .deliveryRetry, .deliveryFailed, .deliveryExpired, .deliveryCancelled, .deliveryUncertain,
        .deliveryRecovered, .deliveryRequeued, .deliveryResolved, .deliveryRetracted, .deliveryPart,
    ]
    private static let byName: [String: LogEventKind] = Dictionary(
        uniqueKeysWithValues: fixedKinds.map { ($0.rawValue, $0) })

    /// A radio station's bulletin reached its air time (the Radio channel's record; docs/delivery-log.md).
    public static let radioBulletin: LogEventKind = .record("radio.bulletin")

    /// The wire string as UTF-8, for readers that compare bytes.
    public var utf8: [UInt8] { Array(rawValue.utf8) }

    /// The prefix of inbound events' names.
    public static let inboundPrefix = "inbound."

    public init(rawValue: String) {
        if let known = Self.byName[rawValue] {
            self = known
        } else if rawValue.hasPrefix(Self.inboundPrefix) {
            self = .inbound(kind: String(rawValue.dropFirst(Self.inboundPrefix.count)))
        } else {
            self = .record(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .inbound(let kind): Self.inboundPrefix + kind
        case .record(let name): name
        case .itemSubmitted: "item.submitted"
        case .itemEdited: "item.edited"
        case .itemApproved: "item.approved"
        case .itemRejected: "item.rejected"
        case .itemCancelled: "item.cancelled"
        case .itemExpired: "item.expired"
        case .deliveryPlanned: "delivery.planned"
        case .deliveryDelivered: "delivery.delivered"
        case .deliveryRetry: "delivery.retry"
        case .deliveryFailed: "delivery.failed"
        case .deliveryExpired: "delivery.expired"
        case .deliveryCancelled: "delivery.cancelled"
        case .deliveryUncertain: "delivery.uncertain"
        case .deliveryRecovered: "delivery.recovered"
        case .deliveryRequeued: "delivery.requeued"
        case .deliveryResolved: "delivery.resolved"
        case .deliveryRetracted: "delivery.retracted"
        case .deliveryPart: "delivery.part"
        }
    }

    public var description: String { rawValue }

    /// The item event for an item's final status word (`rejected`, `cancelled`, `expired`).
    public static func item(status: String) -> LogEventKind { LogEventKind(rawValue: "item." + status) }
}
