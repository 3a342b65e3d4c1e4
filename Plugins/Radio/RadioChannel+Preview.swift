import ChannelKit
import Foundation

/// What `cchc radio preview` shows: a script and its durations, computed without delivering,
/// writing or changing anything.
public struct RadioPreview: Sendable {
    public var station: RadioStation
    /// The bulletin id (`2026-11-22-0600`), or nil for a single item's preview.
    public var bulletin: String?
    public var airTime: Date?
    public var maxDuration: Duration?
    public var script: BulletinScript
    public var readingRate: Double
}

extension RadioChannel {
    /// One item as it would be read (its part only, as the first item of a bulletin), per station.
    public func preview(item: ChannelItem) -> [RadioPreview] {
        settings.stations.map { station in
            let part = writer.itemPart(item, position: 1, emergency: item.priority == .emergency)
            return RadioPreview(
                station: station, bulletin: nil, airTime: nil, maxDuration: nil,
                script: BulletinScript(parts: [part], unknownTokens: part.unknownTokens),
                readingRate: settings.readingRate)
        }
    }

    /// The bulletin planned so far for a slot (from the channel's ledger, read only).
    ///
    /// - Parameters:
    ///   - minuteOfDay: The slot's start; it must be one of the station's slots.
    ///   - day: Any time on the slot's local day.
    /// - Throws: ``ChannelError`` (`.config`) when the station has no such slot, `.local` when the
    ///   ledger cannot be read.
    public func preview(stationID: String?, minuteOfDay: Int, day: Date) throws(ChannelError) -> [RadioPreview] {
        let stations = settings.stations.filter { stationID == nil || $0.id == stationID }
        guard !stations.isEmpty else {
            throw ChannelError(.config, "kênh \(name) không có đài \"\(stationID ?? "")\"")
        }
        var out: [RadioPreview] = []
        for station in stations {
            guard let slot = station.slots.first(where: { $0.minuteOfDay == minuteOfDay }) else {
                throw ChannelError(
                    .config,
                    "\(station.name) không có khung giờ \(String(format: "%02d:%02d", minuteOfDay / 60, minuteOfDay % 60)) (có: \(station.slots.map(\.timeText).joined(separator: ", ")))"
                )
            }
            guard
                let start = calendar.date(
                    bySettingHour: minuteOfDay / 60, minute: minuteOfDay % 60, second: 0,
                    of: calendar.startOfDay(for: day))
            else { continue }
            let id = SlotPlanner.bulletinID(start, calendar: calendar)
            let ledger: BulletinLedger
            do {
                ledger = try BulletinLedger.load(path: ledgerPath(station))
            } catch {
                throw ChannelError(.local, "không đọc được sổ bản tin \(ledgerPath(station)): \(error)")
            }
            let entries = ledger.entries.filter { $0.bulletin == id }.sorted(by: BulletinLedger.precedes)
            let script = writer.script(station: station, at: start, items: entries.map(\.item), emergency: false)
            out.append(
                RadioPreview(
                    station: station, bulletin: id, airTime: start, maxDuration: slot.maxDuration, script: script,
                    readingRate: settings.readingRate))
        }
        return out
    }
}
