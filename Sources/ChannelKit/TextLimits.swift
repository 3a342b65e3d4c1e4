/// A length limit of one text a channel sends, for the compose page's counters (issue 16): counted as the
/// officer types, before ``Channel/validate(_:)`` has the last word when the item is saved.
public struct TextLimit: Sendable, Hashable {
    /// What is counted, in characters (Unicode scalars of the NFC text).
    public enum Measure: String, Sendable, Hashable {
        /// The title.
        case title
        /// The summary.
        case summary
        /// The title, a blank line, then the summary or, without one, the body (a Facebook post's text).
        case titleAndLead = "title-lead"
    }

    public var measure: Measure
    public var maximum: Int
    /// What the officer reads beside the counter (Vietnamese): `tiêu đề Zalo`.
    public var label: String

    public init(measure: Measure, maximum: Int, label: String) {
        self.measure = measure
        self.maximum = maximum
        self.label = label
    }
}

/// A channel whose texts have length limits worth counting while an item is written.
public protocol TextLimited: Channel {
    var textLimits: [TextLimit] { get }
}
