import ChannelKit

extension RadioChannel: ChannelPreviewing {
    /// The script as read aloud at each station, with its estimated duration (as `cchc radio preview`).
    public func preview(_ item: ChannelItem) -> ChannelPreview {
        let previews: [RadioPreview] = preview(item: item)
        var parts: [ChannelPreview.Part] = []
        var notes: [String] = []
        for p in previews {
            parts.append(.init(label: "Bản đọc — \(p.station.name)", text: p.script.text))
            let seconds = Int(p.script.seconds.rounded())
            let slots = p.station.slots.map(\.timeText).joined(separator: ", ")
            notes.append(
                "\(p.station.name): khoảng \(seconds >= 60 ? "\(seconds / 60) phút \(seconds % 60) giây" : "\(seconds) giây") (\(p.script.syllables) âm tiết); khung giờ \(slots)"
            )
            if !p.script.unknownTokens.isEmpty {
                notes.append("Từ viết tắt chưa có trong từ điển: \(p.script.unknownTokens.joined(separator: ", "))")
            }
        }
        return ChannelPreview(parts: parts, notes: notes)
    }
}
