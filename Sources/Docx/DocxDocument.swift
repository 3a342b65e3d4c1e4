import Foundation
import ZIPFoundation

/// A Word document (Office Open XML, WordprocessingML) built from paragraphs and tables.
///
/// The writer covers what Vietnamese administrative documents need (Decree 30/2020/NĐ-CP layout):
/// A4 pages with margins, a default font (Times New Roman), paragraphs of runs (bold, italic,
/// underline, size), alignment, indentation and spacing, bordered tables with column widths and
/// shaded header rows, and the borderless two-column header block (issuing body on the left,
/// national motto on the right). It writes only the parts Word needs — `[Content_Types].xml`,
/// `_rels/.rels`, `word/document.xml`, `word/styles.xml`, `word/_rels/document.xml.rels`,
/// `docProps/core.xml` — and escapes every text it is given.
///
/// ```swift
/// var doc = DocxDocument()
/// doc.append(.header(left: [Paragraph("UBND TỈNH SƠN LA", bold: true)],
///                    right: [Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold: true)]))
/// doc.append(Paragraph("BÁO CÁO", bold: true, alignment: .center))
/// try doc.write(to: URL(fileURLWithPath: "bao-cao.docx"))
/// ```
public struct DocxDocument: Sendable {
    /// The document's blocks, in order.
    public var blocks: [Block] = []
    /// Font of every run that names none.
    public var defaultFont: String
    /// Size in points of every run that names none.
    public var defaultSize: Double
    /// Page margins.
    public var margins: PageMargins
    /// Page size (portrait A4 unless changed).
    public var pageSize: PageSize
    /// Title stored in the document properties (`docProps/core.xml`).
    public var title: String?

    /// A document with the administrative defaults: Times New Roman 13 pt, A4, margins 20/20/30/15 mm.
    public init(
        defaultFont: String = "Times New Roman", defaultSize: Double = 13, margins: PageMargins = .administrative,
        pageSize: PageSize = .a4, title: String? = nil
    ) {
        self.defaultFont = defaultFont
        self.defaultSize = defaultSize
        self.margins = margins
        self.pageSize = pageSize
        self.title = title
    }

    /// Appends a block.
    public mutating func append(_ block: Block) { blocks.append(block) }
    /// Appends a paragraph.
    public mutating func append(_ paragraph: Paragraph) { blocks.append(.paragraph(paragraph)) }
    /// Appends a table.
    public mutating func append(_ table: Table) { blocks.append(.table(table)) }

    /// The `.docx` file's bytes.
    public func data() throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, xml) in parts() {
            let bytes = Data(xml.utf8)
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .deflate,
                provider: { position, size in
                    bytes.subdata(in: Int(position)..<Int(position) + size)
                })
        }
        guard let data = archive.data else { throw DocxError.archive }
        return data
    }

    /// Writes the `.docx` file (replacing it atomically).
    public func write(to url: URL) throws {
        try data().write(to: url, options: .atomic)
    }

    /// The package parts: path inside the ZIP → XML text.
    public func parts() -> [(String, String)] {
        [
            ("[Content_Types].xml", Self.contentTypes),
            ("_rels/.rels", Self.packageRelationships),
            ("docProps/core.xml", coreProperties()),
            ("word/_rels/document.xml.rels", Self.documentRelationships),
            ("word/styles.xml", styles()),
            ("word/document.xml", documentXML()),
        ]
    }

    // MARK: - Parts

    static let xmlHeader = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    static let contentTypes =
        xmlHeader
        + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        + "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
        + "<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>"
        + "<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
        + "</Types>"

    static let packageRelationships =
        xmlHeader
        + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>"
        + "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>"
        + "</Relationships>"

    static let documentRelationships =
        xmlHeader
        + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
        + "</Relationships>"

    func coreProperties() -> String {
        Self.xmlHeader
            + "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
            + "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
            + (title.map { "<dc:title>\(XMLText.escape($0))</dc:title>" } ?? "")
            + "</cp:coreProperties>"
    }

    func styles() -> String {
        let font = XMLText.escape(defaultFont)
        let size = Int((defaultSize * 2).rounded())
        return Self.xmlHeader
            + "<w:styles xmlns:w=\"\(Self.w)\"><w:docDefaults><w:rPrDefault><w:rPr>"
            + "<w:rFonts w:ascii=\"\(font)\" w:hAnsi=\"\(font)\" w:cs=\"\(font)\" w:eastAsia=\"\(font)\"/>"
            + "<w:sz w:val=\"\(size)\"/><w:szCs w:val=\"\(size)\"/><w:lang w:val=\"vi-VN\"/>"
            + "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/>"
            + "</w:pPr></w:pPrDefault></w:docDefaults>"
            + "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/></w:style>"
            + "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>"
            + "<w:tblPr><w:tblCellMar><w:left w:w=\"108\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/>"
            + "</w:tblCellMar></w:tblPr></w:style></w:styles>"
    }

    func documentXML() -> String {
        var out = Self.xmlHeader + "<w:document xmlns:w=\"\(Self.w)\"><w:body>"
        for block in blocks {
            switch block {
            case .paragraph(let p): p.write(to: &out)
            case .table(let t):
                t.write(to: &out, textWidth: pageSize.width - margins.left - margins.right)
                // Word needs a paragraph between two tables and after a table that ends a cell or the body.
                out += "<w:p/>"
            }
        }
        out +=
            "<w:sectPr><w:pgSz w:w=\"\(pageSize.width)\" w:h=\"\(pageSize.height)\"/>"
            + "<w:pgMar w:top=\"\(margins.top)\" w:right=\"\(margins.right)\" w:bottom=\"\(margins.bottom)\" "
            + "w:left=\"\(margins.left)\" w:header=\"709\" w:footer=\"709\" w:gutter=\"0\"/></w:sectPr>"
        out += "</w:body></w:document>"
        return out
    }
}

