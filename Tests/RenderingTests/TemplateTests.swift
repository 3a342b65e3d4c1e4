import ChannelConfig
import ChannelKit
import Foundation
import Testing

@testable import Rendering

@Suite struct TemplateTests {
    let item = ChannelItem(
        id: "2026-11-0042", title: #"Sơn La: "một cửa" <100%> & \ số"#, summary: "Tóm tắt\nhai dòng",
        body: "Nội dung **đậm**", topic: Topic.builtin[1], unit: "Sở Nội vụ", author: nil,
        media: [MediaRef(path: "/srv/a.jpg", caption: "Ảnh")],
        publishAt: Date(timeIntervalSince1970: 1_795_568_400), priority: .emergency)

    @Test func contextHasEveryDocumentedValue() throws {
        let values = TemplateContext.values(
            item: item,
            earlierResults: [
                "portal-tinh": ChannelResult(remoteID: "7", url: "https://p/?p=7"),
                "zz": ChannelResult(remoteID: "9"),
            ])
        let template = try ChannelTemplate(
            "{{id}}|{{title}}|{{topic}}|{{topic_label}}|{{unit}}|{{priority}}|{{publish_at}}|"
                + "{{#media}}{{path}}:{{caption}}{{/media}}|{{results.portal-tinh.url}}|{{results.portal-tinh.remote_id}}|"
                + "{{after_url}}|{{^author}}no author{{/author}}|{{{body_html}}}|{{body_text}}",
            escaping: .text)
        let out = template.render(values)
        #expect(
            out
                == #"2026-11-0042|Sơn La: "một cửa" <100%> & \ số|tthc|Cải cách thủ tục hành chính|Sở Nội vụ|khan-cap|"#
                + "2026-11-25T08:00:00+07:00|/srv/a.jpg:Ảnh|https://p/?p=7|7|https://p/?p=7|no author|"
                + "<p>Nội dung <strong>đậm</strong></p>|Nội dung đậm")
    }

    @Test func htmlEscapingIsTheDefaultMustacheBehaviour() throws {
        let template = try ChannelTemplate("<h1>{{title}}</h1>", escaping: .html)
        let out = template.render(TemplateContext.values(item: item))
        #expect(out.contains("&quot;một cửa&quot; &lt;100%&gt; &amp;"))
    }

    @Test func jsonEscapingKeepsQuotesAndVietnameseValid() throws {
        let template = try ChannelTemplate(
            #"{"title": "{{title}}", "summary": "{{summary}}", "html": "{{body_html}}", "id": "{{id}}"}"#,
            escaping: .json)
        let bytes = try template.renderJSON(TemplateContext.values(item: item))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["title"] as? String == item.title)
        #expect(object["summary"] as? String == "Tóm tắt\nhai dòng")
        #expect((object["html"] as? String)?.contains("<strong>đậm</strong>") == true)
    }

    @Test func tripleMustacheInJSONIsCaught() throws {
        let template = try ChannelTemplate(#"{"title": "{{{title}}}"}"#, escaping: .json)
        #expect(throws: TemplateError.self) { try template.renderJSON(TemplateContext.values(item: item)) }
    }

    @Test func formAndURLEscaping() throws {
        let form = try ChannelTemplate("title={{title}}&unit={{unit}}", escaping: .form)
        let out = form.render(TemplateContext.values(item: item))
        let pairs = URLComponents(string: "http://x/?" + out.replacingOccurrences(of: "+", with: "%20"))?.queryItems
        #expect(pairs?.first { $0.name == "title" }?.value == item.title)
        #expect(pairs?.first { $0.name == "unit" }?.value == "Sở Nội vụ")
        let url = try ChannelTemplate("https://x/{{topic}}/{{unit}}", escaping: .url)
        #expect(
            url.render(TemplateContext.values(item: item)) == "https://x/tthc/S%E1%BB%9F%20N%E1%BB%99i%20v%E1%BB%A5")
    }

    @Test func syntaxErrorReportsLine() {
        #expect {
            try ChannelTemplate("line one\n{{#open}} never closed", escaping: .text)
        } throws: { error in
            (error as? TemplateError)?.message.contains("line") == true
        }
    }

    @Test func configSectionTemplateErrorsNameTheKey() throws {
        let section = try ConfigSection(
            value: .map(
                [
                    (key: "body", value: .scalar("{{#x}}"), location: ConfigLocation(file: "c.yaml", line: 3)),
                    (
                        key: "good", value: .scalar(#"{"t": "{{title}}"}"#),
                        location: ConfigLocation(file: "c.yaml", line: 4)
                    ),
                    (
                        key: "notjson", value: .scalar(#"{"t": {{title}}}"#),
                        location: ConfigLocation(file: "c.yaml", line: 5)
                    ),
                ], ConfigLocation(file: "c.yaml", line: 1)),
            path: "channels.p", location: ConfigLocation(file: "c.yaml", line: 1), baseDirectory: "/tmp",
            secrets: SecretStore(credentialsDirectory: nil, environment: [:]))
        #expect(throws: ConfigError.self) { try section.template("body", escaping: .json) }
        do {
            _ = try section.template("body", escaping: .json)
        } catch {
            #expect(error.path == "channels.p.body")
            #expect(error.location.line == 3)
        }
        #expect(try section.template("good", escaping: .json) != nil)
        do {
            _ = try section.template("notjson", escaping: .json)
            Issue.record("expected an error")
        } catch {
            #expect(error.path == "channels.p.notjson")
            #expect(error.message.contains("valid JSON"))
        }
    }

    @Test func payloadJSONHasNullsAndStableKeys() throws {
        let bytes = PayloadJSON.encode(ItemPayload(item))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["author"] is NSNull)
        #expect(object["title"] as? String == item.title)
        #expect(object["publish_at"] as? String == "2026-11-25T08:00:00+07:00")
        #expect(object["body_html"] as? String == "<p>Nội dung <strong>đậm</strong></p>")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"author":null,"body":"#))
    }

    @Test func rfcDates() {
        let date = Date(timeIntervalSince1970: 1_795_568_400)
        #expect(RFC3339.string(from: date) == "2026-11-25T08:00:00+07:00")
        #expect(RFC3339.string(from: date, timeZone: TimeZone(identifier: "UTC")!) == "2026-11-25T01:00:00Z")
        #expect(RFC3339.rfc822(from: date) == "Wed, 25 Nov 2026 08:00:00 +0700")
    }
}
