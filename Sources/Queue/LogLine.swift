import Foundation

/// One line of the delivery log (docs/delivery-log.md), less its sequence number, which the store
/// assigns in the transaction that records the event. Field names are the contract: add, never rename.
public struct LogLine: Sendable, Hashable, Codable {
    /// Schema version.
    public var v: Int = 1
    /// RFC 3339 with the configured zone's offset, milliseconds.
    public var ts: String
    /// `item.submitted`, `item.approved`, `delivery.delivered`… (docs/delivery-log.md lists them).
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
    /// `inbound.*` lines: when the event happened by the platform's clock (RFC 3339, the zone's offset).
    public var occurred_at: String?

    public init(
        ts: String, event: String, item_id: String, item_title: String, unit: String, topic: String,
        channel: String? = nil, channel_type: String? = nil, delivery_id: String? = nil, attempt: Int? = nil,
        state: String? = nil, error_class: String? = nil, error: String? = nil, code: Int? = nil,
        remote_id: String? = nil, url: String? = nil, duration_ms: Int? = nil, due_at: String? = nil,
        retry_at: String? = nil, actor: String? = nil, detail: String? = nil
    ) {
        self.ts = ts
        self.event = event
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

    /// The JSON object text of this line without `seq`: keys sorted, no spaces, `/` not escaped,
    /// absent fields omitted — the same text `JSONEncoder` with `.sortedKeys` writes.
    ///
    /// Written by hand because it runs once per delivery on the engine's hot path, where JSONEncoder's
    /// generic machinery cost more than the rest of the log write (measured with cchc-bench).
    public func encoded() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(UInt8(ascii: "{"))
        var first = true
        func key(_ k: StaticString) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func string(_ k: StaticString, _ v: String?) {
            guard let v else { return }
            key(k)
            Self.appendJSONString(v, to: &out)
        }
        func int(_ k: StaticString, _ v: Int?) {
            guard let v else { return }
            key(k)
            out.append(contentsOf: String(v).utf8)
        }
        string("actor", actor)
        int("attempt", attempt)
        string("channel", channel)
        string("channel_type", channel_type)
        int("code", code)
        string("delivery_id", delivery_id)
        string("detail", detail)
        string("due_at", due_at)
        int("duration_ms", duration_ms)
        string("error", error)
        string("error_class", error_class)
        string("event", event)
        string("item_id", item_id)
        string("item_title", item_title)
        string("kind", kind)
        string("occurred_at", occurred_at)
        string("part", part)
        string("part_state", part_state)
        string("remote_id", remote_id)
        string("retry_at", retry_at)
        string("state", state)
        string("topic", topic)
        string("ts", ts)
        string("unit", unit)
        string("url", url)
        int("v", v)
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// A JSON string literal: quote and backslash escaped, control characters as short escapes or `u00XX`;
    /// everything else (Vietnamese letters included) as UTF-8.
    static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// A stored delivery-log event.
public struct LogEvent: Sendable, Hashable {
    public var seq: Int64
    /// The JSON object of ``LogLine`` without `seq`.
    public var json: String

    public init(seq: Int64, json: String) {
        self.seq = seq
        self.json = json
    }

    /// The complete log line (no trailing newline): the sequence number first.
    public var line: String {
        precondition(json.hasPrefix("{"))
        return json == "{}" ? "{\"seq\":\(seq)}" : "{\"seq\":\(seq)," + json.dropFirst()
    }
}

/// RFC 3339 timestamps in the configured zone, as the delivery log writes them.
public struct LogClock: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    /// `2026-11-25T08:00:02.123+07:00`. Written by hand (not a FormatStyle) because it runs once per
    /// log line on the hot path and must be exactly this shape whatever the locale.
    public func format(_ date: Date) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) + Int64(offset) * 1000
        var days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let msOfDay = ms - days * 86_400_000
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let h = msOfDay / 3_600_000
        let m = msOfDay / 60000 % 60
        let s = msOfDay / 1000 % 60
        let frac = msOfDay % 1000
        let sign = offset < 0 ? "-" : "+"
        let oh = abs(offset) / 3600
        let om = abs(offset) / 60 % 60
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(frac, 3))"
            + "\(sign)\(pad(Int64(oh), 2)):\(pad(Int64(om), 2))"
    }

    private func pad(_ n: Int64, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `YYYY-MM` of `date` in the zone (item ids, log file names).
    public func month(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let c = cal.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", c.year!, c.month!)
    }
}
