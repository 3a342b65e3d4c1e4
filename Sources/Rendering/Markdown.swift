import Ink
import Synchronization

/// Renders item bodies (Markdown) for channels: HTML for portals and email, plain text for
/// channels that show no markup (Zalo, SMS-like receivers, radio scripts before read-aloud
/// normalisation).
public enum Markdown {
    /// The body as HTML, rendered by Ink and cleaned by ``HTMLSanitizer`` (raw HTML in the Markdown, `javascript:`
    /// links and event attributes never reach a page or an email).
    public static func html(_ markdown: String) -> String {
        HTMLSanitizer.sanitize(MarkdownParser().html(from: markdown))
    }

    /// HTML and plain text of a body, rendered once and reused: every channel of an item, and every
    /// attempt, shows the same body, and rendering is the costliest per-delivery step (DESIGN.md §11).
    public static func rendered(_ markdown: String) -> (html: String, text: String) {
        if let hit = cache.withLock({ $0[markdown] }) { return hit }
        let value = (html(markdown), plainText(markdown))
        cache.withLock { c in
            // Bounded: items are dispatched close together in time, so a small cache catches them.
            if c.count >= 512 { c.removeAll(keepingCapacity: true) }
            c[markdown] = value
        }
        return value
    }

    private static let cache = Mutex<[String: (html: String, text: String)]>([:])

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
