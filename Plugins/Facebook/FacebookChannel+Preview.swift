import ChannelKit

extension FacebookChannel: ChannelPreviewing {
    /// The post's message as it will be posted, marker included (the link is added at publish time).
    public func preview(_ item: ChannelItem) -> ChannelPreview { preview(item, installationID: "") }

    /// With the marker the daemon of this installation puts on the post (``marker(for:installationID:)``).
    public func preview(_ item: ChannelItem, installationID: String) -> ChannelPreview {
        let text = messageText(item) + "\n\n" + Self.marker(for: item, installationID: installationID)
        var notes = ["\(text.count) ký tự"]
        if linkFrom != nil {
            notes.append("Liên kết tới bài trên \(linkFrom ?? "") được thêm khi bài đó đã đăng.")
        }
        return ChannelPreview(parts: [.init(label: "Nội dung bài đăng Facebook", text: text)], notes: notes)
    }
}
