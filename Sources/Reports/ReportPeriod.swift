import DeliveryLog
import Foundation

/// A calendar date without time (local to the report's time zone).
public struct LocalDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        // Normalise month overflow (month 0 is December of the year before, 13 is January after).
        var y = year
        var m = month
        while m < 1 {
            m += 12
            y -= 1
        }
        while m > 12 {
            m -= 12
            y += 1
        }
        self.year = y
        self.month = m
        self.day = day
    }

    /// `2026-11-05`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m),
            (1...LocalDate.daysIn(year: y, month: m)).contains(d)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    var dayNumber: Int { CivilDate.dayNumber(year: year, month: month, day: day) }

    init(dayNumber: Int) {
        let (year, month, day) = CivilDate.date(dayNumber: dayNumber)
        self.init(year: year, month: month, day: day)
    }

    func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// Midnight at the start of this date in `timeZone`, as milliseconds since 1970.
    func startMillis(in timeZone: TimeZone) -> Int64 {
        let utcMidnight = Int64(dayNumber) * 86400
        // The zone's offset at that moment (two steps settle a transition day).
        var offset = Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcMidnight))))
        offset = Int64(
            timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcMidnight - offset))))
        return (utcMidnight - offset) * 1000
    }

    // Built by hand: String(format:) is slow on Linux, and a yearly report formats a date per item.
    public var description: String { Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2) }
    /// `15/10/2026`.
    public var vietnamese: String { Self.pad(day, 2) + "/" + Self.pad(month, 2) + "/" + Self.pad(year, 4) }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A reporting period: its kind, the local dates it covers (both inclusive) and its label.
