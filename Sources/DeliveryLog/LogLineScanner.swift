import Foundation

/// The fast reader of delivery-log lines that the reports use.
///
/// Why a hand-written scanner and not `JSONSerialization`/`JSONDecoder`: a yearly report reads a
/// million lines or more, and those decoders build a full object graph (every key, every value, a
/// dictionary per line) — several times slower than the whole report may take (docs/performance.md
/// has the figures). The scanner walks each line once, checks its structure, remembers where each
/// field of the contract (``LogField``) is, and skips everything else. It is a contract reader
/// (docs/delivery-log.md): fields it does not know are skipped whatever their type, keys may come in
/// any order (the writer sorts them, but nothing here relies on it), whitespace is allowed, string
/// escapes (`\"`, `\\`, `\n`, `\uXXXX` with surrogate pairs …) are decoded.
public struct LogLineScanner: Sendable {
    /// The fields are ``LogField``: every field of the contract is located, the readers take what they need.
    public typealias Field = LogField

    /// Where a value lies in the line (string contents without the quotes, or a number's text).
    public struct Span: Sendable {
        public var start: Int
        public var end: Int
        public var escaped: Bool
        public var isString: Bool
    }

    /// The located fields of one line.
    public struct RawFields: Sendable {
        var spans: [Span?] = Array(repeating: nil, count: Field.allCases.count)

        public init() {}

        public subscript(_ field: Field) -> Span? {
            get { spans[field.rawValue] }
            set { spans[field.rawValue] = newValue }
        }

        mutating func reset() {
            for i in spans.indices { spans[i] = nil }
        }
    }

    /// Keys by length, then bytes: a lookup without building a String per key.
    private let keyTable: [[(bytes: [UInt8], field: Field)]]

    public init() {
        var table: [[(bytes: [UInt8], field: Field)]] = Array(repeating: [], count: 16)
        for field in Field.allCases {
            let bytes = Array(field.name.utf8)
            table[bytes.count].append((bytes, field))
        }
        keyTable = table
    }

    /// Why a line is not a valid log object (Vietnamese, for the report's list of bad lines).
    public struct Failure: Error {
        public var reason: String
    }

