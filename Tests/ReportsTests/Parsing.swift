import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads tables out of XHTML and WordprocessingML with Foundation's XMLParser (a real XML parser:
/// a malformed document fails here).
final class TableCollector: NSObject, XMLParserDelegate {
    struct Table {
        var id: String?
        var rows: [[String]] = []
    }

    let tableElement: String
    let rowElement: String
    let cellElements: Set<String>
    let textElement: String?
    var tables: [Table] = []
    var allText = ""
    private var stack: [Table] = []
    private var cell: String?
    private var inText = false
    private var inCaption = false

    init(table: String, row: String, cells: Set<String>, text: String?) {
        tableElement = table
        rowElement = row
        cellElements = cells
        textElement = text
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        let local = qualifiedName ?? name
        if local == tableElement {
            stack.append(Table(id: attributes["id"]))
        } else if local == rowElement, !stack.isEmpty {
            stack[stack.count - 1].rows.append([])
        } else if cellElements.contains(local), !stack.isEmpty {
            cell = ""
        } else if local == "caption" {
            inCaption = true
        } else if local == textElement {
            inText = true
        } else if local == "w:br", cell != nil {
            cell! += "\n"
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let local = qualifiedName ?? name
        if local == tableElement, let t = stack.popLast() {
            tables.append(t)
        } else if cellElements.contains(local), let c = cell, !stack.isEmpty {
            let last = stack.count - 1
            if stack[last].rows.isEmpty { stack[last].rows.append([]) }
            stack[last].rows[stack[last].rows.count - 1].append(c)
            cell = nil
        } else if local == "caption" {
            inCaption = false
        } else if local == textElement {
            inText = false
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if textElement == nil || inText {
            allText += string
            if !inCaption, cell != nil { cell! += string }
        }
    }

    /// Parses `data`; throws when it is not well-formed XML.
    func parse(_ data: Data) throws {
        let parser = XMLParser(data: data)
        parser.delegate = self
        guard parser.parse() else {
            throw ParseError(
                message:
                    "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)")
        }
    }

    static func html(_ data: Data) throws -> TableCollector {
        let c = TableCollector(table: "table", row: "tr", cells: ["td", "th"], text: nil)
        try c.parse(data)
        return c
    }

    static func wordDocument(_ data: Data) throws -> TableCollector {
        let c = TableCollector(table: "w:tbl", row: "w:tr", cells: ["w:tc"], text: "w:t")
        try c.parse(data)
        return c
    }
}

struct ParseError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The parts of a ZIP archive (`.docx`), by path.
func unzip(_ data: Data) throws -> [String: Data] {
    let archive = try Archive(data: data, accessMode: .read)
    var parts: [String: Data] = [:]
    for entry in archive {
        var bytes = Data()
        _ = try archive.extract(entry) { bytes.append($0) }
        parts[entry.path] = bytes
    }
    return parts
}

/// A Vietnamese-formatted number (`1.234`, `12,5`, `+3`, `−2`) back to a Double.
func number(_ text: String) -> Double? {
    var t = text.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: ",", with: ".")
    t = t.replacingOccurrences(of: "−", with: "-").replacingOccurrences(of: "+", with: "")
    return Double(t)
}

/// RFC 4180 rows (quoted fields, doubled quotes, CRLF).
func csvRows(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var i = text.startIndex
    while i < text.endIndex {
        let c = text[i]
        if quoted {
            if c == "\"" {
                let n = text.index(after: i)
                if n < text.endIndex && text[n] == "\"" {
                    field.append("\"")
                    i = n
                } else {
                    quoted = false
                }
            } else {
                field.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            row.append(field)
            field = ""
        } else if c == "\r\n" || c == "\n" {
            row.append(field)
            rows.append(row)
            row = []
            field = ""
        } else {
            field.append(c)
        }
        i = text.index(after: i)
    }
    if !field.isEmpty || !row.isEmpty {
        row.append(field)
        rows.append(row)
    }
    return rows
}
