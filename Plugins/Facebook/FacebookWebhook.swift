import ChannelConfig
import ChannelKit
import Crypto
import Foundation
import Logging

/// The Page's webhook: the subscription handshake (GET) and signed event deliveries (POST) on
/// `/webhooks/facebook/<channel name>`.
///
/// A POST is checked before anything reads it: `X-Hub-Signature-256: sha256=<hex>` must be the
/// HMAC-SHA256 of the raw body under the app secret (compared in constant time); then the JSON is
/// read into ``InboundEvent``s that the listener stores before it answers.
struct FacebookWebhook: Sendable {
    let channel: String
    let pageID: String
    let appSecret: Secret
    let verifyToken: Secret
    let maxBodyBytes: Int
    let logger: Logger

    var path: String { InboundRoute.conventionalPath(type: "facebook", channel: channel) }

    /// The answer to one request, with the events it carried.
    struct Handled: Sendable {
        var response: InboundResponse
        var events: [InboundEvent]
    }

    func handle(_ request: InboundRequest) -> Handled {
        switch request.method {
        case .get: return Handled(response: verify(request), events: [])
        case .post: return receive(request)
        }
    }

    /// `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`: the challenge when the token matches, else 403.
    func verify(_ request: InboundRequest) -> InboundResponse {
        let query = request.queryItems
        guard query["hub.mode"] == "subscribe", let token = query["hub.verify_token"],
            let challenge = query["hub.challenge"]
        else {
            logger.warning("facebook webhook: verification request without hub.mode=subscribe and its fields")
            return .text(403, "forbidden")
        }
        guard Self.constantTimeEquals(Array(token.utf8), Array(verifyToken.reveal().utf8)) else {
            logger.warning("facebook webhook: verification request with a wrong hub.verify_token")
            return .text(403, "forbidden")
        }
        // Facebook's challenge is a number; echo nothing that is not a short plain token.
        guard (1...128).contains(challenge.utf8.count),
            challenge.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        else {
            logger.warning("facebook webhook: verification request with an unusual hub.challenge refused")
            return .text(400, "bad challenge")
        }
        logger.info("facebook webhook: subscription verified")
        return .text(200, challenge)
    }

    func receive(_ request: InboundRequest) -> Handled {
        if request.body.count > maxBodyBytes {
            logger.warning("facebook webhook: body of \(request.body.count) bytes refused (limit \(maxBodyBytes))")
            return Handled(response: .text(413, "payload too large"), events: [])
        }
        guard let header = request.header("X-Hub-Signature-256") else {
            logger.warning("facebook webhook: POST without X-Hub-Signature-256 refused (\(request.body.count) bytes)")
            return Handled(response: .text(401, "signature required"), events: [])
        }
        guard Self.signatureMatches(header, body: request.body, secret: appSecret) else {
            logger.warning(
                "facebook webhook: POST with a wrong X-Hub-Signature-256 refused (\(request.body.count) bytes)")
            return Handled(response: .text(401, "bad signature"), events: [])
        }
        let events: [InboundEvent]
        do {
            events = try FacebookPayload.parse(request.body, receivedAt: request.receivedAt)
        } catch {
            // Signed by Facebook but not what we understand: accept it (a retry would not change it)
            // and say so in the log, without the body.
            logger.warning("facebook webhook: signed payload not understood: \(error.message)")
            return Handled(response: .text(200, "ignored"), events: [])
        }
        return Handled(response: .text(200, "EVENT_RECEIVED"), events: events)
    }

    /// Whether `header` (`sha256=<64 hex digits>`) is the HMAC-SHA256 of `body` under `secret`.
    /// swift-crypto compares the codes in constant time.
    static func signatureMatches(_ header: String, body: [UInt8], secret: Secret) -> Bool {
        let value = header.trimmingCharacters(in: .whitespaces)
        guard value.lowercased().hasPrefix("sha256="), let mac = hexBytes(value.dropFirst(7)), mac.count == 32 else {
            return false
        }
        return HMAC<SHA256>.isValidAuthenticationCode(
            mac, authenticating: body, using: SymmetricKey(data: Array(secret.reveal().utf8)))
    }

    /// `sha256=` and the lowercase hex HMAC-SHA256 (what Facebook sends; tests sign with it).
    static func signature(_ body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let hi = value(digits[i]), let lo = value(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}

/// Reads Page webhook payloads into inbound events.
enum FacebookPayload {
    struct ParseError: Error {
        var message: String
    }

    /// Reads a Page webhook payload: `{"object":"page","entry":[{"id","time","changes":[{"field":"feed",
    /// "value":{…}}],"messaging":[{…}]}]}`.
    static func parse(_ body: [UInt8], receivedAt: Date) throws(ParseError) -> [InboundEvent] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw ParseError(message: "the body is not a JSON object")
        }
        guard root["object"] as? String == "page" else {
            throw ParseError(message: "object is \"\(root["object"] as? String ?? "?")\", not \"page\"")
        }
        guard let entries = root["entry"] as? [[String: Any]] else {
            throw ParseError(message: "no entry list")
        }
        var events: [InboundEvent] = []
        for entry in entries {
            let entryTime = date(entry["time"]) ?? receivedAt
            for change in entry["changes"] as? [[String: Any]] ?? [] {
                guard let field = change["field"] as? String, let value = change["value"] as? [String: Any] else {
                    continue
                }
                if let event = feedEvent(field: field, value: value, entryTime: entryTime) { events.append(event) }
            }
            for messaging in entry["messaging"] as? [[String: Any]] ?? [] {
                if let event = messageEvent(messaging, entryTime: entryTime) { events.append(event) }
            }
        }
        return events
    }

