import Config
import Foundation
import Hummingbird
import Queue
import Reports

extension WebApp {
    /// Báo cáo: a period picked as `cchc report` offers (month, quarter, half-year, year; statutory or
    /// calendar), its figures, and downloads in every format. The Reports module builds and renders it
    /// from the delivery log, exactly as `cchc report` does. An account of some units sees one of them.
    func addReports(to router: Router<BasicRequestContext>) {
        router.get("/bao-cao") { request, _ in
            let officer = try await self.requireGet(request)
            let choice = ReportChoice(Self.query(request), app: self, account: officer.account)
            var values = choice.formValues(account: officer.account)
            guard request.uri.queryParameters["ky"] != nil else {
                return self.page("reports", title: "Báo cáo", officer: officer, values)
            }
            do {
                let report = try self.buildReport(choice)
                values["report"] = self.reportValues(report, choice: choice)
            } catch let error as WebError {
                values["error"] = error.message
                return self.page("reports", title: "Báo cáo", officer: officer, status: error.status, values)
            }
            return self.page("reports", title: "Báo cáo", officer: officer, values)
        }
        router.get("/bao-cao/tai") { request, _ in
            let officer = try await self.requireGet(request)
            let choice = ReportChoice(Self.query(request), app: self, account: officer.account)
            let word = request.uri.queryParameters["dinh-dang"].map(String.init) ?? "md"
            guard let format = ReportFormat(word: word) else {
                throw WebError.badRequest("Định dạng \"\(word)\" không có; chọn md, html, csv, json hoặc docx.")
            }
            let report = try self.buildReport(choice)
            let data: Data
            do { data = try format.render(report) } catch {
                self.logger.error("web report render failed", metadata: ["error": "\(error)"])
                throw WebError(status: .internalServerError, message: "Không tạo được tệp báo cáo.")
            }
            let types: [ReportFormat: String] = [
                .markdown: "text/markdown; charset=utf-8", .html: "text/html; charset=utf-8",
                .csv: "text/csv; charset=utf-8", .json: "application/json",
                .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ]
            var headers: HTTPFields = [.contentType: types[format] ?? "application/octet-stream"]
            let name = "bao-cao-\(report.period.name).\(format.fileExtension)"
            // The HTML opens in the browser (its charts and styles are inline); the rest download.
            if format == .html && request.uri.queryParameters["xem"] != nil {
                headers[.contentSecurityPolicy] =
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"
            } else {
                headers[.contentDisposition] = "attachment; filename=\"\(name)\""
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// The query string's parameters (the first of each name).
    static func query(_ request: Request) -> [String: String] {
        Dictionary(
            request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { a, _ in a })
    }

    func buildReport(_ choice: ReportChoice) throws -> Report {
        guard let period = choice.period else {
            throw WebError.badRequest(
                "Kỳ báo cáo \"\(choice.value)\" không đúng dạng (tháng 2026-11, quý 2026-Q4, 6 tháng 2026-H1, năm 2026)."
            )
        }
        guard let config else {
            throw WebError(status: .serviceUnavailable, message: "Máy chủ chưa cấu hình thư mục nhật ký gửi tin.")
        }
        var options = ReportOptions(directory: config.deliveryLogDirectory, period: period, timeZone: timeZone)
        options.unit = choice.unit
        options.settings = config.reports
        options.channelLabels = config.channelLabels
        options.topicLabels = Dictionary(config.topics.map { ($0.key, $0.label) }, uniquingKeysWith: { a, _ in a })
        options.now = clock()
        do throws(ReportError) {
            return try ReportBuilder.build(options)
        } catch {
            throw WebError(status: .internalServerError, message: error.message)
        }
    }

    func reportValues(_ report: Report, choice: ReportChoice) -> [String: Any] {
        func figures(_ list: [Report.Figure]) -> [[String: Any]] {
            list.map {
                [
                    "label": $0.type == nil ? $0.label : report.channelLabel($0.key),
                    "value": Labels.number($0.value), "previous": Labels.number($0.previous),
                ]
            }
        }
        let query = choice.query
        return [
            "title": report.titleLine, "window": report.windowLine, "unit": report.unit ?? false,
            "totals": figures(report.totals), "by_channel": figures(report.byChannel),
            "has_channels": !report.byChannel.isEmpty,
            "targets": report.targets.map { t -> [String: Any] in
                [
                    "unit": t.unit, "what": t.label,
                    "result": "\(Labels.number(t.actual))/\(Labels.number(t.required))"
                        + (t.met ? " — đạt" : " — chưa đạt"),
                ]
            },
            "has_targets": !report.targets.isEmpty,
            "downloads": [
                ("md", "Markdown"), ("html", "HTML"), ("csv", "CSV"), ("json", "JSON"), ("docx", "Word (.docx)"),
            ].map { ["format": $0.0, "label": $0.1, "href": "/bao-cao/tai?\(query)&dinh-dang=\($0.0)"] },
            "html_href": "/bao-cao/tai?\(query)&dinh-dang=html&xem=1",
        ]
    }
}

/// The period and unit picked on the reports page (`ky`, `gia-tri`, `duong-lich`, `don-vi`).
struct ReportChoice {
    var kind: String
    var value: String
    var calendar: Bool
    var unit: String?
    var period: ReportPeriod?

    static let kinds: [(String, String)] = [("thang", "Tháng"), ("quy", "Quý"), ("6-thang", "6 tháng"), ("nam", "Năm")]

    init(_ query: [String: String], app: WebApp, account: Account) {
        kind = query["ky"] ?? "thang"
        calendar = query["duong-lich"] == "1" || (query["ky"] == nil && app.config?.reports.calendar == true)
        var value = query["gia-tri"]?.trimmingCharacters(in: .whitespaces) ?? ""
        if value.isEmpty {
            var c = Calendar(identifier: .gregorian)
            c.timeZone = app.timeZone
            let d = c.dateComponents([.year, .month, .day], from: app.clock())
            let today = LocalDate(year: d.year ?? 1970, month: d.month ?? 1, day: d.day ?? 1)
            let kindWord: ReportPeriod.Kind =
                switch kind {
                case "quy": .quarter
                case "6-thang": .half
                case "nam": .year
                default: .month
                }
            value = ReportPeriod.lastFinished(kindWord, calendar: calendar, today: today).name
        }
        self.value = value
        period =
            switch kind {
            case "quy": ReportPeriod.parseQuarter(value, calendar: calendar)
            case "6-thang": ReportPeriod.parseHalf(value, calendar: calendar)
            case "nam": ReportPeriod.parseYear(value, calendar: calendar)
            default: ReportPeriod.parseMonth(value, calendar: calendar)
            }
        // An account of some units reports on one of them; an account of every unit on all or one.
        let wanted = query["don-vi"].flatMap { $0.isEmpty ? nil : $0 }
        if account.units.contains(Account.allUnits) {
            unit = wanted
        } else {
            unit = wanted.flatMap { account.covers(unit: $0) ? $0 : nil } ?? account.units.first
        }
    }

    /// The choice as a query string, for the download links.
    var query: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func e(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        var q = "ky=\(e(kind))&gia-tri=\(e(value))"
        if calendar { q += "&duong-lich=1" }
        if let unit { q += "&don-vi=\(e(unit))" }
        return q
    }

    func formValues(account: Account) -> [String: Any] {
        var units = account.units.filter { $0 != Account.allUnits }
        if account.units.contains(Account.allUnits) {
            units.insert("", at: 0)
        }
        return [
            "kinds": Self.kinds.map { ["key": $0.0, "label": $0.1, "selected": $0.0 == kind] },
            "value": value, "calendar": calendar,
            "units": units.map {
                ["value": $0, "label": $0.isEmpty ? "Mọi đơn vị" : $0, "selected": $0 == (unit ?? "")]
            },
            "many_units": units.count > 1,
        ]
    }
}
