import ChannelConfig
import ChannelHTTP
import ChannelKit
import Crypto
import Foundation
import Rendering
import Transport

/// The `webhook` channel: POSTs each item as JSON to a receiver of the operator's choosing,
/// optionally signed with HMAC-SHA256 (`X-Signature-256: sha256=<hex>` over the exact body bytes).
///
/// The default payload (Plugins/Webhook/README.md) is
/// `{"event":"cchc.item.published","delivery_id","attempt","item":{…},"results":{…},"sent_at"}`;
/// a `body` template replaces it.
public struct WebhookChannel: Channel {
    public let name: String
    public let type = "webhook"
    public let traits: ChannelTraits

    let url: String
    let secret: Secret?
    let headers: [(String, String)]
    let timeout: Duration?
    let body: ChannelTemplate?
    let timeZone: TimeZone
    let http: HTTPClient

    /// Reads the channel's keys from its configuration section.
    ///
    /// - Parameters:
    ///   - name: The channel's name.
    ///   - section: The channel's section; the caller has read the engine's keys and calls `finish()` afterwards.
    ///   - context: Time zone, state folder, logger.
    ///   - http: The daemon's HTTP client.
    /// - Throws: ``ConfigError`` naming the key path.
    public init(name: String, section: ConfigSection, context: ChannelContext, http: HTTPClient) throws(ConfigError) {
        self.name = name
        let url = try section.requireString("url")
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https", parsed.host?.isEmpty == false
        else {
            throw section.error("url", "expected an http:// or https:// URL, found \"\(url)\"")
        }
        self.url = url
        secret = try section.secret("secret")
        headers = try section.stringMap("headers") ?? []
        for (header, _) in headers
        where ["content-type", "content-length", "x-cchc-delivery", "x-cchc-attempt", "x-signature-256"].contains(
            header.lowercased())
        {
            throw section.error("headers", "\(header) is set by the channel")
        }
        timeout = try section.duration("timeout")
        traits = ChannelTraits(idempotent: try section.bool("idempotent") ?? false, reportsSends: true)
        body = try section.template("body", escaping: .json)
        timeZone = context.timeZone
        self.http = http
    }

    public func validate(_ item: ChannelItem) -> [ValidationProblem] {
        if item.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return [ValidationProblem(field: "body", message: "nội dung bài viết đang trống")]
        }
        return []
    }

    /// The payload bytes for one delivery.
    func payload(_ request: PublishRequest, sentAt: Date = Date()) throws(TemplateError) -> [UInt8] {
        if let body {
            var extra = ["sent_at": RFC3339.string(from: sentAt, timeZone: timeZone)]
            extra["channel"] = name
            return try body.renderJSON(TemplateContext.values(for: request, extra: extra, timeZone: timeZone))
        }
        return PayloadJSON.encode(
            WebhookPayload(
                deliveryID: request.deliveryID, attempt: request.attempt, channel: name,
                item: ItemPayload(request.item, timeZone: timeZone), results: ResultPayload.map(request.earlierResults),
                sentAt: RFC3339.string(from: sentAt, timeZone: timeZone)))
    }

    /// `sha256=` and the lowercase hex HMAC-SHA256 of `body` under `secret`.
    static func signature(_ body: [UInt8], secret: Secret) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.reveal().utf8)))
        return "sha256="
            + mac.map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
    }

    public func publish(_ request: PublishRequest) async -> PublishOutcome {
        if Task.isCancelled { return .retry(ChannelError(.cancelled, "cancelled before sending")) }
        let bytes: [UInt8]
        do {
            bytes = try payload(request)
        } catch {
            return .failed(ChannelError(.config, "body: \(error.message)"))
        }
        var headers = HTTPHeaders(headers)
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        headers.replaceOrAdd(name: "X-CCHC-Delivery", value: request.deliveryID)
        headers.replaceOrAdd(name: "X-CCHC-Attempt", value: String(request.attempt))
        if let secret { headers.replaceOrAdd(name: "X-Signature-256", value: Self.signature(bytes, secret: secret)) }

        let response: HTTPResponse
        do {
            response = try await http.execute(
                HTTPRequest(method: "POST", url: url, headers: headers, body: bytes, timeout: timeout))
        } catch {
            return HTTPOutcome.failure(error, action: "POST to the webhook")
        }
        guard (200...299).contains(response.status) else {
            return HTTPOutcome.failure(response, action: "POST to the webhook")
        }
        // The receiver may answer anything; an `id`/`url` in a JSON answer is recorded.
        var result = ChannelResult()
        if let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] {
            switch object["id"] {
            case let s as String: result.remoteID = s
            case let n as NSNumber: result.remoteID = n.stringValue
            default: break
            }
            result.url = object["url"] as? String
        }
        return .delivered(result, detail: "HTTP \(response.status)")
    }

    public func check() async throws(ChannelError) -> String {
        throw ChannelError(
            .unsupported, "webhook: không kiểm tra được mà không gửi dữ liệu; dùng cchc item add với một tin thử")
    }
}

/// The default webhook payload.
struct WebhookPayload: Encodable {
    var event = "cchc.item.published"
    var deliveryID: String
    var attempt: Int
    var channel: String
    var item: ItemPayload
    var results: [String: ResultPayload]
    var sentAt: String

    enum CodingKeys: String, CodingKey {
        case event, deliveryID = "delivery_id", attempt, channel, item, results, sentAt = "sent_at"
    }
}
