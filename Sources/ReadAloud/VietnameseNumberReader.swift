/// Reads numbers aloud in Vietnamese.
///
/// The rules (northern forms unless ``southern`` is set):
/// - 1 after *mươi* is *mốt* (21 → hai mươi mốt) but *một* after *mười* (11 → mười một);
/// - 5 after *mười*/*mươi* is *lăm* (15, 25), *năm* elsewhere (105 → một trăm linh năm);
/// - a zero tens digit after hundreds is *linh* (southern *lẻ*);
/// - groups: *nghìn* (southern *ngàn*), *triệu*, *tỷ*; a group inside a larger number is read in
///   full (2019 → hai nghìn **không trăm** mười chín); all-zero groups are skipped.
public struct VietnameseNumberReader: Sendable, Hashable {
    /// Southern forms: *lẻ* for a zero tens digit and *ngàn* for thousand.
    public var southern: Bool

    public init(southern: Bool = false) { self.southern = southern }

    static let digitWords = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]

    var thousandWord: String { southern ? "ngàn" : "nghìn" }
    var zeroTensWord: String { southern ? "lẻ" : "linh" }

    /// `n` in words: `2019` → `hai nghìn không trăm mười chín`.
    public func read(_ n: UInt64) -> String { words(n).joined(separator: " ") }

    /// `n` in words, as a list of syllables.
    public func words(_ n: UInt64) -> [String] {
        if n == 0 { return ["không"] }
        var out: [String] = []
        appendWords(n, full: false, into: &out)
        return out
    }

    private func appendWords(_ n: UInt64, full: Bool, into out: inout [String]) {
        let billion: UInt64 = 1_000_000_000
        if n >= billion {
            // Above a billion the count of billions is itself a number (5.000 tỷ → năm nghìn tỷ).
            appendWords(n / billion, full: full, into: &out)
            out.append("tỷ")
            let low = n % billion
            if low > 0 { appendBelowBillion(Int(low), full: true, into: &out) }
        } else {
            appendBelowBillion(Int(n), full: full, into: &out)
        }
    }

    private func appendBelowBillion(_ n: Int, full: Bool, into out: inout [String]) {
        var started = full
        let millions = n / 1_000_000
        let thousands = (n / 1000) % 1000
        let rest = n % 1000
        if millions > 0 {
            appendTriple(millions, full: started, into: &out)
            out.append("triệu")
            started = true
        }
        if thousands > 0 {
            appendTriple(thousands, full: started, into: &out)
            out.append(thousandWord)
            started = true
        }
        if rest > 0 { appendTriple(rest, full: started, into: &out) }
    }

    /// 1…999; `full` when the group follows a larger one (then hundreds and *linh* are always said).
    private func appendTriple(_ n: Int, full: Bool, into out: inout [String]) {
        let hundreds = n / 100
        let tens = (n / 10) % 10
        let units = n % 10
        let saysHundreds = hundreds > 0 || full
        if saysHundreds {
            out.append(Self.digitWords[hundreds])
            out.append("trăm")
        }
        switch tens {
        case 0:
            guard units > 0 else { return }
            if saysHundreds { out.append(zeroTensWord) }
            out.append(Self.digitWords[units])
        case 1:
            out.append("mười")
            if units == 5 {
                out.append("lăm")
            } else if units > 0 {
                out.append(Self.digitWords[units])
            }
        default:
            out.append(Self.digitWords[tens])
            out.append("mươi")
            switch units {
            case 0: break
            case 1: out.append("mốt")
            case 5: out.append("lăm")
            default: out.append(Self.digitWords[units])
            }
        }
    }

    /// Digits one by one (`0912` → `không chín một hai`), for phone numbers and codes.
    public func readDigits<S: Sequence>(_ digits: S) -> String where S.Element == Int {
        digits.map { Self.digitWords[$0] }.joined(separator: " ")
    }

    /// A decimal written with a decimal comma: the fraction is read as a number after its leading
    /// zeros (`4,5` → bốn phẩy năm, `4,05` → bốn phẩy không năm, `0,25` → không phẩy hai mươi lăm).
    public func readDecimal(integer: UInt64, fractionDigits: [Int]) -> String {
        var out = words(integer)
        out.append("phẩy")
        var i = 0
        while i < fractionDigits.count - 1, fractionDigits[i] == 0 {
            out.append("không")
            i += 1
        }
        var rest: UInt64 = 0
        for d in fractionDigits[i...] { rest = rest &* 10 &+ UInt64(d) }
        if fractionDigits.count - i > 18 {
            out.append(readDigits(fractionDigits[i...]))
        } else {
            out += words(rest)
        }
        return out.joined(separator: " ")
    }

    /// An ordinal after *thứ*: 1 → nhất, 4 → tư, otherwise the number.
    public func readOrdinal(_ n: UInt64) -> String {
        switch n {
        case 1: "nhất"
        case 4: "tư"
        default: read(n)
        }
    }

    /// A month: 4 → tư (tháng tư), otherwise the number.
    public func readMonth(_ n: Int) -> String { n == 4 ? "tư" : read(UInt64(n)) }
}
