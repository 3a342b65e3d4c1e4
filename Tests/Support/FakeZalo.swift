import Foundation
import Synchronization

/// A Zalo Official Account as its OA API (`openapi.zalo.me`) and OAuth endpoint
/// (`oauth.zaloapp.com`) show it, on one loopback port, for tests. Written from Zalo's published
/// documentation (CHANNELS.md summarises it) and *enforcing* the rules a client can get wrong:
///
/// - OAuth: `POST /v4/oa/access_token`, header `secret_key`, form `refresh_token`, `app_id`,
///   `grant_type=refresh_token`. A refresh token works ONCE: reusing it gets an error. The answer
///   holds a new `access_token`, a new `refresh_token` and `expires_in` as a string.
/// - Every OA call needs a live access token in the `access_token` header: unknown → -216,
///   expired (by the fake's clock) → -220. Errors are HTTP 200 with `{"error": <negative>, "message"}`.
/// - `POST /v2.0/article/create` checks type, title (1–150), author (1–50), description (≤300), a
///   photo cover with `photo_url`, body blocks (`text` with content, `image` with url), status
///   and answers a `token`; `POST /v2.0/article/verify` answers -214 ("processing") for the first
///   ``processingChecks`` checks of a token, then the article `id`.
/// - `GET /v2.0/article/getslice`, `GET /v2.0/article/getdetail`, `GET /v2.0/oa/getoa`.
/// - `POST /v2.0/oa/message` broadcasts an article to followers, refused with -234 between 22:00 and
///   06:00 (Asia/Ho_Chi_Minh, by the fake's clock).
/// - ``failNext(_:code:message:)`` queues Zalo errors (-32 rate limit, -211 quota…) for a path.
public final class FakeZalo: Sendable {
    public struct Article: Sendable, Hashable {
        public var id: String
        public var title: String
        public var author: String
        public var description: String
        public var coverURL: String
        public var body: [[String: String]]
        public var link: String
    }

    public struct Broadcast: Sendable, Hashable {
        public var articleID: String
        public var target: [String: String]
        public var messageID: String
        public var at: Date
    }

    public let server: LoopbackHTTPServer
    public let appID: String
    public let oaID: String
    public let oaName: String
    public let secretKey: String

    /// The base URL of both the API and the OAuth endpoint (`api_url` and `oauth_url`).
    public var baseURL: String { server.baseURL }
    public var requests: [RecordedRequest] { server.requests }
    public var articles: [Article] { state.withLock { $0.articles } }
    public var broadcasts: [Broadcast] { state.withLock { $0.broadcasts } }
    /// Refresh requests that were answered with a new pair.
    public var refreshCount: Int { state.withLock { $0.refreshes } }
    /// Refresh requests refused because the refresh token had been used (or was never issued).
    public var refusedRefreshCount: Int { state.withLock { $0.refusedRefreshes } }
    /// How many OA calls were refused with -216/-220.
    public var tokenRefusals: Int { state.withLock { $0.tokenRefusals } }

    /// The fake's clock (tokens expire and quiet hours apply by it).
    public var now: Date { state.withLock { $0.now() } }
    /// Sets the clock to a fixed instant; nil returns to the system clock.
    public func setNow(_ date: Date?) { state.withLock { $0.fixedNow = date } }
    /// The next refresh answers come this much later (concurrency tests keep a refresh in flight).
    public func setRefreshDelay(_ delay: Duration?) { state.withLock { $0.refreshDelay = delay } }
    /// How many verify checks of a new article answer -214 first.
    public func setProcessingChecks(_ n: Int) { state.withLock { $0.processingChecks = n } }
    /// A created article shows in getslice before it is verified.
    public func setListUnverified(_ on: Bool) { state.withLock { $0.listUnverified = on } }

    /// Issues a pair as if an operator had authorised the OA, valid for `lifetime` from the fake's clock.
    public func issuePair(lifetime: TimeInterval = 90000) -> (access: String, refresh: String) {
        state.withLock { $0.issue(lifetime: lifetime) }
    }

