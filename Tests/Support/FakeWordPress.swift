import Foundation

/// A WordPress site as the REST API (`/wp-json/wp/v2/`) shows it, on a loopback port, for tests
/// and the benchmark.
///
/// Follows the published API where the portal channel touches it:
/// - HTTP Basic with one user and its Application Password (spaces in the password are ignored,
///   as WordPress does); anything else gets 401 `{"code":"rest_not_logged_in"…}` or
///   `{"code":"incorrect_password"…}`;
/// - `POST /wp-json/wp/v2/posts` (JSON) creates a post: 201 with `id`, `slug`, `status`, `link`
///   (`http://127.0.0.1:PORT/?p=ID`), `title`/`content`/`excerpt` as `{raw, rendered}`; a slug already
///   taken gets `-2`, `-3`… like WordPress;
/// - `GET /wp-json/wp/v2/posts?slug=…&status=a,b` lists matching posts (status defaults to `publish`);
/// - `GET /wp-json/wp/v2/users/me`;
/// - `DELETE /wp-json/wp/v2/posts/ID` moves the post to the trash (status `trash`, 200 with the post);
///   again: 410 `rest_already_trashed`; an unknown id: 404 `rest_post_invalid_id`;
/// - `POST /wp-json/wp/v2/media` with raw bytes and `Content-Disposition: attachment; filename="x.jpg"`;
/// - other routes: 404 `rest_no_route`. Errors are `{"code","message","data":{"status"}}`.
///
/// Programmable: ``failNext(status:body:headers:)`` queues answers given instead of the next
/// requests', ``setDelay(_:)`` slows every answer (slow-sink tests).
public final class FakeWordPress: Sendable {
    /// A post as stored.
    public struct Post: Sendable, Hashable {
        public var id: Int
        public var title: String
        /// The HTML content as sent.
        public var content: String
        public var excerpt: String
        public var slug: String
        public var status: String
        public var categories: [Int]
        public var tags: [Int]
        public var featuredMedia: Int
        public var dateGMT: String?
        public var link: String
    }

    /// An uploaded media file.
    public struct Media: Sendable, Hashable {
        public var id: Int
        public var fileName: String
        public var contentType: String
        public var byteCount: Int
        /// The post it is attached to (0: none), its caption and alt text (`POST /media/ID`).
        public var post: Int = 0
        public var caption: String = ""
        public var altText: String = ""
    }

    public let server: LoopbackHTTPServer
    public let username: String
    public let applicationPassword: String
    public let displayName: String

    /// The site's base URL (`http://127.0.0.1:PORT`), the portal channel's `url`.
    public var baseURL: String { server.baseURL }
    /// Every request received, failed ones included.
    public var requests: [RecordedRequest] { server.requests }
    /// Posts created, oldest first.
    public var posts: [Post] { state.withLock { $0.posts } }
    /// Media uploaded, oldest first.
    public var media: [Media] { state.withLock { $0.media } }

    /// How many posts have exactly this slug.
    public func postCount(slug: String) -> Int { posts.filter { $0.slug == slug }.count }

    /// The next request gets this answer instead (queued: several calls answer several requests).
    /// The default body is a WordPress-style error for `status`.
    public func failNext(status: Int, body: String? = nil, headers: [(String, String)] = []) {
        let text = body ?? #"{"code":"rest_test_failure","message":"Injected failure","data":{"status":\#(status)}}"#
        state.withLock {
            $0.failures.append(
                StubResponse(
                    status: status, headers: [("Content-Type", "application/json; charset=UTF-8")] + headers,
                    body: Array(text.utf8)))
        }
    }

    /// Waits this long before answering each request (nil: answer at once).
    public func setDelay(_ delay: Duration?) { state.withLock { $0.delay = delay } }

    /// The next `count` post creations are slow like a PHP insert that takes `delay`: the post is stored
    /// after the delay (whether or not the client is still waiting), then answered.
    public func slowNextCreates(_ count: Int = 1, by delay: Duration) {
        state.withLock { $0.slowCreates.append(contentsOf: Array(repeating: delay, count: count)) }
    }

