import ChannelKit
import Foundation
import Rendering

/// The HTML pages and RSS feed of the `static` preset. Self-contained: inline style, no scripts,
/// no external resources besides the items' own image URLs.
enum StaticPages {
    static let style = """
        body{font-family:"Noto Sans","Segoe UI",Arial,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;\
        line-height:1.6;color:#1b1b1b}header,footer{color:#555;font-size:.9rem}h1{line-height:1.3}\
        .meta{color:#555;font-size:.9rem}img{max-width:100%}figure{margin:1rem 0}figcaption{color:#555;font-size:.9rem}\
        ul.items{list-style:none;padding:0}ul.items li{margin:0 0 1.2rem}
        """

    private static func h(_ text: String) -> String { TextEscaping.html(text) }

    static func page(entry: StaticSite.Entry, bodyHTML: String, media: [MediaRef], siteTitle: String, indexURL: String)
        -> String
    {
        var figures = ""
        for item in media {
            guard let url = item.url else { continue }  // local paths are not reachable from a web page
            figures += "<figure><img src=\"\(h(url))\" alt=\"\(h(item.caption ?? ""))\">"
            if let caption = item.caption { figures += "<figcaption>\(h(caption))</figcaption>" }
            figures += "</figure>\n"
        }
        let summary = entry.summary.isEmpty ? "" : "<p class=\"summary\"><strong>\(h(entry.summary))</strong></p>\n"
        return """
            <!DOCTYPE html>
            <html lang="vi">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(h(entry.title)) – \(h(siteTitle))</title>
            <meta name="description" content="\(h(entry.summary))">
            <style>\(style)</style>
            </head>
            <body>
            <header><a href="\(h(indexURL))">\(h(siteTitle))</a></header>
            <article>
            <h1>\(h(entry.title))</h1>
            <p class="meta"><time datetime="\(h(entry.date))">\(h(displayDate(entry.date)))</time> · \(h(entry.unit)) · \(h(entry.topicLabel))</p>
            \(summary)\(figures)\(bodyHTML)
            </article>
            <footer>\(h(siteTitle))</footer>
            </body>
            </html>

            """
    }

    static func index(entries: [StaticSite.Entry], siteTitle: String, baseURL: String?) -> String {
        var items = ""
        for entry in entries {
            let href = baseURL == nil ? entry.slug + ".html" : entry.url
            items += "<li><a href=\"\(h(href))\">\(h(entry.title))</a><br>"
            items +=
                "<span class=\"meta\">\(h(displayDate(entry.date))) · \(h(entry.unit)) · \(h(entry.topicLabel))</span>"
            if !entry.summary.isEmpty { items += "<br>\(h(entry.summary))" }
            items += "</li>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="vi">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(h(siteTitle))</title>
            <link rel="alternate" type="application/rss+xml" title="\(h(siteTitle))" href="\(h(baseURL.map { $0 + "/feed.xml" } ?? "feed.xml"))">
            <style>\(style)</style>
            </head>
            <body>
            <h1>\(h(siteTitle))</h1>
            <ul class="items">
            \(items)</ul>
            </body>
            </html>

            """
    }

    static func feed(entries: [StaticSite.Entry], siteTitle: String, baseURL: String?, timeZone: TimeZone) -> String {
        var items = ""
        for entry in entries.prefix(50) {
            items += "<item>\n"
            items += "<title>\(h(entry.title))</title>\n"
            items += "<link>\(h(entry.url))</link>\n"
            items += "<guid isPermaLink=\"false\">cchc:\(h(entry.id))</guid>\n"
            if let date = date(entry.date) {
                items += "<pubDate>\(RFC3339.rfc822(from: date, timeZone: timeZone))</pubDate>\n"
            }
            items += "<category>\(h(entry.topicLabel))</category>\n"
            items += "<description>\(h(entry.summary))</description>\n"
            items += "</item>\n"
        }
        let link = baseURL.map { $0 + "/index.html" } ?? "index.html"
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0">
            <channel>
            <title>\(h(siteTitle))</title>
            <link>\(h(link))</link>
            <description>\(h(siteTitle))</description>
            <language>vi</language>
            \(items)</channel>
            </rss>

            """
    }

    /// `25/11/2026 08:00`, the way Vietnamese pages write dates.
    static func displayDate(_ rfc3339: String) -> String {
        // The text already carries the configured offset: reorder its digits rather than convert.
        let chars = Array(rfc3339)
        guard chars.count >= 16 else { return rfc3339 }
        let year = String(chars[0..<4]), month = String(chars[5..<7]), day = String(chars[8..<10])
        let time = String(chars[11..<16])
        return "\(day)/\(month)/\(year) \(time)"
    }

    static func date(_ rfc3339: String) -> Date? {
        try? Date(rfc3339, strategy: .iso8601)
    }
}
