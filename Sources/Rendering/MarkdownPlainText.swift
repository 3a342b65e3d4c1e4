import Foundation

/// The line-based Markdown → plain text converter behind ``Markdown/plainText(_:)``.
enum MarkdownPlainText {
    static func render(_ markdown: String) -> String {
        var output: [String] = []
        var inFence: String? = nil
        let lines = markdown.replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false)

        for (index, rawLine) in lines.enumerated() {
            let line = String(rawLine)
            let trimmed = line.trimmingCharacters(in: .whitespaces)

            if let fence = inFence {
                if trimmed.hasPrefix(fence) {
                    inFence = nil
                } else {
                    output.append(line)
                }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                inFence = String(trimmed.prefix(3))
                continue
            }
            if trimmed.isEmpty {
                output.append("")
                continue
            }
            // A setext underline belongs to the previous line, which is already written as text.
            if isSetextUnderline(trimmed), index > 0,
                !lines[index - 1].trimmingCharacters(in: .whitespaces).isEmpty
            {
                continue
            }
            if isThematicBreak(trimmed) {
                output.append("")
                continue
            }
            if let heading = atxHeading(trimmed) {
                output.append(inline(heading))
                continue
            }
            var content = trimmed
            var quoted = false
            while content.hasPrefix(">") {
                content = String(content.dropFirst()).trimmingCharacters(in: .whitespaces)
                quoted = true
            }
            if quoted, let heading = atxHeading(content) {
                output.append(inline(heading))
                continue
            }
            let indent = quoted ? "" : String(line.prefix { $0 == " " || $0 == "\t" })
            if let item = bulletItem(content) {
                output.append(indent + "- " + inline(item))
            } else if let (number, item) = orderedItem(content) {
                output.append(indent + number + ". " + inline(item))
            } else if let row = tableRow(content) {
                if let row { output.append(row) }
            } else {
                output.append(inline(content))
            }
        }
        return collapseBlankLines(output)
    }

    private static func collapseBlankLines(_ lines: [String]) -> String {
        var result: [String] = []
        for line in lines {
            let line = line.trimmingTrailingWhitespace()
            if line.isEmpty, result.last?.isEmpty ?? true { continue }
            result.append(line)
        }
        while result.last?.isEmpty == true { result.removeLast() }
        return result.joined(separator: "\n")
    }

    private static func isSetextUnderline(_ s: String) -> Bool {
        guard let first = s.first, first == "=" || first == "-" else { return false }
        return s.allSatisfy { $0 == first }
    }

    private static func isThematicBreak(_ s: String) -> Bool {
        let compact = s.filter { $0 != " " }
        guard compact.count >= 3, let first = compact.first, "*-_".contains(first) else { return false }
        return compact.allSatisfy { $0 == first }
    }

    private static func atxHeading(_ s: String) -> String? {
        let hashes = s.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes) else { return nil }
        let rest = s.dropFirst(hashes)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        var text = rest.trimmingCharacters(in: .whitespaces)
        // Closing hashes ("## Title ##") are decoration.
        while text.hasSuffix("#") { text.removeLast() }
        return text.trimmingCharacters(in: .whitespaces)
    }

    private static func bulletItem(_ s: String) -> String? {
        guard let first = s.first, "-*+".contains(first) else { return nil }
        let rest = s.dropFirst()
        guard rest.first == " " || rest.first == "\t" else { return nil }
        var text = rest.trimmingCharacters(in: .whitespaces)
        // Task lists: "- [ ] todo" / "- [x] done".
        for box in ["[ ] ", "[x] ", "[X] "] where text.hasPrefix(box) { text = String(text.dropFirst(4)) }
        return text
    }

    private static func orderedItem(_ s: String) -> (String, String)? {
        let digits = s.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        let rest = s.dropFirst(digits.count)
        guard let marker = rest.first, marker == "." || marker == ")" else { return nil }
        let after = rest.dropFirst()
        guard after.first == " " || after.first == "\t" else { return nil }
        return (String(digits), after.trimmingCharacters(in: .whitespaces))
    }

    /// A table row as "a | b"; `.some(nil)` for the delimiter row; nil when the line is no table row.
    private static func tableRow(_ s: String) -> String?? {
        guard s.hasPrefix("|"), s.count > 1 else { return nil }
        var inner = Substring(s).dropFirst()
        if inner.hasSuffix("|") { inner = inner.dropLast() }
        let cells = inner.split(separator: "|", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if cells.allSatisfy({ cell in !cell.isEmpty && cell.allSatisfy { "-:".contains($0) } }) {
            return .some(nil)
        }
        return .some(cells.map(inline).joined(separator: " | "))
    }

    // MARK: Inline syntax

    static func inline(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\\"
            where i + 1 < chars.count && chars[i + 1].isASCII
                && (chars[i + 1].isPunctuation || chars[i + 1].isSymbol):
                out.append(chars[i + 1])
                i += 2
            case "`":
                let run = countRun(chars, from: i, of: "`")
                if let close = findRun(chars, from: i + run, of: "`", length: run) {
                    out += String(chars[(i + run)..<close]).trimmingCharacters(in: .whitespaces)
                    i = close + run
                } else {
                    out += String(repeating: "`", count: run)
                    i += run
                }
            case "!" where i + 1 < chars.count && chars[i + 1] == "[":
                if let link = parseLink(chars, from: i + 1) {
                    out += inline(link.text)
                    i = link.end
                } else {
                    out.append(c)
                    i += 1
                }
            case "[":
                if let link = parseLink(chars, from: i) {
                    let label = inline(link.text)
                    if let url = link.url, !url.isEmpty, url != label, "mailto:" + label != url {
                        out += "\(label) (\(url))"
                    } else {
                        out += label
                    }
                    i = link.end
                } else {
                    out.append(c)
                    i += 1
                }
            case "<":
                if let close = chars[i...].firstIndex(of: ">") {
                    let inside = String(chars[(i + 1)..<close])
                    if inside.hasPrefix("http://") || inside.hasPrefix("https://") || inside.hasPrefix("mailto:") {
                        out += inside.hasPrefix("mailto:") ? String(inside.dropFirst(7)) : inside
                        i = close + 1
                        continue
                    }
                    if isHTMLTag(inside) {
                        i = close + 1
                        continue
                    }
                }
                out.append(c)
                i += 1
            case "*", "_", "~":
                let run = countRun(chars, from: i, of: c)
                let before: Character? = i > 0 ? chars[i - 1] : nil
                let after: Character? = i + run < chars.count ? chars[i + run] : nil
                if isEmphasisDelimiter(c, run: run, before: before, after: after) {
                    i += run
                } else {
                    out += String(repeating: c, count: run)
                    i += run
                }
            case "&":
                if let (decoded, length) = entity(chars, from: i) {
                    out += decoded
                    i += length
                } else {
                    out.append(c)
                    i += 1
                }
            default:
                out.append(c)
                i += 1
            }
        }
        return out
    }

    /// `b`, `/b`, `a href="…"`, `br/`, `!-- comment --`: what CommonMark takes for raw HTML.
    /// `<số liệu>` is text (tag names are ASCII).
    private static func isHTMLTag(_ inside: String) -> Bool {
        if inside.hasPrefix("!--") { return true }
        var name = Substring(inside)
        if name.hasPrefix("/") { name = name.dropFirst() }
        guard let first = name.first, first.isASCII, first.isLetter else { return false }
        let tagName = name.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        let rest = name.dropFirst(tagName.count)
        return rest.isEmpty || rest == "/" || rest.first == " " || rest.first == "\t" || rest.first == "\n"
    }

    private static func isEmphasisDelimiter(_ c: Character, run: Int, before: Character?, after: Character?) -> Bool {
        if c == "~", run < 2 { return false }
        let beforeSpace = before.map { $0.isWhitespace } ?? true
        let afterSpace = after.map { $0.isWhitespace } ?? true
        // Surrounded by spaces ("2 * 3") it is no delimiter.
        if beforeSpace && afterSpace { return false }
        if c == "_" {
            // snake_case words keep their underscores.
            let beforeWord = before.map { $0.isLetter || $0.isNumber } ?? false
            let afterWord = after.map { $0.isLetter || $0.isNumber } ?? false
            if beforeWord && afterWord { return false }
        }
        return true
    }

    private static func countRun(_ chars: [Character], from start: Int, of c: Character) -> Int {
        var n = 0
        while start + n < chars.count, chars[start + n] == c { n += 1 }
        return n
    }

    private static func findRun(_ chars: [Character], from start: Int, of c: Character, length: Int) -> Int? {
        var j = start
        while j < chars.count {
            if chars[j] == c {
                let run = countRun(chars, from: j, of: c)
                if run == length { return j }
                j += run
            } else {
                j += 1
            }
        }
        return nil
    }

    /// `[text](url "title")`, `[text][ref]` or `[text]` starting at an opening bracket.
    private static func parseLink(_ chars: [Character], from start: Int) -> (text: String, url: String?, end: Int)? {
        guard chars[start] == "[" else { return nil }
        var depth = 0
        var j = start
        var closeBracket: Int? = nil
        while j < chars.count {
            if chars[j] == "\\" {
                j += 2
                continue
            }
            if chars[j] == "[" { depth += 1 }
            if chars[j] == "]" {
                depth -= 1
                if depth == 0 {
                    closeBracket = j
                    break
                }
            }
            j += 1
        }
        guard let close = closeBracket else { return nil }
        let text = String(chars[(start + 1)..<close])
        let next = close + 1
        if next < chars.count, chars[next] == "(" {
            var k = next + 1
            var parens = 1
            while k < chars.count {
                if chars[k] == "(" { parens += 1 }
                if chars[k] == ")" {
                    parens -= 1
                    if parens == 0 { break }
                }
                k += 1
            }
            guard k < chars.count else { return nil }
            var target = String(chars[(next + 1)..<k]).trimmingCharacters(in: .whitespaces)
            if let space = target.firstIndex(where: { $0 == " " }) { target = String(target[..<space]) }
            if target.hasPrefix("<"), target.hasSuffix(">") { target = String(target.dropFirst().dropLast()) }
            return (text, target, k + 1)
        }
        if next < chars.count, chars[next] == "[",
            let refClose = chars[next...].firstIndex(of: "]")
        {
            return (text, nil, refClose + 1)
        }
        return nil
    }

    private static let entities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "#39": "'",
    ]

    private static func entity(_ chars: [Character], from start: Int) -> (String, Int)? {
        var j = start + 1
        while j < chars.count, j - start <= 8, chars[j] != ";" {
            guard chars[j].isLetter || chars[j].isNumber || chars[j] == "#" else { return nil }
            j += 1
        }
        guard j < chars.count, chars[j] == ";" else { return nil }
        let name = String(chars[(start + 1)..<j])
        if let known = entities[name] { return (known, j - start + 1) }
        if name.hasPrefix("#"), let code = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(code) {
            return (String(Character(scalar)), j - start + 1)
        }
        return nil
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
