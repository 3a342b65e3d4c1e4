import Foundation

/// How a document number's symbol code (`KH-UBND` in `05/KH-UBND`) is read.
public enum DocumentSymbolTreatment: String, Sendable, Hashable, CaseIterable {
    /// Only the number: `Kế hoạch số 05/KH-UBND` → `Kế hoạch số năm` (what announcers usually say).
    case omit
    /// Each code through the dictionary: → `Kế hoạch số năm kế hoạch Ủy ban nhân dân`.
    case expand
    /// Each code letter by letter: → `Kế hoạch số năm ca hát u bê en-nờ đê`.
    case spell
}

/// Options of the read-aloud normaliser.
public struct ReadAloudOptions: Sendable, Hashable {
    /// Southern number forms (*lẻ*, *ngàn*).
    public var southern: Bool
    public var documentSymbol: DocumentSymbolTreatment

    public init(southern: Bool = false, documentSymbol: DocumentSymbolTreatment = .omit) {
        self.southern = southern
        self.documentSymbol = documentSymbol
    }
}

/// The normaliser's answer: the text to read, and the all-caps tokens it did not know.
public struct ReadAloudResult: Sendable, Hashable {
    public var text: String
    /// Unknown all-caps tokens (abbreviations missing from the dictionary), sorted, each once.
    public var unknownTokens: [String]
}

/// Rewrites Vietnamese text so that it can be read aloud (by an announcer or a speech synthesiser):
/// numbers, dates, times, ranges, percentages, ordinals, currency and units in words; abbreviations
/// from a dictionary; Markdown, URLs, e-mail addresses and bracketed artefacts removed; sentence
/// punctuation kept for pacing. Deterministic and allocation-light: a single pass over Unicode
/// scalars (Plugins/Radio/README.md lists every rule with examples).
public struct ReadAloudNormalizer: Sendable {
    public var dictionary: ReadAloudDictionary
    public var options: ReadAloudOptions

    public init(dictionary: ReadAloudDictionary = .builtin, options: ReadAloudOptions = ReadAloudOptions()) {
        self.dictionary = dictionary
        self.options = options
    }

    public func normalize(_ text: String) -> ReadAloudResult {
        var scanner = ReadAloudScanner(dictionary: dictionary, options: options)
        var lines: [String] = []
        let nfc = text.precomposedStringWithCanonicalMapping
        for line in nfc.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let out = scanner.line(Array(line.unicodeScalars))
            if !out.isEmpty { lines.append(out) }
        }
        return ReadAloudResult(text: lines.joined(separator: "\n"), unknownTokens: scanner.unknown.sorted())
    }
}

/// Counting syllables for reading-time estimates: Vietnamese writes one syllable per word, so a
/// syllable is a run of letters or digits (hyphenated loanwords like `ki-lô-mét` count each part).
public enum Syllables {
    public static func count(_ text: String) -> Int {
        var n = 0
        var inWord = false
        for s in text.unicodeScalars {
            let w = ReadAloudScanner.isWordScalar(s)
            if w && !inWord { n += 1 }
            inWord = w
        }
        return n
    }

    /// Seconds to read `syllables` at `rate` syllables a minute.
    public static func seconds(_ syllables: Int, rate: Double) -> Double {
        rate > 0 ? Double(syllables) * 60 / rate : 0
    }
}
