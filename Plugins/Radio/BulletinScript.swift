import ChannelKit
import Foundation
import ReadAloud

/// A bulletin's script: the text an announcer reads (or a synthesiser speaks), in parts, with the
/// estimated reading time of each from its syllable count.
public struct BulletinScript: Sendable, Hashable {
    public struct Part: Sendable, Hashable {
        /// `opening`, `item`, `closing`.
        public var role: String
        /// The item's id for `item` parts.
        public var itemID: String?
        public var title: String?
        public var priority: Priority?
        public var text: String
        public var syllables: Int
        public var seconds: Double
        /// All-caps tokens the dictionary did not know.
        public var unknownTokens: [String]
    }

    public var parts: [Part]
    public var unknownTokens: [String]

    public var text: String { parts.map(\.text).joined(separator: "\n\n") + "\n" }
    public var syllables: Int { parts.reduce(0) { $0 + $1.syllables } }
    public var seconds: Double { parts.reduce(0) { $0 + $1.seconds } }
}

/// Writes bulletin scripts: opening (station, date read aloud, slot), each item (title, read-aloud
/// body or the item's `radio` override) with transitions, closing.
public struct BulletinScriptWriter: Sendable {
    public var normalizer: ReadAloudNormalizer
    /// Syllables a minute.
    public var readingRate: Double
    public var timeZone: TimeZone

    public init(normalizer: ReadAloudNormalizer, readingRate: Double, timeZone: TimeZone) {
        self.normalizer = normalizer
        self.readingRate = readingRate
        self.timeZone = timeZone
    }

    /// What an item contributes to a bulletin (its transition and title included), without the
    /// transition's ordinal: used to plan slots.
    public func itemPart(_ item: ChannelItem, position: Int, emergency: Bool = false) -> BulletinScript.Part {
        let lead: String
        if emergency {
            lead = "Thông báo khẩn:"
        } else if position == 1 {
            lead = "Tin thứ 1:"
        } else {
            lead = "Tiếp theo, tin thứ \(position):"
        }
        let body = item.override["radio"] ?? item.override["text"] ?? item.body
        let title = normalizer.normalize(item.title)
        let content = normalizer.normalize(body)
        var titleText = title.text.trimmingCharacters(in: .whitespaces)
        if let last = titleText.last, !".!?…".contains(last) { titleText += "." }
        let leadText = normalizer.normalize(lead).text
        let text = "\(leadText) \(titleText)\n\(content.text)"
        return part(
            role: "item", itemID: item.id, title: item.title, priority: item.priority, text: text,
            unknown: title.unknownTokens + content.unknownTokens)
    }

    private func part(
        role: String, itemID: String? = nil, title: String? = nil, priority: Priority? = nil, text: String,
        unknown: [String] = []
    ) -> BulletinScript.Part {
        let syllables = Syllables.count(text)
        return BulletinScript.Part(
            role: role, itemID: itemID, title: title, priority: priority, text: text, syllables: syllables,
            seconds: Syllables.seconds(syllables, rate: readingRate), unknownTokens: unknown)
    }

    /// The opening and closing of a bulletin for `station` at `at`.
    public func frame(station: RadioStation, at: Date, emergency: Bool) -> (
        opening: BulletinScript.Part, closing: BulletinScript.Part
    ) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: at)
        let date = "\(c.day!)/\(c.month!)/\(c.year!)"
        let time = String(format: "%02d:%02d", c.hour!, c.minute!)
        let opening: String
        let closing: String
        if emergency {
            opening =
                "Đây là \(station.name). Thông báo khẩn cấp, phát lúc \(time) ngày \(date). Đề nghị bà con chú ý lắng nghe."
            closing = "\(station.name) vừa phát thông báo khẩn cấp. Đề nghị bà con thực hiện nghiêm túc."
        } else {
            opening =
                "Đây là \(station.name). Mời bà con nghe bản tin cải cách hành chính, phát lúc \(time) ngày \(date)."
            closing =
                "Bà con vừa nghe bản tin cải cách hành chính của \(station.name). Bản tin đến đây là kết thúc. Cảm ơn bà con đã chú ý lắng nghe."
        }
        let o = normalizer.normalize(opening)
        let e = normalizer.normalize(closing)
        return (
            part(role: "opening", text: o.text, unknown: o.unknownTokens),
            part(role: "closing", text: e.text, unknown: e.unknownTokens)
        )
    }

    /// The whole script of a bulletin with `items` in the given order.
    public func script(station: RadioStation, at: Date, items: [ChannelItem], emergency: Bool) -> BulletinScript {
        let (opening, closing) = frame(station: station, at: at, emergency: emergency)
        var parts = [opening]
        var unknown = Set<String>()
        for (i, item) in items.enumerated() {
            let p = itemPart(item, position: i + 1, emergency: emergency)
            parts.append(p)
        }
        parts.append(closing)
        for p in parts { unknown.formUnion(p.unknownTokens) }
        return BulletinScript(parts: parts, unknownTokens: unknown.sorted())
    }
}
