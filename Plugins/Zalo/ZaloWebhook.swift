import ChannelConfig
import ChannelKit
import Crypto
import Foundation

/// Zalo's webhook requests to the OA: signature check and the events they carry.
///
/// `X-ZEvent-Signature: mac=<hex>` where hex is the plain SHA-256 (not an HMAC) of
/// `app_id + raw body + timestamp + OA secret key`, with `app_id` and `timestamp` taken from the body.
/// The `mac=` prefix is optional (both forms are seen).
enum ZaloWebhook {
    struct Rejection: Error, Equatable {
        var status: Int
        var reason: String
    }

    /// One event as Zalo sent it, before the listener stores it.
    struct Event: Equatable {
        var kind: String
        var key: String
        var occurredAt: Date
        var senderID: String?
        var text: String?
        var detail: String
    }

    /// Checks the signature over the raw bytes, then reads the event. Nothing of the body is trusted
    /// before the signature matches, except the two fields the signature is computed with.
    static func verifiedEvent(
        body: [UInt8], signatureHeader: String?, appID: String, oaSecretKey: Secret, receivedAt: Date
    ) throws(Rejection) -> Event {
        guard let header = signatureHeader?.trimmingCharacters(in: .whitespaces), !header.isEmpty else {
            throw Rejection(status: 401, reason: "no X-ZEvent-Signature header")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw Rejection(status: 400, reason: "the body is not a JSON object")
        }
        guard let bodyAppID = ZaloJSON.string(object["app_id"]), let timestamp = ZaloJSON.string(object["timestamp"])
        else {
            throw Rejection(status: 400, reason: "the body has no app_id or timestamp")
        }
        let given = header.lowercased().hasPrefix("mac=") ? String(header.dropFirst(4)) : header
        let expected = signature(appID: bodyAppID, body: body, timestamp: timestamp, oaSecretKey: oaSecretKey)
        guard constantTimeEquals(Array(given.lowercased().utf8), Array(expected.utf8)) else {
            throw Rejection(status: 401, reason: "the signature does not match")
        }
        guard bodyAppID == appID else {
            throw Rejection(status: 401, reason: "the event is for another app (app_id \(bodyAppID))")
        }
        return event(object, timestamp: timestamp, receivedAt: receivedAt)
    }

    /// Lowercase hex SHA-256 of `app_id + body + timestamp + OA secret key`.
    static func signature(appID: String, body: [UInt8], timestamp: String, oaSecretKey: Secret) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(appID.utf8))
        hasher.update(data: body)
        hasher.update(data: Array(timestamp.utf8))
        hasher.update(data: Array(oaSecretKey.reveal().utf8))
        return hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Compares without returning early, so the time taken says nothing about where a forged
    /// signature first differs.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// The event's kind, identity (Zalo retries deliveries: the same event keeps its key) and content.
    static func event(_ object: [String: Any], timestamp: String, receivedAt: Date) -> Event {
        let name = (object["event_name"] as? String) ?? "unknown"
        let millis = Double(timestamp) ?? 0
        let occurredAt = millis > 0 ? Date(timeIntervalSince1970: millis / 1000) : receivedAt
        let message = object["message"] as? [String: Any]
        let sender = ZaloJSON.string((object["sender"] as? [String: Any])?["id"])
        let follower = ZaloJSON.string((object["follower"] as? [String: Any])?["id"])
        let msgID = ZaloJSON.string(message?["msg_id"])
        let kind: String
        switch name {
        case "follow": kind = "follow"
        case "unfollow": kind = "unfollow"
        case "user_reacted_message", "oa_reacted_message": kind = "reaction"
        case _ where name.hasPrefix("user_send_"): kind = "message"
        default: kind = "event"
        }
        let who = sender ?? follower ?? "-"
        let key: String
        if let msgID, !msgID.isEmpty {
            key = kind == "reaction" ? "\(name):\(msgID):\(who)" : "msg:\(msgID)"
        } else {
            key = "\(name):\(who):\(timestamp)"
        }
        let text = (message?["text"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return Event(
            kind: kind, key: key, occurredAt: occurredAt, senderID: sender ?? follower, text: text,
            detail: String(name.prefix(64)))
    }
}
