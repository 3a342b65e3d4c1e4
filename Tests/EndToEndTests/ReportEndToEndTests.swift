import Foundation
import TestSupport
import Testing

/// `cchc report` over the log the real daemon wrote.
@Suite(.serialized)
struct ReportEndToEndTests {
    @Test func reportCountsWhatTheDaemonPublished() async throws {
        let portal = try await portalSink()
        defer { Task { try? await portal.shutdown() } }
        let ws = try Workspace()
        try ws.writeConfig(
            channels: genericPortal("portal-tinh", url: "\(portal.baseURL)/api/articles")
                + "    id_pointer: /id\n    url_pointer: /link\n",
            extra: """
                reports:
                  governing_body: UBND TỈNH SƠN LA
                  issuer: SỞ NỘI VỤ
                  number_suffix: /BC-SNV
                  place: Sơn La
                  units: [Phòng Tư pháp]
                  targets:
                    - metric: articles
                      channel_type: portal
                      per_month: 4
                """)
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        var ids: [String] = []
        for n in 1...2 {
            try ws.write("items/\(n).md", itemFile(title: "Tin cải cách số \(n)", channels: ["portal-tinh"]))
            let add = try ws.cli(["item", "add", ws.root + "/items/\(n).md"])
            #expect(add.status == 0, "\(add.stderr)")
            let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            ids.append(id)
            #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)
        }
        try await eventually(15, "delivered lines in the log", daemon: daemon) {
            ws.logLines().filter { $0["event"] as? String == "delivery.delivered" }.count == 2
        }
        daemon.terminate()

        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let c = cal.dateComponents([.year, .month, .day], from: Date())
        let today = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        let out = ws.root + "/bao-cao.json"
        let r = try ws.cli(["report", "--from", today, "--to", today, "--output", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("Đã lập báo cáo"))
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        try validateReport(out)
        let totals = Dictionary(
            uniqueKeysWithValues: ((report["totals"] as? [[String: Any]]) ?? []).map {
                ($0["key"] as! String, ($0["value"] as! NSNumber).intValue)
            })
        #expect(totals["items"] == 2 && totals["deliveries"] == 2)
        #expect(totals["submitted"] == 2 && totals["approved"] == 2 && totals["failures"] == 0)
        let items = (report["items"] as? [[String: Any]]) ?? []
        #expect(Set(items.compactMap { $0["item_id"] as? String }) == Set(ids))
        #expect(
            items.allSatisfy { ($0["links"] as? [String])?.first?.hasPrefix("https://cchc.example.gov.vn/") == true })
        let targets = (report["targets"] as? [[String: Any]]) ?? []
        #expect(targets.map { $0["unit"] as! String }.sorted() == ["Phòng Tư pháp", "Sở Nội vụ"])
        // One day is 1/30.4 of a month: 4 a month pro-rates to 1 (rounded up).
        #expect(targets.allSatisfy { ($0["required"] as? NSNumber)?.intValue == 1 })
        #expect(targets.first { $0["unit"] as? String == "Sở Nội vụ" }?["met"] as? Bool == true)
        #expect(targets.first { $0["unit"] as? String == "Phòng Tư pháp" }?["met"] as? Bool == false)

        // DOCX and HTML files; a damaged line is reported with file:line and is not fatal.
        let logFile = try #require(
            try FileManager.default.contentsOfDirectory(atPath: ws.logDir).first { $0.hasSuffix(".jsonl") })
        let handle = try #require(FileHandle(forWritingAtPath: ws.logDir + "/" + logFile))
        handle.seekToEndOfFile()
        handle.write(Data("{broken\n".utf8))
        try handle.close()
        let lineCount = ws.logLines().count + 1
        let docx = try ws.cli(["report", "--from", today, "--to", today, "--output", ws.root + "/bao-cao.docx"])
        #expect(docx.status == 0, "\(docx.stderr)")
        #expect(docx.stderr.contains("\(logFile):\(lineCount)"))
        // python-docx (an independent Office Open XML reader) opens it: header, title, and the totals
        // table with the JSON's figures.
        let script = """
            import docx, json, sys
            d = docx.Document(sys.argv[1])
            text = "\\n".join(p.text for p in d.paragraphs)
            cells = [[c.text for c in row.cells] for t in d.tables for row in t.rows]
            motto = any("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in c for r in cells for c in r)
            totals = {r[0]: r[1] for r in cells if len(r) == 4}
            font = d.styles.element.xpath("//w:rPrDefault//w:rFonts/@w:ascii")
            print(json.dumps({"motto": motto, "title": "BÁO CÁO" in text and "Kết quả công tác tuyên truyền cải cách hành chính" in text,
                              "totals": totals, "font": font}))
            """
        let py = try run("/usr/bin/env", ["python3", "-c", script, ws.root + "/bao-cao.docx"])
        #expect(py.status == 0, "python-docx: \(py.stderr)")
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(py.stdout.utf8)) as? [String: Any])
        #expect(seen["motto"] as? Bool == true && seen["title"] as? Bool == true)
        #expect(seen["font"] as? [String] == ["Times New Roman"])
        let docxTotals = (seen["totals"] as? [String: String]) ?? [:]
        #expect(
            docxTotals["Tin bài đã phát hành"] == "2" && docxTotals["Lượt đăng/gửi thành công trên các kênh"] == "2")
        let html = try ws.cli(["report", "--from", today, "--to", today, "--format", "html"])
        #expect(html.status == 0 && html.stdout.contains("BÁO CÁO") && html.stdout.contains("<svg"))
    }

    /// With reports.schedule the daemon writes the last finished month's report into the folder.
    @Test func daemonWritesScheduledReports() async throws {
        let ws = try Workspace()
        try ws.writeConfig(
            channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/x"),
            extra: """
                reports:
                  issuer: SỞ NỘI VỤ
                  schedule: { dir: bao-cao, periods: [month], formats: [json, html], at: "00:00" }
                """)
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        try await eventually(15, "scheduled report files", daemon: daemon) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: ws.root + "/bao-cao")) ?? []
            return files.filter { $0.hasPrefix("bao-cao-") }.count == 2
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: ws.root + "/bao-cao")
        let json = try #require(files.first { $0.hasSuffix(".json") })
        try validateReport(ws.root + "/bao-cao/" + json)
        #expect(daemon.output.contains("scheduled report written"))
    }

    /// With `reports.schedule.send` the written report is queued once as an item for the email
    /// channel and arrives at a real SMTP server as an attachment, byte for byte; a restart does not
    /// queue it again.
    @Test func scheduledReportsAreMailedToTheConfiguredList() async throws {
        let ws = try Workspace()
        let cert = try await TestCertificate.make(in: ws.root)
        let server = try await SMTPTestServer.running(tls: cert)
        defer { server.stop() }
        try ws.writeConfig(
            channels: """
                  email-lanhdao:
                    type: email
                    smtp: \(server.url)
                    ca_file: cert.pem
                    from: "Sở Nội vụ tỉnh Sơn La <cchc@sonla.example.gov.vn>"
                    lists: { lanh-dao: [giamdoc@sonla.example.gov.vn, "Phó Giám đốc <pgd@sonla.example.gov.vn>"] }
                """,
            extra: """
                reports:
                  issuer: SỞ NỘI VỤ
                  schedule:
                    dir: bao-cao
                    periods: [month]
                    formats: [docx, json]
                    at: "00:00"
                    send: { channel: email-lanhdao, lists: lanh-dao }
                """)
        var daemon = try Daemon(ws)
        try await eventually(30, "the report mailed to both addresses", daemon: daemon) {
            try await server.messages().count == 2
        }
        let messages = try await server.messages()
        let docxName = try #require(
            try FileManager.default.contentsOfDirectory(atPath: ws.root + "/bao-cao").first { $0.hasSuffix(".docx") })
        let hash = try run("/usr/bin/sha256sum", [ws.root + "/bao-cao/" + docxName])
        let expectedHash = String(hash.stdout.prefix { $0 != " " })
        #expect(expectedHash.count == 64)
        for message in messages {
            #expect(
                (message["subject"] as? String)?.hasPrefix(
                    "Báo cáo kết quả công tác tuyên truyền cải cách hành chính tháng") == true)
            #expect((message["defects"] as? [String])?.isEmpty == true)
            let attachments = try #require(message["attachments"] as? [[String: Any]])
            #expect(
                Set(attachments.compactMap { $0["filename"] as? String }) == [
                    docxName, docxName.replacingOccurrences(of: ".docx", with: ".json"),
                ])
            let sent = try #require(attachments.first { ($0["filename"] as? String) == docxName })
            #expect(sent["sha256"] as? String == expectedHash)
        }
        #expect(
            Set(messages.compactMap { $0["to_address"] as? String }) == [
                "giamdoc@sonla.example.gov.vn", "pgd@sonla.example.gov.vn",
            ])
        #expect(daemon.output.contains("scheduled report queued for sending"))

        // A restart finds the period's report already queued (its source names the period).
        daemon.terminate()
        daemon = try Daemon(ws)
        defer { daemon.terminate() }
        try await eventually(10, "the restarted daemon's first check", daemon: daemon) {
            daemon.output.contains("scheduled report already queued for sending")
        }
        let items = try ws.cli(["item", "list", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(items.stdout.utf8)) as? [String: Any]
        let list = try #require(object?["items"] as? [[String: Any]], "\(items.stdout) \(items.stderr)")
        #expect(list.filter { ($0["title"] as? String)?.hasPrefix("Báo cáo kết quả") == true }.count == 1)
        #expect(try await server.messages().count == 2)
    }

    /// `send.channel` must name an email channel.
    @Test func reportsAreSentOnlyByAnEmailChannel() throws {
        let ws = try Workspace()
        try ws.writeConfig(
            channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/x"),
            extra: """
                reports:
                  schedule: { dir: bao-cao, send: { channel: portal-tinh } }
                """)
        let r = try run(Binaries.cchcd, ["--config", ws.configPath, "--check-config"])
        #expect(r.status == 78)
        #expect(r.stderr.contains("reports.schedule.send.channel") && r.stderr.contains("email channel"), "\(r.stderr)")
        try ws.writeConfig(
            channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/x"),
            extra: """
                reports:
                  schedule: { dir: bao-cao, send: { channel: khong-co } }
                """)
        let missing = try run(Binaries.cchcd, ["--config", ws.configPath, "--check-config"])
        #expect(missing.status == 78 && missing.stderr.contains("no channel named \"khong-co\""), "\(missing.stderr)")
    }

    @Test func badArgumentsAreExplainedInVietnamese() throws {
        let ws = try Workspace()
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/x"))
        let both = try ws.cli(["report", "--month", "2026-11", "--year", "2026"])
        #expect(both.status == 64 && both.stderr.contains("chỉ chọn một kỳ"))
        let bad = try ws.cli(["report", "--quarter", "2026-Q5"])
        #expect(bad.status == 64 && bad.stderr.contains("--quarter"))
        let docx = try ws.cli(["report", "--month", "2026-11", "--format", "docx"])
        #expect(docx.status == 64 && docx.stderr.contains("--output"))
        let noLog = try run(Binaries.cchc, ["report", "--log-dir", ws.root + "/khong-co", "--month", "2026-11"])
        #expect(noLog.status == 1 && noLog.stderr.contains("không có thư mục nhật ký phát hành"))
    }
}

/// Validates a report file against docs/report.schema.json (python3-jsonschema, as for the log).
func validateReport(_ path: String) throws {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    let script = """
        import json, sys
        from jsonschema import Draft202012Validator
        v = Draft202012Validator(json.load(open(sys.argv[1])))
        errors = [f"{list(e.path)}: {e.message}" for e in v.iter_errors(json.load(open(sys.argv[2], encoding="utf-8")))]
        print("\\n".join(errors) or "ok"); sys.exit(1 if errors else 0)
        """
    let r = try run("/usr/bin/env", ["python3", "-c", script, repo + "/docs/report.schema.json", path])
    #expect(r.status == 0, "report schema: \(r.stdout) \(r.stderr)")
}
