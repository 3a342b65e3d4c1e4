import Config
import Foundation
import Testing

@testable import Reports

@Suite struct ScheduledReportsTests {
    func instant(_ text: String) -> Date {
        let f = ISO8601DateFormatter()
        return f.date(from: text)!
    }

    @Test func writesTheLastFinishedPeriodOnceAfterTheTimeOfDay() async throws {
        let (f, log) = try standardLog()
        let out = try TempDir()
        var settings = ReportSettings()
        settings.issuer = "SỞ NỘI VỤ"
        let schedule = ReportSchedule(
            dir: out.path + "/reports", periods: ["month", "quarter"], formats: ["json", "docx"],
            at: TimeOfDay(hour: 7, minute: 0))
        let reports = ScheduledReports(schedule: schedule, settings: settings, logDirectory: log.path, timeZone: zone)

        // 15/12/2026 06:59 local: the statutory month 2026-12 ended yesterday, but it is before 07:00.
        #expect(reports.duePeriods(now: instant("2026-12-14T23:59:00Z")).map(\.name) == ["2026-11", "2026-Q3"])
        // 07:00 local (00:00 UTC): December's report (15/11 – 14/12) and Q4's are due.
        let due = reports.duePeriods(now: instant("2026-12-15T00:00:00Z"))
        #expect(due.map(\.name) == ["2026-12", "2026-Q4"])

        let written = try await offPool { try reports.runOnce(now: instant("2026-12-15T00:00:00Z")) }
        #expect(
            Set(written.map { URL(fileURLWithPath: $0).lastPathComponent })
                == ["bao-cao-2026-12.json", "bao-cao-2026-12.docx", "bao-cao-2026-Q4.json", "bao-cao-2026-Q4.docx"])
        let report = try JSONDecoder().decode(
            Report.self, from: Data(contentsOf: URL(fileURLWithPath: schedule.dir + "/bao-cao-2026-12.json")))
        #expect(report.period.from == LocalDate("2026-11-15")! && report.period.to == LocalDate("2026-12-14")!)
        #expect(report.total("deliveries") == Double(f.delivered(("2026-11-15", "2026-12-14")).count))
        #expect(report.header.issuer == "SỞ NỘI VỤ")

        // Nothing again while the files are there; a removed one comes back.
        #expect(try reports.runOnce(now: instant("2026-12-15T01:00:00Z")).isEmpty)
        try FileManager.default.removeItem(atPath: schedule.dir + "/bao-cao-2026-Q4.docx")
        #expect(
            try reports.runOnce(now: instant("2026-12-15T02:00:00Z")).map { URL(fileURLWithPath: $0).lastPathComponent }
                == ["bao-cao-2026-Q4.docx"])
    }
}

@Suite struct ReportConfigTests {
    func load(_ yaml: String) throws -> DaemonConfig {
        let dir = try TempDir()
        try yaml.write(toFile: dir.path + "/cchcd.yaml", atomically: true, encoding: .utf8)
        return try ConfigLoader.load(path: dir.path + "/cchcd.yaml")
    }

    @Test func readsTheReportsSection() async throws {
        let c = try load(
            """
            reports:
              issuer: SỞ NỘI VỤ
              calendar: true
              units: [Đơn vị D]
              targets:
                - { metric: bulletins, channel_type: radio, per_month: 8, units: [UBND xã A] }
              schedule: { dir: out, periods: [month, year], formats: [docx], at: "07:30" }
            """)
        #expect(c.reports.issuer == "SỞ NỘI VỤ" && c.reports.calendar && c.reports.units == ["Đơn vị D"])
        #expect(
            c.reports.targets == [
                ReportTarget(metric: "bulletins", channelType: "radio", perMonth: 8, units: ["UBND xã A"])
            ])
        #expect(c.reports.schedule?.periods == ["month", "year"] && c.reports.schedule?.at.description == "07:30")
        #expect(c.reports.schedule?.dir.hasSuffix("/out") == true)
    }

    @Test(arguments: [
        ("reports: { bogus: 1 }", "reports.bogus"),
        ("reports: { targets: [ { per_month: 4, colour: red } ] }", "reports.targets[0].colour"),
        ("reports: { targets: [ { metric: posts, per_month: 4 } ] }", "reports.targets[0].metric"),
        ("reports: { targets: [ { metric: articles } ] }", "reports.targets[0].per_month"),
        ("reports: { targets: [ { per_month: 0 } ] }", "reports.targets[0].per_month"),
        ("reports: { schedule: { periods: [month] } }", "reports.schedule.dir"),
        ("reports: { schedule: { dir: x, periods: [week] } }", "reports.schedule.periods"),
        ("reports: { schedule: { dir: x, formats: [pdf] } }", "reports.schedule.formats"),
        ("reports: { schedule: { dir: x, at: \"25:00\" } }", "reports.schedule.at"),
        ("reports: { schedule: { dir: x, send: { lists: a } } }", "reports.schedule.send.channel"),
        ("reports: { schedule: { dir: x, send: { channel: a, cc: b } } }", "reports.schedule.send.cc"),
    ])
    func badKeysAreErrorsNamingTheKey(_ yaml: String, _ key: String) throws {
        do {
            _ = try load(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(key), "\(error)")
        }
    }
}
