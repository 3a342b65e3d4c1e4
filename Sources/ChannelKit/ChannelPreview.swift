/// Optional capability: what the channel will send for an item, computed by the channel's own
/// rendering without sending, writing or changing anything (the approver's view in the web app).
public protocol ChannelPreviewing: Channel {
    /// The item as this channel would send it now. Results of other channels (a portal URL the
    /// Facebook post links to) are not known yet: the preview says where they will go.
    func preview(_ item: ChannelItem) -> ChannelPreview
    /// The same, for a channel whose posts carry a mark of the installation (Facebook's marker): what the
    /// daemon of the store with this installation id will send. The default is ``preview(_:)``.
    func preview(_ item: ChannelItem, installationID: String) -> ChannelPreview
}

extension ChannelPreviewing {
    public func preview(_ item: ChannelItem, installationID: String) -> ChannelPreview { preview(item) }
}

/// What a channel will send, as labelled parts (subject, text, HTML part, script…), in Vietnamese labels.
public struct ChannelPreview: Sendable, Hashable {
    public struct Part: Sendable, Hashable {
        /// "Nội dung bài đăng", "Tiêu đề thư"…
        public var label: String
        public var text: String
        /// The text is HTML the channel sends as such (shown rendered, in a sandboxed frame).
        public var isHTML: Bool

        public init(label: String, text: String, isHTML: Bool = false) {
            self.label = label
            self.text = text
            self.isHTML = isHTML
        }
    }

    public var parts: [Part]
    /// Short facts: estimated duration, recipients, slot.
    public var notes: [String]

    public init(parts: [Part], notes: [String] = []) {
        self.parts = parts
        self.notes = notes
    }
}
