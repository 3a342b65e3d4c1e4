import Foundation

/// A Facebook Page as the Graph API shows it, on a loopback port, for tests and the benchmark.
///
/// Follows the published API where the facebook channel touches it:
/// - every path starts with a version (`/v23.0/…`); other paths get Graph's "Unknown path components";
/// - a Page access token is required, as the `access_token` parameter (query, form or multipart
///   body) or `Authorization: Bearer`; none → 400 code 2500, a wrong one → 400 code 190 (OAuthException);
/// - `POST /{page-id}/feed` (form-encoded or JSON) with `message`, `link`, `attached_media[i]=
///   {"media_fbid":"…"}` → `{"id":"PAGEID_POSTID"}`; an empty post → code 100;
/// - `POST /{page-id}/photos` with `url` or a multipart `source` file, `caption`, `published`
///   → `{"id":PHOTOID,"post_id":"PAGEID_POSTID"}`, or `{"id":PHOTOID}` when `published=false`;
/// - `GET /{page-id}/posts?fields=…&since=…&limit=…` → `{"data":[{"id","message","created_time"}],"paging":{}}`, newest first;
/// - `GET /{page-id}?fields=id,name`;
/// - `DELETE /{post-id}` → `{"success":true}`; an unknown id → code 100, subcode 33.
/// Errors have Graph's shape: `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`.
///
/// Programmable: ``failNext(_:)`` queues Graph errors given instead of the next answers,
/// ``setUsage(_:)`` adds usage headers to every answer, ``loseNextAnswer(status:)`` makes the next
/// create succeed but answers with an error (a lost answer), ``setAnswerDelay(_:)`` holds answers
/// after the work is done (a caller killed meanwhile never hears of it).
public final class FakeGraphAPI: Sendable {
    /// A post as stored.
    public struct Post: Sendable, Hashable {
        public var id: String
        public var message: String
        public var link: String?
        /// Photo ids attached (`attached_media`, or the photo of a photo post).
        public var photoIDs: [String]
        public var createdTime: Date
        public var deleted: Bool
    }

    /// A photo as stored.
    public struct Photo: Sendable, Hashable {
        public var id: String
        public var caption: String?
        /// `url` given, or nil when the bytes were uploaded.
        public var url: String?
        public var byteCount: Int
        public var fileName: String?
        public var contentType: String?
        public var published: Bool
    }

    /// An injected failure: a Graph error body with this HTTP status and headers.
    public struct Failure: Sendable {
        public var status: Int
        public var code: Int
        public var subcode: Int?
        public var type: String
        public var message: String
        public var headers: [(String, String)]

        public init(
            status: Int = 400, code: Int, subcode: Int? = nil, type: String = "OAuthException",
            message: String? = nil, headers: [(String, String)] = []
        ) {
            self.status = status
            self.code = code
            self.subcode = subcode
            self.type = type
            self.message = message ?? Self.defaultMessage(code)
            self.headers = headers
        }

        static func defaultMessage(_ code: Int) -> String {
            switch code {
            case 1: "An unknown error occurred"
            case 2: "An unexpected error has occurred. Please retry your request later."
            case 4: "Application request limit reached"
            case 17: "User request limit reached"
            case 32: "Page request limit reached"
            case 613: "Calls to this api have exceeded the rate limit."
            case 190: "Error validating access token: Session has expired on Sunday, 22-Nov-26 04:00:00 PST."
            case 200: "(#200) The user hasn't authorized the application to perform this action"
            case 10: "(#10) Application does not have permission for this action"
            case 506: "Duplicate status message"
            default: "An error occurred (#\(code))"
            }
        }
    }

    public let server: LoopbackHTTPServer
    public let pageID: String
    public let pageName: String
    public let token: String

    /// `http://127.0.0.1:PORT`, the channel's `graph_url`.
    public var baseURL: String { server.baseURL }
    /// Every request received, failed ones included.
    public var requests: [RecordedRequest] { server.requests }
    /// Posts, oldest first (deleted ones marked).
    public var posts: [Post] { state.withLock { $0.posts } }
    /// Photos uploaded, oldest first.
    public var photos: [Photo] { state.withLock { $0.photos } }
    /// Posts not deleted.
    public var livePosts: [Post] { posts.filter { !$0.deleted } }

    /// The next requests get these errors instead of their answers, in order.
    public func failNext(_ failures: Failure...) { state.withLock { $0.failures += failures } }

    /// Usage headers sent with every answer from now on (`[("X-App-Usage", #"{"call_count":95,…}"#)]`).
    public func setUsage(_ headers: [(String, String)]) { state.withLock { $0.usageHeaders = headers } }