public struct ReportPeriod: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable { case month, quarter, half, year, custom }
    /// Statutory: the data cut-offs of Decree 09/2019/NĐ-CP (a month runs from the 15th of the month
    /// before to the 14th). Calendar: plain months, quarters, halves and years.
    public enum Basis: String, Sendable, Codable { case statutory, calendar, custom }

    public var kind: Kind
    public var basis: Basis
    public var year: Int
    /// Month 1–12, quarter 1–4, half 1–2; 0 for a year or a custom range.
    public var index: Int
    public var first: LocalDate
    public var last: LocalDate

    /// Number of months the period counts as (targets are "per month" and pro-rated).
    public var months: Double {
        switch kind {
        case .month: 1
        case .quarter: 3
        case .half: 6
        case .year: 12
        case .custom: Double(last.dayNumber - first.dayNumber + 1) / (365.2425 / 12)
        }
    }

    public static func month(_ year: Int, _ month: Int, calendar: Bool) -> ReportPeriod {
        calendar
            ? ReportPeriod(
                kind: .month, basis: .calendar, year: year, index: month,
                first: LocalDate(year: year, month: month, day: 1),
                last: LocalDate(year: year, month: month + 1, day: 1).adding(days: -1))
            : ReportPeriod(
                kind: .month, basis: .statutory, year: year, index: month,
                first: LocalDate(year: year, month: month - 1, day: 15),
                last: LocalDate(year: year, month: month, day: 14))
    }

    public static func quarter(_ year: Int, _ quarter: Int, calendar: Bool) -> ReportPeriod {
        let firstMonth = quarter * 3 - 2
        return calendar
            ? ReportPeriod(
                kind: .quarter, basis: .calendar, year: year, index: quarter,
                first: LocalDate(year: year, month: firstMonth, day: 1),
                last: LocalDate(year: year, month: firstMonth + 3, day: 1).adding(days: -1))
            : ReportPeriod(
                kind: .quarter, basis: .statutory, year: year, index: quarter,
                first: LocalDate(year: year, month: firstMonth - 1, day: 15),
                last: LocalDate(year: year, month: firstMonth + 2, day: 14))
    }

    public static func half(_ year: Int, _ half: Int, calendar: Bool) -> ReportPeriod {
        let firstMonth = half == 1 ? 1 : 7
        return calendar
            ? ReportPeriod(
                kind: .half, basis: .calendar, year: year, index: half,
                first: LocalDate(year: year, month: firstMonth, day: 1),
                last: LocalDate(year: year, month: firstMonth + 6, day: 1).adding(days: -1))
            : ReportPeriod(
                kind: .half, basis: .statutory, year: year, index: half,
                first: LocalDate(year: year, month: firstMonth - 1, day: 15),
                last: LocalDate(year: year, month: firstMonth + 5, day: 14))
    }

    public static func year(_ year: Int, calendar: Bool) -> ReportPeriod {
        calendar
            ? ReportPeriod(
                kind: .year, basis: .calendar, year: year, index: 0, first: LocalDate(year: year, month: 1, day: 1),
                last: LocalDate(year: year, month: 12, day: 31))
            : ReportPeriod(
                kind: .year, basis: .statutory, year: year, index: 0, first: LocalDate(year: year, month: 0, day: 15),
                last: LocalDate(year: year, month: 12, day: 14))
    }

    public static func custom(from: LocalDate, to: LocalDate) -> ReportPeriod {
        ReportPeriod(kind: .custom, basis: .custom, year: to.year, index: 0, first: from, last: to)
    }

    /// The period before this one, of the same kind and basis (a custom range: as many days just before).
    public var previous: ReportPeriod {
        let calendar = basis == .calendar
        switch kind {
        case .month:
            return index == 1 ? .month(year - 1, 12, calendar: calendar) : .month(year, index - 1, calendar: calendar)
        case .quarter:
            return index == 1
                ? .quarter(year - 1, 4, calendar: calendar) : .quarter(year, index - 1, calendar: calendar)
        case .half: return index == 1 ? .half(year - 1, 2, calendar: calendar) : .half(year, 1, calendar: calendar)
        case .year: return .year(year - 1, calendar: calendar)
        case .custom:
            let days = last.dayNumber - first.dayNumber + 1
            return .custom(from: first.adding(days: -days), to: first.adding(days: -1))
        }
    }

    /// The report months inside the period, for the "by month" chart: statutory months (15th–14th)
    /// or calendar months, each clipped to the period. Labelled `2026-11`.
    public var monthBuckets: [(label: String, first: LocalDate, last: LocalDate)] {
        var out: [(String, LocalDate, LocalDate)] = []
        let statutory = basis == .statutory
        // The report month containing `first`.
        var y = first.year
        var m = first.month
        if statutory && first.day >= 15 { m += 1 }
        var cursor = LocalDate(year: y, month: m, day: 1)
        y = cursor.year
        m = cursor.month
        while true {
            let bucket =
                statutory ? ReportPeriod.month(y, m, calendar: false) : ReportPeriod.month(y, m, calendar: true)
            let from = max(bucket.first, first)
            let to = min(bucket.last, last)
            if from > last { break }
            if from <= to { out.append((String(format: "%04d-%02d", y, m), from, to)) }
            cursor = LocalDate(year: y, month: m + 1, day: 1)
            y = cursor.year
            m = cursor.month
        }
        return out
    }

    /// Vietnamese name: `tháng 11 năm 2026`, `quý IV năm 2026`, `6 tháng đầu năm 2026`, `năm 2026`,
    /// `từ ngày 01/11/2026 đến ngày 20/11/2026`.
    public var label: String {
        switch kind {
        case .month: "tháng \(index) năm \(year)"
        case .quarter: "quý \(["I", "II", "III", "IV"][index - 1]) năm \(year)"
        case .half: index == 1 ? "6 tháng đầu năm \(year)" : "6 tháng cuối năm \(year)"
        case .year: "năm \(year)"
        case .custom: "từ ngày \(first.vietnamese) đến ngày \(last.vietnamese)"
        }
    }

    /// Machine name: `2026-11`, `2026-Q4`, `2026-H1`, `2026`, `2026-11-01..2026-11-20`.
    public var name: String {
        switch kind {
        case .month: String(format: "%04d-%02d", year, index)
        case .quarter: "\(year)-Q\(index)"
        case .half: "\(year)-H\(index)"
        case .year: "\(year)"
        case .custom: "\(first)..\(last)"
        }
    }

    /// The latest period of `kind` whose last day is before `today`.
    public static func lastFinished(_ kind: Kind, calendar: Bool, today: LocalDate) -> ReportPeriod {
        var period: ReportPeriod =
            switch kind {
            case .quarter: .quarter(today.year + 1, 4, calendar: calendar)
            case .half: .half(today.year + 1, 2, calendar: calendar)
            case .year: .year(today.year + 1, calendar: calendar)
            default: .month(today.year + 1, 12, calendar: calendar)
            }
        while period.last >= today { period = period.previous }
        return period
    }

    // MARK: - Parsing the command line's period words

    /// `2026-11`.
    public static func parseMonth(_ text: String, calendar: Bool) -> ReportPeriod? {
        let p = text.split(separator: "-")
        guard p.count == 2, p[0].count == 4, let y = Int(p[0]), let m = Int(p[1]), (1...12).contains(m) else {
            return nil
        }
        return .month(y, m, calendar: calendar)
    }

    /// `2026-Q4` (or `2026-q4`).
    public static func parseQuarter(_ text: String, calendar: Bool) -> ReportPeriod? {
        parseNumbered(text, letter: "Q", in: 1...4).map { .quarter($0.year, $0.number, calendar: calendar) }
    }

    /// `2026-H1`.
    public static func parseHalf(_ text: String, calendar: Bool) -> ReportPeriod? {
        parseNumbered(text, letter: "H", in: 1...2).map { .half($0.year, $0.number, calendar: calendar) }
    }

    /// `YYYY-<letter><n>` with n in `range`, the letter in either case.
    private static func parseNumbered(_ text: String, letter: Character, in range: ClosedRange<Int>) -> (
        year: Int, number: Int
    )? {
        let p = text.uppercased().split(separator: "-")
        guard p.count == 2, p[0].count == 4, let y = Int(p[0]), p[1].first == letter, let n = Int(p[1].dropFirst()),
            range.contains(n)
        else { return nil }
        return (y, n)
    }

    /// `2026`.
    public static func parseYear(_ text: String, calendar: Bool) -> ReportPeriod? {
        guard text.count == 4, let y = Int(text), y > 1900 else { return nil }
        return .year(y, calendar: calendar)
    }
}
