import ChannelKit

extension ChannelConfig {
    /// A radio channel's stations and the start of each of their slots (`stations[].slots`, `06:00/30m` →
    /// `06:00`), as written in its section: the air times `cchc lich` and the web app's calendar show. The
    /// engine has no slots for a radio channel; its plugin batches items into these.
    public var stationSlots: [(station: String, starts: [String])] {
        guard case .map(let entries, _) = section,
            let stations = entries.first(where: { $0.key == "stations" })?.value,
            case .list(let list, _) = stations
        else { return [] }
        return list.compactMap { station in
            guard case .map(let fields, _) = station else { return nil }
            func scalar(_ key: String) -> String? {
                if case .scalar(let s)? = fields.first(where: { $0.key == key })?.value { return s }
                return nil
            }
            guard case .list(let slots, _)? = fields.first(where: { $0.key == "slots" })?.value else { return nil }
            let starts = slots.compactMap { slot -> String? in
                guard case .scalar(let s) = slot else { return nil }
                return String(s.split(separator: "/").first ?? "")
            }
            return (scalar("name") ?? scalar("id") ?? "", starts)
        }
    }
}
