import ChannelConfig
import ChannelHTTP
import ChannelKit
import Foundation
import Logging
import Rendering
import Transport

/// The `facebook` channel: posts items to a Facebook Page through the Graph API, and receives the
/// Page's webhooks (comments, reactions, posts, messages) as inbound events.
///
/// Post kinds follow from the item's media: no picture → a text post on `/{page-id}/feed` (with
/// `link`); one picture → `/{page-id}/photos` (by URL or uploaded bytes) with the message as caption;
/// several → each uploaded with `published=false`, then one `/{page-id}/feed` post with `attached_media`.
///
/// Not idempotent: Graph has no idempotency key. Every message ends with the item's marker
/// (``marker(for:)``, `#cchc_2026_11_0042`); a retry, and a resend after an interruption, first looks
/// for a recent Page post carrying it and does not post again when one exists.
///
/// See Plugins/Facebook/README.md for every key.
public struct FacebookChannel: InterruptionLookup {
    public let name: String
    public let type = "facebook"
    public let traits = ChannelTraits(idempotent: false, supportsRetraction: true, reportsSends: true)

    let pageID: String
    let apiVersion: String
    let graphURL: String
    let graph: GraphAPI
    let message: ChannelTemplate?
    let linkFrom: String?
    let requireLink: Bool
    let maxPhotos: Int
    let slowDownAt: Int
    let slowDownMax: Duration
    let throttleWait: Duration
    let markerLookback: Duration
    let timeZone: TimeZone
    let webhook: FacebookWebhook?

    /// Reads the channel's keys from its configuration section.
    ///
    /// - Parameters:
    ///   - name: The channel's name (`fb-sonoivu`).
    ///   - section: The channel's section; the caller has read the engine's keys and calls `finish()` afterwards.
    ///   - context: Time zone, state folder, logger.
    ///   - http: The daemon's HTTP client.
    /// - Throws: ``ConfigError`` naming the key path.
    public init(name: String, section: ConfigSection, context: ChannelContext, http: HTTPClient) throws(ConfigError) {
        self.name = name
        let pageID = try section.requireString("page_id")
        guard !pageID.isEmpty, pageID.allSatisfy(\.isASCIIDigit) else {
            throw section.error("page_id", "expected the Page's numeric id, found \"\(pageID)\"")
        }
        self.pageID = pageID
        let version = try section.string("api_version") ?? Self.defaultAPIVersion
        guard version.wholeMatch(of: /v[0-9]{1,3}\.[0-9]{1,2}/) != nil else {
            throw section.error("api_version", "expected a Graph API version like v23.0, found \"\(version)\"")
        }
        apiVersion = version
        var base = try section.string("graph_url") ?? "https://graph.facebook.com"
        guard let parsed = URL(string: base), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https", parsed.host?.isEmpty == false
        else {
            throw section.error("graph_url", "expected an http:// or https:// URL, found \"\(base)\"")
        }
        while base.hasSuffix("/") { base.removeLast() }
        graphURL = base
        let token = try section.requireSecret("token")
        message = try section.template("message", escaping: .text)
        linkFrom = try section.string("link_from")
        requireLink = try section.bool("require_link") ?? false
        maxPhotos = try section.int("max_photos", range: 1...30) ?? 10
        slowDownAt = try section.int("slow_down_at", range: 50...100) ?? 80
        slowDownMax = try section.duration("slow_down_max") ?? .seconds(15 * 60)
        throttleWait = try section.duration("throttle_wait") ?? .seconds(5 * 60)
        markerLookback = try section.duration("marker_lookback") ?? .seconds(7 * 24 * 3600)
        let timeout = try section.duration("timeout")
        timeZone = context.timeZone
        graph = GraphAPI(versionURL: base + "/" + version, token: token, timeout: timeout, http: http)

        let appSecret = try section.secret("app_secret")
        let verifyToken = try section.secret("verify_token")
        let maxBody = try section.int("webhook_max_bytes", range: 1024...(16 << 20)) ?? (1 << 20)
        switch (appSecret, verifyToken) {
        case (let secret?, let verify?):
            webhook = FacebookWebhook(
                channel: name, pageID: pageID, appSecret: secret, verifyToken: verify, maxBodyBytes: maxBody,
                logger: context.logger)
        case (nil, nil):
            webhook = nil
        case (nil, _):
            throw section.error("app_secret", "is required with verify_token (webhook signatures are checked with it)")
        case (_, nil):
            throw section.error("verify_token", "is required with app_secret (for the webhook subscription handshake)")
        }
    }

    /// The Graph API version used unless `api_version` says otherwise.
    public static let defaultAPIVersion = "v23.0"
    /// Facebook's limit on a post's text.
    public static let maxMessageLength = 63_206
    /// Largest photo Facebook accepts as an upload.
    public static let maxPhotoBytes = 4 * 1024 * 1024
    static let photoTypes = [
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "bmp": "image/bmp",
        "tif": "image/tiff", "tiff": "image/tiff", "heif": "image/heif", "webp": "image/webp",
    ]
}
