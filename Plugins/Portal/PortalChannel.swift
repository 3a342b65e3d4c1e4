import ChannelConfig
import ChannelKit
import Foundation
import Logging
import Rendering
import Transport

/// The `portal` channel: publishes items to a unit's web portal (Cổng/Trang thông tin điện tử).
///
/// Portals run on many platforms, so the channel has presets (`preset:`):
/// - `generic` — any HTTP API: method, URL, headers, auth, a JSON or form body template, and JSON
///   pointers to the remote id and URL in the answer;
/// - `wordpress` — the WordPress REST API with an Application Password; idempotent through a slug
///   derived from the item id;
/// - `static` — self-contained HTML pages, an index and an RSS feed written into a folder.
///
/// See Plugins/Portal/README.md for every key.
public struct PortalChannel: Channel {
    public let name: String
    public let type = "portal"
    public let traits: ChannelTraits
    /// The preset word (`generic`, `wordpress`, `static`).
    public let preset: String
    let publisher: Publisher

    enum Publisher: Sendable {
        case generic(GenericPortal)
        case wordpress(WordPressPortal)
        case staticSite(StaticPortal)
    }

    /// Reads the channel's keys from its configuration section.
    ///
    /// - Parameters:
    ///   - name: The channel's name (`portal-tinh`).
    ///   - section: The channel's section. The caller has read the engine's keys (`type`, `after`,
    ///     `slots`, …) and calls `finish()` afterwards, so every key this preset does not read is
    ///     reported as unknown.
    ///   - context: Time zone, state folder, logger.
    ///   - http: The daemon's HTTP client (unused by the `static` preset).
    /// - Throws: ``ConfigError`` naming the key path.
    public init(name: String, section: ConfigSection, context: ChannelContext, http: HTTPClient) throws(ConfigError) {
        self.name = name
        preset = try section.oneOf("preset", ["generic", "wordpress", "static"]) ?? "generic"
        switch preset {
        case "wordpress":
            let portal = try WordPressPortal(section: section, context: context, http: http)
            publisher = .wordpress(portal)
            traits = ChannelTraits(idempotent: true, supportsRetraction: true, reportsSends: true)
        case "static":
            let portal = try StaticPortal(section: section, context: context)
            publisher = .staticSite(portal)
            traits = ChannelTraits(idempotent: true)
        default:
            let portal = try GenericPortal(section: section, context: context, http: http)
            publisher = .generic(portal)
            traits = ChannelTraits(idempotent: portal.idempotent, reportsSends: true)
        }
    }

    public func validate(_ item: ChannelItem) -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        if item.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems.append(ValidationProblem(field: "body", message: "nội dung bài viết đang trống"))
        }
        if item.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems.append(ValidationProblem(field: "title", message: "tiêu đề đang trống"))
        }
        switch publisher {
        case .generic, .wordpress:
            if item.title.count > Self.maxTitleLength {
                problems.append(
                    ValidationProblem(
                        field: "title",
                        message:
                            "tiêu đề dài \(item.title.count) ký tự, cổng thông tin nhận tối đa \(Self.maxTitleLength)"))
            }
        case .staticSite:
            break
        }
        return problems
    }

    /// Titles longer than this are refused at intake (WordPress and most portal CMSs cut or refuse them).
    public static let maxTitleLength = 300

    public func publish(_ request: PublishRequest) async -> PublishOutcome {
        if Task.isCancelled { return .retry(ChannelError(.cancelled, "cancelled before sending")) }
        switch publisher {
        case .generic(let portal): return await portal.publish(request)
        case .wordpress(let portal): return await portal.publish(request)
        case .staticSite(let portal): return await portal.publish(request)
        }
    }

    /// WordPress portals move the post to the trash; other presets cannot take a post down.
    public func retract(_ result: ChannelResult, logger: Logger) async throws(ChannelError) -> String? {
        guard case .wordpress(let portal) = publisher else {
            throw ChannelError(.unsupported, "cổng kiểu \(preset) không hỗ trợ gỡ bài đã đăng")
        }
        return try await portal.retract(result)
    }

    public func check() async throws(ChannelError) -> String {
        switch publisher {
        case .generic(let portal): return try await portal.check()
        case .wordpress(let portal): return try await portal.check()
        case .staticSite(let portal): return try portal.check()
        }
    }
}

/// Credentials for HTTP requests. Secrets stay in ``Secret`` until the header is built.
enum PortalAuth: Sendable {
    case none
    case bearer(Secret)
    case basic(username: String, password: Secret)
    /// A token in a header of the portal's choosing (`X-Api-Key`).
    case header(name: String, value: Secret)

    /// Reads `auth: { kind: bearer|basic|header|none, token_file…, username, password_file…, header }`.
    static func read(_ section: ConfigSection) throws(ConfigError) -> PortalAuth {
        guard let auth = try section.section("auth") else { return .none }
        let kind = try auth.oneOf("kind", ["bearer", "basic", "header", "none"]) ?? "none"
        let result: PortalAuth
        switch kind {
        case "bearer":
            result = .bearer(try auth.requireSecret("token"))
        case "basic":
            let username = try auth.requireString("username")
            result = .basic(username: username, password: try auth.requireSecret("password"))
        case "header":
            let name = try auth.requireString("header")
            result = .header(name: name, value: try auth.requireSecret("token"))
        default:
            result = .none
        }
        try auth.finish()
        return result
    }

    func apply(to headers: inout HTTPHeaders) {
        switch self {
        case .none: break
        case .bearer(let token): headers.replaceOrAdd(name: "Authorization", value: "Bearer " + token.reveal())
        case .basic(let username, let password):
            headers.replaceOrAdd(name: "Authorization", value: Self.basic(username, password))
        case .header(let name, let value): headers.replaceOrAdd(name: name, value: value.reveal())
        }
    }

    static func basic(_ username: String, _ password: Secret) -> String {
        "Basic " + Data((username + ":" + password.reveal()).utf8).base64EncodedString()
    }
}

extension ConfigSection {
    /// An http(s) URL without template markers.
    func httpURL(_ key: String, required: Bool) throws(ConfigError) -> String? {
        guard let url = required ? try requireString(key) : try string(key) else { return nil }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            parsed.host?.isEmpty == false
        else {
            throw error(key, "expected an http:// or https:// URL, found \"\(url)\"")
        }
        return url
    }
}
