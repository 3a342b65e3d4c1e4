import ChannelKit
import Foundation

/// The values a channel template sees.
///
/// | name | value |
/// |---|---|
/// | `id`, `title`, `summary`, `unit`, `author` | the item's fields (absent ones are empty/false) |
/// | `body` | the body as written (Markdown) |
/// | `body_html`, `body_text` | the body rendered as HTML / plain text |
/// | `text` | the item's `text` override for this channel, else `body_text` |
/// | `topic`, `topic_label` | the topic key (`tthc`) and its Vietnamese label |
/// | `priority`, `priority_label` | `thuong`/`uu-tien`/`khan-cap` and its label |
/// | `publish_at` | RFC 3339 with the configured offset (`2026-11-25T08:00:00+07:00`) |
/// | `media` | a list of `{path, url, caption}`; `has_media` is true when it is not empty |
/// | `results.<channel>.url`, `results.<channel>.remote_id` | earlier channels' results |
/// | `after_url` | the URL of the first earlier result that has one (by channel name) |
/// | `delivery_id`, `attempt` | when built from a ``PublishRequest`` |
///
/// Values are plain strings, lists and dictionaries: escaping is the template's job (``ChannelTemplate/Escaping``).
public enum TemplateContext {
    /// Builds the context for one item.
    ///
    /// - Parameters:
    ///   - item: The item.
    ///   - earlierResults: Results of the item's channels already delivered, by channel name.
    ///   - extra: More values (they replace built-in ones with the same name).
    ///   - timeZone: The zone `publish_at` is written in.
    public static func values(
        item: ChannelItem, earlierResults: [String: ChannelResult] = [:], extra: [String: String] = [:],
        timeZone: TimeZone = RFC3339.defaultTimeZone
    ) -> [String: Any] {
        let body = Markdown.rendered(item.body)
        var values: [String: Any] = [
            "id": item.id,
            "title": item.title,
            "body": item.body,
            "body_html": body.html,
            "body_text": body.text,
            "topic": item.topic.key,
            "topic_label": item.topic.label,
            "unit": item.unit,
            "priority": item.priority.rawValue,
            "priority_label": item.priority.label,
            "has_media": !item.media.isEmpty,
        ]
        if let summary = item.summary, !summary.isEmpty { values["summary"] = summary }
        // The officer's own text for this channel (`overrides: { <channel>: { text: … } }`), else the body as text.
        values["text"] = item.override["text"] ?? body.text
        if let author = item.author, !author.isEmpty { values["author"] = author }
        if let publishAt = item.publishAt { values["publish_at"] = RFC3339.string(from: publishAt, timeZone: timeZone) }
        values["media"] = item.media.map { media -> [String: Any] in
            var entry: [String: Any] = [:]
            if let path = media.path { entry["path"] = path }
            if let url = media.url { entry["url"] = url }
            if let caption = media.caption { entry["caption"] = caption }
            return entry
        }
        var results: [String: Any] = [:]
        for (channel, result) in earlierResults {
            var entry: [String: Any] = [:]
            if let url = result.url { entry["url"] = url }
            if let remoteID = result.remoteID { entry["remote_id"] = remoteID }
            results[channel] = entry
        }
        values["results"] = results
        if let afterURL = earlierResults.sorted(by: { $0.key < $1.key }).lazy.compactMap(\.value.url).first {
            values["after_url"] = afterURL
        }
        for (key, value) in extra { values[key] = value }
        return values
    }

    /// The context for one delivery: the item's values plus `delivery_id` and `attempt`.
    public static func values(
        for request: PublishRequest, extra: [String: String] = [:], timeZone: TimeZone = RFC3339.defaultTimeZone
    ) -> [String: Any] {
        var extra = extra
        extra["delivery_id"] = extra["delivery_id"] ?? request.deliveryID
        extra["attempt"] = extra["attempt"] ?? String(request.attempt)
        return values(item: request.item, earlierResults: request.earlierResults, extra: extra, timeZone: timeZone)
    }

    /// An item with every field set, quotes, a backslash and Vietnamese letters in its texts: templates
    /// are test-rendered with it when the configuration loads.
    public static let sampleItem = ChannelItem(
        id: "2026-11-0042",
        title: #"Sơn La: 100% thủ tục "một cửa" được tiếp nhận trực tuyến \ mẫu"#,
        summary: "Một câu tóm tắt\ncho mạng xã hội.",
        body: "## Kết quả\n\nNội dung *bài viết* với [liên kết](https://example.gov.vn/a?b=1&c=2).\n\n- một\n- hai",
        topic: Topic.builtin[1],
        unit: "Sở Nội vụ",
        author: "Phòng Cải cách hành chính",
        media: [MediaRef(path: "/tmp/anh-bia.jpg", caption: "Bộ phận \"một cửa\"")],
        publishAt: Date(timeIntervalSince1970: 1_795_568_400),
        priority: .high
    )

    /// The context of ``sampleItem``, with one earlier result.
    public static var sample: [String: Any] {
        values(
            item: sampleItem,
            earlierResults: ["portal-tinh": ChannelResult(remoteID: "42", url: "https://cchc.example.gov.vn/?p=42")],
            extra: ["delivery_id": "d-sample", "attempt": "1"])
    }
}

/// RFC 3339 timestamps with the configured offset, the form the delivery log and payloads use.
public enum RFC3339 {
    /// Asia/Ho_Chi_Minh, the daemon's default zone.
    public static let defaultTimeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? TimeZone(secondsFromGMT: 7 * 3600)!

    /// `2026-11-25T08:00:00+07:00` (`Z` for UTC).
    public static func string(from date: Date, timeZone: TimeZone = defaultTimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let offset = timeZone.secondsFromGMT(for: date)
        let zone: String
        if offset == 0 {
            zone = "Z"
        } else {
            let sign = offset < 0 ? "-" : "+"
            zone = sign + String(format: "%02d:%02d", abs(offset) / 3600, abs(offset) % 3600 / 60)
        }
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0,
            c.second ?? 0) + zone
    }

    /// RFC 822 dates for RSS (`Wed, 25 Nov 2026 08:00:00 +0700`).
    public static func rfc822(from date: Date, timeZone: TimeZone = defaultTimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let offset = timeZone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        return days[(c.weekday ?? 1) - 1] + ", " + String(format: "%02d", c.day ?? 1) + " "
            + months[(c.month ?? 1) - 1] + " "
            + String(format: "%04d %02d:%02d:%02d ", c.year ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
            + sign + String(format: "%02d%02d", abs(offset) / 3600, abs(offset) % 3600 / 60)
    }
}
