import Config
import Docx
import Foundation
import Testing

@testable import Reports

@Suite struct ReportFormatsTests {
    static func settings() -> ReportSettings {
        var s = ReportSettings()
        s.governingBody = "UBND TỈNH SƠN LA"
        s.issuer = "SỞ NỘI VỤ"
        s.numberSuffix = "/BC-SNV"
        s.place = "Sơn La"
        s.signerTitle = "GIÁM ĐỐC"
        s.signerName = "Nguyễn Văn A"
        s.recipients = ["Bộ Nội vụ", "UBND tỉnh"]
        s.targets = [ReportTarget(metric: "articles", channelType: "portal", perMonth: 4)]
        return s
    }

    /// A quarter's report; its rendering lists the items (a quarter leaves the appendix out unless asked).
    func report() async throws -> (Report, [String: Any], TempDir) {
        let (_, dir) = try standardLog()
        var r = try await makeReport(dir.path, .quarter(2026, 4, calendar: false), settings: Self.settings())
        r.listsItems = true
        return (r, try json(r), dir)
    }

    /// Rows of a figure section in the JSON: label → (value, previous, change).
    func labelled(_ value: Any?) -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for f in (value as? [[String: Any]]) ?? [] {
            out[f["label"] as! String] = ["value", "previous", "change"].map { (f[$0] as! NSNumber).doubleValue }
        }
        return out
    }

    /// A table's rows (without its header) as label → the numbers in the last three columns.
    func tableFigures(
        _ rows: [[String]], labelColumn: Int = 0, parse: (String) -> Double? = { number($0) }
    ) -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for row in rows.dropFirst() {
            out[row[labelColumn]] = row.suffix(3).map { parse($0) ?? .nan }
        }
        return out
    }

    @Test func htmlHasTheSameFiguresAsJSON() async throws {
        let (r, j, _) = try await report()
        let html = try await offPool { try ReportFormat.html.render(r) }
        let text = String(decoding: html, as: UTF8.self)
        #expect(text.hasPrefix("<!DOCTYPE html>"))
        #expect(!text.contains("<script") && !text.contains("<link") && !text.contains("src="))
        #expect(text.contains("<svg id=\"chart-by-channel\"") && text.contains("<svg id=\"chart-by-month\""))
        #expect(text.contains("@page"))
        let parsed = try TableCollector.html(html)
        let tables = Dictionary(
            parsed.tables.compactMap { t in t.id.map { ($0, t.rows) } }, uniquingKeysWith: { a, _ in a })

        #expect(tableFigures(try #require(tables["totals"])) == labelled(j["totals"]))
        #expect(tableFigures(try #require(tables["by_unit"])) == labelled(j["by_unit"]))
        #expect(tableFigures(try #require(tables["by_topic"])) == labelled(j["by_topic"]))
        #expect(tableFigures(try #require(tables["by_channel_type"])) == labelled(j["by_channel_type"]))
        #expect(tableFigures(try #require(tables["by_channel"])) == labelled(j["by_channel"]))
        let items = try #require(tables["items"]).dropFirst()
        #expect(items.map { $0[2] } == ((j["items"] as? [[String: Any]]) ?? []).map { $0["title"] as! String })
        let targets = try #require(tables["targets"]).dropFirst()
        let jsonTargets = (j["targets"] as? [[String: Any]]) ?? []
        #expect(targets.count == jsonTargets.count && !targets.isEmpty)
        for (row, t) in zip(targets, jsonTargets) {
            #expect(row[0] == t["unit"] as? String)
            #expect(number(row[3]) == (t["actual"] as! NSNumber).doubleValue)
            #expect(row[4] == ((t["met"] as! Bool) ? "Đạt" : "Chưa đạt"))
        }
        // The chart's bars carry the JSON's values.
        for f in r.byChannel { #expect(text.contains("<title>\(f.key): \(Labels.number(f.value))</title>")) }
        for f in r.byMonth { #expect(text.contains("<title>\(f.key): \(Labels.number(f.value))</title>")) }
    }

    @Test func docxIsWellFormedAndHasTheSameFiguresAsJSON() async throws {
        let (r, j, dir) = try await report()
        let data = try await offPool { try ReportFormat.docx.render(r) }
        let parts = try unzip(data)
        for required in [
            "[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml",
            "word/_rels/document.xml.rels",
        ] {
            #expect(parts[required] != nil, "\(required)")
        }
        for (name, bytes) in parts {
            #expect(throws: Never.self, "\(name) well-formed") {
                try TableCollector(table: "-", row: "-", cells: [], text: nil).parse(bytes)
            }
        }
        let styles = String(decoding: try #require(parts["word/styles.xml"]), as: UTF8.self)
        #expect(styles.contains("w:ascii=\"Times New Roman\""))
        let doc = try TableCollector.wordDocument(try #require(parts["word/document.xml"]))
        for phrase in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO",
            "Kết quả công tác tuyên truyền cải cách hành chính quý IV năm 2026", "UBND TỈNH SƠN LA", "SỞ NỘI VỤ",
            "/BC-SNV", "Sơn La, ngày", "Nơi nhận:", "GIÁM ĐỐC",
        ] {
            #expect(doc.allText.contains(phrase), "\(phrase)")
        }
        // The header is a two-column table; then the figures.
        let header = try #require(doc.tables.first { $0.rows.first?.first?.contains("UBND TỈNH SƠN LA") == true })
        #expect(header.rows[0].count == 2)
        func table(startingWith title: String) throws -> [[String]] {
            try #require(doc.tables.first { $0.rows.first?.first == title }).rows
        }
        #expect(tableFigures(try table(startingWith: "Nội dung")) == labelled(j["totals"]))
        #expect(tableFigures(try table(startingWith: "Đơn vị")) == labelled(j["by_unit"]))
        #expect(tableFigures(try table(startingWith: "Lĩnh vực")) == labelled(j["by_topic"]))
        #expect(tableFigures(try table(startingWith: "Loại kênh")) == labelled(j["by_channel_type"]))
        let items = try table(startingWith: "STT").dropFirst()
        #expect(items.map { $0[2] } == ((j["items"] as? [[String: Any]]) ?? []).map { $0["title"] as! String })

        // And it writes to a file that reads back the same.
        let url = URL(fileURLWithPath: dir.path + "/bao-cao.docx")
        try DocxRenderer.document(r).write(to: url)
        #expect(try unzip(Data(contentsOf: url))["word/document.xml"] == parts["word/document.xml"])
    }

    @Test func csvHasABOMVietnameseIntactAndTheSameFigures() async throws {
        let (r, j, _) = try await report()
        let data = CSVRenderer.render(r)
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = try #require(String(data: data.dropFirst(3), encoding: .utf8))
        #expect(text.contains("Cải cách thủ tục hành chính") && text.contains("UBND huyện Mộc Châu"))
        let rows = csvRows(text)
        func block(_ id: String) throws -> [[String]] {
            let start = try #require(rows.firstIndex { $0.first?.hasPrefix("## \(id):") == true })
            var out: [[String]] = []
            for row in rows[(start + 1)...] {
                if row == [""] || row.isEmpty { break }
                out.append(row)
            }
            return out
        }
        // Figures are plain numbers in CSV (Double reads them; a Vietnamese "1.234" would not pass).
        let plain: (String) -> Double? = { Double($0) }
        #expect(tableFigures(try block("totals"), parse: plain) == labelled(j["totals"]))
        #expect(tableFigures(try block("by_unit"), parse: plain) == labelled(j["by_unit"]))
        #expect(tableFigures(try block("by_channel"), labelColumn: 0, parse: plain) == labelled(j["by_channel"]))
        #expect(CSVRenderer.plain("1.234") == "1234" && CSVRenderer.plain("12,5") == "12.5")
        #expect(CSVRenderer.plain("−2") == "-2" && CSVRenderer.plain("+1.000.000") == "+1000000")
        #expect(CSVRenderer.plain("2026-11-0042") == "2026-11-0042" && CSVRenderer.plain("07/12/2026") == "07/12/2026")
        #expect(CSVRenderer.plain("1.2345") == "1.2345" && CSVRenderer.plain("12,34") == "12,34")
        // The failure messages with quotes and newlines survive quoting (after the error's kind).
        let failures = try block("failures").dropFirst()
        #expect(failures.first?.last == "Lỗi mạng — máy chủ từ chối \"nội dung\"\nthử lại")
    }

    @Test func markdownAndJSONAreProduced() async throws {
        let (r, _, _) = try await report()
        let md = String(decoding: try ReportFormat.markdown.render(r), as: UTF8.self)
        #expect(md.contains("# BÁO CÁO") && md.contains("| Nội dung | Kỳ này | Kỳ trước | Tăng/giảm |"))
        let back = try JSONDecoder().decode(Report.self, from: try ReportFormat.json.render(r))
        #expect(back == r)
    }

    @Test func byRestrictsTheBreakdowns() async throws {
        let (_, dir) = try standardLog()
        var options = ReportOptions(directory: dir.path, period: .month(2026, 11, calendar: false), timeZone: zone)
        options.breakdowns = ["topic"]
        let frozen = options
        let r = try await offPool { try ReportBuilder.build(frozen) }
        #expect(r.breakdowns == ["topic"])
        let ids = Set(r.sections.flatMap(\.tables).map(\.id))
        #expect(ids.contains("by_topic") && !ids.contains("by_unit") && !ids.contains("by_channel"))
    }
}

@Suite struct TargetTests {
    /// Unit A: 3 portal articles in the month; unit B: 4; unit C: 4 on a webhook only; unit D: configured, none.
    func log() throws -> TempDir {
        let dir = try TempDir()
        var f = LogFixture()
        for i in 0..<3 {
            f.delivered(
                "2026-11-0\(i + 1)", "09:00:00.000", item: "a\(i)", unit: "Đơn vị A", topic: "tthc",
                channel: ("portal-tinh", "portal"))
        }
        for i in 0..<4 {
            f.delivered(
                "2026-11-0\(i + 1)", "09:00:00.000", item: "b\(i)", unit: "Đơn vị B", topic: "tthc",
                channel: ("portal-huyen", "portal"))
            f.delivered(
                "2026-11-0\(i + 1)", "09:00:00.000", item: "c\(i)", unit: "Đơn vị C", topic: "tthc",
                channel: ("webhook-tonghop", "webhook"))
        }
        // A radio station with 2 bulletins of 10 minutes.
        for d in 1...2 {
            f.add(
                "2026-11-0\(d)", "06:00:00.000",
                [
                    "event": "radio.bulletin", "channel": "radio-a", "channel_type": "radio", "unit": "Đơn vị A",
                    "duration_s": 600,
                ])
        }
        _ = try f.write(to: dir.path)
        return dir
    }

    func settings() -> ReportSettings {
        var s = ReportSettings()
        s.units = ["Đơn vị D"]
        s.targets = [
            ReportTarget(metric: "articles", channelType: "portal", perMonth: 4),
            ReportTarget(metric: "bulletins", perMonth: 2, units: ["Đơn vị A"]),
            ReportTarget(metric: "minutes", channelType: "radio", perMonth: 30, units: ["Đơn vị A"]),
        ]
        return s
    }

    @Test func threeArticlesIsNotMetFourIsMet() async throws {
        let dir = try log()
        let r = try await makeReport(dir.path, .month(2026, 11, calendar: true), settings: settings())
        let portal = Dictionary(
            r.targets.filter { $0.metric == "articles" }.map { ($0.unit, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(portal["Đơn vị A"]?.actual == 3 && portal["Đơn vị A"]?.met == false)
        #expect(portal["Đơn vị B"]?.actual == 4 && portal["Đơn vị B"]?.met == true)
        #expect(portal["Đơn vị C"]?.actual == 0 && portal["Đơn vị C"]?.met == false)
        #expect(portal["Đơn vị D"]?.actual == 0 && portal["Đơn vị D"]?.met == false)
        #expect(portal.values.allSatisfy { $0.required == 4 })
        let bulletins = try #require(r.targets.first { $0.metric == "bulletins" })
        #expect(bulletins.actual == 2 && bulletins.met)
        let minutes = try #require(r.targets.first { $0.metric == "minutes" })
        #expect(minutes.actual == 20 && !minutes.met)
        // In the rendered report, in Vietnamese.
        let md = MarkdownRenderer.render(r)
        #expect(md.contains("| Đơn vị A |") && md.contains("Chưa đạt") && md.contains("| Đạt |"))
    }

    @Test func targetsAreProRatedForLongerPeriods() async throws {
        let dir = try log()
        let quarter = try await makeReport(dir.path, .quarter(2026, 4, calendar: true), settings: settings())
        let b = try #require(quarter.targets.first { $0.metric == "articles" && $0.unit == "Đơn vị B" })
        #expect(b.required == 12 && b.actual == 4 && !b.met)
        let year = try await makeReport(dir.path, .year(2026, calendar: true), settings: settings())
        #expect(year.targets.first { $0.metric == "articles" }?.required == 48)
        // A custom range of half a month: 4 × 15/30.44 → 2 (rounded up).
        let half = try await makeReport(
            dir.path, .custom(from: LocalDate("2026-11-01")!, to: LocalDate("2026-11-15")!), settings: settings())
        let a = try #require(half.targets.first { $0.metric == "articles" && $0.unit == "Đơn vị A" })
        #expect(a.required == 2 && a.met)
    }
}
