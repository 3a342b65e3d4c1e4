import Config
import Foundation
import Testing

@testable import Reports

let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!

/// A temporary folder, removed at the end.
final class TempDir {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "cchc-reports-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The standard fixture, generated once, and its files' text; each test writes its own copy of the
/// files (some damage them).
nonisolated(unsafe) let sharedFixture = LogFixture.standard()
let fixtureFiles: [String: String] = (try? sharedFixture.files()) ?? [:]

func standardLog() throws -> (LogFixture, TempDir) {
    let dir = try TempDir()
    for (name, text) in fixtureFiles {
        try text.write(toFile: dir.path + "/" + name, atomically: false, encoding: .utf8)
    }
    return (sharedFixture, dir)
}

/// Runs CPU-heavy work on a thread of its own: tests run on the cooperative pool (as many threads
/// as cores, two here), and a long synchronous job there starves the other suites' async tests.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

func makeReport(
    _ dir: String, _ period: ReportPeriod, settings: ReportSettings = ReportSettings(), unit: String? = nil
) async throws -> Report {
    var options = ReportOptions(directory: dir, period: period, timeZone: zone)
    options.settings = settings
    options.unit = unit
    options.now = Date(timeIntervalSince1970: 1_795_000_000)
    let frozen = options
    return try await offPool { try ReportBuilder.build(frozen) }
}

/// The report's JSON, parsed back (what scripts see).
func json(_ report: Report) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: try JSONRenderer.render(report)) as? [String: Any])
}

func figureMap(_ value: Any?) -> [String: (Double, Double, Double)] {
    var out: [String: (Double, Double, Double)] = [:]
    for f in (value as? [[String: Any]]) ?? [] {
        out[f["key"] as! String] = (
            (f["value"] as! NSNumber).doubleValue, (f["previous"] as! NSNumber).doubleValue,
            (f["change"] as! NSNumber).doubleValue
        )
    }
    return out
}

struct Case: CustomStringConvertible, Sendable {
    var period: ReportPeriod
    var window: (String, String)
    var previous: (String, String)
    /// Report-month buckets (statutory or calendar) as written-out windows.
    var months: [(String, String, String)]
    var description: String { "\(period.basis) \(period.name)" }
}

/// Statutory month m of year y, written out: 15th of the month before to the 14th.
func statutoryMonth(_ y: Int, _ m: Int) -> (String, String, String) {
    let (py, pm) = m == 1 ? (y - 1, 12) : (y, m - 1)
    return (
        String(format: "%04d-%02d", y, m), String(format: "%04d-%02d-15", py, pm), String(format: "%04d-%02d-14", y, m)
    )
}

func calendarMonth(_ y: Int, _ m: Int) -> (String, String, String) {
    let last = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return (
        String(format: "%04d-%02d", y, m), String(format: "%04d-%02d-01", y, m),
        String(format: "%04d-%02d-%02d", y, m, last)
    )
}

let cases: [Case] = [
    Case(
        period: .month(2026, 11, calendar: false), window: ("2026-10-15", "2026-11-14"),
        previous: ("2026-09-15", "2026-10-14"), months: [statutoryMonth(2026, 11)]),
    Case(
        period: .month(2026, 11, calendar: true), window: ("2026-11-01", "2026-11-30"),
        previous: ("2026-10-01", "2026-10-31"), months: [calendarMonth(2026, 11)]),
    Case(
        period: .month(2026, 1, calendar: false), window: ("2025-12-15", "2026-01-14"),
        previous: ("2025-11-15", "2025-12-14"), months: [statutoryMonth(2026, 1)]),
    Case(
        period: .month(2027, 1, calendar: true), window: ("2027-01-01", "2027-01-31"),
        previous: ("2026-12-01", "2026-12-31"), months: [calendarMonth(2027, 1)]),
    Case(
        period: .quarter(2026, 4, calendar: false), window: ("2026-09-15", "2026-12-14"),
        previous: ("2026-06-15", "2026-09-14"), months: (10...12).map { statutoryMonth(2026, $0) }),
    Case(
        period: .half(2026, 2, calendar: false), window: ("2026-06-15", "2026-12-14"),
        previous: ("2025-12-15", "2026-06-14"), months: (7...12).map { statutoryMonth(2026, $0) }),
    Case(
        period: .year(2026, calendar: false), window: ("2025-12-15", "2026-12-14"),
        previous: ("2024-12-15", "2025-12-14"), months: (1...12).map { statutoryMonth(2026, $0) }),
    Case(
        period: .year(2026, calendar: true), window: ("2026-01-01", "2026-12-31"),
        previous: ("2025-01-01", "2025-12-31"), months: (1...12).map { calendarMonth(2026, $0) }),
    Case(
        period: .custom(from: LocalDate("2026-11-10")!, to: LocalDate("2026-11-20")!),
        window: ("2026-11-10", "2026-11-20"), previous: ("2026-10-30", "2026-11-09"),
        months: [("2026-11", "2026-11-10", "2026-11-20")]),
]

