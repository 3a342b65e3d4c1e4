import Foundation
import TestSupport
import Testing

/// The report as a reader sees it: the real daemon publishes (and fails once), the real `cchc report`
/// writes HTML and DOCX, headless Chromium and LibreOffice render them to PDF, and the PDFs' text
/// layout (`pdftotext -layout`) and the document's XML are checked. The rendered pages stay as PNGs in
/// a folder the test prints (`$TMPDIR/cchc-report-render/…`) for a person to look at.
@Suite(.serialized)
struct ReportLayoutEndToEndTests {
    static let channels = """
          portal-tinh:
            type: portal
            preset: generic
            label: "Cổng thông tin điện tử tỉnh"
            url: PORTAL
            id_pointer: /id
            url_pointer: /link
          webhook-tonghop:
            type: webhook
            label: "Hệ thống tổng hợp của tỉnh"
            url: HOOK

        """

    @Test func htmlAndDocxReportsRenderWithTheDecree30HeaderAndReadableTables() async throws {
        let portal = try await portalSink()
        let hook = try await LoopbackHTTPServer.start { _ in
            .json(422, #"{"error":"Trường \"summary\" quá dài: tối đa 300 ký tự, nhận 412 ký tự"}"#)
        }
        defer {
            Task {
                try? await portal.shutdown()
                try? await hook.shutdown()
            }
        }
        let ws = try Workspace()
        try ws.writeConfig(
            channels: Self.channels.replacingOccurrences(of: "PORTAL", with: "\(portal.baseURL)/api/articles")
                .replacingOccurrences(of: "HOOK", with: "\(hook.baseURL)/hooks/cchc"),
            extra: """
                reports:
                  governing_body: UBND TỈNH SƠN LA
                  issuer: SỞ NỘI VỤ
                  number_suffix: /BC-SNV
                  place: Sơn La
                  signer_title: GIÁM ĐỐC
                  signer_name: Nguyễn Văn A
                  recipients: [UBND tỉnh]
                """)
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        for n in 1...3 {
            try ws.write(
                "items/\(n).md",
                itemFile(
                    title: "Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến, bài số \(n)",
                    channels: n == 3 ? ["portal-tinh", "webhook-tonghop"] : ["portal-tinh"]))
            let add = try ws.cli(["item", "add", ws.root + "/items/\(n).md"])
            #expect(add.status == 0, "\(add.stderr)")
            let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)
        }
        try await eventually(20, "three delivered lines and one failure", daemon: daemon) {
            let events = ws.logLines().compactMap { $0["event"] as? String }
            return events.filter { $0 == "delivery.delivered" }.count == 3
                && events.contains("delivery.failed")
        }
        daemon.terminate()

        let today = localDay(0)
        let artefacts = NSTemporaryDirectory() + "cchc-report-render/" + today + "-" + UUID().uuidString.prefix(6)
        try FileManager.default.createDirectory(atPath: artefacts, withIntermediateDirectories: true)
        print("report renderings kept in \(artefacts)")

        // HTML → Chromium → PDF (text layout) and PNG.
        let html = artefacts + "/bao-cao.html"
        let r = try ws.cli(["report", "--from", today, "--to", today, "--output", html])
        #expect(r.status == 0, "\(r.stderr)")
        let htmlText = try String(contentsOfFile: html, encoding: .utf8)
        try checkNoKeysOrPaths(htmlText, ws: ws, what: "HTML")
        #expect(htmlText.components(separatedBy: "Số liệu từ 00:00").count == 2, "the period line is printed once")
        #expect(!htmlText.contains("chart-by-month"), "a one-month report draws no one-bar chart")
        let htmlPDF = try chromiumPDF(html, into: artefacts, profile: ws.root + "/chromium")
        try checkHeader(pdfText(htmlPDF), format: "HTML")
        #expect(
            try run("/usr/bin/pdftoppm", ["-png", "-r", "60", htmlPDF, artefacts + "/html-page"]).status == 0)