    private static func feedEvent(field: String, value: [String: Any], entryTime: Date) -> InboundEvent? {
        guard field == "feed" else {
            // Other Page fields (`mention`, `ratings`…): counted by field, nothing personal kept.
            let id = string(value["post_id"]) ?? string(value["id"]) ?? ""
            let time = string(value["created_time"]) ?? String(Int(entryTime.timeIntervalSince1970))
            return InboundEvent(
                kind: kindWord(field), key: "\(field):\(id):\(time)",
                occurredAt: date(value["created_time"]) ?? entryTime,
                remoteRef: string(value["post_id"]), senderID: nil, text: nil, detail: string(value["verb"]))
        }
        let item = (string(value["item"]) ?? "feed").lowercased()
        let verb = (string(value["verb"]) ?? "add").lowercased()
        let from = (value["from"] as? [String: Any]).flatMap { string($0["id"]) }
        let postID = string(value["post_id"])
        let occurred = date(value["created_time"]) ?? entryTime
        let created = String(Int(occurred.timeIntervalSince1970))
        let kind: String
        let identity: String
        var detail = verb
        switch item {
        case "comment":
            kind = "comment"
            identity = string(value["comment_id"]) ?? "\(postID ?? ""):\(from ?? ""):\(created)"
        case "reaction", "like":
            kind = "reaction"
            let reaction = string(value["reaction_type"]) ?? "like"
            detail = "\(verb) \(reaction)"
            identity = "\(string(value["comment_id"]) ?? postID ?? ""):\(from ?? ""):\(reaction):\(created)"
        case "status", "post", "photo", "video", "share", "album", "event":
            kind = "post"
            detail = "\(verb) \(item)"
            identity = postID ?? string(value["share_id"]) ?? string(value["photo_id"]) ?? created
        default:
            kind = kindWord(item)
            identity = "\(postID ?? ""):\(from ?? ""):\(created)"
        }
        return InboundEvent(
            kind: kind, key: "\(kind):\(verb):\(identity)", occurredAt: occurred, remoteRef: postID, senderID: from,
            text: string(value["message"]), detail: detail)
    }

    private static func messageEvent(_ messaging: [String: Any], entryTime: Date) -> InboundEvent? {
        let sender = (messaging["sender"] as? [String: Any]).flatMap { string($0["id"]) }
        let occurred = date(messaging["timestamp"]) ?? entryTime
        if let message = messaging["message"] as? [String: Any] {
            if message["is_echo"] as? Bool == true { return nil }  // our own Page's replies
            let mid = string(message["mid"]) ?? "\(sender ?? ""):\(Int(occurred.timeIntervalSince1970 * 1000))"
            return InboundEvent(
                kind: "message", key: "message:\(mid)", occurredAt: occurred, remoteRef: nil, senderID: sender,
                text: string(message["text"]), detail: message["attachments"] != nil ? "with attachments" : nil)
        }
        if let postback = messaging["postback"] as? [String: Any] {
            let mid = string(postback["mid"]) ?? "\(sender ?? ""):\(Int(occurred.timeIntervalSince1970 * 1000))"
            return InboundEvent(
                kind: "postback", key: "postback:\(mid)", occurredAt: occurred, remoteRef: nil, senderID: sender,
                text: string(postback["title"]), detail: nil)
        }
        return nil
    }

    /// A Graph field or item name as an event kind: lower case, `_` and other characters as `-`.
    static func kindWord(_ name: String) -> String {
        var word = String(
            name.lowercased().unicodeScalars.map { s -> Character in
                ("a"..."z").contains(s) || ("0"..."9").contains(s) ? Character(s) : "-"
            }
        ).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        if word.isEmpty { word = "other" }
        return String(word.prefix(40))
    }

    static func string(_ any: Any?) -> String? {
        switch any {
        case let s as String: s.isEmpty ? nil : s
        case let n as NSNumber: n.stringValue
        default: nil
        }
    }

    /// Graph times: Unix seconds (entry `time`, feed `created_time`), Unix milliseconds (messaging
    /// `timestamp`, entry `time` of messaging entries), or ISO 8601 text.
    static func date(_ any: Any?) -> Date? {
        switch any {
        case let n as NSNumber:
            let v = n.doubleValue
            return Date(timeIntervalSince1970: v > 10_000_000_000 ? v / 1000 : v)
        case let s as String:
            if let v = Double(s) { return date(NSNumber(value: v)) }
            let f = ISO8601DateFormatter()
            if let d = f.date(from: s) { return d }
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let d = f.date(from: s) { return d }
            // Graph's own format: 2026-11-22T05:27:32+0000
            let g = DateFormatter()
            g.locale = Locale(identifier: "en_US_POSIX")
            g.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
            return g.date(from: s)
        default:
            return nil
        }
    }
}

extension FacebookChannel: InboundChannel {
    public var inboundRoutes: [InboundRoute] {
        guard let webhook else { return [] }
        // The listener refuses bodies over the cap with 413 before the handler runs; the handler
        // checks again (defence in depth, and for callers that bypass the listener).
        return [
            InboundRoute(path: webhook.path, methods: [.get, .post], maxBodyBytes: webhook.maxBodyBytes) { request in
                // The listener stores the events before it sends the answer (500 when it cannot, so
                // Facebook delivers again); a redelivery's events have the same keys and are kept once.
                let handled = webhook.handle(request)
                var response = handled.response
                response.events = handled.events
                return response
            }
        ]
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
    }
}
