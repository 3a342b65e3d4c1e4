import Docx
import Foundation

/// One self-contained HTML page (no external file, script or font): the administrative header,
/// the tables, and inline SVG bar charts of deliveries by channel and by month. It prints on A4
/// (`@page`), and it is well-formed XML (XHTML syntax) so tools can parse it.
public enum HTMLRenderer {
    public static func render(_ report: Report) -> String {
        var out = """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="vi">
            <head>
            <meta charset="utf-8"/>
            <title>\(e("Báo cáo " + report.titleLine))</title>
            <style>
            @page { size: A4; margin: 20mm 15mm 20mm 30mm; }
            body { font-family: "Times New Roman", Times, serif; font-size: 13pt; color: #000; max-width: 190mm; margin: 1em auto; }
            .head { display: flex; justify-content: space-between; align-items: flex-start; text-align: center; }
            .head > .left { width: 40%; }
            .head > .right { width: 58%; }
            .head .line { white-space: nowrap; }
            .head .number { white-space: pre; }
            .motto { display: inline-block; border-bottom: 1px solid #000; padding-bottom: 1px; }
            .rule { width: 35%; margin: 2px auto 4px; border-top: 1px solid #000; }
            h1 { font-size: 14pt; text-align: center; margin: 1em 0 0; }
            .title { text-align: center; font-weight: bold; margin: 0; }
            .window { text-align: center; font-style: italic; }
            h2 { font-size: 13pt; margin-top: 1.2em; page-break-after: avoid; }
            table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; page-break-inside: auto; }
            th, td { border: 1px solid #000; padding: 2px 5px; vertical-align: top; }
            th { background: #e6e6e6; }
            td.n { text-align: right; white-space: nowrap; }
            caption { text-align: left; font-weight: bold; }
            .empty { font-style: italic; }
            svg { display: block; margin: .5em 0; }
            h2.appendix { text-align: center; page-break-before: always; margin-top: 2em; }
            @media print { .chart { page-break-inside: avoid; } }
            </style>
            </head>
            <body>

            """
        // Decree 30/2020/NĐ-CP: issuing body left, with a short rule under it and the number line; the
        // national name and motto right, a rule as long as the motto under it, then place and date.
        // No line of either column wraps.
        out += "<div class=\"head\"><div class=\"left\">"
        if let body = report.header.governingBody { out += "<div class=\"line\">\(e(body))</div>" }
        if let issuer = report.header.issuer {
            out += "<div class=\"line\"><b>\(e(issuer))</b></div><div class=\"rule\"></div>"
        }
        if let suffix = report.header.numberSuffix {
            out += "<div class=\"line number\">Số:       \(e(suffix))</div>"
        }
        out += "</div><div class=\"right\"><div class=\"line\"><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b></div>"
        out += "<div class=\"line\"><b class=\"motto\">Độc lập - Tự do - Hạnh phúc</b></div>"
        out += "<div class=\"line date\"><i>\(e(dateLine(report)))</i></div></div></div>\n"
        out += "<h1>BÁO CÁO</h1>\n<p class=\"title\">\(e(report.titleLine))</p>\n"
        out += "<p class=\"window\">\(e(report.windowLine))</p>\n"

        for (index, section) in report.sections.enumerated() {
            out += "<h2>\(e(section.title))</h2>\n"
            for note in section.notes { out += "<p>\(e(note))</p>\n" }
            // One month is one bar: the table says it better.
            if index == 0 && report.byMonth.count > 1 {
                out += chart(
                    id: "chart-by-month", title: "Lượt đăng/gửi thành công theo tháng",
                    bars: report.byMonth.map { ($0.key, $0.value) }, vertical: true)
            }
            if index == 0 {
                out += chart(
                    id: "chart-by-channel", title: "Lượt đăng/gửi thành công theo kênh",
                    bars: report.byChannel.map { (report.channelLabel($0.key), $0.value) }, vertical: false)
            }
            for table in section.tables { out += render(table) }
        }
        out += footer(report)
        // The appendix follows the signature, on a new page when printed.
        if let appendix = report.itemsAppendix {
            out += "<h2 class=\"appendix\">\(e(appendix.title))</h2>\n"
            for table in appendix.tables { out += render(table) }
        }
        out += "<p class=\"window\">Lập lúc \(e(report.generatedAt)) bằng cchc report.</p>\n</body>\n</html>\n"
        return out
    }

    static func dateLine(_ report: Report) -> String {
        let d = report.header.date
        return
            "\(report.header.place.map { $0 + ", " } ?? "")ngày \(dayText(d.day)) tháng \(monthText(d.month)) năm \(d.year)"
    }

