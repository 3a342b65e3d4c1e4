/// Text from outside (titles, file names, citizens' messages, servers' answers) made safe for a log line
/// or a terminal (issue 14): a newline in a title must not start a forged journald line (`<2>` reads as
/// *crit*), and an escape sequence in a citizen's message must not drive the officer's terminal.
///
/// Escapes are written `\u{1b}`-style as `\u001b`, so text that is already JSON stays valid JSON.
public enum SafeText {
    /// One log line: every control character escaped, newlines and tabs included (`\n`, `\t`).
    public static func logLine(_ text: String) -> String {
        escape(text, keepNewlines: false)
    }

    /// Text for a terminal: newlines and tabs kept; ESC, CR, DEL, the C1 controls (CSI included) and the
    /// bidirectional overrides escaped.
    public static func terminal(_ text: String) -> String {
        escape(text, keepNewlines: true)
    }

    /// Whether `scalar` is escaped.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            || v == 0x2028 || v == 0x2029
    }

    static func escape(_ text: String, keepNewlines: Bool) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n" where keepNewlines, "\t" where keepNewlines: out.unicodeScalars.append(scalar)
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            }
        }
        return out
    }
}
