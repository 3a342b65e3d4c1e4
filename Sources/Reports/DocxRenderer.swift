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
        var left: [Paragraph] = []
        if let body = h.governingBody { left.append(Paragraph(body, size: 13, alignment: .center)) }
        left.append(Paragraph(h.issuer ?? "", bold: true, size: 13, alignment: .center))
        left.append(Paragraph("Số:        \(h.numberSuffix ?? "/BC")", size: 13, alignment: .center, spacingBefore: 6))
        let right = [
            Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold: true, size: 12, alignment: .center),
            Paragraph("Độc lập - Tự do - Hạnh phúc", bold: true, size: 13, alignment: .center),
            Paragraph(HTMLRenderer.dateLine(report), italic: true, size: 13, alignment: .center, spacingBefore: 6),
        ]
        doc.append(Block.header(left: left, right: right, leftShare: 0.4))
        doc.append(Paragraph("BÁO CÁO", bold: true, size: 14, alignment: .center, spacingBefore: 12))
        doc.append(Paragraph(report.titleLine, bold: true, size: 14, alignment: .center))
        doc.append(Paragraph(report.windowLine, italic: true, alignment: .center, spacingAfter: 6))

        for section in report.sections {
            var title = Paragraph(section.title, bold: true, spacingBefore: 12, spacingAfter: 6)
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
                var rows: [[TableCell]] = [
                    table.header.map { TableCell($0, bold: true, alignment: .center, shading: "E6E6E6") }
                ]
                for row in table.rows {
                    rows.append(
                        row.map { cell in
                            let numeric = Labels.isNumeric(cell)
                            return TableCell(
                                [Paragraph(runs: [Run(cell, size: 12)], alignment: numeric ? .right : .left)])
                        })
                }
                doc.append(Table(rows: rows, columnShares: shares(table), headerRows: 1))
            }
        }

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
        return doc
    }

    /// Wider columns for text (titles, links), narrow ones for figures.
    static func shares(_ table: ReportTable) -> [Double] {
        table.header.indices.map { column in
            // The first rows are enough to size the columns.
            let longest =
                ([table.header[column]] + table.rows.prefix(200).map { column < $0.count ? $0[column] : "" })
                .map(\.unicodeScalars.count).max() ?? 1
            return Double(min(max(longest, 4), 40))
        }
    }
}
