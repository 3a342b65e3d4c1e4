import ChannelKit
import Foundation
import ReadAloud

/// The `radio` channel's configuration (Plugins/Radio/README.md).
public struct RadioSettings: Sendable {
    public var stations: [RadioStation]
    /// Syllables a minute (a newsreader reads 180–220).
    public var readingRate: Double = 200
    public var readAloud = ReadAloudOptions()
    /// Built-in abbreviations layered with the operator's file.
    public var dictionary: ReadAloudDictionary = .builtin
    /// A slot's bulletin closes this long before the slot starts.
    public var leadTime: Duration = .seconds(600)

    public init(stations: [RadioStation]) { self.stations = stations }

    /// Reads the channel's keys.
    public init(section: ConfigSection) throws(ConfigError) {
        if let rate = try section.double("reading_rate") {
            guard (60...400).contains(rate) else {
                throw section.error("reading_rate", "must be between 60 and 400 syllables a minute, found \(rate)")
            }
            readingRate = rate
        }
        readAloud.southern = try section.bool("southern") ?? false
        if let s = try section.oneOf("document_symbol", DocumentSymbolTreatment.allCases.map(\.rawValue)) {
            readAloud.documentSymbol = DocumentSymbolTreatment(rawValue: s)!
        }
        if let path = try section.path("dictionary") {
            do {
                dictionary = try ReadAloudDictionary.loading(file: path)
            } catch {
                throw section.error("dictionary", "\(error)")
            }
        }
        if let lead = try section.duration("lead_time") { leadTime = lead }
        let defaultDuration = try section.duration("slot_duration") ?? .seconds(900)
        guard let list = try section.list("stations"), !list.isEmpty else {
            throw section.error("stations", "is required: at least one station (id, name, commune, slots, folder)")
        }
        var stations: [RadioStation] = []
        for (value, path, location) in list {
            let s = try section.section(of: value, path: path, location: location)
            let id = try s.requireString("id")
            guard id.unicodeScalars.allSatisfy({ ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" })
            else {
                throw s.error("id", "use lowercase letters, digits and hyphens (it names files), found \"\(id)\"")
            }
            guard !stations.contains(where: { $0.id == id }) else { throw s.error("id", "\"\(id)\" is used twice") }
            let name = try s.requireString("name")
            let commune = try s.string("commune") ?? ""
            guard let slotTexts = try s.stringList("slots"), !slotTexts.isEmpty else {
                throw s.error("slots", "is required: broadcast times like 06:00/15m (start/maximum duration)")
            }
            var slots: [RadioSlot] = []
            for text in slotTexts {
                guard let slot = RadioSlot(text, defaultDuration: defaultDuration) else {
                    throw s.error("slots", "\"\(text)\" is not a slot like 06:00 or 06:00/15m")
                }
                guard !slots.contains(where: { $0.minuteOfDay == slot.minuteOfDay }) else {
                    throw s.error("slots", "\(slot.timeText) is given twice")
                }
                slots.append(slot)
            }
            guard let folder = try s.path("folder") else {
                throw s.error("folder", "is required: the folder the station's bulletins are written to")
            }
            try s.finish()
            stations.append(
                RadioStation(id: id, name: name, commune: commune, slots: slots, destination: .folder(folder)))
        }
        self.stations = stations
    }
}
