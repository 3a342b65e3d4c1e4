/// Makes HTML from an item body safe to publish: every HTML output (static portal pages, the HTML part
/// of emails, WordPress, Zalo) goes through here, by way of ``Markdown/html(_:)``.
///
/// Markdown lets an officer write raw HTML, and item bodies come from a folder any officer can write
/// to, so the HTML Ink produces is re-tokenised and rebuilt from an allow-list:
/// - tags outside the list disappear (their text stays, escaped); `script`, `style`, `iframe` and the
///   like disappear with their content;
/// - only the listed attributes of a tag survive; every value is decoded and re-escaped, so a `"` in a
///   Markdown link cannot start a new attribute;
/// - `href` and `src` keep only `http:`, `https:` and (for links) `mailto:` URLs, or URLs without a
///   scheme (`/tin-tuc/bai-1`, `#muc-2`); `javascript:`, `data:` and anything with control characters
///   are dropped;
/// - comments, doctypes and processing instructions are dropped; open tags are closed at the end.
public enum HTMLSanitizer {
    /// Allowed tags and, for each, its allowed attributes.
    static let allowed: [String: Set<String>] = [
        "p": [], "br": [], "hr": [], "h1": [], "h2": [], "h3": [], "h4": [], "h5": [], "h6": [],
        "strong": [], "b": [], "em": [], "i": [], "u": [], "s": [], "del": [], "ins": [], "mark": [],
        "sub": [], "sup": [], "small": [], "code": ["class"], "pre": [], "blockquote": [], "q": [],
        "ul": [], "ol": ["start"], "li": [], "dl": [], "dt": [], "dd": [],
        "a": ["href", "title"], "img": ["src", "alt", "title", "width", "height"],
        "table": [], "thead": [], "tbody": [], "tfoot": [], "tr": [], "th": ["align"], "td": ["align"],
        "caption": [], "figure": [], "figcaption": [], "span": [], "div": [],
    ]

    /// Elements that have no end tag.
    static let void: Set<String> = ["br", "hr", "img"]

    /// Elements dropped together with everything inside them.
    static let dropWithContent: Set<String> = [
        "script", "style", "iframe", "object", "embed", "noscript", "template", "textarea", "title", "svg", "math",
        "frameset", "frame", "noembed", "noframes", "xmp", "select", "applet", "head",
    ]

    /// The HTML with only allow-listed tags, attributes and URLs.
    public static func sanitize(_ html: String) -> String {
        var state = State(input: Array(html.utf8))
        state.run()
        return state.output
    }

