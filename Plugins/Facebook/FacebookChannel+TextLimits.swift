import ChannelKit

extension FacebookChannel: TextLimited {
    /// The post's text (title and lead) within the room ``validate(_:)`` allows: the Graph API's limit less
    /// the marker and a link.
    public var textLimits: [TextLimit] {
        let room = Self.maxMessageLength - Self.marker(for: "0000-00-0000", origin: "00000000").count - 2 - 400
        return [TextLimit(measure: .titleAndLead, maximum: room, label: "bài đăng Facebook")]
    }
}