        // DOCX → LibreOffice → PDF (text layout) and PNG.
        let docx = artefacts + "/bao-cao.docx"
        let d = try ws.cli(["report", "--from", today, "--to", today, "--output", docx])
        #expect(d.status == 0, "\(d.stderr)")
        let docxPDF = try libreOfficePDF(docx, into: artefacts, profile: ws.root + "/libreoffice")
        let layout = try pdfText(docxPDF)
        try checkHeader(layout, format: "DOCX")
        try checkNoKeysOrPaths(layout, ws: ws, what: "DOCX (PDF text)")
        #expect(
            try run("/usr/bin/pdftoppm", ["-png", "-r", "60", docxPDF, artefacts + "/docx-page"]).status == 0)
        // "Chi tiết" of the failure is readable: several of the receiver's words on a line, not one
        // character per line (its column's width is checked in the XML below).
        #expect(
            layout.contains("Kênh từ chối nội dung —") && layout.contains("the webhook"),
            "failure detail in the DOCX:\n\(layout)")
        // The appendix lists the items with their dates whole.
        #expect(layout.contains("PHỤ LỤC"), "\(layout)")
        let dateText = today.split(separator: "-").reversed().joined(separator: "/")
        #expect(layout.components(separatedBy: dateText).count >= 4, "each item's date on one line:\n\(layout)")

        // The document's XML: the items table's columns are wide enough for their longest value, and
        // Decree 30's two rules are there (python-docx reads the package independently).
        let script = """
            import docx, json, sys
            from docx.oxml.ns import qn
            d = docx.Document(sys.argv[1])
            out = {"tables": [], "rules": []}
            for t in d.tables:
                grid = [int(c.get(qn("w:w"))) for c in t._tbl.tblGrid.findall(qn("w:gridCol"))]
                rows = [[c.text for c in r.cells] for r in t.rows]
                out["tables"].append({"grid": grid, "rows": rows})
            for p in d.element.body.iter(qn("w:p")):
                if p.find(qn("w:pPr")) is not None and p.find(qn("w:pPr")).find(qn("w:pBdr")) is not None:
                    out["rules"].append("".join(t.text or "" for t in p.iter(qn("w:t"))))
            print(json.dumps(out))
            """
        let py = try run("/usr/bin/env", ["python3", "-c", script, docx])
        #expect(py.status == 0, "python-docx: \(py.stderr)")
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(py.stdout.utf8)) as? [String: Any])
        let rules = (seen["rules"] as? [String]) ?? []
        #expect(rules.count == 2 && rules.contains("Độc lập - Tự do - Hạnh phúc") && rules.contains(""), "\(rules)")
        let tables = (seen["tables"] as? [[String: Any]]) ?? []
        let items = try #require(
            tables.first { (($0["rows"] as? [[String]])?.first ?? []) == ["STT", "Ngày", "Tiêu đề", "Kênh"] })
        let grid = (items["grid"] as? [Int]) ?? []
        let rows = (items["rows"] as? [[String]]) ?? []
        // 11 pt Times New Roman: a digit is 0.5 em = 110 twips; the cell's margins take 216 twips.
        for (column, width) in grid.enumerated().prefix(2) {
            let longest = rows.map { $0[column].count }.max() ?? 0
            #expect(
                width >= longest * 110 + 216, "column \(rows[0][column]) is \(width) twips for \(longest) characters")
        }
        #expect(rows.dropFirst().allSatisfy { $0[3] == "Cổng thông tin điện tử tỉnh" })
        let failures = try #require(tables.first { (($0["rows"] as? [[String]])?.first ?? []).first == "Thời gian" })
        let failureGrid = (failures["grid"] as? [Int]) ?? []
        let failureRows = (failures["rows"] as? [[String]]) ?? []
        #expect(failureRows.first?.last == "Chi tiết" && failureRows.count == 2)
        #expect(
            Double(failureGrid.last ?? 0) >= 0.3 * Double(failureGrid.reduce(0, +)),
            "Chi tiết gets \(failureGrid.last ?? 0) of \(failureGrid.reduce(0, +)) twips")
        #expect(failureRows.last?.last?.hasPrefix("Kênh từ chối nội dung — POST to the webhook: HTTP 422") == true)

        // No period given: the last finished month is chosen, and on this fresh log it is empty — say
        // so and how to pick another.
        let plain = try ws.cli(["report", "--format", "md"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stderr.contains("Không chọn kỳ: đã lập báo cáo tháng"), "\(plain.stderr)")
        #expect(
            plain.stderr.contains("không có số liệu") && plain.stderr.contains("cchc report --month "),
            "\(plain.stderr)")

        // CSV figures are plain numbers (1234, not the Vietnamese 1.234 that other locales misread):
        // a log of 1,234 deliveries made from the daemon's own line.
        let line = try #require(
            try String(
                contentsOfFile: ws.logDir + "/" + FileManager.default.contentsOfDirectory(atPath: ws.logDir)
                    .first { $0.hasSuffix(".jsonl") }!, encoding: .utf8
            )
            .split(separator: "\n").first { $0.contains("\"delivery.delivered\"") })
        var big = ""
        for n in 1...1234 {
            var obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            obj["seq"] = n
            obj["item_id"] = "2026-99-\(n)"
            big +=
                String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self)
                + "\n"
        }
        let bigDir = ws.root + "/big-log"
        try FileManager.default.createDirectory(atPath: bigDir, withIntermediateDirectories: true)
        try big.write(toFile: bigDir + "/delivery-\(today.prefix(7)).jsonl", atomically: true, encoding: .utf8)
        let csv = try ws.cli(["report", "--log-dir", bigDir, "--from", today, "--to", today, "--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout.contains("Tin bài đã phát hành,1234,0,+1234"), "\(csv.stdout.prefix(800))")
        #expect(!csv.stdout.contains("1.234"))
        let md = try ws.cli(["report", "--log-dir", bigDir, "--from", today, "--to", today, "--format", "md"])
        #expect(md.stdout.contains("| Tin bài đã phát hành | 1.234 |"), "Vietnamese figures where people read")
    }

    /// "ngày 07 tháng 12", "ngày 15 tháng 02": a leading zero for days 1–9 and months 1–2 (Decree 30).
    func expectedDateLine() -> String {
        let p = localDay(0).split(separator: "-").map { Int($0)! }
        let day = p[2] < 10 ? String(format: "%02d", p[2]) : "\(p[2])"
        let month = p[1] <= 2 ? String(format: "%02d", p[1]) : "\(p[1])"
        return "Sơn La, ngày \(day) tháng \(month) năm \(p[0])"
    }

    /// Each header line stands whole on one line of the page (pdftotext puts the two columns side by side).
    func checkHeader(_ layout: String, format: String) throws {
        let lines = layout.split(separator: "\n").map { String($0).precomposedStringWithCanonicalMapping }
        for expected in [
            "UBND TỈNH SƠN LA", "SỞ NỘI VỤ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
            expectedDateLine(),
        ] {
            #expect(
                lines.contains { $0.contains(expected) },
                "\(format): \"\(expected)\" wraps or is missing:\n\(layout.prefix(1500))")
        }
        // The number line keeps the room for the number that is written by hand.
        #expect(
            lines.contains { $0.range(of: #"Số:\s{3,}/BC-SNV"#, options: .regularExpression) != nil },
            "\(format): number line:\n\(layout.prefix(1500))")
    }

    func checkNoKeysOrPaths(_ text: String, ws: Workspace, what: String) throws {
        for key in ["portal-tinh", "webhook-tonghop", ws.root, ws.logDir] {
            #expect(!text.contains(key), "\(what) shows \"\(key)\"")
        }
    }

    func pdfText(_ pdf: String) throws -> String {
        let r = try run("/usr/bin/pdftotext", ["-layout", pdf, "-"])
        guard r.status == 0 else { throw HarnessError("pdftotext \(pdf): \(r.stderr)") }
        return r.stdout.precomposedStringWithCanonicalMapping
    }

    func chromiumPDF(_ html: String, into folder: String, profile: String) throws -> String {
        let pdf = folder + "/html.pdf"
        let r = try run(
            "/usr/bin/chromium",
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(profile)",
                "--no-pdf-header-footer", "--print-to-pdf=\(pdf)", "file://" + html,
            ])
        guard FileManager.default.fileExists(atPath: pdf) else { throw HarnessError("chromium: \(r.stderr)") }
        _ = try run(
            "/usr/bin/chromium",
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(profile)",
                "--screenshot=\(folder)/html-screen.png", "--window-size=1100,1500", "file://" + html,
            ])
        return pdf
    }

    func libreOfficePDF(_ docx: String, into folder: String, profile: String) throws -> String {
        let r = try run(
            "/usr/bin/soffice",
            [
                "-env:UserInstallation=file://\(profile)", "--headless", "--convert-to", "pdf", "--outdir", folder,
                docx,
            ])
        let pdf = folder + "/" + URL(fileURLWithPath: docx).deletingPathExtension().lastPathComponent + ".pdf"
        guard FileManager.default.fileExists(atPath: pdf) else {
            throw HarnessError("soffice: \(r.stdout) \(r.stderr)")
        }
        return pdf
    }
}
