import ChannelKit
import Crypto
import Foundation
import Rendering

extension FacebookChannel {
    // MARK: Messages

    /// The item's marker: `#cchc_` and the item id, other characters as `_` (`2026-11-0042` →
    /// `#cchc_2026_11_0042`), a hashtag Facebook keeps as written. It ends every message, so a
    /// retry can find a post an earlier attempt made.
    public static func marker(for itemID: String, origin: String = "") -> String {
        var tag = "#cchc_"
        for scalar in itemID.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                tag.unicodeScalars.append(scalar)
            } else {
                tag += "_"
            }
        }
        return origin.isEmpty ? tag : tag + "_" + origin
    }

    /// The marker of this request's post: the item id, then 8 hex digits of a hash of the installation id
    /// and the item's content (`#cchc_2026_11_0042_3fa9c01b`), so a look-up never takes a post another
    /// installation made — or this store made for another item under a reused id — for its own.
    public static func marker(for request: PublishRequest) -> String {
        marker(for: request.item, installationID: request.installationID)
    }

    /// The marker of `item`'s post when sent by the installation `installationID` (empty: the plain marker).
    public static func marker(for item: ChannelItem, installationID: String) -> String {
        guard !installationID.isEmpty else { return marker(for: item.id) }
        let digest = SHA256.hash(data: Data((installationID + ":" + item.contentHash).utf8))
        let origin = digest.prefix(4).map { String(format: "%02x", $0) }.joined()
        return marker(for: item.id, origin: origin)
    }

    /// Whether `text` carries `marker` as a whole word (`#cchc_1` is not in `#cchc_12`).
    static func contains(_ text: String, marker: String) -> Bool {
        var search = text[...]
        while let range = search.range(of: marker) {
            let after = range.upperBound
            if after == search.endIndex { return true }
            let next = search[after]
            if !(next.isLetter || next.isNumber || next == "_") { return true }
            search = search[after...]
        }
        return false
    }

    /// The link of the post: the `link_from` channel's URL, else the `link` override, else the
    /// first earlier result's URL (the `after:` dependency).
    func link(for request: PublishRequest) -> String? {
        if let linkFrom { return request.earlierResults[linkFrom]?.url }
        if let override = request.item.override["link"], !override.isEmpty { return override }
        return request.earlierResults.sorted { $0.key < $1.key }.lazy.compactMap(\.value.url).first
    }

    /// The post's text without the marker: the item's `text` override wins; else the `message`
    /// template; else the title, a blank line and the summary (or the body as plain text).
    func messageText(_ item: ChannelItem, earlierResults: [String: ChannelResult] = [:]) -> String {
        if let text = item.override["text"], !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let message {
            return message.render(
                TemplateContext.values(item: item, earlierResults: earlierResults, timeZone: timeZone)
            ).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let summary = item.summary?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let lead = summary.isEmpty ? Markdown.plainText(item.body) : summary
        return (item.title + "\n\n" + lead).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The whole message as posted: text, the link when it cannot be a `link` parameter, the marker.
    func fullMessage(_ request: PublishRequest, linkInText: String?) -> String {
        var text = messageText(request.item, earlierResults: request.earlierResults)
        if let linkInText, !text.contains(linkInText) { text += "\n\n" + linkInText }
        return text + "\n\n" + Self.marker(for: request)
    }

}
