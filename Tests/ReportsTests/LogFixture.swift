import Foundation

/// A generated delivery log whose figures the tests know independently of the code under test:
/// every event is kept with its *local* date as text (`2026-11-14`), and the expected counts are
/// plain filters over those texts and the period's first/last dates written out by hand.
struct FixtureEvent {
    var localDate: String  // yyyy-MM-dd, Asia/Ho_Chi_Minh
    var line: [String: Any]
    var event: String { line["event"] as! String }
    var unit: String? { line["unit"] as? String }
    var channel: String? { line["channel"] as? String }
}

struct LogFixture {
    static let units = ["Sở Nội vụ", "UBND huyện Mộc Châu", "UBND xã Chiềng Sơn"]
    static let topics = ["tthc", "chinh-quyen-so", "the-che", "chi-so"]
    static let channels: [(name: String, type: String)] = [
        ("portal-tinh", "portal"), ("webhook-tonghop", "webhook"), ("exec-zalo", "exec"),
    ]
    static let errorClasses = ["network", "auth", "rejected"]

    var events: [FixtureEvent] = []
    var seq = 0

    /// Local wall-clock time → a ts written the way the writer does (+07:00), or as the same instant
    /// in UTC (`Z`) or another offset: a reader must honour the offset.
    static func ts(_ date: String, _ time: String, style: Int) -> String {
        let (h, m, s, ms) = parse(time)
        switch style % 3 {
        case 0: return "\(date)T\(time)+07:00"
        case 1:
            // UTC: seven hours earlier, possibly the day before.
            return shifted(date, h, m, s, ms, by: -7, suffix: "Z")
        default:
            // +09:00 (Japan): two hours later.
            return shifted(date, h, m, s, ms, by: 2, suffix: "+09:00")
        }
    }

    static func parse(_ time: String) -> (Int, Int, Int, Int) {
        let p = time.split(separator: ":")
        let sec = p[2].split(separator: ".")
        return (Int(p[0])!, Int(p[1])!, Int(sec[0])!, Int(sec[1])!)
    }

    static func shifted(_ date: String, _ h: Int, _ m: Int, _ s: Int, _ ms: Int, by hours: Int, suffix: String)
        -> String
    {
        var c = DateComponents()
        let d = date.split(separator: "-").map { Int($0)! }
        c.year = d[0]
        c.month = d[1]
        c.day = d[2]
        c.hour = h
        c.minute = m
        c.second = s
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let instant = cal.date(from: c)!.addingTimeInterval(TimeInterval(hours * 3600))
        let o = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03d", o.year!, o.month!, o.day!, o.hour!, o.minute!, o.second!, ms)
            + suffix
    }

    mutating func add(_ date: String, _ time: String, _ fields: [String: Any]) {
        seq += 1
        var line = fields
        line["v"] = 1
        line["seq"] = seq
        line["ts"] = Self.ts(date, time, style: seq)
        line["actor"] = "cchcd"
        events.append(FixtureEvent(localDate: date, line: line))
    }

    mutating func delivered(
        _ date: String, _ time: String, item: String, unit: String, topic: String, channel: (String, String)
    ) {
        add(
            date, time,
            [
                "event": "delivery.delivered", "item_id": item, "item_title": "Tin \(item): cải cách “một cửa”",
                "unit": unit, "topic": topic, "channel": channel.0, "channel_type": channel.1,
                "delivery_id": "\(item)/\(channel.0)", "attempt": 1, "state": "delivered", "duration_ms": 80,
                "remote_id": "r-\(item)", "url": "https://cchc.sonla.gov.vn/tin-tuc/\(item)-\(channel.0)",
            ])
    }

