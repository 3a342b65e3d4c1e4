import ChannelKit
import Config
import Crypto
import Engine
import Foundation
import Hummingbird
import Logging
import Queue
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The officers' web app (issue 16): sign-in, the queue, an item's approval view with every channel's
/// preview, compose, accounts. Server-rendered Vietnamese HTML, templates and CSS compiled in, on a
/// listener of its own (`web.listen`), separate from the webhook listener.
///
/// Every route checks the signed-in account's roles and units; every form carries the session's
/// CSRF token; the web layer reaches data only through ``Store``.
public struct WebApp: Sendable {
    public var store: any Store
    public var timeZone: TimeZone
    /// What a reload may change (``reconfigure(settings:topics:channels:channelOrder:plan:)``), shared by
    /// every copy of the app: the routes hold copies, and all of them see the reloaded configuration.
    let live: LiveConfiguration
    public var settings: WebSettings {
        get { live.read(\.settings) }
        nonmutating set { live.update { $0.settings = newValue } }
    }
    public var topics: [Topic] {
        get { live.read(\.topics) }
        nonmutating set { live.update { $0.topics = newValue } }
    }
    /// Configured channels by name (for previews and validation).
    public var channels: [String: any Channel] {
        get { live.read(\.channels) }
        nonmutating set { live.update { $0.channels = newValue } }
    }
    /// Channel names in configuration order.
    public var channelOrder: [String] {
        get { live.read(\.channelOrder) }
        nonmutating set { live.update { $0.channelOrder = newValue } }
    }
    /// The deliveries an approval creates (the daemon's planner).
    public var plan: @Sendable (ItemRecord) -> [PlannedDelivery] {
        get { live.read(\.plan) }
        nonmutating set { live.update { $0.plan = newValue } }
    }
    /// Tells the engine to look at the queue (after an approval or a retry).
    public var wake: @Sendable () -> Void
    public var logger: Logger
    /// The engine's view of each channel (circuit, halts, last success and failure), for the channels page.
    public var channelHealth: @Sendable () async -> [String: ChannelHealth] = { [:] }
    /// bcrypt cost for passwords set from the web.
    public var passwordCost: UInt8 = 12
    let throttle = LoginThrottle()
    let clock: @Sendable () -> Date

    public init(
        store: any Store, settings: WebSettings, timeZone: TimeZone, topics: [Topic], channels: [String: any Channel],
        channelOrder: [String], plan: @escaping @Sendable (ItemRecord) -> [PlannedDelivery],
        wake: @escaping @Sendable () -> Void, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.timeZone = timeZone
        self.live = LiveConfiguration(
            .init(settings: settings, topics: topics, channels: channels, channelOrder: channelOrder, plan: plan))
        self.wake = wake
        self.logger = logger
        self.clock = clock
    }

    /// Applies a reloaded configuration to the running app (and every copy of it), all at once. The
    /// listen address is not among it: changing it needs a restart.
    public func reconfigure(
        settings: WebSettings, topics: [Topic], channels: [String: any Channel], channelOrder: [String],
        plan: @escaping @Sendable (ItemRecord) -> [PlannedDelivery]
    ) {
        live.update {
            $0 = .init(settings: settings, topics: topics, channels: channels, channelOrder: channelOrder, plan: plan)
        }
    }

