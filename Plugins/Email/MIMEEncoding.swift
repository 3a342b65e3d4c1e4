import Foundation

/// The encodings a 7-bit Internet message needs (RFC 2045, 2047, 2231, 5322).
///
/// Written by hand: no package in the project's set builds MIME messages, and libcurl's MIME builder
/// writes UTF-8 header values and file names raw and adds no Date or Message-ID (CHANNELS.md), so
/// the message is built here and uploaded as bytes. libcurl never declares 8BITMIME: everything below
/// produces ASCII only, with CRLF line ends and no line longer than 76 characters.
enum MIMEEncoding {
    static let crlf = "\r\n"

    // MARK: Headers (RFC 2047 encoded words, RFC 5322 folding)

    /// Whether `text` can go into a header as it is: printable ASCII only.
    static func isPlainHeaderText(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value >= 32 && $0.value < 127 }
    }

    /// The most UTF-8 bytes one encoded word carries: `=?UTF-8?B?` + base64 + `?=` stays within 64
    /// characters, so a folded line (one space + one word) stays well under RFC 2047's 76.
    static let maxWordBytes = 39

    /// `text` as RFC 2047 `B` encoded words (UTF-8), each holding whole characters (a Vietnamese letter
    /// with its marks is never split between two words), separated by folding (CRLF + space).
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if !chunk.isEmpty && chunk.count + bytes.count > maxWordBytes {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty { words.append(encodedWord(chunk)) }
        return words.joined(separator: crlf + " ")
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }

    /// An unstructured header value (Subject): as it is when it is short printable ASCII, else encoded words.
    static func unstructured(_ text: String, headerName: String) -> String {
        let oneLine = text.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
        if isPlainHeaderText(oneLine) && headerName.count + 2 + oneLine.count <= 78 { return oneLine }
        return encodedWords(oneLine)
    }

    /// A mailbox (`From`, `To`, `Reply-To`): the display name as a quoted string when it is ASCII, else
    /// as encoded words; then the address in angle brackets.
    static func mailbox(name: String?, address: String) -> String {
        guard let name, !name.isEmpty else { return address }
        let oneLine = name.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
        let shown: String
        if isPlainHeaderText(oneLine) {
            let escaped = oneLine.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"", with: "\\\"")
            return "\"\(escaped)\" <\(address)>"
        } else {
            shown = encodedWords(oneLine)
        }
        return shown + crlf + " <\(address)>"
    }

    // MARK: Parameters (RFC 2231)

    /// A `filename` parameter: plain when the name is short printable ASCII without specials, else
    /// RFC 2231 `filename*0*=utf-8''…; filename*1*=…` continuations, each on its own folded line.
    static func parameter(_ name: String, _ value: String) -> String {
        let specials = Set("()<>@,;:\\\"/[]?=")
        if isPlainHeaderText(value) && value.count <= 60 && !value.contains(where: { specials.contains($0) }) {
            return "\(name)=\"\(value)\""
        }
        var pieces: [String] = []
        var current = ""
        for character in value {
            var encoded = ""
            for byte in String(character).utf8 {
                let c = Character(Unicode.Scalar(byte))
                if byte < 128 && (c.isLetter || c.isNumber || "!#$&+-.^_`|~".contains(c)) {
                    encoded.append(c)
                } else {
                    encoded += String(format: "%%%02X", byte)
                }
            }
            if !current.isEmpty && current.count + encoded.count > 48 {
                pieces.append(current)
                current = ""
            }
            current += encoded
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces.enumerated().map { i, piece in
            i == 0 ? "\(name)*0*=utf-8''\(piece)" : "\(name)*\(i)*=\(piece)"
        }.joined(separator: ";" + crlf + " ")
    }

    // MARK: Bodies (RFC 2045)

    /// A body's transfer encoding and encoded text.
    enum TransferEncoding: String {
        case sevenBit = "7bit"
        case quotedPrintable = "quoted-printable"
        case base64
    }

    /// Text (already with CRLF line ends) encoded the shortest correct way: `7bit` when it is ASCII with
    /// short lines; otherwise quoted-printable or base64, whichever is shorter (Vietnamese prose is
    /// mostly letters with marks, where base64 usually wins; mostly-ASCII text stays readable as QP).
    static func encodeText(_ text: String) -> (TransferEncoding, String) {
        let bytes = Array(text.utf8)
        let ascii = bytes.allSatisfy { $0 < 128 && ($0 >= 32 || $0 == 13 || $0 == 10 || $0 == 9) }
        if ascii && text.components(separatedBy: crlf).allSatisfy({ $0.utf8.count <= 76 }) && !hasBareLineBreak(bytes) {
            return (.sevenBit, text)
        }
        let qp = quotedPrintable(bytes)
        let b64 = base64(bytes)
        return qp.utf8.count <= b64.utf8.count ? (.quotedPrintable, qp) : (.base64, b64)
    }

    private static func hasBareLineBreak(_ bytes: [UInt8]) -> Bool {
        for (i, b) in bytes.enumerated() {
            if b == 10 && (i == 0 || bytes[i - 1] != 13) { return true }
            if b == 13 && (i + 1 >= bytes.count || bytes[i + 1] != 10) { return true }
        }
        return false
    }

    /// Base64 in lines of 76 characters, CRLF-terminated.
    static func base64(_ bytes: [UInt8]) -> String {
        let encoded = Data(bytes).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        return encoded.isEmpty ? "" : encoded + crlf
    }

    /// Quoted-printable (RFC 2045 §6.7): CRLF pairs stay hard line breaks; `=`, bytes outside printable
    /// ASCII and whitespace before a line break are `=XX`; soft breaks keep lines within 76 characters
    /// and never split an `=XX`.
    static func quotedPrintable(_ bytes: [UInt8]) -> String {
        var out = ""
        var line = ""
        let hex = Array("0123456789ABCDEF")
        func emit(_ token: String) {
            if line.count + token.count > 75 {
                out += line + "=" + crlf
                line = ""
            }
            line += token
        }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 13 && i + 1 < bytes.count && bytes[i + 1] == 10 {
                out += line + crlf
                line = ""
                i += 2
                continue
            }
            let atLineEnd = i + 1 == bytes.count || (bytes[i + 1] == 13 && i + 2 < bytes.count && bytes[i + 2] == 10)
            let literal = (b >= 33 && b <= 126 && b != 61) || ((b == 32 || b == 9) && !atLineEnd)
            // A line starting with "." or "From " is left to SMTP (libcurl dot-stuffs); "=" is always encoded.
            emit(literal ? String(UnicodeScalar(b)) : "=" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)]))
            i += 1
        }
        out += line
        return out.isEmpty || out.hasSuffix(crlf) ? out : out + crlf
    }

    /// Text with every line break as CRLF.
    static func crlfLines(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: crlf)
    }

    // MARK: Dates (RFC 5322 §3.3)

    /// `Sun, 22 Nov 2026 10:05:00 +0700` in `timeZone`.
    static func date(_ date: Date, timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    // MARK: Media types

    /// The MIME type of an attachment by its file extension. A table, not a system lookup: Linux has no
    /// UTType, and `/etc/mime.types` may be absent under a hardened service.
    static func mediaType(forFileName name: String) -> String {
        let ext = (name as NSString).pathExtension.lowercased()
        return mediaTypes[ext] ?? "application/octet-stream"
    }

    static let mediaTypes: [String: String] = [
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
        "svg": "image/svg+xml", "pdf": "application/pdf", "txt": "text/plain", "csv": "text/csv",
        "doc": "application/msword",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls": "application/vnd.ms-excel",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt": "application/vnd.ms-powerpoint",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
        "zip": "application/zip", "mp3": "audio/mpeg", "wav": "audio/wav", "mp4": "video/mp4",
    ]
}
