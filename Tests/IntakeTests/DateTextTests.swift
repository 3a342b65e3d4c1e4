import Foundation
import Testing

@testable import Intake

@Suite("DateText")
struct DateTextTests {
    static let utc = TimeZone(identifier: "UTC")!

    @Test(
        "the forms officers write, in the configured zone unless an offset is given",
        arguments: [
            ("2026-11-25", local(2026, 11, 25)),
            ("  2026-11-25  ", local(2026, 11, 25)),
            ("2026-11-25 08:00", local(2026, 11, 25, 8)),
            ("2026-11-25T08:00", local(2026, 11, 25, 8)),
            ("2026-11-25t08:00", local(2026, 11, 25, 8)),
            ("2026-11-25 8:05", local(2026, 11, 25, 8, 5)),
            ("2026-1-5 08:00", local(2026, 1, 5, 8)),
            ("2026-11-25 08:00:30", local(2026, 11, 25, 8, 0, 30)),
            ("2026-11-25T08:00:30.25", local(2026, 11, 25, 8, 0, 30).addingTimeInterval(0.25)),
            ("2026-11-25T01:00:00Z", local(2026, 11, 25, 8)),
            ("2026-11-25T01:00:00z", local(2026, 11, 25, 8)),
            ("2026-11-25T08:00:00+07:00", local(2026, 11, 25, 8)),
            ("2026-11-25T08:00:00+0700", local(2026, 11, 25, 8)),
            ("2026-11-25 08:00 +07:00", local(2026, 11, 25, 8)),
            ("2026-11-25 08:00:00.5 +7", local(2026, 11, 25, 8).addingTimeInterval(0.5)),
            ("2026-11-25 03:00:00 -02:00", local(2026, 11, 25, 12)),
            ("2026-11-25T06:30:00+05:30", local(2026, 11, 25, 8)),
            ("2028-02-29 00:00", local(2028, 2, 29)),
            ("2026-11-25 23:59:59", local(2026, 11, 25, 23, 59, 59)),
        ])
    func valid(text: String, expected: Date) throws {
        let parsed = try #require(DateText.parse(text, timeZone: hcm), "\(text)")
        #expect(abs(parsed.timeIntervalSince(expected)) < 0.0005, "\(text): \(parsed) != \(expected)")
    }

    @Test("a bare date is the start of the day, or its end for expires_at")
    func bareDate() throws {
        let start = try #require(DateText.parse("2026-12-31", timeZone: hcm, bareDate: .startOfDay))
        #expect(start == local(2026, 12, 31))
        let end = try #require(DateText.parse("2026-12-31", timeZone: hcm, bareDate: .endOfDay))
        #expect(end < local(2027, 1, 1))
        #expect(end > local(2026, 12, 31, 23, 59, 59))
        // With a time, `endOfDay` changes nothing.
        #expect(DateText.parse("2026-12-31 10:00", timeZone: hcm, bareDate: .endOfDay) == local(2026, 12, 31, 10))
    }

    @Test("the configured zone matters when no offset is given")
    func zones() {
        let inUTC = DateText.parse("2026-11-25 08:00", timeZone: Self.utc)
        let inHCM = DateText.parse("2026-11-25 08:00", timeZone: hcm)
        #expect(inUTC == local(2026, 11, 25, 8, zone: Self.utc))
        #expect(inUTC.map { abs($0.timeIntervalSince(inHCM!) - 7 * 3600) < 0.001 } == true)
        // An explicit offset wins over the zone.
        #expect(DateText.parse("2026-11-25T08:00:00+07:00", timeZone: Self.utc) == inHCM)
        #expect(DateText.parse("2026-11-25", timeZone: Self.utc) == local(2026, 11, 25, zone: Self.utc))
    }

    @Test(
        "invalid dates are refused instead of rolling over",
        arguments: [
            "2026-02-31", "2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-11-00", "2026-11-32",
            "2026-11-25 24:00", "2026-11-25 08:60", "2026-11-25 08:00:61", "2026-11-25 08", "2026-11-25 08:0",
            "25/11/2026", "hôm nay", "", "2026-11-25+07:00", "2026-11-25Z", "2026-11-25 08:00 +15:00",
            "2026-11-25 08:00 +07:61", "2026-11-25 08:00 ICT", "2026-11-25 08:00 tomorrow", "20261125",
        ])
    func invalid(text: String) {
        #expect(DateText.parse(text, timeZone: hcm) == nil, "\(text)")
        #expect(DateText.parse(text, timeZone: hcm, bareDate: .endOfDay) == nil, "\(text)")
    }

    @Test("display is for officers, in the zone")
    func display() {
        #expect(DateText.display(local(2026, 11, 25, 8, 5), timeZone: hcm) == "2026-11-25 08:05")
        #expect(DateText.display(local(2026, 11, 25, 8, 5), timeZone: Self.utc) == "2026-11-25 01:05")
    }
}
