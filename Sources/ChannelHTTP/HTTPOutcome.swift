import ChannelKit
import Foundation
import Transport

/// How HTTP answers and transport failures become outcomes, the same for every HTTP channel:
///
/// | answer | outcome |
/// |---|---|
/// | 401 | failed, `auth` |
/// | 403 | failed, `forbidden` |
/// | 408, 425, 429 | retry, `throttled`, after Retry-After |
/// | other 4xx | failed, `rejected` |
/// | 5xx | retry, `server`, after Retry-After |
/// | 3xx | failed, `config` (a POST is not redirected; the URL is wrong) |
/// | sent, then timeout / answer lost / broken reply | retry, `uncertain` (the server may have acted on it) |
/// | connect / timeout / TLS / other transport failure | retry, `network` / `timeout` / `tls` |
/// | cancelled | retry, `cancelled` |
/// | response too large, protocol error | retry, `bad-response` |
/// | invalid request (bad URL) | failed, `config` |
public enum HTTPOutcome {
    /// The outcome of a non-2xx answer.
    public static func failure(_ response: HTTPResponse, action: String) -> PublishOutcome {
        let error = channelError(response, action: action)
        switch response.status {
        case 408, 425, 429, 500...599: return .retry(error, after: response.retryAfter())
        default: return .failed(error)
        }
    }

    public static func channelError(_ response: HTTPResponse, action: String) -> ChannelError {
        let status = response.status
        let errorClass: ChannelError.Class =
            switch status {
            case 401: .auth
            case 403: .forbidden
            case 408, 425, 429: .throttled
            case 300...399: .config
            case 400...499: .rejected
            case 500...599: .server
            default: .badResponse
            }
        var message = "\(action): HTTP \(status)"
        if (300...399).contains(status), let location = response.headers["Location"] {
            message += " redirect to \(location.prefix(200)) (check the url)"
        }
        let detail = errorDetail(response)
        if !detail.isEmpty { message += ": " + detail }
        return ChannelError(errorClass, message, code: status)
    }

    /// The outcome of a transport failure.
    public static func failure(_ error: TransportError, action: String) -> PublishOutcome {
        let message = "\(action): \(error.message.prefix(300))"
        if error.outcomeUnknown, error.kind != .cancelled {
            return .retry(ChannelError(.uncertain, message + " — the request was sent; it may have taken effect"))
        }
        switch error.kind {
        case .connect: return .retry(ChannelError(.network, message))
        case .timeout: return .retry(ChannelError(.timeout, message))
        case .tls: return .retry(ChannelError(.tls, message))
        case .cancelled: return .retry(ChannelError(.cancelled, message))
        case .tooLarge, .protocolError, .answerLost: return .retry(ChannelError(.badResponse, message))
        case .invalidRequest: return .failed(ChannelError(.config, message))
        case .other: return .retry(ChannelError(.network, message))
        }
    }

    /// What the server said, at most 300 characters: WordPress-style `code: message` when the body is
    /// `{"code","message"}`, the `message`/`error` of other JSON errors, else the start of the body.
    public static func errorDetail(_ response: HTTPResponse) -> String {
        let text: String
        if let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] {
            let code = object["code"] as? String
            let message =
                (object["message"] as? String) ?? (object["error"] as? String)
                ?? ((object["error"] as? [String: Any])?["message"] as? String)
            switch (code, message) {
            case (let code?, let message?): text = "\(code): \(message)"
            case (nil, let message?): text = message
            case (let code?, nil): text = code
            default: text = response.bodyText
            }
        } else {
            text = response.bodyText
        }
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return flat.count > 300 ? String(flat.prefix(300)) + "…" : flat
    }

    /// A 2xx body that should be JSON and is not: the post may exist, but we cannot tell its id.
    public static func malformed(_ response: HTTPResponse, action: String, idempotent: Bool) -> PublishOutcome {
        var excerpt = response.bodyText.prefix(200)
        if response.bodyText.count > 200 { excerpt += "…" }
        let risk = idempotent ? "" : " (the portal may have published it: a retry can duplicate it)"
        return .retry(
            ChannelError(
                .badResponse,
                "\(action): HTTP \(response.status) with a body that is not the expected JSON\(risk): \(excerpt)",
                code: response.status))
    }
}