    /// Scans one line (without its `\n`). Returns the fields found, or why the line is not a JSON object.
    public func scan(_ line: UnsafeBufferPointer<UInt8>, into fields: inout RawFields) throws(Failure) {
        fields.reset()
        var i = 0
        let n = line.count
        @inline(__always) func skipSpace() {
            while i < n {
                let c = line[i]
                if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A { i += 1 } else { break }
            }
        }
        skipSpace()
        guard i < n else { throw Failure(reason: "dòng trống") }
        guard line[i] == UInt8(ascii: "{") else { throw Failure(reason: "không phải đối tượng JSON") }
        i += 1
        skipSpace()
        if i < n && line[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace()
                guard i < n, line[i] == UInt8(ascii: "\"") else { throw Failure(reason: "thiếu tên trường") }
                let key = try scanString(line, &i)
                skipSpace()
                guard i < n, line[i] == UInt8(ascii: ":") else { throw Failure(reason: "thiếu dấu hai chấm") }
                i += 1
                skipSpace()
                guard i < n else { throw Failure(reason: "thiếu giá trị") }
                let field = key.escaped ? nil : lookup(line, key)
                let c = line[i]
                if c == UInt8(ascii: "\"") {
                    let span = try scanString(line, &i)
                    if let field { fields[field] = span }
                } else if c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) {
                    let start = i
                    while i < n {
                        let d = line[i]
                        if (d >= 0x30 && d <= 0x39) || d == UInt8(ascii: ".") || d == UInt8(ascii: "e")
                            || d == UInt8(ascii: "E") || d == UInt8(ascii: "+") || d == UInt8(ascii: "-")
                        {
                            i += 1
                        } else {
                            break
                        }
                    }
                    if let field { fields[field] = Span(start: start, end: i, escaped: false, isString: false) }
                } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                    try skipContainer(line, &i)
                } else {
                    try skipLiteral(line, &i)
                }
                skipSpace()
                guard i < n else { throw Failure(reason: "đối tượng JSON chưa đóng") }
                if line[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard line[i] == UInt8(ascii: "}") else { throw Failure(reason: "thiếu dấu phẩy giữa các trường") }
                i += 1
                break
            }
        }
        skipSpace()
        guard i == n else { throw Failure(reason: "có ký tự thừa sau đối tượng JSON") }
    }

    private func lookup(_ line: UnsafeBufferPointer<UInt8>, _ key: Span) -> Field? {
        let length = key.end - key.start
        guard length < keyTable.count else { return nil }
        for candidate in keyTable[length] {
            var same = true
            for j in 0..<length where line[key.start + j] != candidate.bytes[j] {
                same = false
                break
            }
            if same { return candidate.field }
        }
        return nil
    }

    /// `i` at the opening quote; leaves it after the closing one.
    private func scanString(_ line: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(Failure) -> Span {
        i += 1
        let start = i
        var escaped = false
        let n = line.count
        while i < n {
            let c = line[i]
            if c == UInt8(ascii: "\"") {
                let span = Span(start: start, end: i, escaped: escaped, isString: true)
                i += 1
                return span
            }
            if c == UInt8(ascii: "\\") {
                escaped = true
                i += 2
                continue
            }
            if c < 0x20 { throw Failure(reason: "ký tự điều khiển trong chuỗi") }
            i += 1
        }
        throw Failure(reason: "chuỗi chưa đóng")
    }

    private func skipLiteral(_ line: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(Failure) {
        for word in ["true", "false", "null"] {
            let bytes = Array(word.utf8)
            if i + bytes.count <= line.count {
                var same = true
                for j in 0..<bytes.count where line[i + j] != bytes[j] {
                    same = false
                    break
                }
                if same {
                    i += bytes.count
                    return
                }
            }
        }
        throw Failure(reason: "giá trị JSON không hợp lệ")
    }

    /// Skips a nested object or array (values the reports do not read), minding strings.
    private func skipContainer(_ line: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(Failure) {
        var depth = 0
        let n = line.count
        while i < n {
            let c = line[i]
            if c == UInt8(ascii: "\"") {
                _ = try scanString(line, &i)
                continue
            }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
            if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 {
                    i += 1
                    return
                }
            }
            i += 1
        }
        throw Failure(reason: "đối tượng JSON chưa đóng")
    }

    // MARK: - Values

    /// A string field's value, escapes decoded; nil when absent or not a string.
    public static func string(_ line: UnsafeBufferPointer<UInt8>, _ span: Span?) -> String? {
        guard let span, span.isString else { return nil }
        let slice = UnsafeBufferPointer(rebasing: line[span.start..<span.end])
        if !span.escaped { return String(decoding: slice, as: UTF8.self) }
        return unescape(slice)
    }

    /// Whether a string field equals `bytes` (no allocation; escaped values are decoded first).
    public static func equals(_ line: UnsafeBufferPointer<UInt8>, _ span: Span?, _ bytes: [UInt8]) -> Bool {
        guard let span, span.isString else { return false }
        if span.escaped { return string(line, span).map { Array($0.utf8) == bytes } ?? false }
        guard span.end - span.start == bytes.count else { return false }
        for j in 0..<bytes.count where line[span.start + j] != bytes[j] { return false }
        return true
    }

    /// Whether an unescaped string field starts with `bytes` (escaped values are decoded first).
    public static func hasPrefix(_ line: UnsafeBufferPointer<UInt8>, _ span: Span?, _ bytes: [UInt8]) -> Bool {
        guard let span, span.isString else { return false }
        if span.escaped { return string(line, span).map { $0.utf8.starts(with: bytes) } ?? false }
        guard span.end - span.start >= bytes.count else { return false }
        for j in 0..<bytes.count where line[span.start + j] != bytes[j] { return false }
        return true
    }

    public static func integer(_ line: UnsafeBufferPointer<UInt8>, _ span: Span?) -> Int? {
        guard let span, !span.isString else { return nil }
        var value = 0
        var negative = false
        var j = span.start
        if j < span.end && line[j] == UInt8(ascii: "-") {
            negative = true
            j += 1
        }
        guard j < span.end else { return nil }
        while j < span.end {
            let d = line[j]
            guard d >= 0x30 && d <= 0x39 else { return nil }
            value = value &* 10 &+ Int(d - 0x30)
            j += 1
        }
        return negative ? -value : value
    }

    public static func double(_ line: UnsafeBufferPointer<UInt8>, _ span: Span?) -> Double? {
        guard let span, !span.isString else { return nil }
        return Double(String(decoding: UnsafeBufferPointer(rebasing: line[span.start..<span.end]), as: UTF8.self))
    }

    /// RFC 3339 (`2026-11-25T08:00:02.123+07:00`, `…Z`, fractions of any length) → milliseconds since 1970.
    public static func timestamp(_ line: UnsafeBufferPointer<UInt8>, _ span: Span?) -> Int64? {
        guard let span, span.isString, !span.escaped else { return nil }
        let s = UnsafeBufferPointer(rebasing: line[span.start..<span.end])
        guard s.count >= 20 else { return nil }
        func digits(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for j in from..<(from + count) {
                let d = s[j]
                guard d >= 0x30 && d <= 0x39 else { return nil }
                v = v * 10 + Int(d - 0x30)
            }
            return v
        }
        guard s[4] == UInt8(ascii: "-"), s[7] == UInt8(ascii: "-"), s[10] == UInt8(ascii: "T") || s[10] == 0x74,
            s[13] == UInt8(ascii: ":"), s[16] == UInt8(ascii: ":"),
            let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2), let hour = digits(11, 2),
            let minute = digits(14, 2), let second = digits(17, 2), (1...12).contains(month), (1...31).contains(day),
            hour < 24, minute < 60, second < 61
        else { return nil }
        var j = 19
        var millis = 0
        if j < s.count && s[j] == UInt8(ascii: ".") {
            j += 1
            var scale = 100
            let start = j
            while j < s.count, s[j] >= 0x30 && s[j] <= 0x39 {
                millis += Int(s[j] - 0x30) * scale
                scale /= 10
                j += 1
            }
            guard j > start else { return nil }
        }
        guard j < s.count else { return nil }
        var offsetSeconds = 0
        if s[j] == UInt8(ascii: "Z") || s[j] == 0x7A {
            guard j + 1 == s.count else { return nil }
        } else {
            guard s[j] == UInt8(ascii: "+") || s[j] == UInt8(ascii: "-"), j + 6 == s.count,
                s[j + 3] == UInt8(ascii: ":"), let oh = digits(j + 1, 2), let om = digits(j + 4, 2)
            else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (s[j] == UInt8(ascii: "-") ? -1 : 1)
        }
        let days = CivilDate.dayNumber(year: year, month: month, day: day)
        let seconds = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return seconds * 1000 + Int64(millis)
    }

    public static func unescape(_ s: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var j = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= s.count else { return nil }
            var v: UInt32 = 0
            for k in at..<(at + 4) {
                let c = s[k]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: return nil
                }
                v = v * 16 + d
            }
            return v
        }
        func append(_ scalar: UInt32) {
            let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(u)).utf8))
        }
        while j < s.count {
            let c = s[j]
            guard c == UInt8(ascii: "\\"), j + 1 < s.count else {
                out.append(c)
                j += 1
                continue
            }
            let e = s[j + 1]
            j += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard let high = hex4(j) else {
                    append(0xFFFD)
                    continue
                }
                j += 4
                if (0xD800...0xDBFF).contains(high), j + 6 <= s.count, s[j] == UInt8(ascii: "\\"),
                    s[j + 1] == UInt8(ascii: "u"), let low = hex4(j + 2), (0xDC00...0xDFFF).contains(low)
                {
                    j += 6
                    append(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                } else {
                    append(high)
                }
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