/// Why a document could not be written.
public enum DocxError: Error, CustomStringConvertible {
    case archive
    public var description: String { "the ZIP archive could not be produced" }
}

/// A block of the body.
public enum Block: Sendable {
    case paragraph(Paragraph)
    case table(Table)

    /// The two-column header of a Vietnamese administrative document: issuing body on the left,
    /// national motto (or date line) on the right; no borders, columns of equal width.
    public static func header(left: [Paragraph], right: [Paragraph], leftShare: Double = 0.42) -> Block {
        .table(
            Table(
                rows: [[TableCell(left), TableCell(right)]], borders: false,
                columnShares: [leftShare, 1 - leftShare]))
    }
}

/// Page size in twentieths of a point (twips).
public struct PageSize: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    /// A4 portrait.
    public static let a4 = PageSize(width: 11906, height: 16838)
    /// A4 landscape.
    public static let a4Landscape = PageSize(width: 16838, height: 11906)
}

/// Page margins in twips (1 mm ≈ 56.7 twips).
public struct PageMargins: Sendable, Equatable {
    public var top: Int
    public var bottom: Int
    public var left: Int
    public var right: Int
    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }
    /// Margins in millimetres.
    public static func millimetres(top: Double, bottom: Double, left: Double, right: Double) -> PageMargins {
        func t(_ mm: Double) -> Int { Int((mm * 1440 / 25.4).rounded()) }
        return PageMargins(top: t(top), bottom: t(bottom), left: t(left), right: t(right))
    }
    /// Decree 30/2020/NĐ-CP: top and bottom 20 mm, left 30 mm, right 15 mm.
    public static let administrative = millimetres(top: 20, bottom: 20, left: 30, right: 15)
}

/// Horizontal alignment of a paragraph.
public enum Alignment: String, Sendable {
    case left, center, right, both
}

/// A run of text with one formatting. A `\n` in the text becomes a line break, a `\t` a tab.
public struct Run: Sendable, Equatable {
    public var text: String
    public var bold: Bool
    public var italic: Bool
    public var underline: Bool
    /// Size in points; the document's default when nil.
    public var size: Double?
    /// Font name; the document's default when nil.
    public var font: String?

    public init(
        _ text: String, bold: Bool = false, italic: Bool = false, underline: Bool = false, size: Double? = nil,
        font: String? = nil
    ) {
        self.text = text
        self.bold = bold
        self.italic = italic
        self.underline = underline
        self.size = size
        self.font = font
    }

    func write(to out: inout String) {
        out += "<w:r>"
        if bold || italic || underline || size != nil || font != nil {
            out += "<w:rPr>"
            if let font {
                let f = XMLText.escape(font)
                out += "<w:rFonts w:ascii=\"\(f)\" w:hAnsi=\"\(f)\" w:cs=\"\(f)\"/>"
            }
            if bold { out += "<w:b/><w:bCs/>" }
            if italic { out += "<w:i/><w:iCs/>" }
            // WordprocessingML fixes the order of these elements: sz before u.
            if let size {
                let half = Int((size * 2).rounded())
                out += "<w:sz w:val=\"\(half)\"/><w:szCs w:val=\"\(half)\"/>"
            }
            if underline { out += "<w:u w:val=\"single\"/>" }
            out += "</w:rPr>"
        }
        var first = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !first { out += "<w:br/>" }
            first = false
            var firstPiece = true
            for piece in line.split(separator: "\t", omittingEmptySubsequences: false) {
                if !firstPiece { out += "<w:tab/>" }
                firstPiece = false
                if !piece.isEmpty { out += "<w:t xml:space=\"preserve\">\(XMLText.escape(String(piece)))</w:t>" }
            }
        }
        out += "</w:r>"
    }
}