    /// The next post creation stores the post, then closes the connection without an answer (a PHP
    /// worker that died after the insert, a proxy that gave up).
    public func loseAnswerOfNextCreate() { state.withLock { $0.loseCreateAnswers += 1 } }

    /// Stores a post as if someone else made it (another installation, an editor), without a request.
    public func seedPost(title: String, content: String, slug: String, status: String = "publish") {
        state.withLock { s in
            let id = s.nextID
            s.nextID += 1
            s.posts.append(
                Post(
                    id: id, title: title, content: content, excerpt: "", slug: slug, status: status, categories: [],
                    tags: [], featuredMedia: 0, dateGMT: nil, link: "\(s.baseURL)/?p=\(id)"))
        }
    }

    /// Starts the site on a free loopback port.
    public static func start(
        username: String = "cchc-bot", applicationPassword: String = "abcd EFGH 1234 ijkl MNOP 5678",
        displayName: String = "Bot CCHC"
    ) async throws -> FakeWordPress {
        let state = LockedState()
        let credentials = (username, applicationPassword.replacingOccurrences(of: " ", with: ""))
        let server = try await LoopbackHTTPServer.start { request in
            if let delay = state.withLock({ $0.delay }) { try? await Task.sleep(for: delay) }
            if let injected = state.withLock({ $0.failures.isEmpty ? nil : $0.failures.removeFirst() }) {
                return injected
            }
            let creating = request.method == "POST" && request.path == "/wp-json/wp/v2/posts"
            if creating, let slow = state.withLock({ $0.slowCreates.isEmpty ? nil : $0.slowCreates.removeFirst() }) {
                // Like PHP after the client hung up: the insert still happens after the delay.
                try? await Task.sleep(for: slow)
            }
            let answer = Self.handle(request, state: state, credentials: credentials, displayName: displayName)
            if creating, answer.status == 201,
                state.withLock({ s in
                    guard s.loseCreateAnswers > 0 else { return false }
                    s.loseCreateAnswers -= 1
                    return true
                })
            {
                return .closeWithoutAnswer
            }
            return answer
        }
        let site = FakeWordPress(
            server: server, state: state, username: username, applicationPassword: applicationPassword,
            displayName: displayName)
        state.withLock { $0.baseURL = server.baseURL }
        return site
    }

    public func shutdown() async throws { try await server.shutdown() }

    // MARK: Implementation

    private let state: LockedState

    private init(
        server: LoopbackHTTPServer, state: LockedState, username: String, applicationPassword: String,
        displayName: String
    ) {
        self.server = server
        self.state = state
        self.username = username
        self.applicationPassword = applicationPassword
        self.displayName = displayName
    }

    struct State {
        var posts: [Post] = []
        var media: [Media] = []
        var failures: [StubResponse] = []
        var delay: Duration?
        var slowCreates: [Duration] = []
        var loseCreateAnswers = 0
        var nextID = 1
        var baseURL = ""
    }

    final class LockedState: @unchecked Sendable {
        private let lock = NSLock()
        private var state = State()
        func withLock<R>(_ body: (inout State) -> R) -> R {
            lock.lock()
            defer { lock.unlock() }
            return body(&state)
        }
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> StubResponse {
        let object: [String: Any] = ["code": code, "message": message, "data": ["status": status]]
        return json(status, object)
    }

    static func json(_ status: Int, _ object: Any) -> StubResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return StubResponse(
            status: status, headers: [("Content-Type", "application/json; charset=UTF-8")], body: Array(data))
    }

