import ChannelKit
import Foundation
import Radio

/// What a radio channel will read aloud, without delivering: `cchc radio preview` runs it. The answer
/// is plain values (station, script text, syllables, estimated time), so a front end needs no radio types.
public struct RadioPreviews: Sendable {
    /// One station's script: a single item's part, or a slot's bulletin as planned so far.
    public struct Preview: Sendable {
        public var stationID: String
        public var stationName: String
        /// The bulletin id (`2026-11-22-0600`), or nil for a single item's preview.
        public var bulletin: String?
        public var maxDuration: Duration?
        /// Syllables per minute the estimate assumes.
        public var readingRate: Double
        public var text: String
        public var syllables: Int
        public var seconds: Double
        /// The items read, in order.
        public var items: [Item]
        /// Abbreviations the read-aloud dictionary does not know.
        public var unknownTokens: [String]
    }

    public struct Item: Sendable {
        public var id: String?
        public var title: String?
        public var syllables: Int
        public var seconds: Double
    }

    /// Why no radio channel could be chosen (Vietnamese, for officers).
    public struct Failure: Error, CustomStringConvertible {
        public enum Kind: Sendable { case notFound, ambiguous }
        public var kind: Kind
        public var description: String
    }

    private let channel: RadioChannel
    /// The chosen channel's name.
    public var name: String { channel.name }

    /// The radio channel named `name`, or the only one configured.
    public init(channels: [String: any Channel], name: String?) throws(Failure) {
        let radios = channels.values.compactMap { $0 as? RadioChannel }.sorted { $0.name < $1.name }
        if let name {
            guard let c = radios.first(where: { $0.name == name }) else {
                throw Failure(kind: .notFound, description: "không có kênh radio \"\(name)\" trong cấu hình")
            }
            channel = c
            return
        }
        guard radios.count == 1 else {
            throw radios.isEmpty
                ? Failure(kind: .notFound, description: "cấu hình không có kênh radio nào")
                : Failure(
                    kind: .ambiguous,
                    description:
                        "có nhiều kênh radio (\(radios.map(\.name).joined(separator: ", "))): chọn bằng --channel")
        }
        channel = radios[0]
    }

    /// One item as each station (or `station`) would read it.
    public func preview(item: ChannelItem, station: String? = nil) -> [Preview] {
        channel.preview(item: item).filter { station == nil || $0.station.id == station }.map(Self.plain)
    }

    /// The bulletin planned so far for the slot starting at `minuteOfDay` on `day`'s local date.
    /// - Throws: ``ChannelKit/ChannelError`` when the station or slot does not exist or the ledger is unreadable.
    public func preview(station: String?, minuteOfDay: Int, day: Date) throws(ChannelError) -> [Preview] {
        try channel.preview(stationID: station, minuteOfDay: minuteOfDay, day: day).map(Self.plain)
    }

    static func plain(_ p: RadioPreview) -> Preview {
        Preview(
            stationID: p.station.id, stationName: p.station.name, bulletin: p.bulletin, maxDuration: p.maxDuration,
            readingRate: p.readingRate, text: p.script.text, syllables: p.script.syllables, seconds: p.script.seconds,
            items: p.script.parts.filter { $0.role == "item" }.map {
                Item(id: $0.itemID, title: $0.title, syllables: $0.syllables, seconds: $0.seconds)
            }, unknownTokens: p.script.unknownTokens)
    }
}
