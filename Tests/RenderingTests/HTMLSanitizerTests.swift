import Foundation
import Testing

@testable import Rendering

/// Hostile Markdown bodies (issue 14): raw HTML, event attributes, script URLs and attribute break-outs never
/// survive into HTML; safe Markdown still renders.
@Suite struct HTMLSanitizerTests {
    /// Payloads an officer could write in a body; none may leave a script-capable construct in the HTML.
    static let payloads: [String] = [
        "<script>alert(1)</script>Chữ sau",
        "<SCRIPT src=https://evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<img src=\"https://a.example/a.jpg\" onerror=\"alert(1)\">",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<svg onload=alert(1)><circle/></svg>",
        "<a href=\"javascript:alert(1)\">bấm</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">bấm</a>",
        "<a href=\"java\tscript:alert(1)\">bấm</a>",
        "<a href=\"&#106;avascript:alert(1)\">bấm</a>",
        "[bấm](javascript:alert(1))",
        "[bấm](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![ảnh](data:image/svg+xml;base64,PHN2Zz4=)",
        "[bấm](https://a.example/\"onmouseover=\"alert(1))",
        "[bấm](https://a.example/\" onmouseover=\"alert(1)\")",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<style>body{display:none}</style>",
        "<!-- <script>alert(1)</script> -->",
        "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
        "<form action=\"https://evil.example\"><input name=a></form>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<p onclick=\"alert(1)\">đoạn</p>",
        "<scr<script>ipt>alert(1)</script>",
        "<<script>script>alert(1)<</script>/script>",
        "<a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>",
    ]

    @Test(arguments: payloads) func hostileBodiesLeaveNoScript(_ body: String) {
        let html = Markdown.html(body).lowercased()
        #expect(!html.contains("<script"), "\(html)")
        #expect(!html.contains("javascript:"), "\(html)")
        #expect(!html.contains("data:"), "\(html)")
        #expect(!html.contains("<iframe"), "\(html)")
        #expect(!html.contains("<svg"), "\(html)")
        #expect(!html.contains("<style"), "\(html)")
        #expect(!html.contains("<object") && !html.contains("<embed"), "\(html)")
        #expect(!html.contains("<form") && !html.contains("<input"), "\(html)")
        #expect(html.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "\(html)")
        #expect(!html.contains("style="), "\(html)")
    }

    @Test func quoteInLinkURLStaysInsideHref() {
        let html = Markdown.html("[bấm](https://a.example/\"onmouseover=\"alert(1))")
        #expect(!html.contains("onmouseover"), "\(html)")
    }

    @Test func safeMarkdownStillRenders() {
        let html = Markdown.html(
            """
            ## Kết quả năm 2026

            Tỉnh đạt **100%** hồ sơ trực tuyến, *vượt* kế hoạch.

            - Bộ phận một cửa
            - Dịch vụ công

            1. bước một
            2. bước hai

            > Trích dẫn

            [Cổng dịch vụ công](https://dichvucong.gov.vn/p/home "Cổng") · [thư](mailto:cchc@example.gov.vn) · [mục](#muc-2)

            ![Bộ phận một cửa](https://cchc.example.gov.vn/anh/mot-cua.jpg)

            `mã` & <b>đậm</b>
            """)
        #expect(html.contains("<h2>Kết quả năm 2026</h2>"))
        #expect(html.contains("<strong>100%</strong>"))
        #expect(html.contains("<em>vượt</em>"))
        #expect(html.contains("<li>Bộ phận một cửa</li>"))
        #expect(html.contains("<ol>"))
        #expect(html.contains("<blockquote>"))
        #expect(html.contains(#"<a href="https://dichvucong.gov.vn/p/home">Cổng dịch vụ công</a>"#), "\(html)")
        #expect(html.contains(#"<a href="mailto:cchc@example.gov.vn">thư</a>"#), "\(html)")
        #expect(html.contains(##"<a href="#muc-2">mục</a>"##), "\(html)")
        #expect(
            html.contains(#"<img src="https://cchc.example.gov.vn/anh/mot-cua.jpg" alt="Bộ phận một cửa">"#), "\(html)")
        #expect(html.contains("<code>mã</code>"))
        #expect(html.contains("<b>đậm</b>"))
    }

    @Test func attributesAreAlwaysQuotedAndEscaped() {
        let html = HTMLSanitizer.sanitize("<a href=https://a.example/?q=1&amp;r=\"2\" title='a\"b<c'>x</a>")
        #expect(html == #"<a href="https://a.example/?q=1&amp;r=&quot;2&quot;" title="a&quot;b&lt;c">x</a>"#, "\(html)")
    }

    @Test func strayAnglesAndAmpersandsAreEscapedAndTagsClosed() {
        #expect(HTMLSanitizer.sanitize("a < b & c > d") == "a &lt; b &amp; c &gt; d")
        #expect(HTMLSanitizer.sanitize("&amp; &#39; &#x1F600;") == "&amp; &#39; &#x1F600;")
        #expect(HTMLSanitizer.sanitize("<blockquote><p>mở") == "<blockquote><p>mở</p></blockquote>")
        #expect(HTMLSanitizer.sanitize("</p>chữ</div>") == "chữ")
        #expect(HTMLSanitizer.sanitize("<p>a<script>x<script>y</script>z</script>b</p>") == "<p>ab</p>")
    }

    @Test func urlRules() {
        #expect(HTMLSanitizer.isSafeURL("https://a.example", link: true))
        #expect(HTMLSanitizer.isSafeURL("HTTP://a.example", link: false))
        #expect(HTMLSanitizer.isSafeURL("mailto:a@b.vn", link: true))
        #expect(!HTMLSanitizer.isSafeURL("mailto:a@b.vn", link: false))
        #expect(HTMLSanitizer.isSafeURL("/tin-tuc/bai-1?a=b:c", link: true))
        #expect(!HTMLSanitizer.isSafeURL("vbscript:x", link: true))
        #expect(!HTMLSanitizer.isSafeURL(" javascript:x", link: true))
        #expect(!HTMLSanitizer.isSafeURL("ja\nvascript:x", link: true))
        #expect(!HTMLSanitizer.isSafeURL("file:///etc/passwd", link: false))
    }
}