    /// Makes every access token issued so far expire now.
    public func expireAccessTokens() {
        state.withLock { s in
            let now = s.now()
            for key in s.accessTokens.keys { s.accessTokens[key] = now.addingTimeInterval(-1) }
        }
    }

    /// The next request to `path` gets this Zalo error instead (queued per path).
    public func failNext(_ path: String, code: Int, message: String = "Injected error") {
        state.withLock { $0.failures[path, default: []].append((code, message)) }
    }

    /// The next request to `path` gets this HTTP status instead.
    public func failNextHTTP(_ path: String, status: Int) {
        state.withLock { $0.httpFailures[path, default: []].append(status) }
    }

    public static func start(
        appID: String = "4321", oaID: String = "9876", oaName: String = "Sở Nội vụ tỉnh Sơn La",
        secretKey: String = "app-secret-key-0123"
    ) async throws -> FakeZalo {
        let state = StateBox()
        let server = try await LoopbackHTTPServer.start { request in
            if request.path == "/v4/oa/access_token", let delay = state.withLock({ $0.refreshDelay }) {
                try? await Task.sleep(for: delay)
            }
            return state.withLock { s in
                Self.handle(request, &s, appID: appID, oaID: oaID, oaName: oaName, secretKey: secretKey)
            }
        }
        state.withLock { $0.baseURL = server.baseURL }
        return FakeZalo(server: server, state: state, appID: appID, oaID: oaID, oaName: oaName, secretKey: secretKey)
    }

    public func shutdown() async throws { try await server.shutdown() }

    private let state: StateBox

    private init(
        server: LoopbackHTTPServer, state: StateBox, appID: String, oaID: String, oaName: String,
        secretKey: String
    ) {
        self.server = server
        self.state = state
        self.appID = appID
        self.oaID = oaID
        self.oaName = oaName
        self.secretKey = secretKey
    }

    final class StateBox: Sendable {
        private let mutex = Mutex(State())
        func withLock<R>(_ body: (inout State) -> R) -> R { mutex.withLock { body(&$0) } }
    }

    struct Pending {
        var article: Article
        var checks = 0
    }

    struct State {
        var fixedNow: Date?
        var refreshDelay: Duration?
        var processingChecks = 1
        var listUnverified = false
        var accessTokens: [String: Date] = [:]
        var refreshTokens: [String: Bool] = [:]  // token → still unused
        var refreshes = 0
        var refusedRefreshes = 0
        var tokenRefusals = 0
        var pending: [String: Pending] = [:]
        var verified: [String: String] = [:]
        var articles: [Article] = []
        var broadcasts: [Broadcast] = []
        var failures: [String: [(Int, String)]] = [:]
        var httpFailures: [String: [Int]] = [:]
        var serial = 1000
        var baseURL = ""

        func now() -> Date { fixedNow ?? Date() }

        mutating func next(_ prefix: String) -> String {
            serial += 1
            return "\(prefix)\(serial)"
        }

        mutating func issue(lifetime: TimeInterval) -> (access: String, refresh: String) {
            let access = next("at-") + "-" + UUID().uuidString.prefix(8)
            let refresh = next("rt-") + "-" + UUID().uuidString.prefix(8)
            accessTokens[access] = now().addingTimeInterval(lifetime)
            refreshTokens[refresh] = true
            return (access, refresh)
        }
    }