    /// A log over December 2025 … January 2027 with a fixed pseudo-random mix, plus lines exactly on
    /// the period edges (14th 23:59:59.999 / 15th 00:00:00.000 local, New Year).
    static func standard() -> LogFixture {
        var f = LogFixture()
        var rng: UInt64 = 0x5EED
        func next(_ n: Int) -> Int {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((rng >> 33) % UInt64(n))
        }
        var itemNumber = 0
        var day = DateComponents(year: 2025, month: 12, day: 1)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        var date = cal.date(from: day)!
        let stop = cal.date(from: DateComponents(year: 2027, month: 1, day: 20))!
        while date < stop {
            day = cal.dateComponents([.year, .month, .day], from: date)
            let text = String(format: "%04d-%02d-%02d", day.year!, day.month!, day.day!)
            // Zero to two items a day; each goes to one to three channels.
            for _ in 0..<next(3) {
                itemNumber += 1
                let item = String(format: "%04d-%02d-%04d", day.year!, day.month!, itemNumber)
                let unit = units[next(units.count)]
                let topic = topics[next(topics.count)]
                let time = String(format: "%02d:%02d:%02d.%03d", 6 + next(14), next(60), next(60), next(1000))
                f.add(
                    text, time,
                    [
                        "event": "item.submitted", "item_id": item, "item_title": "Tin \(item)", "unit": unit,
                        "topic": topic,
                    ])
                f.add(
                    text, time,
                    [
                        "event": "item.approved", "item_id": item, "item_title": "Tin \(item)", "unit": unit,
                        "topic": topic,
                    ])
                let count = 1 + next(3)
                for c in 0..<count {
                    let channel = channels[c]
                    if next(10) == 0 {
                        f.add(
                            text, time,
                            [
                                "event": "delivery.retry", "item_id": item, "item_title": "Tin \(item)",
                                "unit": unit, "topic": topic, "channel": channel.name, "channel_type": channel.type,
                                "error_class": "network", "error": "connection reset", "retry_at": "x",
                            ])
                    }
                    if next(12) == 0 {
                        f.add(
                            text, time,
                            [
                                "event": "delivery.failed", "item_id": item, "item_title": "Tin \(item)",
                                "unit": unit, "topic": topic, "channel": channel.name, "channel_type": channel.type,
                                "error_class": errorClasses[next(errorClasses.count)],
                                "error": "máy chủ từ chối \"nội dung\"\nthử lại",
                                "state": "failed",
                            ])
                    } else {
                        f.delivered(text, time, item: item, unit: unit, topic: topic, channel: channel)
                        // Now and then an officer takes a post down the same day (no random draw: the
                        // rest of the log stays as it was).
                        if itemNumber % 17 == 0 && c == 0 {
                            f.add(
                                text, "23:00:00.000",
                                [
                                    "event": "delivery.retracted", "item_id": item, "item_title": "Tin \(item)",
                                    "unit": unit, "topic": topic, "channel": channel.name,
                                    "channel_type": channel.type, "state": "retracted", "actor": "Trần Thị B",
                                ])
                        }
                    }
                }
            }
            // Radio bulletins, email recipients, citizen interactions (events other engineers add).
            if next(4) == 0 {
                f.add(
                    text, "06:00:00.000",
                    [
                        "event": "radio.bulletin", "channel": "radio-chieng-son", "channel_type": "radio",
                        "unit": "UBND xã Chiềng Sơn", "duration_s": 300 + 30 * next(10), "bulletin_id": "b\(f.seq)",
                        "item_id": "", "item_title": "", "topic": "khac",
                    ])
            }
            if next(5) == 0 {
                f.add(
                    text, "08:30:00.000",
                    [
                        "event": "delivery.part", "channel": "email-lanh-dao", "channel_type": "email",
                        "part": "a@sonla.gov.vn", "part_state": ["failed", "delivered", "retry", "delivered"][next(4)],
                        "state": "retry-wait", "code": 250,
                        "item_id": "x", "item_title": "x", "unit": units[0], "topic": "tthc",
                    ])
            }
            if next(3) == 0 {
                f.add(
                    text, "20:15:00.000",
                    [
                        "event": ["inbound.comment", "inbound.reaction", "inbound.message"][next(3)],
                        "channel": "fb-sonla", "channel_type": "facebook",
                    ])
            }
            // Events no report counts, with nested values a reader must skip.
            if next(6) == 0 {
                f.add(
                    text, "12:00:00.000",
                    [
                        "event": "delivery.planned", "item_id": "p", "item_title": "p", "unit": units[1],
                        "topic": "tthc", "due_at": "x", "extra": ["a": [1, 2, ["b": "}"]], "c": NSNull()],
                    ])
            }
            date = cal.date(byAdding: .day, value: 1, to: date)!
        }
        // Period edges: the last millisecond of the 14th and the first of the 15th, local time.
        let edgeDays = [("2026-11-14", "2026-11-15"), ("2026-12-14", "2026-12-15"), ("2025-12-14", "2025-12-15")]
        for (last, first) in edgeDays {
            f.delivered(last, "23:59:59.999", item: "edge-\(last)", unit: units[0], topic: "tthc", channel: channels[0])
            f.delivered(
                first, "00:00:00.000", item: "edge-\(first)", unit: units[0], topic: "tthc", channel: channels[0])
        }
        // New Year, local time.
        f.delivered(
            "2026-12-31", "23:59:59.999", item: "edge-ny-1", unit: units[1], topic: "bo-may", channel: channels[0])
        f.delivered(
            "2027-01-01", "00:00:00.000", item: "edge-ny-2", unit: units[1], topic: "bo-may", channel: channels[0])
        f.delivered(
            "2026-10-31", "23:59:59.999", item: "edge-oct", unit: units[2], topic: "cong-vu", channel: channels[1])
        f.delivered(
            "2026-11-01", "00:00:00.000", item: "edge-nov", unit: units[2], topic: "cong-vu", channel: channels[1])
        return f
    }

    /// The monthly files' text (by local month), sorted keys, one line per event.
    func files() throws -> [String: String] {
        var files: [String: [String]] = [:]
        for e in events {
            let data = try JSONSerialization.data(
                withJSONObject: e.line, options: [.sortedKeys, .withoutEscapingSlashes])
            files["delivery-\(e.localDate.prefix(7)).jsonl", default: []].append(String(decoding: data, as: UTF8.self))
        }
        return files.mapValues { $0.joined(separator: "\n") + "\n" }
    }

    /// Writes the lines into monthly files (by local month), sorted keys, one per line.
    func write(to directory: String) throws -> [String: [String]] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var files: [String: [String]] = [:]
        for e in events {
            let data = try JSONSerialization.data(
                withJSONObject: e.line, options: [.sortedKeys, .withoutEscapingSlashes])
            files["delivery-\(e.localDate.prefix(7)).jsonl", default: []].append(String(decoding: data, as: UTF8.self))
        }
        for (name, lines) in files {
            try (lines.joined(separator: "\n") + "\n").write(
                toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        return files
    }

    // MARK: - The oracle

    func inWindow(_ e: FixtureEvent, _ window: (String, String)) -> Bool {
        e.localDate >= window.0 && e.localDate <= window.1
    }

    func delivered(_ window: (String, String)) -> [FixtureEvent] {
        events.filter { $0.event == "delivery.delivered" && inWindow($0, window) }
    }

    func count(_ window: (String, String), by key: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for e in delivered(window) { out[e.line[key] as! String, default: 0] += 1 }
        return out
    }

    func events(_ name: String, _ window: (String, String)) -> [FixtureEvent] {
        events.filter { $0.event == name && inWindow($0, window) }
    }
}
