import Docx
import Foundation

/// The report as a Word document in the layout of a Vietnamese administrative report (Decree
/// 30/2020/NĐ-CP): the two-column header (governing body and issuing unit, number; national motto,
/// place and date), the title "BÁO CÁO" with its subject line, numbered sections with tables, and
/// "Nơi nhận" with the signer. Times New Roman 13 pt, A4.
public enum DocxRenderer {
    public static func render(_ report: Report) throws -> Data {
        try document(report).data()
    }

    public static func document(_ report: Report) -> DocxDocument {
        var doc = DocxDocument(title: "Báo cáo " + report.titleLine)
        let h = report.header
        // Decree 30/2020/NĐ-CP header. Column widths in points: the text width (A4 less the margins)
        // split 40/60, less the cells' own margins (108 twips each side).
        let textWidth = Double(doc.pageSize.width - doc.margins.left - doc.margins.right) / 20
        let leftWidth = textWidth * 0.4 - 10.8
        let rightWidth = textWidth * 0.6 - 10.8
        var left: [Paragraph] = []
        if let body = h.governingBody { left.append(Paragraph(body, size: 13, alignment: .center)) }
        left.append(Paragraph(h.issuer ?? "", bold: true, size: 13, alignment: .center))
        // A rule under the issuing body, a third of its line (at least 3 cm).
        let issuerWidth = estimatedWidth(h.issuer ?? "", size: 13, bold: true)
        left.append(rule(width: max(issuerWidth / 3, 85), in: leftWidth))
        left.append(Paragraph("Số:        \(h.numberSuffix ?? "/BC")", size: 13, alignment: .center, spacingBefore: 6))
        // The motto carries its own rule, as long as the motto: indents narrow the paragraph to the
        // motto's width (the estimate errs wide, so the motto never wraps).
        var motto = Paragraph("Độc lập - Tự do - Hạnh phúc", bold: true, size: 13, alignment: .center)
        let mottoWidth = min(estimatedWidth(motto.text, size: 13, bold: true) + 6, rightWidth)
        motto.ruleBelow = true
        motto.leftIndent = ((rightWidth - mottoWidth) / 2).rounded()
        motto.rightIndent = motto.leftIndent
        let right = [
            Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold: true, size: 12, alignment: .center),
            motto,
            Paragraph(HTMLRenderer.dateLine(report), italic: true, size: 13, alignment: .center, spacingBefore: 8),
        ]
        doc.append(Block.header(left: left, right: right, leftShare: 0.4))
        doc.append(Paragraph("BÁO CÁO", bold: true, size: 14, alignment: .center, spacingBefore: 12))
        doc.append(Paragraph(report.titleLine, bold: true, size: 14, alignment: .center))
        doc.append(Paragraph(report.windowLine, italic: true, alignment: .center, spacingAfter: 6))

        // The appendix follows the signature, on a page of its own (Decree 30: "Phụ lục" after the
        // document it belongs to).
        func add(_ section: ReportSection, isAppendix: Bool) {
            var title = Paragraph(
                section.title, bold: true, alignment: isAppendix ? .center : nil, spacingBefore: 12, spacingAfter: 6)
            title.pageBreakBefore = isAppendix
            title.keepWithNext = true
            doc.append(title)
            for note in section.notes {
                doc.append(Paragraph(note, alignment: .both, firstLineIndent: 28, spacingAfter: 3))
            }
            for table in section.tables {
                if let caption = table.caption {
                    var p = Paragraph(caption, italic: true, spacingBefore: 3, spacingAfter: 3)
                    p.keepWithNext = true
                    doc.append(p)
                }
                if table.rows.isEmpty {
                    doc.append(Paragraph(table.emptyText, italic: true, firstLineIndent: 28))
                    continue
                }
                // The appendix is compact: 11 pt instead of 12.
                let size: Double = isAppendix ? 11 : 12
                var rows: [[TableCell]] = [
                    table.header.map {
                        TableCell(
                            [Paragraph(runs: [Run($0, bold: true, size: size)], alignment: .center)],
                            shading: "E6E6E6")
                    }
                ]
                for row in table.rows {
                    rows.append(
                        row.map { cell in
                            let numeric = Labels.isNumeric(cell)
                            return TableCell(
                                [Paragraph(runs: [Run(cell, size: size)], alignment: numeric ? .right : .left)])
                        })
                }
                doc.append(
                    Table(
                        rows: rows, columnShares: columnWidths(table, textWidth: textWidth, size: size), headerRows: 1))
            }
        }

