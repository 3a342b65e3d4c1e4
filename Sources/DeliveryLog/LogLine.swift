import Foundation

/// One line of the delivery log (docs/delivery-log.md), less its sequence number, which the store
/// assigns in the transaction that records the event. Field names are the contract (``LogField``):
/// add, never rename. The stored property names are the wire names, so `Codable` reads and writes
/// the same keys.
public struct LogLine: Sendable, Hashable, Codable {
    /// Schema version.
    public var v: Int = 1
    /// RFC 3339 with the configured zone's offset, milliseconds.
    public var ts: String
    /// The wire form of ``eventKind``: `item.submitted`, `delivery.delivered`…
    public var event: String
    public var item_id: String
    public var item_title: String
    public var unit: String
    public var topic: String
    public var channel: String?
    public var channel_type: String?
    public var delivery_id: String?
    public var attempt: Int?
    /// The delivery's state after the event.
    public var state: String?
    public var error_class: String?
    public var error: String?
    public var code: Int?
    public var remote_id: String?
    public var url: String?
    public var duration_ms: Int?
    public var due_at: String?
    public var retry_at: String?
    /// Who did it (officer name, `cchcd`).
    public var actor: String?
    public var detail: String?
    /// `delivery.part` lines: the part's key (an email recipient's address).
    public var part: String?
    /// `delivery.part` lines: the part's outcome in this attempt (`delivered`, `retry`, `failed`).
    public var part_state: String?
    /// `inbound.*` lines: the event's kind (`comment`, `message`, `follow`…), as in the event name.
    public var kind: String?
    /// `inbound.*` and channel records (`radio.bulletin`): when it happened (RFC 3339, the zone's offset).
    public var occurred_at: String?
    /// `radio.bulletin`: the bulletin's airtime, seconds.
    public var duration_s: Double?
    /// `radio.bulletin`: the bulletin's id (`2026-11-25-0600`).
    public var bulletin_id: String?

    /// What the line records.
    public var eventKind: LogEventKind {
        get { LogEventKind(rawValue: event) }
        set { event = newValue.rawValue }
    }

    public init(
        ts: String, event: LogEventKind, item_id: String, item_title: String, unit: String, topic: String,
        channel: String? = nil, channel_type: String? = nil, delivery_id: String? = nil, attempt: Int? = nil,
        state: String? = nil, error_class: String? = nil, error: String? = nil, code: Int? = nil,
        remote_id: String? = nil, url: String? = nil, duration_ms: Int? = nil, due_at: String? = nil,
        retry_at: String? = nil, actor: String? = nil, detail: String? = nil
    ) {
        self.ts = ts
        self.event = event.rawValue
        self.item_id = item_id
        self.item_title = item_title
        self.unit = unit
        self.topic = topic
        self.channel = channel
        self.channel_type = channel_type
        self.delivery_id = delivery_id
        self.attempt = attempt
        self.state = state
        self.error_class = error_class
        self.error = error
        self.code = code
        self.remote_id = remote_id
        self.url = url
        self.duration_ms = duration_ms
        self.due_at = due_at
        self.retry_at = retry_at
        self.actor = actor
        self.detail = detail
    }
}
