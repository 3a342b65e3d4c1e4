import ChannelConfig
import ChannelKit
import Foundation
import Mustache

/// A Mustache template from a channel's configuration, compiled once when the configuration is
/// loaded and rendered per delivery with a context from ``TemplateContext``.
///
/// `{{name}}` escapes the value for the place the output goes (``Escaping``); `{{{name}}}` inserts
/// it unchanged (`{{{body_html}}}` in an HTML page).
public struct ChannelTemplate: Sendable {
    /// Where the rendered text goes, which decides how `{{name}}` values are escaped.
    public enum Escaping: String, Sendable, Hashable, CaseIterable {
        /// HTML text (Mustache's default): `<`, `>`, `&`, quotes escaped.
        case html
        /// The inside of JSON string literals: a title with quotes, line breaks or Vietnamese
        /// letters stays valid JSON. Write `"title": "{{title}}"`.
        case json
        /// `application/x-www-form-urlencoded` values.
        case form
        /// URL components (path segments, query values).
        case url
        /// No escaping (plain text messages).
        case text

        var pragma: String {
            switch self {
            case .html: "{{% CONTENT_TYPE: HTML}}"
            case .json: "{{% CONTENT_TYPE: CCHC_JSON}}"
            case .form: "{{% CONTENT_TYPE: CCHC_FORM}}"
            case .url: "{{% CONTENT_TYPE: CCHC_URL}}"
            case .text: "{{% CONTENT_TYPE: TEXT}}"
            }
        }
    }

    /// The template as written.
    public let source: String
    public let escaping: Escaping
    private let template: MustacheTemplate

    /// Compiles a template.
    ///
    /// - Throws: ``TemplateError`` with the line and column of a syntax error.
    public init(_ source: String, escaping: Escaping) throws(TemplateError) {
        _ = TemplateEscapingTypes.registered
        self.source = source
        self.escaping = escaping
        do {
            // The pragma goes on the template's first line, so error line numbers stay the user's.
            template = try MustacheTemplate(string: escaping.pragma + source)
        } catch let error as MustacheTemplate.ParserError {
            let column =
                error.context.lineNumber == 1
                ? max(1, error.context.columnNumber - escaping.pragma.count) : error.context.columnNumber
            throw TemplateError(
                "template syntax error (\(error.error)) at line \(error.context.lineNumber), column \(column)")
        } catch {
            throw TemplateError("template syntax error (\(error))")
        }
    }

    /// Renders the template with a context (``TemplateContext/values(item:earlierResults:extra:timeZone:)``).
    public func render(_ context: [String: Any]) -> String {
        template.render(context)
    }

    /// Renders a template whose output must be a JSON document, and checks that it is one.
    ///
    /// - Returns: The UTF-8 bytes of the rendered document.
    /// - Throws: ``TemplateError`` when the output is not valid JSON (for example a `{{{name}}}`
    ///   inserted a value with quotes).
    public func renderJSON(_ context: [String: Any]) throws(TemplateError) -> [UInt8] {
        let text = render(context)
        let bytes = Array(text.utf8)
        do {
            _ = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            let excerpt = text.count > 200 ? String(text.prefix(200)) + "…" : text
            throw TemplateError("the template did not produce valid JSON: \(excerpt)")
        }
        return bytes
    }
}

/// A template that does not compile or does not render to what its place needs.
public struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ConfigSection {
    /// Reads `key` as a Mustache template, compiling it now so that a syntax error stops the
    /// configuration from loading, with the key path.
    ///
    /// A `.json` template is also rendered once with ``TemplateContext/sampleItem`` (a title with
    /// quotes and Vietnamese letters) and must give valid JSON.
    public func template(_ key: String, escaping: ChannelTemplate.Escaping) throws(ConfigError) -> ChannelTemplate? {
        guard let source = try string(key) else { return nil }
        let template: ChannelTemplate
        do {
            template = try ChannelTemplate(source, escaping: escaping)
        } catch {
            throw self.error(key, error.message)
        }
        if escaping == .json {
            do {
                _ = try template.renderJSON(TemplateContext.sample)
            } catch {
                throw self.error(key, "\(error.message) (rendered with a sample item)")
            }
        }
        return template
    }
}
