import ChannelKit
import Foundation
import Testing

@Suite struct SafeTextTests {
    @Test func logLinesCannotBeSplitOrForged() {
        let title = "Tin tốt\n<2>cchcd: giả mạo\r\u{1b}[31m\u{9b}2J\u{202e}"
        let line = SafeText.logLine(title)
        #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{1b}") && !line.contains("\u{9b}"))
        #expect(line == "Tin tốt\\n<2>cchcd: giả mạo\\r\\u001b[31m\\u009b2J\\u202e")
        #expect(SafeText.logLine("Sở Nội vụ — 100%") == "Sở Nội vụ — 100%")
    }

    @Test func terminalTextKeepsLinesAndTabsButNotEscapes() {
        #expect(SafeText.terminal("a\n\tb\u{1b}]0;title\u{07}c\u{7f}") == "a\n\tb\\u001b]0;title\\u0007c\\u007f")
        // JSON stays JSON: an escaped C1 control reads back as the same character.
        let json = #"{"text":"x\#u{9b}y"}"#
        let safe = SafeText.terminal(json)
        let parsed = try? JSONSerialization.jsonObject(with: Data(safe.utf8)) as? [String: String]
        #expect(parsed?["text"] == "x\u{9b}y")
    }
}
