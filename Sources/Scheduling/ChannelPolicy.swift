import Config
import Foundation

/// A channel's time rules (DESIGN.md §5) as pure functions of dates, so they are tested with
/// injected times and the engine never sleeps longer or shorter than the rules say.
public struct ChannelPolicy: Sendable {
    public var settings: ChannelSettings
    public var calendar: Calendar

    public init(settings: ChannelSettings, timeZone: TimeZone) {
        self.settings = settings
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// The earliest time at or after `date` that the channel's slots and quiet hours allow: the
    /// due time a delivery is planned for. (Runtime limits — rate, gaps, daily caps — apply at send time.)
    public func fit(_ date: Date) -> Date {
        var t = date
        // Alternate the two rules until neither moves the time; a configuration whose slots all fall
        // in the quiet hours would never settle, so the loop is bounded (config check warns of it).
        for _ in 0..<64 {
            let afterQuiet = leavingQuietHours(t)
            let afterSlots = nextSlotOpening(afterQuiet)
            if afterSlots == t { return t }
            t = afterSlots
        }
        return t
    }

    /// `date` if it is outside the quiet hours, else the end of the quiet period it falls in.
    public func leavingQuietHours(_ date: Date) -> Date {
        guard let quiet = settings.quietHours else { return date }
        let minute = minuteOfDay(date)
        guard quiet.contains(minute) else { return date }
        let dayStart = calendar.startOfDay(for: date)
        var end = at(quiet.to, on: dayStart)
        if end <= date { end = at(quiet.to, on: calendar.date(byAdding: .day, value: 1, to: dayStart)!) }
        return end
    }

    /// `date` if it falls within an open slot, else the start of the next slot.
    public func nextSlotOpening(_ date: Date) -> Date {
        guard !settings.slots.isEmpty else { return date }
        let dayStart = calendar.startOfDay(for: date)
        let yesterday = calendar.date(byAdding: .day, value: -1, to: dayStart)!
        // A slot opened yesterday may still be open (a long slot before midnight).
        for day in [yesterday, dayStart] {
            for slot in settings.slots {
                let open = at(slot.start, on: day)
                if open <= date && date < open.addingTimeInterval(slot.length.seconds) { return date }
            }
        }
        for slot in settings.slots {
            let open = at(slot.start, on: dayStart)
            if open > date { return open }
        }
        let tomorrow = calendar.date(byAdding: .day, value: 1, to: dayStart)!
        return at(settings.slots[0].start, on: tomorrow)
    }

    /// Local midnight at the start of `date`'s day.
    public func startOfDay(_ date: Date) -> Date { calendar.startOfDay(for: date) }

    public func startOfNextDay(_ date: Date) -> Date {
        calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: date))!
    }

    func minuteOfDay(_ date: Date) -> Int {
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return c.hour! * 60 + c.minute!
    }

    func at(_ time: TimeOfDay, on dayStart: Date) -> Date {
        calendar.date(bySettingHour: time.minutes / 60, minute: time.minutes % 60, second: 0, of: dayStart)!
    }
}

extension Duration {
    /// Seconds as a floating-point number.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