    static func json(_ object: [String: Any], status: Int = 200) -> StubResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return StubResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(data))
    }

    static func zaloError(_ code: Int, _ message: String) -> StubResponse {
        json(["error": code, "message": message])
    }

    static func success(_ data: [String: Any]) -> StubResponse {
        json(["error": 0, "message": "Success", "data": data])
    }

    static func handle(
        _ request: RecordedRequest, _ s: inout State, appID: String, oaID: String, oaName: String, secretKey: String
    ) -> StubResponse {
        if var queue = s.httpFailures[request.path], !queue.isEmpty {
            let status = queue.removeFirst()
            s.httpFailures[request.path] = queue
            return StubResponse.text(status, "injected HTTP \(status)")
        }
        if request.path == "/v4/oa/access_token" {
            return refresh(request, &s, appID: appID, secretKey: secretKey)
        }
        // Every OA API call: a live access token first.
        guard let token = request.header("access_token"), let expires = s.accessTokens[token] else {
            s.tokenRefusals += 1
            return zaloError(-216, "Access token is invalid")
        }
        guard expires > s.now() else {
            s.tokenRefusals += 1
            return zaloError(-220, "Access token has expired")
        }
        if var queue = s.failures[request.path], !queue.isEmpty {
            let (code, message) = queue.removeFirst()
            s.failures[request.path] = queue
            return zaloError(code, message)
        }
        switch (request.method, request.path) {
        case ("GET", "/v2.0/oa/getoa"):
            return success(["oa_id": oaID, "name": oaName, "description": "Trang Zalo OA thử nghiệm"])
        case ("POST", "/v2.0/article/create"): return create(request, &s)
        case ("POST", "/v2.0/article/verify"): return verify(request, &s)
        case ("GET", "/v2.0/article/getslice"):
            let offset = Int(request.query["offset"] ?? "") ?? -1
            let limit = Int(request.query["limit"] ?? "") ?? -1
            guard offset >= 0, (1...50).contains(limit), request.query["type"] == "normal" else {
                return zaloError(-201, "Parameters invalid: offset, limit (1-50) and type are required")
            }
            var listed = s.articles
            if s.listUnverified { listed += s.pending.values.map(\.article) }
            let medias = listed.reversed().dropFirst(offset).prefix(limit).map { a -> [String: Any] in
                ["id": a.id, "title": a.title, "type": "normal", "status": "show", "link": a.link]
            }
            return success(["medias": Array(medias), "total": listed.count])
        case ("GET", "/v2.0/article/getdetail"):
            guard let id = request.query["id"], let a = s.articles.first(where: { $0.id == id }) else {
                return zaloError(-201, "Parameters invalid: article not found")
            }
            return success(["id": a.id, "title": a.title, "link": a.link, "type": "normal", "status": "show"])
        case ("POST", "/v2.0/oa/message"): return broadcast(request, &s)
        default:
            return StubResponse.text(404, "no such endpoint")
        }
    }

    static func refresh(_ request: RecordedRequest, _ s: inout State, appID: String, secretKey: String) -> StubResponse
    {
        guard request.method == "POST",
            request.header("Content-Type")?.hasPrefix("application/x-www-form-urlencoded") == true
        else {
            return json(["error": -14001, "error_name": "Invalid request", "error_description": "form POST expected"])
        }
        guard request.header("secret_key") == secretKey else {
            return json([
                "error": -14003, "error_name": "Invalid secret key", "error_description": "secret_key is wrong",
            ])
        }
        let form = RecordedRequest.formDecode(request.bodyText)
        guard form["app_id"] == appID, form["grant_type"] == "refresh_token" else {
            return json(
                ["error": -14002, "error_name": "Invalid app", "error_description": "app_id or grant_type is wrong"])
        }
        guard let refresh = form["refresh_token"], s.refreshTokens[refresh] == true else {
            s.refusedRefreshes += 1
            return json(
                [
                    "error": -14014, "error_name": "Invalid refresh token",
                    "error_description": "The refresh token is invalid or has been used",
                ])
        }
        s.refreshTokens[refresh] = false  // single use
        s.refreshes += 1
        let pair = s.issue(lifetime: 90000)
        return json(["access_token": pair.access, "refresh_token": pair.refresh, "expires_in": "90000"])
    }

    static func create(_ request: RecordedRequest, _ s: inout State) -> StubResponse {
        guard let o = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return zaloError(-201, "Parameters invalid: body is not JSON")
        }
        func text(_ key: String) -> String? { o[key] as? String }
        guard text("type") == "normal" else { return zaloError(-201, "Parameters invalid: type") }
        guard let title = text("title"), (1...150).contains(title.count) else {
            return zaloError(-201, "Parameters invalid: title must have 1 to 150 characters")
        }
        guard let author = text("author"), (1...50).contains(author.count) else {
            return zaloError(-201, "Parameters invalid: author must have 1 to 50 characters")
        }
        guard let description = text("description"), description.count <= 300 else {
            return zaloError(-201, "Parameters invalid: description must have at most 300 characters")
        }
        guard let cover = o["cover"] as? [String: Any], cover["cover_type"] as? String == "photo",
            let photo = cover["photo_url"] as? String, photo.hasPrefix("http"), cover["status"] as? String == "show"
        else {
            return zaloError(-201, "Parameters invalid: cover (cover_type photo, photo_url, status) is required")
        }
        guard let blocks = o["body"] as? [[String: String]], !blocks.isEmpty else {
            return zaloError(-201, "Parameters invalid: body must be a non-empty list")
        }
        for block in blocks {
            switch block["type"] {
            case "text" where !(block["content"] ?? "").isEmpty: continue
            case "image" where (block["url"] ?? "").hasPrefix("http"): continue
            default: return zaloError(-201, "Parameters invalid: body block \(block)")
            }
        }
        guard text("status") == "show" || text("status") == "hide" else {
            return zaloError(-201, "Parameters invalid: status")
        }
        let id = s.next("")
        let token = "tok-" + UUID().uuidString.prefix(12)
        s.pending[token] = Pending(
            article: Article(
                id: id, title: title, author: author, description: description, coverURL: photo, body: blocks,
                link: "\(s.baseURL)/article/\(id)"))
        return success(["token": token])
    }

    static func verify(_ request: RecordedRequest, _ s: inout State) -> StubResponse {
        guard let o = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
            let token = o["token"] as? String
        else { return zaloError(-201, "Parameters invalid: token is required") }
        if let id = s.verified[token] { return success(["id": id]) }
        guard var pending = s.pending[token] else { return zaloError(-201, "Parameters invalid: unknown token") }
        pending.checks += 1
        if pending.checks <= s.processingChecks {
            s.pending[token] = pending
            return zaloError(-214, "Article is processing")
        }
        s.pending[token] = nil
        s.verified[token] = pending.article.id
        s.articles.append(pending.article)
        return success(["id": pending.article.id])
    }

    static func broadcast(_ request: RecordedRequest, _ s: inout State) -> StubResponse {
        guard let o = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
            let recipient = o["recipient"] as? [String: Any], let target = recipient["target"] as? [String: Any],
            let message = o["message"] as? [String: Any], let attachment = message["attachment"] as? [String: Any],
            attachment["type"] as? String == "template", let payload = attachment["payload"] as? [String: Any],
            payload["template_type"] as? String == "media", let elements = payload["elements"] as? [[String: Any]],
            elements.count == 1, elements[0]["media_type"] as? String == "article",
            let articleID = elements[0]["attachment_id"] as? String
        else {
            return zaloError(-201, "Parameters invalid: recipient.target and a media template with one article")
        }
        guard s.articles.contains(where: { $0.id == articleID }) else {
            return zaloError(-201, "Parameters invalid: attachment_id is not an article of this OA")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let hour = calendar.component(.hour, from: s.now())
        if hour >= 22 || hour < 6 {
            return zaloError(-234, "Broadcasting is not allowed between 22:00 and 06:00")
        }
        let id = s.next("msg-")
        var flat: [String: String] = [:]
        for (k, v) in target { flat[k] = "\(v)" }
        s.broadcasts.append(Broadcast(articleID: articleID, target: flat, messageID: id, at: s.now()))
        return success(["message_id": id])
    }
}

/// Runs a program with `input` on its standard input (for commands that read secrets from stdin).
public func runTool(_ executable: String, _ args: [String], input: String) throws -> (
    status: Int32, stdout: String, stderr: String
) {
    try SpawnedProcess.run(executable, args, input: input)
}
