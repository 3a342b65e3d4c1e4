import Foundation

/// RFC 3339 timestamps in the configured zone, as the delivery log writes them.
public struct LogClock: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    /// `2026-11-25T08:00:02.123+07:00`. Written by hand (not a FormatStyle) because it runs once per
    /// log line on the hot path and must be exactly this shape whatever the locale.
    public func format(_ date: Date) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) + Int64(offset) * 1000
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let msOfDay = ms - days * 86_400_000
        let (year, month, day) = CivilDate.date(dayNumber: Int(days))
        let h = msOfDay / 3_600_000
        let m = msOfDay / 60000 % 60
        let s = msOfDay / 1000 % 60
        let frac = msOfDay % 1000
        let sign = offset < 0 ? "-" : "+"
        let oh = abs(offset) / 3600
        let om = abs(offset) / 60 % 60
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(frac, 3))"
            + "\(sign)\(pad(oh, 2)):\(pad(om, 2))"
    }

    private func pad(_ n: some BinaryInteger, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `YYYY-MM` of `date` in the zone (item ids, log file names).
    public func month(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let c = cal.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", c.year!, c.month!)
    }
}
