import Ink

/// Renders item bodies (Markdown) for channels: HTML for portals and email, plain text for
/// channels that show no markup (Zalo, SMS-like receivers, radio scripts before read-aloud
/// normalisation).
public enum Markdown {
    /// The body as HTML, rendered by Ink.
    public static func html(_ markdown: String) -> String {
        MarkdownParser().html(from: markdown)
    }

    /// The body as readable text without Markdown syntax: headings become lines of their own, list
    /// items start with "- " (ordered lists keep their numbers), links read "text (url)", images
    /// their alt text, and emphasis, code marks and HTML tags disappear.
    ///
    /// Written by hand: Ink only renders HTML and exposes no syntax tree to walk, and converting its
    /// HTML back to text would lose the list and link shapes this keeps.
    public static func plainText(_ markdown: String) -> String {
        MarkdownPlainText.render(markdown)
    }
}
