import ArgumentParser
import ChannelKit
import Config
import Foundation
import Reports

/// `cchc report`: the periodic report from the delivery log (docs/reports.md).
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Lập báo cáo kết quả tuyên truyền cải cách hành chính từ nhật ký phát hành.",
        discussion: """
            Kỳ báo cáo mặc định theo thời điểm chốt số liệu của Nghị định 09/2019/NĐ-CP (tháng: từ ngày 15 tháng \
            trước đến ngày 14); --calendar để dùng tháng, quý, năm dương lịch. Không chọn kỳ: tháng gần nhất đã kết thúc.
            Định dạng: md, html, csv, json, docx (docx cần --output).
            """)

    @Option(help: "Tháng, dạng 2026-11.") var month: String?
    @Option(help: "Quý, dạng 2026-Q4.") var quarter: String?
    @Option(help: "Nửa năm, dạng 2026-H1 hoặc 2026-H2.") var half: String?
    @Option(help: "Năm, dạng 2026.") var year: String?
    @Option(help: "Từ ngày (YYYY-MM-DD), dùng cùng --to.") var from: String?
    @Option(help: "Đến hết ngày (YYYY-MM-DD).") var to: String?
    @Flag(help: "Dùng kỳ dương lịch thay cho kỳ chốt số liệu theo Nghị định 09/2019/NĐ-CP.") var calendar = false
    @Option(help: "Chỉ tính số liệu của một đơn vị.") var unit: String?
    @Option(
        name: .customLong("by"),
        help: "Chỉ trình bày các bảng phân tích này: unit, channel, topic (có thể lặp lại hoặc ngăn bằng dấu phẩy).")
    var by: [String] = []
    @Option(help: "Định dạng: md, html, csv, json, docx (mặc định theo đuôi tệp --output, nếu không thì md).")
    var format: String?
    @Option(name: .shortAndLong, help: "Tệp kết quả (mặc định: in ra màn hình).") var output: String?
    @Flag(
        inversion: .prefixedNo,
        help:
            "Kèm phụ lục danh sách tin bài đã phát hành (mặc định: có với báo cáo tháng hoặc --from/--to, không với quý, 6 tháng, năm)."
    )
    var items: Bool?
    @Option(help: "Thư mục nhật ký phát hành (mặc định: delivery_log.dir trong cấu hình).") var logDir: String?
    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await perform(json: options.json) { () async throws(CLIError) in
            let config = try loadConfig()
            let zone = config?.timeZone ?? TimeZone(identifier: "Asia/Ho_Chi_Minh")!
            let settings = config?.reports ?? ReportSettings()
            let useCalendar = calendar || settings.calendar
            let period = try choosePeriod(calendar: useCalendar, zone: zone)
            let chosenByDefault = [month, quarter, half, year, from, to].allSatisfy { $0 == nil }
            let format = try chooseFormat()

            var breakdowns: [String] = []
            for word in by.flatMap({ $0.split(separator: ",") }).map({ $0.trimmingCharacters(in: .whitespaces) }) {
                guard ["unit", "channel", "topic"].contains(word) else {
                    throw usage("--by: \"\(word)\" không hợp lệ; dùng unit, channel hoặc topic")
                }
                breakdowns.append(word)
            }

            let directory =
                logDir.map { ConfigLoader.resolvePath($0, environment: [:]) } ?? config?.deliveryLogDirectory
                ?? "/var/log/cchcd"
            var reportOptions = ReportOptions(directory: directory, period: period, timeZone: zone)
            reportOptions.unit = unit
            if !breakdowns.isEmpty { reportOptions.breakdowns = breakdowns }
            reportOptions.settings = settings
            reportOptions.listsItems = items
            if let config {
                reportOptions.channelLabels = config.channelLabels
                reportOptions.topicLabels = Dictionary(
                    config.topics.map { ($0.key, $0.label) }, uniquingKeysWith: { a, _ in a })
            }

            let report: Report
            do throws(ReportError) { report = try ReportBuilder.build(reportOptions) } catch {
                throw CLIError(code: "report", message: error.message, exit: Exit.failure)
            }
            let data: Data
            do { data = try format.render(report) } catch {
                throw CLIError(code: "report", message: "không tạo được báo cáo: \(error)", exit: Exit.failure)
            }
            if let output {
                let path = ConfigLoader.resolvePath(output, environment: [:])
                do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                    throw CLIError(
                        code: "output", message: "không ghi được tệp \(path): \(error.localizedDescription)",
                        exit: Exit.failure)
                }
                printError("Đã lập báo cáo \(report.period.label) (\(report.windowLine)) vào \(path).\n")
            } else {
                // Titles, units and error texts come from items and the log: a control sequence in them must
                // not drive the reader's terminal (issue 14). Every format that reaches stdout is text (DOCX
                // needs --output); CSV's CRLF row ends are kept, a lone CR inside a field is escaped.
                let text = String(decoding: data, as: UTF8.self)
                let safe = text.components(separatedBy: "\r\n").map(SafeText.terminal).joined(separator: "\r\n")
                FileHandle.standardOutput.write(Data(safe.utf8))
            }
            if chosenByDefault { explainDefaultPeriod(report, calendar: useCalendar, zone: zone) }
            let bad = report.input.corrupt + report.input.truncated
            if bad > 0 {
                var text = "Cảnh báo: \(bad) dòng nhật ký hỏng hoặc bị cắt không được tính:\n"
                for p in report.input.problems.prefix(10) { text += "  \(p.file):\(p.line): \(p.reason)\n" }
                if bad > 10 { text += "  … (xem mục \"Ghi chú về dữ liệu\" trong báo cáo)\n" }
                printError(text)
            }
        }
    }

    /// The configuration; with --log-dir and no configuration file, none is needed.
    func loadConfig() throws(CLIError) -> DaemonConfig? {
        let path = ConfigLoader.resolvePath(nil)
        if logDir != nil && !FileManager.default.fileExists(atPath: path) { return nil }
        return try Session.loadConfig().config
    }

    func usage(_ message: String) -> CLIError { CLIError(code: "usage", message: message, exit: 64) }

    func choosePeriod(calendar: Bool, zone: TimeZone) throws(CLIError) -> ReportPeriod {
        let given = [month, quarter, half, year].compactMap { $0 }.count + ((from != nil || to != nil) ? 1 : 0)
        guard given <= 1 else { throw usage("chỉ chọn một kỳ: --month, --quarter, --half, --year hoặc --from/--to") }
        if let month {
            guard let p = ReportPeriod.parseMonth(month, calendar: calendar) else {
                throw usage("--month: \"\(month)\" không đúng dạng 2026-11")
            }
            return p
        }
        if let quarter {
            guard let p = ReportPeriod.parseQuarter(quarter, calendar: calendar) else {
                throw usage("--quarter: \"\(quarter)\" không đúng dạng 2026-Q4")
            }
            return p
        }
        if let half {
            guard let p = ReportPeriod.parseHalf(half, calendar: calendar) else {
                throw usage("--half: \"\(half)\" không đúng dạng 2026-H1 hoặc 2026-H2")
            }
            return p
        }
        if let year {
            guard let p = ReportPeriod.parseYear(year, calendar: calendar) else {
                throw usage("--year: \"\(year)\" không đúng dạng 2026")
            }
            return p
        }
        if from != nil || to != nil {
            guard let fromText = from, let toText = to else { throw usage("--from và --to phải đi cùng nhau") }
            guard let first = LocalDate(fromText) else {
                throw usage("--from: \"\(fromText)\" không đúng dạng 2026-11-01")
            }
            guard let last = LocalDate(toText) else { throw usage("--to: \"\(toText)\" không đúng dạng 2026-11-30") }
            guard first <= last else { throw usage("--from phải trước hoặc bằng --to") }
            return .custom(from: first, to: last)
        }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let c = cal.dateComponents([.year, .month, .day], from: Date())
        let today = LocalDate(year: c.year!, month: c.month!, day: c.day!)
        return .lastFinished(.month, calendar: calendar, today: today)
    }

    /// Without a period option the report is of the last finished month: say which, and when it holds
    /// nothing, say so and how to pick another (the current month is the usual answer).
    func explainDefaultPeriod(_ report: Report, calendar: Bool, zone: TimeZone) {
        var text = "Không chọn kỳ: đã lập báo cáo \(report.period.label), kỳ gần nhất đã kết thúc "
        text += "(từ ngày \(report.period.from.vietnamese) đến ngày \(report.period.to.vietnamese)).\n"
        let empty = report.totals.allSatisfy { $0.value == 0 } && report.failures.total == 0
        if empty {
            let current = currentMonth(calendar: calendar, zone: zone)
            text += "Kỳ này không có số liệu nào (mọi con số đều bằng 0). "
            text += "Chọn kỳ khác, ví dụ tháng hiện tại: cchc report --month \(current)"
            text += "; hoặc --quarter, --year, --from NGÀY --to NGÀY.\n"
        }
        printError(text)
    }

    /// The month (`2026-12`) whose window holds today: for the statutory basis, after the 14th it is
    /// the next month.
    func currentMonth(calendar: Bool, zone: TimeZone) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let c = cal.dateComponents([.year, .month, .day], from: Date())
        var (y, m) = (c.year!, c.month!)
        if !calendar && c.day! > 14 { (y, m) = m == 12 ? (y + 1, 1) : (y, m + 1) }
        return String(format: "%04d-%02d", y, m)
    }

    func chooseFormat() throws(CLIError) -> ReportFormat {
        let word = format ?? output.map { URL(fileURLWithPath: $0).pathExtension } ?? (options.json ? "json" : "md")
        guard let f = ReportFormat(word: word.isEmpty ? "md" : word) else {
            throw usage("--format: \"\(word)\" không hỗ trợ; dùng md, html, csv, json hoặc docx")
        }
        if f == .docx && output == nil { throw usage("định dạng docx cần --output TỆP.docx") }
        return f
    }
}
