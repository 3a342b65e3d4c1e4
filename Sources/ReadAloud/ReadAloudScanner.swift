import Foundation

/// The single pass of ``ReadAloudNormalizer`` over one line of text, as Unicode scalars.
///
/// Hand-written rather than a chain of regular expressions: the rules depend on the word before a
/// number (*ngày*, *tháng*, *thứ*) and on what follows it (a symbol code, a unit), and one pass
/// keeps the whole corpus well under the time budget (docs/performance.md).
struct ReadAloudScanner {
    let dictionary: ReadAloudDictionary
    let options: ReadAloudOptions
    let numbers: VietnameseNumberReader
    var unknown: Set<String> = []

    private var s: [Unicode.Scalar] = []
    private var out = ""
    /// The last word emitted from the source, lowercased; empty after punctuation.
    private var lastWord = ""
    private var lastWasNumber = false
    private var capitalizeNext = true

    init(dictionary: ReadAloudDictionary, options: ReadAloudOptions) {
        self.dictionary = dictionary
        self.options = options
        numbers = VietnameseNumberReader(southern: options.southern)
    }

    // MARK: Character classes

    static func isWordScalar(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") }
        let p = c.properties
        return p.isAlphabetic || p.generalCategory == .nonspacingMark || p.generalCategory == .decimalNumber
    }

    static func isLetter(_ c: Unicode.Scalar) -> Bool { isWordScalar(c) && !isDigit(c) }
    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
    static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\u{A0}" || c == "\r" }

    private func at(_ i: Int) -> Unicode.Scalar? { i >= 0 && i < s.count ? s[i] : nil }
    private func isDigitAt(_ i: Int) -> Bool { at(i).map(Self.isDigit) ?? false }
    private func isLetterAt(_ i: Int) -> Bool { at(i).map(Self.isLetter) ?? false }
    private func isWordAt(_ i: Int) -> Bool { at(i).map(Self.isWordScalar) ?? false }
    private func isSpaceAt(_ i: Int) -> Bool { at(i).map(Self.isSpace) ?? false }

    // MARK: Output

    private mutating func emit(_ word: String) {
        guard !word.isEmpty else { return }
        if !out.isEmpty { out += " " }
        if capitalizeNext, let first = word.first {
            out += first.uppercased() + word.dropFirst()
        } else {
            out += word
        }
        capitalizeNext = false
    }

    private mutating func emitPunctuation(_ p: Character) {
        // `Đăng ngày: 10/01/2019` — the word before a colon still governs the date after it.
        if p != ":" { lastWord = "" }
        lastWasNumber = false
        guard let last = out.last else { return }  // nothing to pace at the start of a line
        if ".,;:!?…".contains(last) {
            // Keep one mark: a stronger one replaces a comma-like one (`,.` → `.`).
            if ".!?…".contains(p) && ",;:".contains(last) {
                out.removeLast()
                out.append(p)
            }
        } else {
            out.append(p)
        }
        if ".!?".contains(p) { capitalizeNext = true }
    }

    // MARK: The pass

    /// Normalises one line.
    mutating func line(_ scalars: [Unicode.Scalar]) -> String {
        s = scalars
        out = ""
        lastWord = ""
        lastWasNumber = false
        capitalizeNext = true
        var i = skipLinePrefix()
        var chunkStart = true
        while i < s.count {
            let c = s[i]
            if Self.isSpace(c) {
                i += 1
                chunkStart = true
                continue
            }
            if chunkStart, let end = urlOrEmailEnd(from: i) {
                i = end
                chunkStart = false
                continue
            }
            chunkStart = c == "(" || c == "\"" || c == "“"
            if Self.isDigit(c) {
                i = number(at: i)
            } else if Self.isWordScalar(c) {
                i = word(at: i)
            } else {
                i = symbol(at: i)
            }
        }
        return out
    }

