import Foundation

/// Something a channel puts on record by itself, apart from its deliveries: something that happened on
/// the channel's side and counts in the reports (a scheduled broadcast reaching its air time). The
/// engine asks for these (``RecordingChannel``), the store keeps each once (by ``key``) and writes it
/// to the delivery log as ``event``, for the reports.
public struct ChannelRecord: Sendable, Hashable {
    /// The delivery-log event: `<channel type>.<word>` in lower case; never an `item.`, `delivery.`
    /// or `inbound.` event.
    public var event: String
    /// Unique within the channel: the same key is the same record, kept once however often it is reported.
    public var key: String
    /// When it happened.
    public var occurredAt: Date
    /// The unit it counts for in reports.
    public var unit: String
    /// How long it lasted, seconds.
    public var durationSeconds: Double?
    /// The record's own id in the channel's terms, when it has one besides ``key``. The delivery log
    /// carries it in the field docs/delivery-log.md names for the record's event.
    public var reference: String?
    /// The items it carried, in order.
    public var itemIDs: [String]
    /// A short note for the delivery log, without personal data.
    public var detail: String?

    public init(
        event: String, key: String, occurredAt: Date, unit: String, durationSeconds: Double? = nil,
        reference: String? = nil, itemIDs: [String] = [], detail: String? = nil
    ) {
        self.event = event
        self.key = key
        self.occurredAt = occurredAt
        self.unit = unit
        self.durationSeconds = durationSeconds
        self.reference = reference
        self.itemIDs = itemIDs
        self.detail = detail
    }

    /// Whether `event` is a name a channel may use: `<word>.<word>`, lower-case letters, digits and `-`,
    /// outside the namespaces the daemon writes itself.
    public static func isValidEvent(_ event: String) -> Bool {
        let parts = event.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !["item", "delivery", "inbound"].contains(String(parts[0])) else { return false }
        return parts.allSatisfy { part in
            guard let first = part.utf8.first, part.utf8.count <= 40, first >= 0x61 && first <= 0x7A else {
                return false
            }
            return part.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        }
    }
}

/// A channel that has records of its own to report (``ChannelRecord``). The engine asks at start, after
/// each of the channel's deliveries, and at the time the channel names; the store drops records it
/// already has, so a channel may report the same record again (it need not remember what it reported).
public protocol RecordingChannel: Channel {
    /// Records that happened by `now` (recent ones: at least those of the last two weeks), and when the
    /// next one is due (nil: none planned; the engine asks again after the channel's next delivery).
    func records(upTo now: Date) async -> (records: [ChannelRecord], next: Date?)
}
