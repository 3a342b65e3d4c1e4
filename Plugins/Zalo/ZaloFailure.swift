import ChannelKit
import Foundation

/// Why a Zalo call stopped a publish: retry later (optionally after a wait, and holding the whole
/// channel for the platform's throttling signals) or give up.
struct ZaloStop: Error, Sendable {
    enum Kind: Sendable, Equatable {
        case retry(after: Duration?, holdChannel: Duration?)
        case failed
    }

    var kind: Kind
    var error: ChannelError

    static func retry(_ error: ChannelError, after: Duration? = nil, holdChannel: Duration? = nil) -> ZaloStop {
        ZaloStop(kind: .retry(after: after, holdChannel: holdChannel), error: error)
    }

    static func failed(_ error: ChannelError) -> ZaloStop { ZaloStop(kind: .failed, error: error) }

    var outcome: PublishOutcome {
        switch kind {
        case .retry(let after, _): .retry(error, after: after)
        case .failed: .failed(error)
        }
    }

    var holdChannel: Duration? {
        if case .retry(_, let hold) = kind { return hold }
        return nil
    }

    var isRetry: Bool { if case .retry = kind { true } else { false } }
}

/// Zalo's error codes (CHANNELS.md; the published list is incomplete, these are the ones seen in
/// practice) and what each means for a delivery.
enum ZaloErrorCode {
    static let invalidToken = -216
    static let expiredToken = -220
    static let rateLimited = -32
    static let quotaExhausted = -211
    static let articleProcessing = -214
    static let tierLacksAPI = -224
    static let broadcastQuietHours = -234

    /// A token error: refresh, then retry the call once.
    static func isTokenError(_ code: Int) -> Bool { code == invalidToken || code == expiredToken }

    /// The error class for the delivery log (`error_class`) of a Zalo error code.
    static let quietHoursClass = ChannelError.Class.quietHours
}

/// Operator-facing messages for failures that stop the whole channel until someone acts.
enum ZaloHalt {
    static func reauthorise(_ channel: String, _ why: String) -> ChannelError {
        halting(
            .auth,
            "\(why) — re-authorise the OA, run `cchc zalo seed-token \(channel)` with the new pair, then reload cchcd")
    }

    /// A ChannelError that halts the channel (the engine stops sending on it until a reload).
    static func halting(_ errorClass: ChannelError.Class, _ message: String, code: Int? = nil) -> ChannelError {
        ChannelError(errorClass, message, code: code, haltsChannel: true)
    }
}
