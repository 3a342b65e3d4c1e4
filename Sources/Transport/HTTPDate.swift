// HTTP-date parsing (RFC 9110 §5.6.7) without DateFormatter: fixed formats, no locale, no allocation-heavy setup.

import Foundation

enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Parses IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
    /// and asctime (`Sun Nov  6 08:49:37 1994`). Nil for anything else.
    static func parse(_ text: String) -> Date? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var day: Int?
        var month: Int?
        var year: Int?
        var time: (Int, Int, Int)?
        if tokens.count == 6, tokens[0].hasSuffix(","), tokens[5] == "GMT" {
            // IMF-fixdate
            day = Int(tokens[1])
            month = monthIndex(tokens[2])
            year = tokens[3].count == 4 ? Int(tokens[3]) : nil
            time = parseTime(tokens[4])
        } else if tokens.count == 4, tokens[0].hasSuffix(","), tokens[3] == "GMT" {
            // RFC 850: day-month-2digityear
            let parts = tokens[1].split(separator: "-")
            guard parts.count == 3, parts[2].count == 2, let yy = Int(parts[2]) else { return nil }
            day = Int(parts[0])
            month = monthIndex(String(parts[1]))
            // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
            let currentYear = Calendar(identifier: .gregorian).component(.year, from: Date())
            var y = 2000 + yy
            if y > currentYear + 50 { y -= 100 }
            year = y
            time = parseTime(tokens[2])
        } else if tokens.count == 5, !tokens[0].hasSuffix(",") {
            // asctime
            month = monthIndex(tokens[1])
            day = Int(tokens[2])
            time = parseTime(tokens[3])
            year = tokens[4].count == 4 ? Int(tokens[4]) : nil
        }
        guard let day, let month, let year, let time, (1...31).contains(day), time.0 < 24, time.1 < 60,
            time.2 <= 60
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(time.0 * 3600 + time.1 * 60 + time.2)
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static func monthIndex(_ token: String) -> Int? {
        guard token.count == 3, let i = months.firstIndex(of: token.lowercased()) else { return nil }
        return i + 1
    }

    private static func parseTime(_ token: String) -> (Int, Int, Int)? {
        let parts = token.split(separator: ":")
        guard parts.count == 3, parts.allSatisfy({ $0.count == 2 }), let h = Int(parts[0]), let m = Int(parts[1]),
            let s = Int(parts[2])
        else { return nil }
        return (h, m, s)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