    /// Decree 30/2020/NĐ-CP: days below 10 take a leading zero (`ngày 07`).
    static func dayText(_ day: Int) -> String { day < 10 ? "0\(day)" : "\(day)" }
    /// Decree 30/2020/NĐ-CP: months 1 and 2 take a leading zero (`tháng 01`, `tháng 3`).
    static func monthText(_ month: Int) -> String { month <= 2 ? "0\(month)" : "\(month)" }

    static func footer(_ report: Report) -> String {
        guard !report.header.recipients.isEmpty || report.header.signerTitle != nil else { return "" }
        var out = "<div class=\"head\"><div class=\"left\" style=\"text-align:left\">"
        if !report.header.recipients.isEmpty {
            out += "<div><b><i>Nơi nhận:</i></b></div>"
            for r in report.header.recipients { out += "<div>- \(e(r));</div>" }
        }
        out += "</div><div class=\"right\">"
        if let title = report.header.signerTitle { out += "<div><b>\(e(title))</b></div>" }
        if let name = report.header.signerName { out += "<div style=\"margin-top:4em\"><b>\(e(name))</b></div>" }
        out += "</div></div>\n"
        return out
    }

    static func render(_ table: ReportTable) -> String {
        guard !table.rows.isEmpty else {
            return (table.caption.map { "<p><b>\(e($0))</b></p>" } ?? "")
                + "<p class=\"empty\" id=\"\(e(table.id))\">\(e(table.emptyText))</p>\n"
        }
        var out = "<table id=\"\(e(table.id))\">"
        if let caption = table.caption { out += "<caption>\(e(caption))</caption>" }
        out += "<thead><tr>" + table.header.map { "<th>\(e($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in table.rows {
            out += "<tr>"
            for cell in row {
                let numeric = Labels.isNumeric(cell)
                if cell.hasPrefix("https://") || cell.hasPrefix("http://"), !cell.contains(" ") {
                    out += "<td><a href=\"\(e(cell))\">\(e(cell))</a></td>"
                } else {
                    out += numeric ? "<td class=\"n\">\(e(cell))</td>" : "<td>\(e(cell))</td>"
                }
            }
            out += "</tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    /// A bar chart as inline SVG: vertical bars (months) or horizontal bars (channels), each labelled
    /// with its value.
    static func chart(id: String, title: String, bars: [(String, Double)], vertical: Bool) -> String {
        guard !bars.isEmpty else { return "" }
        let maximum = max(bars.map(\.1).max() ?? 0, 1)
        var out = "<div class=\"chart\"><p><b>\(e(title))</b></p>"
        if vertical {
            let slot = 56
            let width = max(bars.count * slot + 20, 200)
            let height = 180
            out +=
                "<svg id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height + 40)\" "
            out += "role=\"img\" aria-label=\"\(e(title))\">"
            for (i, (label, value)) in bars.enumerated() {
                let h = Int((value / maximum * Double(height - 20)).rounded())
                let x = 10 + i * slot
                out +=
                    "<rect x=\"\(x + 8)\" y=\"\(height - h)\" width=\"\(slot - 16)\" height=\"\(h)\" fill=\"#2f5597\">"
                out += "<title>\(e(label)): \(e(Labels.number(value)))</title></rect>"
                out += "<text x=\"\(x + slot / 2)\" y=\"\(height - h - 4)\" font-size=\"11\" text-anchor=\"middle\">"
                out += "\(e(Labels.number(value)))</text>"
                out += "<text x=\"\(x + slot / 2)\" y=\"\(height + 16)\" font-size=\"11\" text-anchor=\"middle\">"
                out += "\(e(label))</text>"
            }
        } else {
            let row = 22
            let labelWidth = 170
            let barWidth = 420
            let height = bars.count * row + 10
            out += "<svg id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(labelWidth + barWidth + 60)\" "
            out += "height=\"\(height)\" role=\"img\" aria-label=\"\(e(title))\">"
            for (i, (label, value)) in bars.enumerated() {
                let w = Int((value / maximum * Double(barWidth)).rounded())
                let y = 5 + i * row
                out +=
                    "<text x=\"\(labelWidth - 6)\" y=\"\(y + 15)\" font-size=\"12\" text-anchor=\"end\">\(e(label))</text>"
                out += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(w)\" height=\"\(row - 6)\" fill=\"#2f5597\">"
                out += "<title>\(e(label)): \(e(Labels.number(value)))</title></rect>"
                out +=
                    "<text x=\"\(labelWidth + w + 4)\" y=\"\(y + 15)\" font-size=\"12\">\(e(Labels.number(value)))</text>"
            }
        }
        return out + "</svg></div>\n"
    }

    static func e(_ s: String) -> String { XMLText.escape(s) }
}