    /// All routes.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(SecurityHeaders(logger: logger))
        router.get("/static/app.css") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: Assets.css)))
        }
        addSignIn(to: router)
        addItemRoutes(to: router)
        addCancelAndResolve(to: router)
        addRetract(to: router)
        addChannels(to: router)
        addCalendar(to: router)
        addCompose(to: router)
        addAccounts(to: router)
        addAPI(to: router)
        return router
    }

    /// The application on `address` (TCP or unix socket), ready to run as a service.
    public func application(address: WebAddress) -> some ApplicationProtocol {
        let bind: BindAddress
        switch address {
        case .tcp(let host, let port): bind = .hostname(host, port: port)
        case .unix(let path):
            var st = stat()
            if lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
            bind = .unixDomainSocket(path: path)
        }
        let logger = self.logger
        return Application(
            router: router(), configuration: .init(address: bind, serverName: "cchcd-web"),
            onServerRunning: { channel in
                switch address {
                case .tcp(let host, let port):
                    let bound = channel.localAddress?.port ?? port
                    logger.info("web app on \(host):\(bound)", metadata: ["web_port": "\(bound)"])
                case .unix(let path):
                    chmod(path, 0o660)
                    logger.info("web app on unix:\(path)")
                }
            }, logger: logger)
    }

    // MARK: Shared helpers

    func topicLabel(_ key: String) -> String { topics.first { $0.key == key }?.label ?? key }

    func display(_ date: Date?) -> String {
        guard let date else { return "" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(
            format: "%02d/%02d/%04d %02d:%02d", c.day ?? 0, c.month ?? 0, c.year ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// An item the account may see, or 404 (its existence is not revealed to other units).
    func visibleItem(_ id: String, for officer: Officer) async throws -> ItemRecord {
        guard let item = try await store.item(id), officer.account.covers(unit: item.content.unit) else {
            throw WebError.notFound
        }
        return item
    }
}

/// The part of the web app's setup a reload replaces.
final class LiveConfiguration: Sendable {
    struct Values: Sendable {
        var settings: WebSettings
        var topics: [Topic]
        var channels: [String: any Channel]
        var channelOrder: [String]
        var plan: @Sendable (ItemRecord) -> [PlannedDelivery]
    }

    private let values: Mutex<Values>

    init(_ values: Values) { self.values = Mutex(values) }

    func read<T: Sendable>(_ path: KeyPath<Values, T>) -> T { values.withLock { $0[keyPath: path] } }
    func update(_ change: (inout Values) -> Void) { values.withLock { change(&$0) } }
}

/// Where the web app listens: `127.0.0.1:8650`, a bare port, or `unix:/run/cchcd/web.sock`.
public enum WebAddress: Sendable, Equatable {
    case tcp(host: String, port: Int)
    case unix(path: String)

    public static func parse(_ text: String) -> WebAddress? {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            guard path.hasPrefix("/"), path.utf8.count < 108 else { return nil }
            return .unix(path: path)
        }
        if let port = Int(text), (0...65535).contains(port) { return .tcp(host: "127.0.0.1", port: port) }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return .tcp(host: host, port: port)
    }
}

/// Headers every answer carries: no framing, no sniffing, scripts and styles only from this server.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = BasicRequestContext
    var logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            // The API declares GET only: any other method is 405, whatever the path under /api/.
            if request.uri.path.hasPrefix("/api/"), request.method != .get, request.method != .head {
                response = try APIError(.methodNotAllowed, "method-not-allowed", "Đường dẫn này chỉ nhận GET.")
                    .jsonResponse()
                response.headers[.allow] = "GET"
            } else {
                response = try await next(request, context)
            }
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch let error as StoreError {
            let web = Self.webError(error, logger: logger)
            response =
                request.uri.path.hasPrefix("/api/")
                ? try APIError(web.status, Self.apiCode(web.status), web.message).response(
                    from: request, context: context)
                : try web.response(from: request, context: context)
        }
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; frame-src 'self'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    static func apiCode(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "not-found"
        case 409: "conflict"
        case 400: "bad-request"
        default: "internal"
        }
    }

    /// A store error the route did not handle itself, in the officer's terms.
    static func webError(_ error: StoreError, logger: Logger) -> WebError {
        switch error.kind {
        case .notFound: return .notFound
        case .invalidState, .locked:
            return WebError(status: .conflict, message: "Việc này không làm được ở trạng thái hiện tại của bài.")
        case .database:
            logger.error("web: store error", metadata: ["error": "\(error.message)"])
            return WebError(
                status: .internalServerError,
                message: "Cơ sở dữ liệu đang gặp lỗi; hãy thử lại sau hoặc báo cán bộ vận hành.")
        }
    }
}
