import ChannelConfig
import ChannelHTTP
import ChannelKit
import Foundation
import Logging
import Transport

/// The `zalo` channel: publishes items as articles of a Zalo Official Account and optionally
/// broadcasts them to the OA's followers; receives the OA's webhooks.
///
/// A delivery has two parts (``PartOutcome``): `article` (create, then verify; its remote id is the
/// article id and its message the article URL) and `broadcast` (when enabled). A retry skips the
/// finished article, so "the article is created, the broadcast waits" for the end of the quiet hours.
///
/// Not idempotent (Zalo has no idempotency key): a send interrupted by a stop of the daemon becomes
/// `uncertain`. At the next start the engine asks ``lookUpInterrupted(_:)``, which looks for the
/// article among the OA's recent articles (`article/getslice`) by its title; what it cannot settle is
/// left to a person (`cchc delivery resolve`). Retries after a failed attempt look the article up the
/// same way before creating it, so an article is never made twice.
public struct ZaloChannel: InterruptionLookup {
    public let name: String
    public let type = "zalo"
    public let traits = ChannelTraits(idempotent: false, reportsSends: true)

    let appID: String
    let oaID: String
    let oaSecretKey: Secret?
    let defaultAuthor: String?
    let defaultCover: String?
    let broadcast: BroadcastSettings?
    let verifyAttempts: Int
    let verifyInterval: Duration
    let lookupLimit: Int
    let timeZone: TimeZone
    let api: ZaloAPI
    let tokens: ZaloTokenKeeper
    let now: @Sendable () -> Date
    let webhookPath: String
    let maxWebhookBytes: Int
    let logger: Logger

    struct BroadcastSettings: Sendable {
        /// `recipient.target`: ages, gender, cities, locations, platform (Zalo's codes, as given).
        var target: [(String, String)]
        var quietHours: ZaloQuietHours
    }

    /// Reads the channel's keys from its configuration section.
    ///
    /// - Parameters:
    ///   - name: The channel's name.
    ///   - section: The channel's section; the caller has read the engine's keys and calls `finish()` afterwards.
    ///   - context: Time zone, state folder (the token file lives in `<state_dir>/zalo/`), logger.
    ///   - http: The daemon's HTTP client.
    ///   - now: The clock (tests move it; the daemon uses the system's).
    /// - Throws: ``ConfigError`` naming the key path.
    public init(
        name: String, section: ConfigSection, context: ChannelContext, http: HTTPClient,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(ConfigError) {
        self.name = name
        appID = try Self.digits(section, "app_id")
        oaID = try Self.digits(section, "oa_id")
        let secretKey = try section.requireSecret("secret_key")
        oaSecretKey = try section.secret("oa_secret_key")
        let apiURL = try Self.baseURL(section, "api_url", default: "https://openapi.zalo.me")
        let oauthURL = try Self.baseURL(section, "oauth_url", default: "https://oauth.zaloapp.com")
        defaultAuthor = try section.string("author")
        if let author = defaultAuthor, author.count > ZaloArticle.authorLimit {
            throw section.error("author", "is longer than Zalo's \(ZaloArticle.authorLimit) characters")
        }
        defaultCover = try section.string("cover_url")
        if let cover = defaultCover, !ZaloArticle.isWebURL(cover) {
            throw section.error("cover_url", "expected an http:// or https:// URL, found \"\(cover)\"")
        }
        if let b = try section.section("broadcast") {
            let enabled = try b.bool("enabled") ?? true
            let target = try b.stringMap("target") ?? []
            for (key, _) in target where !["ages", "gender", "cities", "locations", "platform"].contains(key) {
                throw ConfigError(
                    "unknown broadcast target \"\(key)\" (known: ages, gender, cities, locations, platform)",
                    path: b.childPath("target") + "." + key, location: b.location)
            }
            var quiet = ZaloQuietHours(from: 22 * 60, to: 6 * 60)
            if let text = try b.string("quiet_hours") {
                guard let q = ZaloQuietHours(text) else {
                    throw b.error("quiet_hours", "\"\(text)\" is not a period like 22:00-06:00")
                }
                quiet = q
            }
            try b.finish()
            broadcast = enabled ? BroadcastSettings(target: target, quietHours: quiet) : nil
        } else {
            broadcast = nil
        }
        verifyAttempts = try section.int("verify_attempts", range: 1...100) ?? 8
        verifyInterval = try section.duration("verify_interval") ?? .seconds(2)
        lookupLimit = try section.int("lookup_limit", range: 1...50) ?? 20
        let refreshAhead = try section.duration("refresh_ahead") ?? .seconds(3600)
        let timeout = try section.duration("timeout")
        webhookPath = try section.string("webhook_path") ?? InboundRoute.conventionalPath(type: "zalo", channel: name)
        guard webhookPath.hasPrefix("/webhooks/") else {
            throw section.error("webhook_path", "must start with /webhooks/")
        }
        maxWebhookBytes = try section.int("webhook_max_bytes", range: 1024...(16 << 20)) ?? (256 << 10)
        timeZone = context.timeZone
        logger = context.logger
        self.now = now
        tokens = ZaloTokenKeeper(
            channel: name, appID: appID, secretKey: secretKey, oauthURL: oauthURL,
            store: ZaloTokenStore(stateDirectory: context.stateDirectory, channel: name), http: http,
            refreshAhead: refreshAhead, timeout: timeout, now: now, logger: context.logger)
        api = ZaloAPI(apiURL: apiURL, tokens: tokens, http: http, timeout: timeout, timeZone: timeZone, now: now)
    }

    private static func digits(_ section: ConfigSection, _ key: String) throws(ConfigError) -> String {
        let value = try section.requireString(key)
        guard value.allSatisfy(\.isNumber), value.allSatisfy(\.isASCII) else {
            throw section.error(key, "expected the numeric id Zalo shows, found \"\(value)\"")
        }
        return value
    }

    private static func baseURL(_ section: ConfigSection, _ key: String, default fallback: String) throws(ConfigError)
        -> String
    {
        guard var url = try section.string(key) else { return fallback }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
            parsed.host?.isEmpty == false
        else {
            throw section.error(key, "expected an http:// or https:// URL, found \"\(url)\"")
        }
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// The token file of this channel (`cchc zalo seed-token` writes it).
    public var tokenStore: ZaloTokenStore { tokens.store }

    /// How many token refreshes this channel instance has sent.
    public func refreshCount() async -> Int { await tokens.refreshCount }

    func article(_ item: ChannelItem) -> ZaloArticle {
        ZaloArticle(item: item, defaultAuthor: defaultAuthor, defaultCover: defaultCover)
    }

    public func validate(_ item: ChannelItem) -> [ValidationProblem] { article(item).problems }

    public func publish(_ request: PublishRequest) async -> PublishOutcome {
        await publishInParts(request).outcome
    }

    public func check() async throws(ChannelError) -> String {
        do throws(ZaloStop) {
            let envelope = try await api.call("GET", "/v2.0/oa/getoa", action: "read the OA's profile")
            let data = try api.require(envelope, action: "read the OA's profile")
            let id = ZaloJSON.string(data["oa_id"]) ?? "?"
            let oaName = (data["name"] as? String) ?? "?"
            if id != oaID {
                throw ZaloStop.failed(
                    ChannelError(
                        .config,
                        "the tokens belong to OA \(oaName) (id \(id)), not to oa_id \(oaID) of the configuration"))
            }
            return "Zalo OA \(oaName) (id \(id)); token hợp lệ"
        } catch {
            throw error.error
        }
    }
}
