extension LogLine {
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
        func key(_ field: LogField) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: LogField.quotedKeys[field.rawValue])
        }
        func string(_ field: LogField, _ v: String?) {
            guard let v else { return }
            key(field)
            Self.appendJSONString(v, to: &out)
        }
        func int(_ field: LogField, _ v: Int?) {
            guard let v else { return }
            key(field)
            out.append(contentsOf: String(v).utf8)
        }
        // In LogField's (sorted) order.
        string(.actor, actor)
        int(.attempt, attempt)
        string(.bulletinID, bulletin_id)
        string(.channel, channel)
        string(.channelType, channel_type)
        int(.code, code)
        string(.deliveryID, delivery_id)
        string(.detail, detail)
        string(.dueAt, due_at)
        int(.durationMS, duration_ms)
        if let duration_s {
            key(.durationS)
            // Whole milliseconds, without a trailing ".0": the same text for the same airtime everywhere.
            let ms = (duration_s * 1000).rounded()
            out.append(
                contentsOf: (ms.truncatingRemainder(dividingBy: 1000) == 0
                    ? String(Int64(ms / 1000)) : String(ms / 1000)).utf8)
        }
        string(.error, error)
        string(.errorClass, error_class)
        string(.event, event)
        string(.itemID, item_id)
        string(.itemTitle, item_title)
        string(.kind, kind)
        string(.occurredAt, occurred_at)
        string(.part, part)
        string(.partState, part_state)
        string(.remoteID, remote_id)
        string(.retryAt, retry_at)
        string(.state, state)
        string(.topic, topic)
        string(.ts, ts)
        string(.unit, unit)
        string(.url, url)
        int(.v, v)
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

/// A stored delivery-log event: a line's JSON and the sequence number the store gave it.
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