/// A paragraph: runs plus alignment, indentation and spacing.
public struct Paragraph: Sendable, Equatable {
    public var runs: [Run]
    public var alignment: Alignment?
    /// First-line indent in points.
    public var firstLineIndent: Double?
    /// Space before and after in points.
    public var spacingBefore: Double?
    public var spacingAfter: Double?
    /// Line spacing as a multiple (1.0 single, 1.15, 1.5 …).
    public var lineSpacing: Double?
    /// Keep with the next paragraph on the same page (titles).
    public var keepWithNext: Bool
    /// Start a new page before this paragraph.
    public var pageBreakBefore: Bool
    /// A single 0.75 pt rule under the paragraph, as wide as the paragraph between its indents (Decree
    /// 30/2020/NĐ-CP draws one under the issuing body and one under the national motto).
    public var ruleBelow: Bool = false
    /// Left and right indents in points (they also set the width of ``ruleBelow``).
    public var leftIndent: Double?
    public var rightIndent: Double?
    /// Size in points of the paragraph mark: an empty paragraph is as tall as its mark (a rule's
    /// paragraph is made small this way).
    public var markSize: Double?

    public init(
        runs: [Run], alignment: Alignment? = nil, firstLineIndent: Double? = nil, spacingBefore: Double? = nil,
        spacingAfter: Double? = nil, lineSpacing: Double? = nil, keepWithNext: Bool = false,
        pageBreakBefore: Bool = false
    ) {
        self.runs = runs
        self.alignment = alignment
        self.firstLineIndent = firstLineIndent
        self.spacingBefore = spacingBefore
        self.spacingAfter = spacingAfter
        self.lineSpacing = lineSpacing
        self.keepWithNext = keepWithNext
        self.pageBreakBefore = pageBreakBefore
    }

    /// A paragraph of one run.
    public init(
        _ text: String, bold: Bool = false, italic: Bool = false, size: Double? = nil, alignment: Alignment? = nil,
        firstLineIndent: Double? = nil, spacingBefore: Double? = nil, spacingAfter: Double? = nil
    ) {
        self.init(
            runs: [Run(text, bold: bold, italic: italic, size: size)], alignment: alignment,
            firstLineIndent: firstLineIndent, spacingBefore: spacingBefore, spacingAfter: spacingAfter)
    }

    /// The paragraph's plain text (runs joined).
    public var text: String { runs.map(\.text).joined() }

    func write(to out: inout String) {
        out += "<w:p>"
        var props = ""
        if keepWithNext { props += "<w:keepNext/>" }
        if pageBreakBefore { props += "<w:pageBreakBefore/>" }
        // Schema order inside pPr: keepNext, pageBreakBefore, pBdr, spacing, ind, jc.
        if ruleBelow {
            props += "<w:pBdr><w:bottom w:val=\"single\" w:sz=\"6\" w:space=\"1\" w:color=\"000000\"/></w:pBdr>"
        }
        if spacingBefore != nil || spacingAfter != nil || lineSpacing != nil {
            props += "<w:spacing"
            if let spacingBefore { props += " w:before=\"\(Int((spacingBefore * 20).rounded()))\"" }
            if let spacingAfter { props += " w:after=\"\(Int((spacingAfter * 20).rounded()))\"" }
            if let lineSpacing { props += " w:line=\"\(Int((lineSpacing * 240).rounded()))\" w:lineRule=\"auto\"" }
            props += "/>"
        }
        if firstLineIndent != nil || leftIndent != nil || rightIndent != nil {
            props += "<w:ind"
            if let leftIndent { props += " w:left=\"\(Int((leftIndent * 20).rounded()))\"" }
            if let rightIndent { props += " w:right=\"\(Int((rightIndent * 20).rounded()))\"" }
            if let firstLineIndent { props += " w:firstLine=\"\(Int((firstLineIndent * 20).rounded()))\"" }
            props += "/>"
        }
        if let alignment { props += "<w:jc w:val=\"\(alignment.rawValue)\"/>" }
        if let markSize {
            let half = Int((markSize * 2).rounded())
            props += "<w:rPr><w:sz w:val=\"\(half)\"/><w:szCs w:val=\"\(half)\"/></w:rPr>"
        }
        if !props.isEmpty { out += "<w:pPr>\(props)</w:pPr>" }
        for run in runs { run.write(to: &out) }
        out += "</w:p>"
    }
}

