import Foundation
import Logging

/// What a channel gets from the daemon when it is built from its configuration section.
public struct ChannelContext: Sendable {
    /// The channel's name from the configuration.
    public var name: String
    /// The configuration's time zone (Asia/Ho_Chi_Minh unless configured).
    public var timeZone: TimeZone
    /// The daemon's state folder (tokens, outputs that have no folder of their own).
    public var stateDirectory: String
    public var logger: Logger

    public init(name: String, timeZone: TimeZone, stateDirectory: String, logger: Logger) {
        self.name = name
        self.timeZone = timeZone
        self.stateDirectory = stateDirectory
        self.logger = logger
    }
}
