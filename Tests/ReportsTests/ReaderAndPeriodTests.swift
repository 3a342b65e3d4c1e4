import Docx
import DeliveryLog
import Foundation
import Testing

@testable import Reports

@Suite struct ScannerTests {
    func scan(_ text: String) throws -> [String: String] {
        var out: [String: String] = [:]
        let scanner = LogLineScanner()
        var fields = LogLineScanner.RawFields()
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBufferPointer { line in
            try scanner.scan(line, into: &fields)
            for field in LogLineScanner.Field.allCases {
                if let s = LogLineScanner.string(line, fields[field]) { out[field.name] = s }
                if let n = LogLineScanner.integer(line, fields[field]) { out[field.name] = "#\(n)" }
            }
            if let ts = LogLineScanner.timestamp(line, fields[.ts]) { out["ts-ms"] = String(ts) }
        }
        return out
    }

    @Test func anyKeyOrderWhitespaceEscapesAndUnknownFields() throws {
        let a = try scan(
            #" { "unit" : "S\u1edf N\u1ed9i v\u1ee5", "new_field": {"x": [1, {"y": "}\"]"}], "z": null}, "ts": "2026-11-25T08:00:02.123+07:00", "event":"delivery.delivered", "code": 201, "item_title": "A \"q\" \\ \/ \n \ud83d\ude00", "flag": true, "n": -1.5e3 } "#
        )
        #expect(a["unit"] == "Sở Nội vụ")
        #expect(a["event"] == "delivery.delivered")
        #expect(a["item_title"] == "A \"q\" \\ / \n 😀")
        #expect(a["code"] == "#201")
        // 2026-11-25T01:00:02.123Z
        #expect(a["ts-ms"] == "1795568402123")
    }

