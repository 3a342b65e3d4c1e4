import ChannelConfig
import ChannelKit
import Foundation
import Zalo

/// Stores a Zalo OA's first token pair for a zalo channel, where the channel reads it (`cchc zalo
/// seed-token`): written atomically, readable by the daemon's account only. The tokens never reach a
/// message.
public struct ZaloTokenSeeding: Sendable {
    /// Where the pair goes: `<state_dir>/zalo/<channel>.tokens.json`.
    public let path: String
    private let store: ZaloTokenStore

    public init(stateDirectory: String, channel: String) {
        store = ZaloTokenStore(stateDirectory: stateDirectory, channel: channel)
        path = store.path
    }

    /// The store could not be written; the message names the file and the reason, never a token.
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public func save(accessToken: Secret, refreshToken: Secret, accessExpiresAt: Date, obtainedAt: Date)
        throws(Failure)
    {
        let pair = ZaloTokenPair(
            accessToken: accessToken, refreshToken: refreshToken, accessExpiresAt: accessExpiresAt,
            obtainedAt: obtainedAt)
        do throws(ZaloTokenStore.Failure) { try store.save(pair) } catch { throw Failure(message: error.message) }
    }
}