    /// Skips Markdown line prefixes (headings, quotes, bullets) and reads a Roman-numbered heading.
    private mutating func skipLinePrefix() -> Int {
        var i = 0
        while true {
            while isSpaceAt(i) { i += 1 }
            guard let c = at(i) else { return i }
            if c == "#" || c == ">" {
                while at(i) == c { i += 1 }
                continue
            }
            if (c == "-" || c == "*" || c == "+" || c == "•") && (isSpaceAt(i + 1) || isLetterAt(i + 1)) {
                // A bullet (`- Tuyên truyền`, `-Tuyên truyền`), not a negative number or a rule.
                i += 1
                continue
            }
            break
        }
        // A horizontal rule or table separator (`---`, `|---|---|`) carries nothing.
        if s[i...].allSatisfy({ "-*_|:= \t".unicodeScalars.contains($0) }) { return s.count }
        // Roman-numbered heading: `II. NỘI DUNG` → `Hai. Nội dung`.
        var j = i
        while let c = at(j), "IVXLC".unicodeScalars.contains(c) { j += 1 }
        if j > i, let p = at(j), p == "." || p == ")", isSpaceAt(j + 1),
            let value = Self.romanValue(String(String.UnicodeScalarView(s[i..<j])))
        {
            emit(numbers.read(UInt64(value)))
            emitPunctuation(".")
            return j + 1
        }
        return i
    }

    /// If a URL or e-mail address starts at `i`, the index after it (trailing punctuation excluded).
    private func urlOrEmailEnd(from i: Int) -> Int? {
        var j = i
        while j < s.count, !Self.isSpace(s[j]) { j += 1 }
        guard j - i >= 5 else { return nil }
        let chunk = String(String.UnicodeScalarView(s[i..<j]))
        let lower = chunk.lowercased()
        var isLink = lower.contains("://") || lower.hasPrefix("www.")
        if !isLink, let at = chunk.firstIndex(of: "@"), chunk[chunk.index(after: at)...].contains(".") {
            isLink = chunk[..<at].contains { $0.isLetter || $0.isNumber }
        }
        guard isLink else { return nil }
        // `(tại https://x.vn).` keeps its `).`
        while j > i, ".,;:!?)]\"”".unicodeScalars.contains(s[j - 1]) { j -= 1 }
        return j
    }

    // MARK: Words

    private mutating func word(at start: Int) -> Int {
        var i = start
        while isWordAt(i) { i += 1 }
        let word = String(String.UnicodeScalarView(s[start..<i]))
        // Dictionary: longest key first; the words of a key are separated by a space or a hyphen.
        for candidate in dictionary.candidates(startingWith: word) {
            if let end = match(candidate.words, firstEnd: i) {
                emit(candidate.reading)
                lastWord = ""
                lastWasNumber = false
                return end
            }
        }
        let letters = word.unicodeScalars.filter { Self.isLetter($0) }
        let allCaps =
            letters.count >= 2 && word.unicodeScalars.allSatisfy { !Self.isLetter($0) || $0.properties.isUppercase }
        if allCaps || (letters.count == 1 && Self.romanContext.contains(lastWord)) {
            if let value = Self.romanValue(word),
                word.unicodeScalars.allSatisfy({ "IVX".unicodeScalars.contains($0) })
            {
                emit(numbers.read(UInt64(value)))
                lastWord = ""
                lastWasNumber = true
                return i
            }
        }
        if allCaps {
            let lower = word.lowercased()
            if Self.isVietnameseSyllable(lower) {
                // A heading in capitals (`KẾ HOẠCH`): ordinary words.
                emit(lower)
                lastWord = lower
            } else {
                unknown.insert(word)
                emit(word)
                lastWord = ""
            }
            lastWasNumber = false
            return i
        }
        emit(word)
        lastWord = word.lowercased()
        lastWasNumber = false
        return i
    }