    private static func handle(
        _ request: RecordedRequest, state: LockedState, credentials: (String, String), displayName: String
    ) -> StubResponse {
        guard request.path.hasPrefix("/wp-json/") else {
            return error(404, "rest_no_route", "No route was found matching the URL and request method.")
        }
        if let failure = authenticate(request, credentials: credentials) { return failure }
        switch (request.method, request.path) {
        case ("POST", "/wp-json/wp/v2/posts"):
            return createPost(request, state: state)
        case ("GET", "/wp-json/wp/v2/posts"):
            return listPosts(request, state: state)
        case ("GET", "/wp-json/wp/v2/users/me"):
            return json(200, ["id": 1, "name": displayName, "slug": credentials.0])
        case ("POST", "/wp-json/wp/v2/media"):
            return uploadMedia(request, state: state)
        case ("POST", let path) where path.hasPrefix("/wp-json/wp/v2/media/"):
            return updateMedia(Int(path.dropFirst("/wp-json/wp/v2/media/".count)), request, state: state)
        case ("DELETE", let path) where path.hasPrefix("/wp-json/wp/v2/posts/"):
            return trashPost(Int(path.dropFirst("/wp-json/wp/v2/posts/".count)), state: state)
        default:
            return error(404, "rest_no_route", "No route was found matching the URL and request method.")
        }
    }

