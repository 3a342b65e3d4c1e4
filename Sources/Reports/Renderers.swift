import Foundation

/// Output formats of `cchc report --format`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case markdown = "md"
    case html
    case csv
    case json
    case docx

    public init?(word: String) {
        switch word.lowercased() {
        case "md", "markdown": self = .markdown
        case "html", "htm": self = .html
        case "csv": self = .csv
        case "json": self = .json
        case "docx", "word": self = .docx
        default: return nil
        }
    }

    public var fileExtension: String { rawValue }

    /// Renders a report in this format.
    public func render(_ report: Report) throws -> Data {
        switch self {
        case .markdown: Data(MarkdownRenderer.render(report).utf8)
        case .html: Data(HTMLRenderer.render(report).utf8)
        case .csv: CSVRenderer.render(report)
        case .json: try JSONRenderer.render(report)
        case .docx: try DocxRenderer.render(report)
        }
    }
}

public enum JSONRenderer {
    public static func render(_ report: Report) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(report)
        data.append(0x0A)
        return data
    }
}

public enum MarkdownRenderer {
    public static func render(_ report: Report) -> String {
        var out = ""
        if let body = report.header.governingBody { out += "\(body)  \n" }
        if let issuer = report.header.issuer { out += "**\(escape(issuer))**\n\n" }
        out += "# BÁO CÁO\n\n**\(escape(report.titleLine))**\n\n_\(escape(report.windowLine))_\n\n"
        for section in report.renderedSections {
            out += "## \(escape(section.title))\n\n"
            for note in section.notes { out += "\(escape(note))\n\n" }
            for table in section.tables {
                if let caption = table.caption { out += "**\(escape(caption))**\n\n" }
                if table.rows.isEmpty {
                    out += "_\(table.emptyText)_\n\n"
                    continue
                }
                out += "| " + table.header.map(cell).joined(separator: " | ") + " |\n"
                out += "|" + table.header.map { _ in "---" }.joined(separator: "|") + "|\n"
                for row in table.rows { out += "| " + row.map(cell).joined(separator: " | ") + " |\n" }
                out += "\n"
            }
        }
        out += "_Lập lúc \(report.generatedAt) bằng cchc report._\n"
        return out
    }

    static func escape(_ s: String) -> String {
        let special: Set<UInt8> = [0x5C, 0x60, 0x2A, 0x5F, 0x5B, 0x5D, 0x3C, 0x3E, 0x7C, 0x23]
        if !s.utf8.contains(where: { special.contains($0) }) { return s }
        var out = ""
        for c in s {
            if "\\`*_[]<>|#".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    static func cell(_ s: String) -> String {
        escape(s).replacingOccurrences(of: "\n", with: " ")
    }
}

/// CSV: one file, UTF-8 with a byte-order mark (Excel then reads Vietnamese correctly), comma
/// separated, CRLF line ends, fields quoted when needed (RFC 4180). Layout (docs/reports.md): a first
/// row `# BÁO CÁO …`, then for each table a row `## <id>: <title>`, its header row, its rows and an
/// empty row.
public enum CSVRenderer {
    public static func render(_ report: Report) -> Data {
        var out = "\u{FEFF}"
        func row(_ fields: [String]) { out += fields.map(quote).joined(separator: ",") + "\r\n" }
        row(["# BÁO CÁO " + report.titleLine])
        row(["# " + report.windowLine])
        out += "\r\n"
        for section in report.renderedSections {
            for table in section.tables {
                row(["## \(table.id): \(section.title)" + (table.caption.map { " — \($0)" } ?? "")])
                row(table.header)
                for r in table.rows { row(r.map(plain)) }
                out += "\r\n"
            }
        }
        return Data(out.utf8)
    }

    /// A figure as a spreadsheet reads it in any locale: `1.399` → `1399`, `12,5` → `12.5`, `−2` → `-2`
    /// (`+3` stays).
    /// Only cells in the exact shape ``Labels/number(_:)`` and ``Labels/signed(_:)`` write are changed
    /// (dates, times and item ids are not figures).
    static func plain(_ cell: String) -> String {
        var scalars = Array(cell.unicodeScalars)
        var sign = ""
        if let first = scalars.first, first == "+" || first == "−" || first == "-" {
            sign = first == "+" ? "+" : "-"
            scalars.removeFirst()
        }
        var whole = ""
        var fraction = ""
        var group = 0
        var groups = 0
        var inFraction = false
        for s in scalars {
            switch s {
            case "0"..."9":
                if inFraction { fraction.unicodeScalars.append(s) } else { whole.unicodeScalars.append(s); group += 1 }
            case ".":
                guard !inFraction, group >= 1, group <= 3 || groups == 0, groups == 0 || group == 3 else { return cell }
                if groups == 0 && group > 3 { return cell }
                groups += 1
                group = 0
            case ",":
                guard !inFraction, !whole.isEmpty else { return cell }
                inFraction = true
            default: return cell
            }
        }
        if whole.isEmpty || (groups > 0 && group != 3) || (inFraction && fraction.count != 1) { return cell }
        return sign + whole + (inFraction ? "." + fraction : "")
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