    /// The next request that creates something does create it, but is answered with this status and a
    /// Graph code 2 error, as when the answer is lost on the way.
    public func loseNextAnswer(status: Int = 500) { state.withLock { $0.loseNext = status } }

    /// Holds every answer this long after doing the work (the post exists before the caller hears of it).
    public func setAnswerDelay(_ delay: Duration?) { state.withLock { $0.answerDelay = delay } }

    /// Holds every request this long before doing any work (a send in flight that has made nothing yet).
    public func setRequestDelay(_ delay: Duration?) { state.withLock { $0.requestDelay = delay } }

    /// Requests that arrived and are held by ``setRequestDelay(_:)``, not yet handled.
    public var pendingRequests: Int { state.withLock { $0.held } }

    /// Adds a post as if made earlier (by another attempt or by hand).
    @discardableResult
    public func addPost(message: String, createdTime: Date = Date()) -> String {
        state.withLock { s in
            let id = "\(pageID)_\(s.nextID)"
            s.nextID += 1
            s.posts.append(
                Post(id: id, message: message, link: nil, photoIDs: [], createdTime: createdTime, deleted: false))
            return id
        }
    }

    /// Starts the fake Graph API on a free loopback port.
    public static func start(
        pageID: String = "1234567890", pageName: String = "Sở Nội vụ tỉnh Sơn La", token: String = "EAAtestPageToken123"
    ) async throws -> FakeGraphAPI {
        let state = LockedState()
        let server = try await LoopbackHTTPServer.start { request in
            if let delay = state.withLock({ s -> Duration? in
                if s.requestDelay != nil { s.held += 1 }
                return s.requestDelay
            }) {
                try? await Task.sleep(for: delay)
                state.withLock { $0.held -= 1 }
                // The caller went away while the request was held (the daemon was killed): it never
                // reached Graph's back end, so nothing is made.
                if Task.isCancelled { return .json(503, #"{"error":{"message":"cancelled","code":2}}"#) }
            }
            let answer = Self.handle(request, state: state, pageID: pageID, pageName: pageName, token: token)
            if let delay = state.withLock({ $0.answerDelay }) { try? await Task.sleep(for: delay) }
            return answer
        }
        return FakeGraphAPI(server: server, state: state, pageID: pageID, pageName: pageName, token: token)
    }

    public func shutdown() async throws { try await server.shutdown() }

    /// The parameters of a request as Graph reads them: query, then the form, JSON or multipart
    /// body (file parts as `<field>` → `<N bytes>`).
    public static func parameters(_ request: RecordedRequest) -> [String: String] {
        var out = request.query
        let type = request.header("Content-Type")?.lowercased() ?? ""
        if type.hasPrefix("application/x-www-form-urlencoded") {
            for (k, v) in RecordedRequest.formDecode(request.bodyText) { out[k] = v }
        } else if type.hasPrefix("application/json") {
            if let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] {
                for (k, v) in object {
                    if let s = v as? String {
                        out[k] = s
                    } else if let data = try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed]) {
                        out[k] = String(decoding: data, as: UTF8.self)
                    }
                }
            }
        } else if type.hasPrefix("multipart/form-data"),
            let boundary = Self.boundary(request.header("Content-Type") ?? "")
        {
            for part in Self.multipartParts(request.body, boundary: boundary) {
                out[part.name] =
                    part.fileName == nil ? String(decoding: part.body, as: UTF8.self) : "<\(part.body.count) bytes>"
            }
        }
        return out
    }

    // MARK: Implementation

    private let state: LockedState

    private init(server: LoopbackHTTPServer, state: LockedState, pageID: String, pageName: String, token: String) {
        self.server = server
        self.state = state
        self.pageID = pageID
        self.pageName = pageName
        self.token = token
    }

    struct State {
        var posts: [Post] = []
        var photos: [Photo] = []
        var failures: [Failure] = []
        var usageHeaders: [(String, String)] = []
        var loseNext: Int?
        var answerDelay: Duration?
        var requestDelay: Duration?
        var held = 0
        var nextID = 1001
        var trace = 0
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

    static func error(
        _ status: Int, code: Int, subcode: Int? = nil, type: String = "OAuthException", _ message: String,
        state: LockedState, headers: [(String, String)] = []
    ) -> StubResponse {
        let trace = state.withLock { s -> String in
            s.trace += 1
            return "AbCdEf\(s.trace)"
        }
        var body: [String: Any] = ["message": message, "type": type, "code": code, "fbtrace_id": trace]
        if let subcode { body["error_subcode"] = subcode }
        return json(status, ["error": body], state: state, headers: headers)
    }

    static func json(_ status: Int, _ object: Any, state: LockedState, headers: [(String, String)] = []) -> StubResponse
    {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        let usage = state.withLock { $0.usageHeaders }
        return StubResponse(
            status: status, headers: [("Content-Type", "application/json; charset=UTF-8")] + usage + headers,
            body: Array(data))
    }

    private static func handle(
        _ request: RecordedRequest, state: LockedState, pageID: String, pageName: String, token: String
    ) -> StubResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        guard let version = parts.first, version.wholeMatch(of: /v[0-9]+\.[0-9]+/) != nil else {
            return error(400, code: 2500, "Unknown path components: \(request.path)", state: state)
        }
        let params = parameters(request)
        let given =
            params["access_token"]
            ?? request.header("Authorization").flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let given, !given.isEmpty else {
            return error(
                400, code: 2500, "An active access token must be used to query information about the current user.",
                state: state)
        }
        guard given == token else {
            return error(400, code: 190, "Invalid OAuth access token - Cannot parse access token", state: state)
        }
        if let failure = state.withLock({ $0.failures.isEmpty ? nil : $0.failures.removeFirst() }) {
            return error(
                failure.status, code: failure.code, subcode: failure.subcode, type: failure.type, failure.message,
                state: state, headers: failure.headers)
        }
        let path = Array(parts.dropFirst())
        switch (request.method, path.count) {
        case ("POST", 2) where path[0] == pageID && path[1] == "feed":
            return createPost(params, state: state, pageID: pageID)
        case ("POST", 2) where path[0] == pageID && path[1] == "photos":
            return uploadPhoto(request, params, state: state, pageID: pageID)
        case ("GET", 2) where path[0] == pageID && (path[1] == "posts" || path[1] == "feed"):
            return listPosts(params, state: state)
        case ("GET", 1) where path[0] == pageID:
            return json(200, ["id": pageID, "name": pageName], state: state)
        case ("DELETE", 1):
            return deletePost(path[0], state: state)
        default:
            return error(
                400, code: 100, type: "GraphMethodException",
                "Unsupported \(request.method.lowercased()) request. Object with ID '\(path.first ?? "")' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
                state: state)
        }
    }

    /// The answer to a create, or the lost-answer error when one is scripted.
    private static func created(_ object: [String: Any], state: LockedState) -> StubResponse {
        if let lost = state.withLock({ s -> Int? in
            defer { s.loseNext = nil }
            return s.loseNext
        }) {
            return error(
                lost, code: 2, "An unexpected error has occurred. Please retry your request later.", state: state)
        }
        return json(200, object, state: state)
    }

    private static func createPost(_ params: [String: String], state: LockedState, pageID: String) -> StubResponse {
        let message = params["message"] ?? ""
        let link = params["link"]
        var mediaIDs: [String] = []
        var i = 0
        while let media = params["attached_media[\(i)]"] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(media.utf8)) as? [String: Any],
                let id = object["media_fbid"] as? String
            else {
                return error(
                    400, code: 100, "(#100) param attached_media[\(i)] must be a JSON object with media_fbid",
                    state: state)
            }
            mediaIDs.append(id)
            i += 1
        }
        if message.isEmpty && link == nil && mediaIDs.isEmpty {
            return error(400, code: 100, "(#100) Missing message or attachment", state: state)
        }
        if let link, URL(string: link)?.host == nil {
            return error(400, code: 100, "(#100) The parameter link is not a valid URL", state: state)
        }
        // The post id, or the attached id that is not an unpublished photo of this Page.
        let result = state.withLock { s -> (id: String?, bad: String?) in
            for id in mediaIDs where !s.photos.contains(where: { $0.id == id && !$0.published }) {
                return (nil, id)
            }
            let id = "\(pageID)_\(s.nextID)"
            s.nextID += 1
            s.posts.append(
                Post(id: id, message: message, link: link, photoIDs: mediaIDs, createdTime: Date(), deleted: false))
            return (id, nil)
        }
        guard let id = result.id else {
            return error(
                400, code: 100,
                "(#100) attached_media: media_fbid \(result.bad ?? "") is not an unpublished photo of this Page",
                state: state)
        }
        return created(["id": id], state: state)
    }

    private static func uploadPhoto(
        _ request: RecordedRequest, _ params: [String: String], state: LockedState, pageID: String
    ) -> StubResponse {
        var byteCount = 0
        var fileName: String? = nil
        var contentType: String? = nil
        let type = request.header("Content-Type")?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data"), let boundary = boundary(request.header("Content-Type") ?? ""),
            let file = multipartParts(request.body, boundary: boundary).first(where: { $0.name == "source" })
        {
            byteCount = file.body.count
            fileName = file.fileName
            contentType = file.contentType
        }
        let url = params["url"]
        guard url != nil || byteCount > 0 else {
            return error(400, code: 324, "(#324) Requires upload file", state: state)
        }
        let published = (params["published"] ?? "true") != "false"
        let caption = params["caption"]
        let answer = state.withLock { s -> [String: Any] in
            let photoID = String(s.nextID)
            s.nextID += 1
            s.photos.append(
                Photo(
                    id: photoID, caption: caption, url: url, byteCount: byteCount, fileName: fileName,
                    contentType: contentType, published: published))
            guard published else { return ["id": photoID] }
            let postID = "\(pageID)_\(s.nextID)"
            s.nextID += 1
            s.posts.append(
                Post(
                    id: postID, message: caption ?? "", link: nil, photoIDs: [photoID], createdTime: Date(),
                    deleted: false))
            return ["id": photoID, "post_id": postID]
        }
        return created(answer, state: state)
    }

    private static func listPosts(_ params: [String: String], state: LockedState) -> StubResponse {
        let since = params["since"].flatMap(Double.init).map(Date.init(timeIntervalSince1970:)) ?? .distantPast
        let limit = params["limit"].flatMap(Int.init) ?? 25
        let fields = Set((params["fields"] ?? "id,message,created_time").split(separator: ",").map(String.init))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        let posts = state.withLock { $0.posts }.filter { !$0.deleted && $0.createdTime >= since }.reversed().prefix(
            limit)
        let data = posts.map { post -> [String: Any] in
            var entry: [String: Any] = ["id": post.id]
            if fields.contains("message"), !post.message.isEmpty { entry["message"] = post.message }
            if fields.contains("created_time") { entry["created_time"] = formatter.string(from: post.createdTime) }
            return entry
        }
        return json(200, ["data": data, "paging": [:] as [String: Any]], state: state)
    }

    private static func deletePost(_ id: String, state: LockedState) -> StubResponse {
        let found = state.withLock { s -> Bool in
            guard let i = s.posts.firstIndex(where: { $0.id == id && !$0.deleted }) else { return false }
            s.posts[i].deleted = true
            return true
        }
        guard found else {
            return error(
                400, code: 100, subcode: 33, type: "GraphMethodException",
                "Unsupported delete request. Object with ID '\(id)' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
                state: state)
        }
        return json(200, ["success": true], state: state)
    }

    // MARK: multipart/form-data

    struct Part {
        var name: String
        var fileName: String?
        var contentType: String?
        var body: [UInt8]
    }

    static func boundary(_ contentType: String) -> String? {
        guard let range = contentType.range(of: "boundary=", options: .caseInsensitive) else { return nil }
        return String(contentType[range.upperBound...]).trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
    }

    /// Splits a multipart body at its boundaries (RFC 7578).
    static func multipartParts(_ body: [UInt8], boundary: String) -> [Part] {
        let delimiter = Array("--\(boundary)".utf8)
        var positions: [Int] = []
        var i = 0
        while i + delimiter.count <= body.count {
            if body[i] == delimiter[0], Array(body[i..<(i + delimiter.count)]) == delimiter {
                positions.append(i)
                i += delimiter.count
            } else {
                i += 1
            }
        }
        var parts: [Part] = []
        for (n, start) in positions.enumerated() where n + 1 < positions.count {
            var from = start + delimiter.count
            if from + 2 <= body.count, body[from] == 13, body[from + 1] == 10 { from += 2 }
            var to = positions[n + 1]
            if to >= 2, body[to - 2] == 13, body[to - 1] == 10 { to -= 2 }
            guard from <= to else { continue }
            let chunk = Array(body[from..<to])
            guard let split = findHeaderEnd(chunk) else { continue }
            let headerText = String(decoding: chunk[..<split], as: UTF8.self)
            let content = Array(chunk[(split + 4)...])
            var name = ""
            var fileName: String? = nil
            var contentType: String? = nil
            for line in headerText.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    name = attribute("name", in: line) ?? ""
                    fileName = attribute("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    contentType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            parts.append(Part(name: name, fileName: fileName, contentType: contentType, body: content))
        }
        return parts
    }

    private static func findHeaderEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4)
        where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    private static func attribute(_ name: String, in line: String) -> String? {
        guard let range = line.range(of: "; \(name)=\"") else { return nil }
        let rest = line[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
