/// Proleptic Gregorian dates as day numbers (days since 1970-01-01) and back: the one copy of this
/// arithmetic in the project (the log's timestamps, the reports' periods, the report benchmark).
///
/// Written by hand (Howard Hinnant's `days_from_civil` / `civil_from_days`) rather than with
/// `Calendar`: it runs once per log line written and once per line a yearly report reads, and
/// Foundation's calendar costs microseconds a call where this costs nanoseconds.
public enum CivilDate {
    /// Days since 1970-01-01 of `year`-`month`-`day` (month 1…12).
    @inlinable
    public static func dayNumber(year y0: Int, month m: Int, day d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day number (days since 1970-01-01).
    @inlinable
    public static func date(dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
