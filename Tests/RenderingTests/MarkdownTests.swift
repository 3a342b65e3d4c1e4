import Foundation
import Testing

@testable import Rendering

@Suite struct MarkdownTests {
    @Test func htmlRendersHeadingsListsAndLinks() {
        let html = Markdown.html("## Kết quả\n\n- một\n- hai\n\n[Cổng](https://example.gov.vn)")
        #expect(html.contains("<h2>Kết quả</h2>"))
        #expect(html.contains("<li>một</li>"))
        #expect(html.contains(#"<a href="https://example.gov.vn">Cổng</a>"#))
    }

    @Test func plainTextDropsSyntax() {
        let markdown = """
            # Tiêu đề chính

            Đoạn **đậm** và *nghiêng*, `mã`, ~~gạch~~ và [liên kết](https://example.gov.vn/a?b=1 "tiêu đề").

            ## Mục 2 ##

            - mục một
            * mục hai
              + mục con
            1. bước một
            2) bước hai

            > Trích dẫn _quan trọng_

            ![ảnh bìa](anh.jpg)

            ---

            ```
            giữ nguyên **mã**
            ```
            Tên_biến snake_case và 2 * 3 = 6; &amp; <b>thẻ</b> <https://cchc.gov.vn>
            """
        let text = Markdown.plainText(markdown)
        let expected = """
            Tiêu đề chính

            Đoạn đậm và nghiêng, mã, gạch và liên kết (https://example.gov.vn/a?b=1).

            Mục 2

            - mục một
            - mục hai
              - mục con
            1. bước một
            2. bước hai

            Trích dẫn quan trọng

            ảnh bìa

            giữ nguyên **mã**
            Tên_biến snake_case và 2 * 3 = 6; & thẻ https://cchc.gov.vn
            """
        #expect(text == expected)
    }

    @Test func plainTextSetextHeadingsAndTables() {
        let text = Markdown.plainText("Tiêu đề\n=======\n\n| Đơn vị | Tỷ lệ |\n|---|:--:|\n| Sở Nội vụ | 100% |")
        #expect(text == "Tiêu đề\n\nĐơn vị | Tỷ lệ\nSở Nội vụ | 100%")
    }

    @Test func plainTextLinkWhoseTextIsTheURL() {
        #expect(Markdown.plainText("[https://a.vn](https://a.vn)") == "https://a.vn")
        #expect(Markdown.plainText(#"a \*b\* c"#) == "a *b* c")
    }
}