    @Test func offsetsAndZuluAgree() throws {
        let a = try scan(#"{"ts":"2026-11-15T00:00:00.000+07:00"}"#)
        let b = try scan(#"{"ts":"2026-11-14T17:00:00Z"}"#)
        let c = try scan(#"{"ts":"2026-11-14T12:00:00.0-05:00"}"#)
        #expect(a["ts-ms"] != nil && a["ts-ms"] == b["ts-ms"] && b["ts-ms"] == c["ts-ms"])
    }

    @Test(arguments: [
        "", "   ", "[]", "{", #"{"a":}"#, #"{"a" 1}"#, #"{"a":1,}"#, #"{"a":1} {}"#, #"{"a":"x}"#, #"{"a":tru}"#,
        #"{"a":1 "b":2}"#, "{\"a\":\"x\ty\"}",
    ])
    func malformedLinesAreRejected(_ text: String) {
        #expect(throws: LogLineScanner.Failure.self) { _ = try scan(text) }
    }

    @Test func readerSplitsLinesAcrossChunksAndFlagsTheCutLastLine() throws {
        let dir = try TempDir()
        let path = dir.path + "/delivery-2026-11.jsonl"
        // Lines long enough to straddle the 1 MiB read chunks.
        let long = String(repeating: "x", count: 300_000)
        var text = ""
        for i in 0..<10 { text += #"{"n":\#(i),"pad":"\#(long)"}"# + "\n" }
        text += #"{"n":10"#
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var seen: [(Int, LogFileReader.LineKind, Int)] = []
        try LogFileReader.forEachLine(path: path) { line, number, kind in seen.append((number, kind, line.count)) }
        #expect(seen.count == 11)
        #expect(seen.prefix(10).allSatisfy { $0.1 == .complete && $0.2 == 300_000 + 16 })
        #expect(seen.map(\.0) == Array(1...11))
        #expect(seen.last?.1 == .truncated)
    }

    @Test func overlongLinesAreSkippedNotFatal() throws {
        let dir = try TempDir()
        let path = dir.path + "/x.jsonl"
        let huge = String(repeating: "y", count: LogFileReader.maximumLineLength * 2 + 5)
        try ("{\"a\":1}\n" + huge + "\n{\"b\":2}\n").write(toFile: path, atomically: true, encoding: .utf8)
        var kinds: [(Int, LogFileReader.LineKind)] = []
        try LogFileReader.forEachLine(path: path) { _, n, kind in kinds.append((n, kind)) }
        #expect(kinds.map(\.0) == [1, 2, 3])
        #expect(kinds.map(\.1) == [.complete, .tooLong, .complete])
    }
}

@Suite struct PeriodTests {
    @Test func statutoryWindowsFollowDecree09() {
        func w(_ p: ReportPeriod) -> String { "\(p.first)..\(p.last)" }
        #expect(w(.month(2026, 11, calendar: false)) == "2026-10-15..2026-11-14")
        #expect(w(.month(2026, 1, calendar: false)) == "2025-12-15..2026-01-14")
        #expect(w(.quarter(2026, 1, calendar: false)) == "2025-12-15..2026-03-14")
        #expect(w(.quarter(2026, 4, calendar: false)) == "2026-09-15..2026-12-14")
        #expect(w(.half(2026, 1, calendar: false)) == "2025-12-15..2026-06-14")
        #expect(w(.half(2026, 2, calendar: false)) == "2026-06-15..2026-12-14")
        #expect(w(.year(2026, calendar: false)) == "2025-12-15..2026-12-14")
        #expect(w(.month(2028, 2, calendar: true)) == "2028-02-01..2028-02-29")
        #expect(w(.quarter(2026, 4, calendar: true)) == "2026-10-01..2026-12-31")
        #expect(w(.half(2026, 1, calendar: true)) == "2026-01-01..2026-06-30")
        #expect(w(.month(2026, 1, calendar: false).previous) == "2025-11-15..2025-12-14")
        #expect(w(.quarter(2026, 1, calendar: false).previous) == "2025-09-15..2025-12-14")
        #expect(
            w(.custom(from: LocalDate("2026-11-10")!, to: LocalDate("2026-11-20")!).previous)
                == "2026-10-30..2026-11-09")
    }

    @Test func labelsAndParsing() {
        #expect(ReportPeriod.parseQuarter("2026-Q4", calendar: false)?.label == "quý IV năm 2026")
        #expect(ReportPeriod.parseHalf("2026-H1", calendar: false)?.label == "6 tháng đầu năm 2026")
        #expect(ReportPeriod.parseMonth("2026-11", calendar: false)?.label == "tháng 11 năm 2026")
        #expect(ReportPeriod.parseMonth("2026-13", calendar: false) == nil)
        #expect(ReportPeriod.parseQuarter("2026-Q5", calendar: false) == nil)
        #expect(ReportPeriod.parseYear("26", calendar: false) == nil)
        #expect(LocalDate("2026-02-30") == nil)
    }

    @Test func defaultIsTheLastFinishedPeriod() {
        #expect(ReportPeriod.lastFinished(.month, calendar: false, today: LocalDate("2026-11-22")!).name == "2026-11")
        #expect(ReportPeriod.lastFinished(.month, calendar: false, today: LocalDate("2026-11-14")!).name == "2026-10")
        #expect(ReportPeriod.lastFinished(.month, calendar: false, today: LocalDate("2026-11-15")!).name == "2026-11")
        #expect(ReportPeriod.lastFinished(.month, calendar: true, today: LocalDate("2026-11-22")!).name == "2026-10")
        #expect(ReportPeriod.lastFinished(.year, calendar: false, today: LocalDate("2026-12-15")!).name == "2026")
    }
}

@Suite struct DocxTests {
    @Test func textIsEscapedAndEveryPartIsWellFormed() throws {
        var doc = DocxDocument(title: "A & <B>")
        doc.append(.header(left: [Paragraph("UBND <xã> & \"thôn\"", bold: true)], right: [Paragraph("Độc lập")]))
        doc.append(Paragraph(runs: [Run("a\u{0001}b\nc\td", bold: true, italic: true, size: 14)], alignment: .center))
        doc.append(Table(rows: [[TableCell("x'y"), TableCell("1", alignment: .right)]], headerRows: 1))
        let parts = try unzip(try doc.data())
        for (name, bytes) in parts {
            #expect(throws: Never.self, "\(name)") {
                try TableCollector(table: "-", row: "-", cells: [], text: nil).parse(bytes)
            }
        }
        let xml = String(decoding: try #require(parts["word/document.xml"]), as: UTF8.self)
        #expect(xml.contains("UBND &lt;xã&gt; &amp; &quot;thôn&quot;"))
        #expect(xml.contains("<w:t xml:space=\"preserve\">ab</w:t><w:br/>"))
        #expect(xml.contains("<w:tab/>"))
        #expect(xml.contains("<w:sz w:val=\"28\"/>"))
        #expect(xml.contains("<w:top w:val=\"nil\"/>"))  // the header block has no borders
        #expect(xml.contains("<w:top w:val=\"single\""))  // the table has
        #expect(xml.contains("<w:pgMar w:top=\"1134\" w:right=\"850\" w:bottom=\"1134\" w:left=\"1701\""))
        let parsed = try TableCollector.wordDocument(try #require(parts["word/document.xml"]))
        #expect(parsed.tables.count == 2)
        #expect(parsed.tables[1].rows == [["x'y", "1"]])
    }
}
