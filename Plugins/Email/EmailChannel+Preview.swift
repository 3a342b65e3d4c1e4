import ChannelKit
import Foundation
import Logging
import Rendering

extension EmailChannel: ChannelPreviewing {
    /// The message's subject, text and HTML parts (the channel's own templates), the lists and how many
    /// recipients; attachments by name.
    public func preview(_ item: ChannelItem) -> ChannelPreview {
        let request = PublishRequest(
            deliveryID: "\(item.id)/\(name)", attempt: 1, item: item, logger: Logger(label: "preview"))
        let sig = signature ?? item.unit
        var extra = ["channel": name, "signature": sig]
        extra["signature_html"] = sig.split(separator: "\n", omittingEmptySubsequences: false).map {
            TextEscaping.html(String($0))
        }.joined(separator: "<br>")
        let values = TemplateContext.values(for: request, extra: extra, timeZone: composer.timeZone)
        var notes: [String] = []
        let named = item.override["lists"].map { [$0] } ?? defaultLists
        do throws(AddressError) {
            let recipients = try recipients(for: item)
            notes.append(
                "Danh sách: \(named.joined(separator: ", ")); \(recipients.count) người nhận, mỗi người một thư.")
        } catch {
            notes.append("Người nhận: \(error.message)")
        }
        let files = item.media.compactMap { $0.path.map { ($0 as NSString).lastPathComponent } }
        if !files.isEmpty { notes.append("Tệp đính kèm: \(files.joined(separator: ", "))") }
        return ChannelPreview(
            parts: [
                .init(
                    label: "Tiêu đề thư", text: subject.render(values).trimmingCharacters(in: .whitespacesAndNewlines)),
                .init(label: "Phần văn bản", text: textBody.render(values)),
                .init(label: "Phần HTML", text: htmlBody.render(values), isHTML: true),
            ], notes: notes)
    }
}
