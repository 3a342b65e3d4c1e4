import ChannelHTTP
import ChannelKit
import Foundation
import Transport

extension FacebookChannel {
    func usageHold(_ response: GraphResponse) -> Duration? {
        response.usage.hold(threshold: slowDownAt, maxPause: slowDownMax)
    }

    func malformed(_ response: GraphResponse, action: String) -> PublishOutcome {
        .retry(
            ChannelError(
                .badResponse,
                "\(action): HTTP \(response.status) without the expected id (the post may exist; the next attempt looks for its marker): \(response.excerpt)",
                code: response.status))
    }

    /// A Graph error or non-2xx answer as an outcome (CHANNELS.md's classification).
    func failure(_ response: GraphResponse, action: String, hold: Duration?) async -> Attempt {
        guard let error = response.error else {
            let http = HTTPResponse(status: response.status, headers: response.headers, body: response.body)
            return Attempt(HTTPOutcome.failure(http, action: action), hold: hold)
        }
        let message = "\(action): \(error.summary)"
        switch error.meaning {
        case .throttled:
            // Graph says how long in the usage headers when it knows; else our configured wait.
            let wait = response.usage.regainAccess ?? throttleWait
            return Attempt(
                .retry(ChannelError(.throttled, message, code: error.code), after: wait),
                hold: Self.longer(hold, wait))
        case .token:
            return Attempt(.failed(Self.tokenError(error, action: action)), hold: hold)
        case .permission:
            return Attempt(.failed(ChannelError(.forbidden, message, code: error.code)), hold: hold)
        case .duplicate:
            return Attempt(
                .delivered(ChannelResult(), detail: "Facebook refused it as a duplicate (506): already published"),
                hold: hold)
        case .transient:
            return Attempt(.retry(ChannelError(.server, message, code: error.code)), hold: hold)
        case .other:
            if (500...599).contains(response.status) {
                return Attempt(.retry(ChannelError(.server, message, code: error.code)), hold: hold)
            }
            return Attempt(.failed(ChannelError(.rejected, message, code: error.code)), hold: hold)
        }
    }

    /// The operator-facing error of an expired, revoked or invalid Page token.
    static func tokenError(_ error: GraphError, action: String) -> ChannelError {
        let what: String
        switch error.subcode {
        case 463: what = "page token expired"
        case 460: what = "page token invalidated by a password change"
        case 458: what = "the app was removed from the Page"
        case 459, 464: what = "the account behind the page token must log in to Facebook"
        case 467: what = "page token invalid (logged out or revoked)"
        default: what = error.code == 102 ? "page session invalid" : "page token rejected"
        }
        return ChannelError(
            .auth, "\(what) — replace the secret and reload (\(action): \(error.summary))", code: error.code,
            haltsChannel: true)
    }

}