    private static func authenticate(_ request: RecordedRequest, credentials: (String, String)) -> StubResponse? {
        guard let header = request.header("Authorization"), header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6))).flatMap({ String(data: $0, encoding: .utf8) }
            ),
            let colon = decoded.firstIndex(of: ":")
        else {
            return error(401, "rest_not_logged_in", "You are not currently logged in.")
        }
        let user = String(decoded[..<colon])
        let password = String(decoded[decoded.index(after: colon)...]).replacingOccurrences(of: " ", with: "")
        guard user == credentials.0 else {
            return error(401, "invalid_username", "Unknown username. Check again or try your email address.")
        }
        guard password == credentials.1 else {
            return error(401, "incorrect_password", "The provided password is an invalid application password.")
        }
        return nil
    }

    static let statuses: Set<String> = ["publish", "future", "draft", "pending", "private"]

    private static func createPost(_ request: RecordedRequest, state: LockedState) -> StubResponse {
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return error(400, "rest_invalid_json", "Invalid JSON body passed.")
        }
        let title = object["title"] as? String ?? ""
        let content = object["content"] as? String ?? ""
        let excerpt = object["excerpt"] as? String ?? ""
        if title.isEmpty && content.isEmpty && excerpt.isEmpty {
            return error(400, "empty_content", "Content, title, and excerpt are empty.")
        }
        let status = object["status"] as? String ?? "draft"
        guard statuses.contains(status) else {
            return error(400, "rest_invalid_param", "Invalid parameter(s): status")
        }
        let categories = (object["categories"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? []
        let tags = (object["tags"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? []
        let featured = (object["featured_media"] as? NSNumber)?.intValue ?? 0
        let post = state.withLock { s -> Post in
            let id = s.nextID
            s.nextID += 1
            var slug = sanitizeSlug(object["slug"] as? String ?? "")
            if slug.isEmpty { slug = sanitizeSlug(title) }
            if slug.isEmpty { slug = String(id) }
            if s.posts.contains(where: { $0.slug == slug }) {
                var n = 2
                while s.posts.contains(where: { $0.slug == "\(slug)-\(n)" }) { n += 1 }
                slug = "\(slug)-\(n)"
            }
            let post = Post(
                id: id, title: title, content: content, excerpt: excerpt, slug: slug, status: status,
                categories: categories, tags: tags, featuredMedia: featured, dateGMT: object["date_gmt"] as? String,
                link: "\(s.baseURL)/?p=\(id)")
            s.posts.append(post)
            return post
        }
        return json(201, representation(post))
    }

    private static func trashPost(_ id: Int?, state: LockedState) -> StubResponse {
        let outcome = state.withLock { s -> (Post?, Bool) in
            guard let id, let i = s.posts.firstIndex(where: { $0.id == id }) else { return (nil, false) }
            if s.posts[i].status == "trash" { return (s.posts[i], true) }
            s.posts[i].status = "trash"
            return (s.posts[i], false)
        }
        switch outcome {
        case (nil, _): return error(404, "rest_post_invalid_id", "Invalid post ID.")
        case (_, true): return error(410, "rest_already_trashed", "The post has already been deleted.")
        case (let post?, false): return json(200, representation(post))
        }
    }

    private static func listPosts(_ request: RecordedRequest, state: LockedState) -> StubResponse {
        let wanted = Set((request.query["status"] ?? "publish").split(separator: ",").map(String.init))
        if let bad = wanted.first(where: { !statuses.contains($0) && $0 != "any" }) {
            return error(400, "rest_invalid_param", "Invalid parameter(s): status (\(bad))")
        }
        var posts = state.withLock { $0.posts }
        if !wanted.contains("any") { posts = posts.filter { wanted.contains($0.status) } }
        if let slug = request.query["slug"] {
            let slugs = Set(slug.split(separator: ",").map(String.init))
            posts = posts.filter { slugs.contains($0.slug) }
        }
        return json(200, posts.reversed().map(representation))
    }

    private static func uploadMedia(_ request: RecordedRequest, state: LockedState) -> StubResponse {
        guard let disposition = request.header("Content-Disposition"),
            let range = disposition.range(of: "filename=")
        else {
            return error(400, "rest_upload_no_content_disposition", "No Content-Disposition supplied.")
        }
        guard !request.body.isEmpty else { return error(400, "rest_upload_no_data", "No data supplied.") }
        let fileName = disposition[range.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        let contentType = request.header("Content-Type") ?? "application/octet-stream"
        let media = state.withLock { s -> (Media, String) in
            let id = s.nextID
            s.nextID += 1
            let media = Media(id: id, fileName: fileName, contentType: contentType, byteCount: request.body.count)
            s.media.append(media)
            return (media, s.baseURL)
        }
        return json(
            201,
            [
                "id": media.0.id, "source_url": "\(media.1)/wp-content/uploads/\(fileName)", "mime_type": contentType,
                "media_type": contentType.hasPrefix("image/") ? "image" : "file",
            ] as [String: Any])
    }

    /// `POST /wp-json/wp/v2/media/ID` with JSON `post`, `caption`, `alt_text`.
    private static func updateMedia(_ id: Int?, _ request: RecordedRequest, state: LockedState) -> StubResponse {
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return error(400, "rest_invalid_json", "Invalid JSON body passed.")
        }
        let updated = state.withLock { s -> Media? in
            guard let id, let i = s.media.firstIndex(where: { $0.id == id }) else { return nil }
            if let post = (object["post"] as? NSNumber)?.intValue { s.media[i].post = post }
            if let caption = object["caption"] as? String { s.media[i].caption = caption }
            if let alt = object["alt_text"] as? String { s.media[i].altText = alt }
            return s.media[i]
        }
        guard let media = updated else { return error(404, "rest_post_invalid_id", "Invalid post ID.") }
        return json(200, ["id": media.id, "post": media.post, "alt_text": media.altText] as [String: Any])
    }

    private static func representation(_ post: Post) -> [String: Any] {
        [
            "id": post.id, "slug": post.slug, "status": post.status, "link": post.link, "type": "post",
            "title": ["raw": post.title, "rendered": post.title],
            "content": ["raw": post.content, "rendered": post.content, "protected": false],
            "excerpt": ["raw": post.excerpt, "rendered": "<p>\(post.excerpt)</p>\n", "protected": false],
            "categories": post.categories, "tags": post.tags, "featured_media": post.featuredMedia,
        ]
    }

    /// Lower case; letters, digits and `-` (WordPress's sanitize_title, for ASCII).
    static func sanitizeSlug(_ text: String) -> String {
        var slug = ""
        for scalar in text.lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" {
                slug.unicodeScalars.append(scalar)
            } else if scalar == " " || scalar == "_", !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        return slug.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }
}