        for section in report.sections { add(section, isAppendix: false) }

        // Nơi nhận (left) and the signer (right).
        var recipients = [Paragraph(runs: [Run("Nơi nhận:", bold: true, italic: true, size: 12)])]
        for r in h.recipients { recipients.append(Paragraph(runs: [Run("- \(r);", size: 11)])) }
        recipients.append(Paragraph(runs: [Run("- Lưu: VT.", size: 11)]))
        var signer: [Paragraph] = []
        if let title = h.signerTitle { signer.append(Paragraph(title, bold: true, alignment: .center)) }
        signer.append(Paragraph("", spacingAfter: 48))
        if let name = h.signerName { signer.append(Paragraph(name, bold: true, alignment: .center)) }
        doc.append(Paragraph("", spacingBefore: 6))
        doc.append(Block.header(left: recipients, right: signer, leftShare: 0.5))
        if let appendix = report.itemsAppendix { add(appendix, isAppendix: true) }
        return doc
    }

    /// A paragraph that is only a rule of `width` points, centred in a cell `cellWidth` points wide.
    static func rule(width: Double, in cellWidth: Double) -> Paragraph {
        var p = Paragraph(runs: [], spacingBefore: 1)
        p.markSize = 2
        p.ruleBelow = true
        p.leftIndent = max(((cellWidth - width) / 2).rounded(), 0)
        p.rightIndent = p.leftIndent
        return p
    }

    /// A generous estimate of a line's width in points in Times New Roman: capitals and bold are wider.
    static func estimatedWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        var ems = 0.0
        for c in text {
            if c == " " {
                ems += 0.25
            } else if c.isUppercase {
                ems += 0.72
            } else if c.isNumber {
                ems += 0.5
            } else {
                ems += 0.48
            }
        }
        return ems * size * (bold ? 1.08 : 1)
    }

    /// Column widths in points from the content. A column whose longest value is short (figures, dates,
    /// ids, names of a few words) gets room for that value on one line; the columns of long text (titles,
    /// error details) share the rest by their length, each at least as wide as its longest word. Cell
    /// margins (108 twips a side) are counted in.
    static func columnWidths(_ table: ReportTable, textWidth: Double, size: Double) -> [Double] {
        let margin = 10.8 + 2
        let columns = table.header.indices
        // The first rows are enough to size the columns.
        let sample = table.rows.prefix(300)
        var fixed: [Double?] = []
        var minimum: [Double] = []
        var weight: [Double] = []
        for column in columns {
            let cells = sample.map { column < $0.count ? $0[column] : "" }
            let headerWord =
                table.header[column].split(separator: " ").map { estimatedWidth(String($0), size: size, bold: true) }
                .max() ?? 0
            let longest = cells.map { estimatedWidth($0, size: size) }.max() ?? 0
            let longestWord =
                cells.flatMap { $0.split(separator: " ") }.map { estimatedWidth(String($0), size: size) }.max() ?? 0
            // Short values that must not break: figures, dates, ids, or a few short words. A short header
            // ("Kỳ này") stays on one line too.
            let short = cells.allSatisfy { $0.count <= 12 || ($0.count <= 24 && !$0.contains(" ")) }
            if short {
                let header =
                    table.header[column].count <= 12
                    ? estimatedWidth(table.header[column], size: size, bold: true) : headerWord
                fixed.append(max(longest, header) + margin)
                minimum.append(max(longest, header) + margin)
                weight.append(0)
            } else {
                fixed.append(nil)
                minimum.append(max(longestWord, headerWord) + margin)
                let average = cells.map { Double($0.count) }.reduce(0, +) / Double(max(cells.count, 1))
                weight.append(max(min(average, 120), 8))
            }
        }
        let needed = minimum.reduce(0, +)
        if needed >= textWidth { return minimum }
        let spare = textWidth - needed
        let totalWeight = weight.reduce(0, +)
        return columns.map { column in
            if totalWeight == 0 { return minimum[column] + spare * minimum[column] / needed }
            return fixed[column] ?? (minimum[column] + spare * weight[column] / totalWeight)
        }
    }
}