    /// Whether a URL may appear in `href` (`link: true`) or `src`.
    public static func isSafeURL(_ raw: String, link: Bool) -> Bool {
        let url = raw.trimmingASCIIWhitespace()
        // Browsers skip tabs and newlines inside a scheme ("java\tscript:"); refuse them outright.
        guard !url.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return false }
        guard let colon = url.firstIndex(of: ":") else { return true }
        let beforeColon = url[..<colon]
        // A ':' after a '/', '?' or '#' is not a scheme separator: a relative URL.
        if beforeColon.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { return true }
        let scheme = beforeColon.lowercased()
        return scheme == "http" || scheme == "https" || (link && scheme == "mailto")
    }

    private struct State {
        let input: [UInt8]
        var i = 0
        var output = ""
        /// Allowed elements open in the output, innermost last.
        var open: [String] = []

        init(input: [UInt8]) {
            self.input = input
            output.reserveCapacity(input.count)
        }

        mutating func run() {
            var textStart = i
            while i < input.count {
                let c = input[i]
                if c == UInt8(ascii: "<") {
                    flushText(from: textStart, to: i)
                    tag()
                    textStart = i
                } else {
                    i += 1
                }
            }
            flushText(from: textStart, to: input.count)
            for name in open.reversed() { output += "</\(name)>" }
        }

        /// Text between tags: `<` never reaches here; `>` and a `&` that starts no entity are escaped.
        mutating func flushText(from start: Int, to end: Int) {
            guard start < end else { return }
            var j = start
            var runStart = start
            while j < end {
                let c = input[j]
                if c == UInt8(ascii: ">") || (c == UInt8(ascii: "&") && !startsEntity(at: j, end: end)) {
                    output += String(decoding: input[runStart..<j], as: UTF8.self)
                    output += c == UInt8(ascii: ">") ? "&gt;" : "&amp;"
                    runStart = j + 1
                }
                j += 1
            }
            output += String(decoding: input[runStart..<end], as: UTF8.self)
        }

        func startsEntity(at j: Int, end: Int) -> Bool {
            var k = j + 1
            guard k < end else { return false }
            if input[k] == UInt8(ascii: "#") {
                k += 1
                var hex = false
                if k < end, input[k] == UInt8(ascii: "x") || input[k] == UInt8(ascii: "X") {
                    hex = true
                    k += 1
                }
                let digitsStart = k
                while k < end, k - digitsStart < 8,
                    isDigit(input[k]) || (hex && isHexLetter(input[k]))
                {
                    k += 1
                }
                return k > digitsStart && k < end && input[k] == UInt8(ascii: ";")
            }
            let nameStart = k
            while k < end, k - nameStart < 32, isAlpha(input[k]) || isDigit(input[k]) { k += 1 }
            return k > nameStart && k < end && input[k] == UInt8(ascii: ";")
        }

        /// At a `<`: a tag, a comment, or a lone `<` (escaped).
        mutating func tag() {
            let start = i
            guard i + 1 < input.count else {
                output += "&lt;"
                i += 1
                return
            }
            let next = input[i + 1]
            if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                if matches("<!--", at: i) {
                    i = find("-->", from: i + 4).map { $0 + 3 } ?? input.count
                } else {
                    i = find(">", from: i + 2).map { $0 + 1 } ?? input.count
                }
                return
            }
            let closing = next == UInt8(ascii: "/")
            let nameStart = closing ? i + 2 : i + 1
            guard nameStart < input.count, isAlpha(input[nameStart]) else {
                output += "&lt;"
                i = start + 1
                return
            }
            var k = nameStart
            while k < input.count, isAlpha(input[k]) || isDigit(input[k]) || input[k] == UInt8(ascii: "-") { k += 1 }
            let name = String(decoding: input[nameStart..<k], as: UTF8.self).lowercased()
            i = k
            let attributes = readAttributes()
            if closing {
                closeTag(name)
                return
            }
            if HTMLSanitizer.dropWithContent.contains(name) {
                skipContent(of: name)
                return
            }
            guard let allowedAttributes = HTMLSanitizer.allowed[name] else { return }
            var out = "<" + name
            for (attribute, value) in attributes where allowedAttributes.contains(attribute) {
                guard let value, let kept = HTMLSanitizer.keep(attribute: attribute, value: value, tag: name) else {
                    continue
                }
                out += " \(attribute)=\"\(TextEscaping.html(kept))\""
            }
            out += ">"
            output += out
            if !HTMLSanitizer.void.contains(name) { open.append(name) }
        }

        mutating func closeTag(_ name: String) {
            guard HTMLSanitizer.allowed[name] != nil, let index = open.lastIndex(of: name) else { return }
            for inner in open[index...].reversed() { output += "</\(inner)>" }
            open.removeSubrange(index...)
        }

        /// Reads attributes up to and including the tag's `>`. Values are decoded.
        mutating func readAttributes() -> [(String, String?)] {
            var out: [(String, String?)] = []
            while i < input.count {
                skipSpaceAndSlashes()
                guard i < input.count else { break }
                if input[i] == UInt8(ascii: ">") {
                    i += 1
                    break
                }
                let nameStart = i
                while i < input.count, !isSpace(input[i]), input[i] != UInt8(ascii: "="),
                    input[i] != UInt8(ascii: ">"), input[i] != UInt8(ascii: "/")
                {
                    i += 1
                }
                if i == nameStart {
                    i += 1
                    continue
                }
                let name = String(decoding: input[nameStart..<i], as: UTF8.self).lowercased()
                skipSpace()
                guard i < input.count, input[i] == UInt8(ascii: "=") else {
                    out.append((name, nil))
                    continue
                }
                i += 1
                skipSpace()
                guard i < input.count else { break }
                let quote = input[i]
                var value: String
                if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                    let valueStart = i + 1
                    let end = find(String(UnicodeScalar(quote)), from: valueStart) ?? input.count
                    value = String(decoding: input[valueStart..<end], as: UTF8.self)
                    i = min(end + 1, input.count)
                } else {
                    let valueStart = i
                    while i < input.count, !isSpace(input[i]), input[i] != UInt8(ascii: ">") { i += 1 }
                    value = String(decoding: input[valueStart..<i], as: UTF8.self)
                }
                value = HTMLSanitizer.decodeEntities(value)
                out.append((name, value))
            }
            return out
        }

        /// Skips to the end of the matching end tag, counting nested elements of the same name.
        mutating func skipContent(of name: String) {
            var depth = 1
            let lower = Array(name.utf8)
            while i < input.count {
                guard let lt = find("<", from: i) else {
                    i = input.count
                    return
                }
                i = lt + 1
                let closing = i < input.count && input[i] == UInt8(ascii: "/")
                let nameStart = closing ? i + 1 : i
                guard nameStart + lower.count <= input.count,
                    zip(input[nameStart..<(nameStart + lower.count)], lower).allSatisfy({ lowercase($0) == $1 })
                else { continue }
                let after = nameStart + lower.count
                if after < input.count, isAlpha(input[after]) || isDigit(input[after]) { continue }
                depth += closing ? -1 : 1
                if depth == 0 {
                    i = find(">", from: after).map { $0 + 1 } ?? input.count
                    return
                }
            }
        }

        mutating func skipSpace() { while i < input.count, isSpace(input[i]) { i += 1 } }

        mutating func skipSpaceAndSlashes() {
            while i < input.count, isSpace(input[i]) || input[i] == UInt8(ascii: "/") { i += 1 }
        }

        func matches(_ s: String, at j: Int) -> Bool {
            let bytes = Array(s.utf8)
            guard j + bytes.count <= input.count else { return false }
            return Array(input[j..<(j + bytes.count)]) == bytes
        }

        func find(_ s: String, from j: Int) -> Int? {
            let bytes = Array(s.utf8)
            var k = j
            while k + bytes.count <= input.count {
                if input[k] == bytes[0] && matches(s, at: k) { return k }
                k += 1
            }
            return nil
        }
    }

    /// The value an attribute keeps, or nil when it is dropped.
    static func keep(attribute: String, value: String, tag: String) -> String? {
        switch attribute {
        case "href": return isSafeURL(value, link: true) ? value.trimmingASCIIWhitespace() : nil
        case "src": return isSafeURL(value, link: false) ? value.trimmingASCIIWhitespace() : nil
        case "class":
            // Ink marks fenced code with its language: `language-swift`.
            let ok =
                value.hasPrefix("language-") && value.count <= 40
                && value.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "+" || $0 == "#"
                }
            return ok ? value : nil
        case "align": return ["left", "center", "right"].contains(value.lowercased()) ? value.lowercased() : nil
        case "start", "width", "height":
            return !value.isEmpty && value.count <= 6 && value.allSatisfy(\.isASCIIDigit) ? value : nil
        default: return value
        }
    }

    /// Decodes the character references in an attribute value (named ones: the common few).
    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semi = after.prefix(12).firstIndex(of: ";") {
                let name = after[..<semi]
                var decoded: String?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    decoded = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                } else if name.hasPrefix("#") {
                    decoded = UInt32(name.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init).map { String($0) }
                } else {
                    decoded =
                        ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}"][
                            String(name)]
                }
                if let decoded {
                    out += decoded
                    rest = after[after.index(after: semi)...]
                    continue
                }
            }
            out += "&"
            rest = after
        }
        out += rest
        return out
    }
}

private func isAlpha(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
}
private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
private func isHexLetter(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
}
private func isSpace(_ c: UInt8) -> Bool {
    c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r")
        || c == 0x0C
}
private func lowercase(_ c: UInt8) -> UInt8 {
    c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c + 32 : c
}

extension String {
    fileprivate func trimmingASCIIWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars
        while let f = scalars.first, f.value <= 0x20 { scalars.removeFirst() }
        while let l = scalars.last, l.value <= 0x20 { scalars.removeLast() }
        return String(scalars)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
