import ChannelKit
import Foundation

/// Every line `cchc` prints goes through here (this `print` hides the standard one in this module):
/// citizens' messages, titles and file names come from outside, and an escape sequence in them must not
/// drive the officer's terminal (issue 14). Newlines and tabs stay; other control characters are shown
/// as `\u001b`, which keeps `--json` output valid JSON.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator)
    Swift.print(SafeText.terminal(text), terminator: terminator)
}

/// Writes to stderr with the same escaping.
func printError(_ text: String) {
    FileHandle.standardError.write(Data(SafeText.terminal(text).utf8))
}
