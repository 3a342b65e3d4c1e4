import Foundation
import Mustache

/// Escaping of `{{name}}` values for the place a template's output goes. `{{{name}}}` (and `{{& name}}`)
/// always insert the value as it is.
///
/// Implemented as Mustache content types, selected by a `CONTENT_TYPE` pragma that
/// ``ChannelTemplate`` puts in front of the template, so values are escaped once, by the renderer,
/// whatever section or partial they appear in.
enum TemplateEscapingTypes {
    /// Registers the content types once per process (the registry is global in swift-mustache).
    static let registered: Void = {
        MustacheContentTypes.register(JSONStringContentType(), named: "CCHC_JSON")
        MustacheContentTypes.register(FormContentType(), named: "CCHC_FORM")
        MustacheContentTypes.register(URLComponentContentType(), named: "CCHC_URL")
    }()
}

/// Values inside a JSON string literal: `"title": "{{title}}"`.
struct JSONStringContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { TextEscaping.jsonString(text) }
}

/// `application/x-www-form-urlencoded` values: `title={{title}}&…`.
struct FormContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { TextEscaping.formComponent(text) }
}

/// URL path segments and query values: `https://portal/api/{{topic}}?id={{id}}`.
struct URLComponentContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { TextEscaping.urlComponent(text) }
}

/// Escaping functions shared by templates and channels.
public enum TextEscaping {
    /// The text as the inside of a JSON string literal (RFC 8259): quotes, backslashes and control
    /// characters escaped; everything else, Vietnamese letters included, kept as UTF-8.
    public static func jsonString(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            // Valid JSON, but they end lines in JavaScript; escaping them costs nothing.
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(format: "%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A form-encoded value: unreserved characters kept, space as "+", the rest percent-encoded UTF-8.
    public static func formComponent(_ text: String) -> String {
        percentEncode(text, spaceAsPlus: true)
    }

    /// A URL component: unreserved characters (RFC 3986) kept, the rest percent-encoded UTF-8.
    public static func urlComponent(_ text: String) -> String {
        percentEncode(text, spaceAsPlus: false)
    }

    /// HTML text and attribute values.
    public static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    private static func percentEncode(_ text: String, spaceAsPlus: Bool) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " ") where spaceAsPlus:
                out += "+"
            default:
                out.append("%")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }
}
