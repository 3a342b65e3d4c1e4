import Foundation

/// Dates as officers write them in item files and on the command line (DESIGN.md §13):
/// `2026-11-25 08:00`, `2026-11-25 08:00:30`, `2026-11-25T08:00:00+07:00`, YAML timestamps such as
/// `2026-11-25 08:00:00.5 +7`, and a bare date `2026-11-25` — in the configured zone unless an offset
/// is given. A bare date means 00:00 that day, or the end of that day for `expires_at`.
public enum DateText {
    public enum BareDate: Sendable {
        case startOfDay
        case endOfDay
    }

    public static func parse(_ text: String, timeZone: TimeZone, bareDate: BareDate = .startOfDay) -> Date? {
        let s = text.trimmingCharacters(in: .whitespaces)
        let pattern =
            #/^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{1,2}(?::?\d{2})?)?$/#
        guard let m = s.wholeMatch(of: pattern) else { return nil }
        guard let year = Int(m.1), let month = Int(m.2), let day = Int(m.3), (1...12).contains(month),
            (1...31).contains(day)
        else { return nil }
        let hasTime = m.4 != nil
        let hour = m.4.flatMap { Int($0) } ?? 0
        let minute = m.5.flatMap { Int($0) } ?? 0
        let second = m.6.flatMap { Int($0) } ?? 0
        guard (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        var fraction = 0.0
        if let f = m.7 { fraction = Double("0." + f) ?? 0 }
        if !hasTime && m.8 != nil { return nil }

        var zone = timeZone
        if let z = m.8 {
            if z == "Z" || z == "z" {
                zone = TimeZone(secondsFromGMT: 0)!
            } else {
                let sign = z.hasPrefix("-") ? -1 : 1
                let digits = z.dropFirst().replacingOccurrences(of: ":", with: "")
                let (h, mm): (Int?, Int?) =
                    digits.count <= 2 ? (Int(digits), 0) : (Int(digits.prefix(digits.count - 2)), Int(digits.suffix(2)))
                guard let h, let mm, h <= 14, mm < 60, let tz = TimeZone(secondsFromGMT: sign * (h * 3600 + mm * 60))
                else { return nil }
                zone = tz
            }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        // Reject 2026-02-31 and the like instead of rolling over into March.
        guard let date = calendar.date(from: components),
            calendar.component(.day, from: date) == day, calendar.component(.month, from: date) == month
        else { return nil }
        if !hasTime && bareDate == .endOfDay {
            return calendar.date(byAdding: .day, value: 1, to: date)!.addingTimeInterval(-0.001)
        }
        return date.addingTimeInterval(fraction)
    }

    /// `2026-11-25 08:00` in the zone, for officers.
    public static func display(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }
}
