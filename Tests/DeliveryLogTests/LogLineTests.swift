import DeliveryLog
import Foundation
import Testing

@Suite struct LogClockTests {
    @Test func formatsRFC3339WithTheZoneOffset() throws {
        let hcm = LogClock(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        // 2026-11-25 01:00:02.123 UTC is 08:00:02.123 in Hà Nội.
        let date = Date(timeIntervalSince1970: 1_795_568_402.123)
        #expect(hcm.format(date) == "2026-11-25T08:00:02.123+07:00")
        #expect(hcm.month(date) == "2026-11")
        let utc = LogClock(timeZone: TimeZone(identifier: "UTC")!)
        #expect(utc.format(date) == "2026-11-25T01:00:02.123+00:00")
        let ny = LogClock(timeZone: TimeZone(identifier: "America/New_York")!)
        #expect(ny.format(date) == "2026-11-24T20:00:02.123-05:00")
        // Before 1970 and at a month boundary in the zone.
        #expect(utc.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000+00:00")
        let boundary = Date(timeIntervalSince1970: 1_798_736_400)  // 2026-12-31T17:00:00Z
        #expect(hcm.format(boundary) == "2027-01-01T00:00:00.000+07:00")
        #expect(hcm.month(boundary) == "2027-01")
    }

    @Test func logEventLinePutsTheSequenceFirst() {
        let line = LogLine(
            ts: "2026-11-25T08:00:02.123+07:00", event: .itemApproved, item_id: "2026-11-0001",
            item_title: "Tiêu đề \"có ngoặc\"", unit: "Sở Nội vụ", topic: "tthc")
        let event = LogEvent(seq: 42, json: line.encoded())
        #expect(event.line.hasPrefix("{\"seq\":42,"))
        let obj = try? JSONSerialization.jsonObject(with: Data(event.line.utf8)) as? [String: Any]
        #expect(obj?["item_title"] as? String == "Tiêu đề \"có ngoặc\"")
        #expect(obj?["v"] as? Int == 1)
    }
}

@Suite struct LogLineEncodingTests {
    /// The hand-written encoder writes exactly what JSONEncoder with sorted keys writes.
    @Test(arguments: [
        "Sơn La: 100% thủ tục \"trực tuyến\"", "a\\b/c", "dòng 1\ndòng 2\r\n\ttab", "\u{01}\u{1F}\u{7F}", "", "😀 emoji",
    ])
    func matchesJSONEncoder(text: String) throws {
        let full = LogLine(
            ts: "2026-11-25T08:00:02.123+07:00", event: .deliveryRetry, item_id: "2026-11-0001", item_title: text,
            unit: text, topic: "tthc", channel: "portal-tinh", channel_type: "portal",
            delivery_id: "2026-11-0001/portal-tinh",
            attempt: 3, state: "retry-wait", error_class: "server", error: text, code: -503, remote_id: text,
            url: "https://a.vn/x?y=1&z=/",
            duration_ms: 12, due_at: "2026-11-25T08:00:00.000+07:00", retry_at: "2026-11-25T08:01:00.000+07:00",
            actor: text,
            detail: text)
        let sparse = LogLine(ts: "t", event: .itemApproved, item_id: "x", item_title: text, unit: "u", topic: "k")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for line in [full, sparse] {
            let mine = line.encoded()
            let reference = String(decoding: try encoder.encode(line), as: UTF8.self)
            #expect(mine == reference)
            let back = try JSONDecoder().decode(LogLine.self, from: Data(mine.utf8))
            #expect(back == line)
        }
    }
}