@Suite(.serialized) struct ReportFiguresTests {
    @Test(arguments: cases)
    func everyFigureIsExact(_ c: Case) async throws {
        let (f, dir) = try standardLog()
        let report = try await makeReport(dir.path, c.period)
        let j = try json(report)

        // The window printed.
        let period = try #require(j["period"] as? [String: Any])
        #expect(period["from"] as? String == c.window.0)
        #expect(period["to"] as? String == c.window.1)
        #expect(period["start"] as? String == c.window.0 + "T00:00:00.000+07:00")
        let previous = try #require(j["previous_period"] as? [String: Any])
        #expect(previous["from"] as? String == c.previous.0)
        #expect(previous["to"] as? String == c.previous.1)
        #expect(report.windowLine.contains(LocalDate(c.window.0)!.vietnamese))

        // Totals, this period and the previous one.
        func totals(_ w: (String, String)) -> [String: Double] {
            let delivered = f.delivered(w)
            let bulletins = f.events("radio.bulletin", w)
            let seconds = bulletins.reduce(0) { $0 + ($1.line["duration_s"] as! Int) }
            return [
                "items": Double(Set(delivered.map { $0.line["item_id"] as! String }).count),
                "deliveries": Double(delivered.count),
                "submitted": Double(f.events("item.submitted", w).count),
                "approved": Double(f.events("item.approved", w).count),
                "failures": Double(f.events("delivery.failed", w).count),
                "retracted": Double(f.events("delivery.retracted", w).count),
                "bulletins": Double(bulletins.count),
                "radio_minutes": (Double(seconds) / 60 * 10).rounded() / 10,
                "email_recipients": Double(
                    f.events("delivery.part", w).filter { $0.line["part_state"] as? String == "delivered" }.count),
                "interactions": Double(f.events.filter { $0.event.hasPrefix("inbound.") && f.inWindow($0, w) }.count),
            ]
        }
        let now = totals(c.window)
        let then = totals(c.previous)
        #expect(now["deliveries"]! > 0)
        #expect(c.description.hasPrefix("custom") || now["retracted"]! > 0, "the fixture must take some posts down")
        let got = figureMap(j["totals"])
        #expect(Set(got.keys) == Set(now.keys))
        for (key, value) in now {
            #expect(got[key]?.0 == value, "\(key)")
            #expect(got[key]?.1 == then[key], "previous \(key)")
            #expect(got[key]?.2 == value - then[key]!, "change \(key)")
        }

        // Breakdowns.
        func check(_ section: String, _ key: String) {
            let expected = f.count(c.window, by: key)
            let expectedBefore = f.count(c.previous, by: key)
            let actual = figureMap(j[section])
            #expect(Set(actual.keys) == Set(expected.keys).union(expectedBefore.keys), "\(section) keys")
            for (k, v) in actual {
                #expect(v.0 == Double(expected[k] ?? 0), "\(section) \(k)")
                #expect(v.1 == Double(expectedBefore[k] ?? 0), "\(section) previous \(k)")
            }
        }
        check("by_channel", "channel")
        check("by_channel_type", "channel_type")
        check("by_unit", "unit")
        check("by_topic", "topic")

        // Topic labels in Vietnamese.
        for row in (j["by_topic"] as? [[String: Any]]) ?? [] where row["key"] as? String == "tthc" {
            #expect(row["label"] as? String == "Cải cách thủ tục hành chính")
        }

        // By report month.
        let months = (j["by_month"] as? [[String: Any]]) ?? []
        #expect(months.map { $0["key"] as! String } == c.months.map(\.0))
        for (row, m) in zip(months, c.months) {
            #expect((row["value"] as! NSNumber).intValue == f.delivered((m.1, m.2)).count, "\(m.0)")
        }

        // Failures by class.
        var classes: [String: Int] = [:]
        for e in f.events("delivery.failed", c.window) { classes[e.line["error_class"] as! String, default: 0] += 1 }
        let failures = try #require(j["failures"] as? [String: Any])
        #expect((failures["total"] as! NSNumber).intValue == classes.values.reduce(0, +))
        for (k, v) in figureMap(failures["by_class"]) { #expect(v.0 == Double(classes[k] ?? 0), "class \(k)") }
        let list = (failures["list"] as? [[String: Any]]) ?? []
        #expect(list.count == classes.values.reduce(0, +))
        if let first = list.first { #expect(first["error"] as? String == "máy chủ từ chối \"nội dung\"\nthử lại") }

        // Radio, email, interactions.
        let radio = (j["radio"] as? [[String: Any]]) ?? []
        let bulletins = f.events("radio.bulletin", c.window)
        #expect(radio.reduce(0) { $0 + ($1["bulletins"] as! NSNumber).intValue } == bulletins.count)
        let email = (j["email"] as? [[String: Any]]) ?? []
        let recipients = f.events("delivery.part", c.window)
        #expect(
            email.reduce(0) { $0 + ($1["failed"] as! NSNumber).intValue }
                == recipients.filter { $0.line["part_state"] as? String == "failed" }.count)
        var kinds: [String: Int] = [:]
        for e in f.events where e.event.hasPrefix("inbound.") && f.inWindow(e, c.window) {
            kinds[String(e.event.dropFirst("inbound.".count)), default: 0] += 1
        }
        let interactions = (j["interactions"] as? [[String: Any]]) ?? []
        let gotKinds = (interactions.first?["kinds"] as? [String: Any] ?? [:]).mapValues { ($0 as! NSNumber).intValue }
        #expect(gotKinds == kinds)

        // Published items: each once, with its first delivery's date.
        let items = (j["items"] as? [[String: Any]]) ?? []
        let delivered = f.delivered(c.window)
        #expect(Set(items.map { $0["item_id"] as! String }) == Set(delivered.map { $0.line["item_id"] as! String }))
        #expect(items.count == Set(delivered.map { $0.line["item_id"] as! String }).count)
        for item in items {
            let id = item["item_id"] as! String
            let mine = delivered.filter { $0.line["item_id"] as! String == id }
            #expect(item["date"] as? String == mine.map(\.localDate).min(), "\(id)")
            #expect(Set(item["channels"] as! [String]) == Set(mine.map { $0.line["channel"] as! String }))
            #expect((item["links"] as! [String]).count == mine.count)
        }
    }

    /// The lines on the edges fall on the right side, under both kinds of windows.
    @Test func edgesOfThe14thAnd15thAndTheNewYear() async throws {
        let (_, dir) = try standardLog()
        let path = dir.path
        func ids(_ p: ReportPeriod) async throws -> Set<String> {
            Set(try await makeReport(path, p).items.map(\.itemID).filter { $0.hasPrefix("edge") })
        }
        #expect(try await ids(.month(2026, 11, calendar: false)) == ["edge-2026-11-14", "edge-oct", "edge-nov"])
        #expect(try await ids(.month(2026, 12, calendar: false)) == ["edge-2026-11-15", "edge-2026-12-14"])
        #expect(try await ids(.month(2026, 11, calendar: true)) == ["edge-2026-11-14", "edge-2026-11-15", "edge-nov"])
        #expect(try await ids(.month(2026, 10, calendar: true)) == ["edge-oct"])
        #expect(
            try await ids(.year(2026, calendar: false)).isSuperset(of: [
                "edge-2025-12-15", "edge-2026-12-14", "edge-oct",
            ]))
        #expect(try await !ids(.year(2026, calendar: false)).contains("edge-2026-12-15"))
        #expect(try await !ids(.year(2026, calendar: false)).contains("edge-2025-12-14"))
        #expect(
            try await ids(.year(2027, calendar: false)).isSuperset(of: ["edge-2026-12-15", "edge-ny-1", "edge-ny-2"]))
        #expect(try await ids(.year(2026, calendar: true)).contains("edge-ny-1"))
        #expect(try await !ids(.year(2026, calendar: true)).contains("edge-ny-2"))
        #expect(try await ids(.year(2027, calendar: true)) == ["edge-ny-2"])
    }

    @Test func unitFilterKeepsOnlyThatUnit() async throws {
        let (f, dir) = try standardLog()
        let unit = LogFixture.units[1]
        let report = try await makeReport(dir.path, .quarter(2026, 4, calendar: false), unit: unit)
        #expect(report.byUnit.map(\.key) == [unit])
        let expected = f.delivered(("2026-09-15", "2026-12-14")).filter { $0.unit == unit }.count
        #expect(report.total("deliveries") == Double(expected))
        #expect(report.items.allSatisfy { $0.unit == unit })
    }

    @Test func corruptAndTruncatedLinesAreCountedAndFiguresStayRight() async throws {
        let (_, dir) = try standardLog()
        let clean = try await makeReport(dir.path, .month(2026, 11, calendar: false))

        let file = dir.path + "/delivery-2026-11.jsonl"
        var lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        let damaged = [
            "not json at all", #"{"seq":1,"event":"delivery.delivered","ts":"2026-11-02T08:00:00.000+07:00""#,
            #"{"event":"delivery.delivered"} trailing"#, "{}", #"{"event":"delivery.delivered","ts":"yesterday"}"#,
            "",
        ]
        // Insert them as lines 3…8.
        lines.insert(contentsOf: damaged, at: 2)
        var text = lines.joined(separator: "\n") + "\n"
        // And a last line cut short by a crash.
        text += #"{"seq":999999,"event":"delivery.delivered","item_id":"2026-11-9999","ts":"2026-11-03T1"#
        try text.write(toFile: file, atomically: true, encoding: .utf8)

        let report = try await makeReport(dir.path, .month(2026, 11, calendar: false))
        #expect(report.input.corrupt == damaged.count)
        #expect(report.input.truncated == 1)
        let problems = report.input.problems.map { "\($0.file):\($0.line)" }
        #expect(
            problems == (3...8).map { "delivery-2026-11.jsonl:\($0)" } + ["delivery-2026-11.jsonl:\(lines.count + 1)"])
        #expect(report.input.problems.last?.reason.contains("bị cắt") == true)
        #expect(report.input.lines == clean.input.lines + damaged.count + 1)

        // Every figure as before.
        #expect(report.totals == clean.totals)
        #expect(report.byChannel == clean.byChannel)
        #expect(report.byUnit == clean.byUnit)
        #expect(report.byTopic == clean.byTopic)
        #expect(report.items == clean.items)
        #expect(report.failures == clean.failures)

        // The report says so, in every format.
        let md = MarkdownRenderer.render(report)
        #expect(md.contains("delivery-2026-11.jsonl") && md.contains("dòng hỏng"))
    }

    @Test func missingFolderIsAClearError() async throws {
        await #expect(throws: ReportError.self) {
            _ = try await makeReport("/nonexistent/cchc-log", .month(2026, 11, calendar: false))
        }
        do {
            _ = try await makeReport("/nonexistent/cchc-log", .month(2026, 11, calendar: false))
        } catch {
            let message = (error as? ReportError)?.message ?? ""
            #expect(message.contains("/nonexistent/cchc-log"))
        }
    }
}