    /// The end of a multi-word key whose first word ends at `firstEnd`, or nil.
    private func match(_ words: [String], firstEnd: Int) -> Int? {
        var i = firstEnd
        for w in words.dropFirst() {
            guard let sep = at(i), sep == " " || sep == "-" else { return nil }
            i += 1
            let start = i
            while isWordAt(i) { i += 1 }
            guard String(String.UnicodeScalarView(s[start..<i])) == w else { return nil }
        }
        // Whole words only: a key never matches the start of a longer word.
        return isWordAt(i) ? nil : i
    }

    static let romanContext: Set<String> = ["khóa", "khoá", "phần", "chương", "mục", "quý", "kỳ", "hội", "kỷ"]

    static func romanValue(_ text: String) -> Int? {
        let values: [Character: Int] = ["I": 1, "V": 5, "X": 10, "L": 50, "C": 100]
        var total = 0
        var previous = 0
        for ch in text.reversed() {
            guard let v = values[ch] else { return nil }
            if v < previous { total -= v } else { total += v }
            previous = max(previous, v)
        }
        guard total > 0, roman(total) == text else { return nil }
        return total
    }

    private static func roman(_ n: Int) -> String {
        let table: [(Int, String)] = [
            (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
        ]
        var n = n
        var out = ""
        for (v, r) in table {
            while n >= v {
                out += r
                n -= v
            }
        }
        return out
    }

    /// Whether a lowercase word is a possible Vietnamese syllable (then capitals are a heading, not
    /// an abbreviation): optional initial consonant, one to three vowels, optional final consonant.
    static func isVietnameseSyllable(_ word: String) -> Bool {
        let base = word.folding(options: .diacriticInsensitive, locale: nil).replacingOccurrences(of: "đ", with: "d")
        guard base.unicodeScalars.allSatisfy({ $0 >= "a" && $0 <= "z" }) else { return false }
        let initials = [
            "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "g", "h", "k", "l", "m",
            "n", "p", "r", "s", "t", "v", "x", "",
        ]
        let finals = ["ng", "nh", "ch", "c", "m", "n", "p", "t", ""]
        for initial in initials where base.hasPrefix(initial) {
            let rest = base.dropFirst(initial.count)
            for final in finals where rest.hasSuffix(final) {
                let middle = rest.dropLast(final.count)
                if (1...3).contains(middle.count), middle.allSatisfy({ "aeiouy".contains($0) }) { return true }
            }
        }
        return false
    }

    // MARK: Symbols and punctuation

    private mutating func symbol(at i: Int) -> Int {
        let c = s[i]
        switch c {
        case ".":
            if at(i + 1) == ".", at(i + 2) == "." {
                emitPunctuation("…")
                var j = i
                while at(j) == "." { j += 1 }
                return j
            }
            emitPunctuation(".")
        case "…": emitPunctuation("…")
        case ",", ";", ":", "?": emitPunctuation(Character(c))
        case "/":
            // `tỉnh./.` — the closing mark of Vietnamese official texts.
            if at(i + 1) == "." { return i + 2 }
            emitPunctuation(",")
        case "–", "—", "-":
            var j = i + 1
            while isSpaceAt(j) { j += 1 }
            if lastWasNumber && isDigitAt(j) {
                emit("đến")  // `2021 - 2030`
                lastWasNumber = false
            } else if c != "-" || (isSpaceAt(i - 1) && isSpaceAt(i + 1)) {
                // A dash between words is a pause; a hyphen (`chính trị- hành chính`) only separates.
                emitPunctuation(",")
            }
        case "(":
            if let close = closing(of: i, open: "(", close: ")"), dropsParenthesis(i + 1, close) { return close + 1 }
        case "[":
            // A Markdown link keeps its text; any other bracket is an artefact (`[1]`, `[Ảnh]`).
            guard let close = closing(of: i, open: "[", close: "]") else { return i + 1 }
            if at(close + 1) == "(", let end = closing(of: close + 1, open: "(", close: ")") {
                let inner = Array(s[(i + 1)..<close])
                var sub = self
                sub.out = ""
                let text = sub.line(inner)
                unknown.formUnion(sub.unknown)
                emit(text)
                return end + 1
            }
            return close + 1
        case "!":
            if at(i + 1) == "[", let close = closing(of: i + 1, open: "[", close: "]") {
                // A Markdown image: nothing to read.
                if at(close + 1) == "(", let end = closing(of: close + 1, open: "(", close: ")") { return end + 1 }
                return close + 1
            }
            emitPunctuation("!")
        case "<":
            // An HTML tag.
            if let n = at(i + 1), Self.isLetter(n) || n == "/" || n == "!",
                let close = closing(of: i, open: "<", close: ">")
            {
                return close + 1
            }
        case "%":
            emit("phần trăm")
        case "&":
            emit("và")
        case "|":
            emitPunctuation(",")
        default:
            break  // quotes, emphasis marks, other symbols: not read
        }
        return i + 1
    }

    private func closing(of i: Int, open: Unicode.Scalar, close: Unicode.Scalar) -> Int? {
        var depth = 0
        var j = i
        while j < s.count {
            if s[j] == open { depth += 1 }
            if s[j] == close {
                depth -= 1
                if depth == 0 { return j }
            }
            j += 1
        }
        return nil
    }

    /// A parenthesis is dropped when it repeats an abbreviation (`thủ tục hành chính (TTHC)`), is a
    /// reference number (`(1)`) or is empty; otherwise only the brackets go.
    private func dropsParenthesis(_ from: Int, _ to: Int) -> Bool {
        let inner = s[from..<to]
        let letters = inner.filter { Self.isLetter($0) }
        if letters.isEmpty { return true }
        return inner.allSatisfy { !Self.isLetter($0) || $0.properties.isUppercase || $0 == " " }
            && !inner.contains(where: Self.isDigit)
    }

    // MARK: Numbers

    private func digits(at i: Int) -> (value: [Int], end: Int) {
        var j = i
        var d: [Int] = []
        while let c = at(j), Self.isDigit(c) {
            d.append(Int(c.value - 48))
            j += 1
        }
        return (d, j)
    }

    private static func value(_ d: [Int]) -> UInt64? {
        guard d.count <= 18 else { return nil }
        return d.reduce(UInt64(0)) { $0 * 10 + UInt64($1) }
    }

    private mutating func emitNumber(_ d: [Int]) {
        if let v = Self.value(d), !(d.count >= 4 && d.first == 0) {
            if lastWord == "thứ" {
                emit(numbers.readOrdinal(v))
            } else if lastWord == "tháng", (1...12).contains(v) {
                emit(numbers.readMonth(Int(v)))
            } else {
                emit(numbers.read(v))
            }
        } else {
            // A phone number or a code: digit by digit.
            emit(numbers.readDigits(d))
        }
        lastWord = ""
        lastWasNumber = true
    }

    private mutating func emitDate(day: Int?, month: Int, year: [Int]?) {
        if let day {
            if lastWord != "ngày" { emit("ngày") }
            emit(numbers.read(UInt64(day)))
            emit("tháng")
        } else if lastWord != "tháng" {
            emit("tháng")
        }
        emit(numbers.readMonth(month))
        if let year, let y = Self.value(year) {
            emit("năm")
            emit(numbers.read(y))
        }
        lastWord = ""
        lastWasNumber = true  // `01/01 - 31/12` is a range
    }

    private mutating func number(at start: Int) -> Int {
        let (a, e1) = digits(at: start)
        let aValue = Self.value(a) ?? 0
        let next = at(e1)
        if next == "/" {
            let (b, e2) = digits(at: e1 + 1)
            if !b.isEmpty {
                let bValue = Self.value(b) ?? 0
                if at(e2) == "/", isDigitAt(e2 + 1) {
                    let (y, e3) = digits(at: e2 + 1)
                    if (1...31).contains(aValue), (1...12).contains(bValue), y.count == 4 || y.count == 2,
                        !isLetterAt(e3), !(at(e3) == "/" && isLetterAt(e3 + 1))
                    {
                        emitDate(day: Int(aValue), month: Int(bValue), year: y)
                        return e3
                    }
                }
                if at(e2) == "/", isLetterAt(e2 + 1), b.count == 4 {
                    // `02/2017/TT-VPCP`: number, year, symbol.
                    emitNumber(a)
                    emit("năm")
                    emitNumber(b)
                    return documentSymbol(at: e2 + 1)
                }
                if (1...12).contains(aValue), b.count == 4, at(e2) != "/", !isWordAt(e2) {
                    emitDate(day: nil, month: Int(aValue), year: b)  // `tháng 11/2026`
                    return e2
                }
                if (1...31).contains(aValue), (1...12).contains(bValue), b.count <= 2, at(e2) != "/", !isWordAt(e2) {
                    emitDate(day: Int(aValue), month: Int(bValue), year: nil)  // `02/9`
                    return e2
                }
            } else if isLetterAt(e1 + 1) {
                emitNumber(a)
                return documentSymbol(at: e1 + 1)  // `05/KH-UBND`
            }
            emitNumber(a)
            return e1
        }
        if next == "-", isLetterAt(e1 + 1) {
            emitNumber(a)
            return documentSymbol(at: e1 + 1)  // `60-NQ/TU`
        }
        if next == "-" || next == "–", isDigitAt(e1 + 1) {
            emitNumber(a)
            emit("đến")  // `2021-2030`; the second number is read on the next step
            lastWasNumber = false
            return e1 + 1
        }
        if next == ":", isDigitAt(e1 + 1) {
            let (m, e2) = digits(at: e1 + 1)
            if aValue <= 24, m.count == 2, let mv = Self.value(m), mv < 60 {
                var end = e2
                var sec: UInt64?
                if at(e2) == ":", isDigitAt(e2 + 1) {
                    let (sd, e3) = digits(at: e2 + 1)
                    if sd.count == 2, let sv = Self.value(sd), sv < 60 {
                        sec = sv
                        end = e3
                    }
                }
                emitTime(hour: aValue, minute: mv, second: sec)
                return end
            }
        }
        if next == "h" || next == "g", !isLetterAt(e1 + 1) || isDigitAt(e1 + 1), aValue <= 24 {
            // `7h30`, `14h`, `9g15`.
            let (m, e2) = digits(at: e1 + 1)
            if !isLetterAt(e2), m.isEmpty || (m.count <= 2 && (Self.value(m) ?? 60) < 60) {
                emitTime(hour: aValue, minute: m.isEmpty ? nil : Self.value(m), second: nil)
                return e2
            }
        }
        // Thousands separators (`1.000.000`) and a decimal comma (`4,5`).
        var d = a
        var i = e1
        while at(i) == ".", isDigitAt(i + 1) {
            let (g, ge) = digits(at: i + 1)
            guard g.count == 3 else { break }
            d += g
            i = ge
        }
        if at(i) == ",", isDigitAt(i + 1) {
            let (f, fe) = digits(at: i + 1)
            if let v = Self.value(d) {
                emit(numbers.readDecimal(integer: v, fractionDigits: f))
                lastWord = ""
                lastWasNumber = true
                return unit(after: fe)
            }
        }
        emitNumber(d)
        return unit(after: i)
    }

    private mutating func emitTime(hour: UInt64, minute: UInt64?, second: UInt64?) {
        emit(numbers.read(hour))
        emit("giờ")
        if let minute, minute > 0 || (second ?? 0) > 0 {
            emit(numbers.read(minute))
            emit("phút")
        }
        if let second, second > 0 {
            emit(numbers.read(second))
            emit("giây")
        }
        lastWord = ""
        lastWasNumber = true  // `7h30 - 11h` is a range
    }

    /// Units and currency after a number (`100%`, `5 km`, `500.000đ`, `2 ha`).
    static let units: [(String, String)] = [
        ("km²", "ki-lô-mét vuông"), ("km2", "ki-lô-mét vuông"), ("m²", "mét vuông"), ("m2", "mét vuông"),
        ("m³", "mét khối"), ("m3", "mét khối"), ("kWh", "ki-lô-oát giờ"), ("km", "ki-lô-mét"),
        ("cm", "xăng-ti-mét"), ("mm", "mi-li-mét"), ("kg", "ki-lô-gam"), ("ha", "héc-ta"), ("MW", "mê-ga-oát"),
        ("kW", "ki-lô-oát"), ("GB", "gi-ga-bai"), ("MB", "mê-ga-bai"), ("°C", "độ xê"), ("VNĐ", "đồng"),
        ("VND", "đồng"), ("USD", "đô la Mỹ"), ("đ", "đồng"), ("m", "mét"), ("g", "gam"), ("l", "lít"),
    ]

    private func unitAt(_ i: Int) -> (reading: String, end: Int)? {
        for (unit, reading) in Self.units {
            let u = Array(unit.unicodeScalars)
            guard i + u.count <= s.count, Array(s[i..<(i + u.count)]) == u else { continue }
            if isWordAt(i + u.count) { continue }
            return (reading, i + u.count)
        }
        return nil
    }

    private mutating func unit(after i: Int) -> Int {
        if at(i) == "%" {
            emit("phần trăm")
            return i + 1
        }
        var j = i
        if isSpaceAt(j) { j += 1 }
        // A one-letter unit must be glued to its number (`5m`): `5 m` is more likely a word.
        if let (reading, end) = unitAt(j), j == i || end - j > 1 {
            emit(reading)
            lastWasNumber = false
            return end
        }
        return i
    }

    // MARK: Document symbols

    /// The symbol code of a document number (`KH-UBND`), read as ``ReadAloudOptions/documentSymbol`` says.
    private mutating func documentSymbol(at start: Int) -> Int {
        var i = start
        while let c = at(i), Self.isWordScalar(c) || ((c == "-" || c == "/") && isWordAt(i + 1)) { i += 1 }
        let code = String(String.UnicodeScalarView(s[start..<i]))
        let parts = code.split(whereSeparator: { $0 == "-" || $0 == "/" }).map(String.init)
        switch options.documentSymbol {
        case .omit:
            break
        case .expand:
            for part in parts {
                if let r = dictionary.symbolReading(part) {
                    emit(r)
                } else if part.allSatisfy(\.isNumber), let v = UInt64(part) {
                    emit(numbers.read(v))
                } else {
                    unknown.insert(part)
                    emit(Self.spell(part, numbers: numbers))
                }
            }
        case .spell:
            for part in parts { emit(Self.spell(part, numbers: numbers)) }
        }
        lastWord = ""
        lastWasNumber = false
        return i
    }

    /// Vietnamese letter names, for spelling codes.
    static let letterNames: [Character: String] = [
        "A": "a", "Ă": "á", "Â": "ớ", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e", "Ê": "ê", "F": "ép",
        "G": "giê", "H": "hát", "I": "i", "J": "gi", "K": "ca", "L": "e-lờ", "M": "em-mờ", "N": "en-nờ", "O": "o",
        "Ô": "ô", "Ơ": "ơ", "P": "pê", "Q": "cu", "R": "e-rờ", "S": "ét-xì", "T": "tê", "U": "u", "Ư": "ư",
        "V": "vê", "W": "vê-kép", "X": "ích-xì", "Y": "i-dài", "Z": "dét",
    ]

    static func spell(_ code: String, numbers: VietnameseNumberReader) -> String {
        code.map { ch -> String in
            if let d = ch.wholeNumberValue { return VietnameseNumberReader.digitWords[d] }
            let upper = Character(ch.uppercased())
            return letterNames[upper] ?? String(ch).lowercased()
        }.joined(separator: " ")
    }
}