/// A table cell: one or more paragraphs, optional shading and column span.
public struct TableCell: Sendable, Equatable {
    public var paragraphs: [Paragraph]
    /// Background colour as RGB hex (`D9D9D9`).
    public var shading: String?
    /// Number of grid columns this cell covers.
    public var span: Int

    public init(_ paragraphs: [Paragraph], shading: String? = nil, span: Int = 1) {
        self.paragraphs = paragraphs
        self.shading = shading
        self.span = span
    }

    /// A cell of one paragraph.
    public init(
        _ text: String, bold: Bool = false, alignment: Alignment? = nil, shading: String? = nil, span: Int = 1
    ) {
        self.init([Paragraph(text, bold: bold, alignment: alignment)], shading: shading, span: span)
    }
}

/// A table. Column widths are shares of the text width (they are normalised to add up to 1).
public struct Table: Sendable, Equatable {
    public var rows: [[TableCell]]
    /// Single 0.5 pt borders around and between cells when true; none when false.
    public var borders: Bool
    public var columnShares: [Double]
    /// How many leading rows repeat at the top of each page.
    public var headerRows: Int

    public init(rows: [[TableCell]], borders: Bool = true, columnShares: [Double]? = nil, headerRows: Int = 0) {
        self.rows = rows
        self.borders = borders
        let columns = rows.map { $0.reduce(0) { $0 + $1.span } }.max() ?? 1
        self.columnShares = columnShares ?? Array(repeating: 1, count: max(columns, 1))
        self.headerRows = headerRows
    }

    func write(to out: inout String, textWidth: Int) {
        let total = columnShares.reduce(0, +)
        let widths = columnShares.map { Int((Double(textWidth) * $0 / (total > 0 ? total : 1)).rounded()) }
        // Schema order inside tblPr: tblW, tblBorders, tblLayout.
        out += "<w:tbl><w:tblPr><w:tblW w:w=\"\(widths.reduce(0, +))\" w:type=\"dxa\"/>"
        let kind = borders ? "single" : "nil"
        out += "<w:tblBorders>"
        for edge in ["top", "left", "bottom", "right", "insideH", "insideV"] {
            out +=
                borders
                ? "<w:\(edge) w:val=\"\(kind)\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
                : "<w:\(edge) w:val=\"nil\"/>"
        }
        out += "</w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>"
        for width in widths { out += "<w:gridCol w:w=\"\(width)\"/>" }
        out += "</w:tblGrid>"
        for (index, row) in rows.enumerated() {
            out += "<w:tr>"
            if index < headerRows { out += "<w:trPr><w:tblHeader/></w:trPr>" }
            var column = 0
            for cell in row {
                let span = max(cell.span, 1)
                let width = widths[min(column, widths.count - 1)..<min(column + span, widths.count)].reduce(0, +)
                column += span
                out += "<w:tc><w:tcPr><w:tcW w:w=\"\(width)\" w:type=\"dxa\"/>"
                if span > 1 { out += "<w:gridSpan w:val=\"\(span)\"/>" }
                if let shading = cell.shading {
                    out += "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"\(XMLText.escape(shading))\"/>"
                }
                out += "</w:tcPr>"
                // A cell must hold at least one paragraph.
                if cell.paragraphs.isEmpty { out += "<w:p/>" }
                for p in cell.paragraphs { p.write(to: &out) }
                out += "</w:tc>"
            }
            out += "</w:tr>"
        }
        out += "</w:tbl>"
    }
}

/// XML escaping for text and attribute values.
public enum XMLText {
    /// Escapes `& < > " '` and drops characters XML 1.0 does not allow (C0 controls other than tab,
    /// newline, carriage return; U+FFFE/U+FFFF), which would make the part unreadable.
    public static func escape(_ text: String) -> String {
        // Most text needs nothing: return it as it is (reports have hundreds of thousands of cells).
        if !text.utf8.contains(where: {
            $0 < 0x20 || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 || $0 == 0xEF
        }) {
            return text
        }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                let v = scalar.value
                if v < 0x20 && v != 0x9 && v != 0xA && v != 0xD { continue }
                if v == 0xFFFE || v == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
