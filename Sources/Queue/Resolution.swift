import ChannelKit
import Foundation

/// A person's decision about an uncertain delivery (`cchc delivery resolve`).
public enum Resolution: Sendable, Hashable {
    /// It was published after all; optionally where.
    case delivered(ChannelResult)
    /// It was not published: send it again.
    case resend
    /// It was not published and should not be.
    case failed
}
