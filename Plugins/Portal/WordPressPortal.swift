import ChannelHTTP
import ChannelKit
import Foundation
import Rendering
import Transport

/// The `wordpress` preset: the WordPress REST API (`/wp-json/wp/v2/`), HTTP Basic with an
/// Application Password.
///
/// Idempotent: every post gets a slug derived from the item id (``slug(for:)``). When an earlier
/// attempt may have reached WordPress, the post is looked up by that slug first, so a retry never
/// publishes it twice.
struct WordPressPortal: Sendable {
    let baseURL: String
    let username: String
    let password: Secret
    let status: String
    let categories: [Int]
    let tags: [Int]
    let featuredMedia: Bool
    let timeout: Duration?
    let timeZone: TimeZone
    let http: HTTPClient

    init(section: ConfigSection, context: ChannelContext, http: HTTPClient) throws(ConfigError) {
        var base = try section.httpURL("url", required: true) ?? ""
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
        username = try section.requireString("username")
        password = try section.requireSecret("password")
        status = try section.oneOf("status", ["publish", "future", "draft", "pending", "private"]) ?? "publish"
        categories = try Self.termIDs(section, "categories")
        tags = try Self.termIDs(section, "tags")
        featuredMedia = try section.bool("featured_media") ?? false
        timeout = try section.duration("timeout")
        timeZone = context.timeZone
        self.http = http
    }

    private static func termIDs(_ section: ConfigSection, _ key: String) throws(ConfigError) -> [Int] {
        var ids: [Int] = []
        for (i, text) in (try section.stringList(key) ?? []).enumerated() {
            guard let id = Int(text), id > 0 else {
                throw ConfigError(
                    "expected a term id (a positive whole number), found \"\(text)\"",
                    path: "\(section.childPath(key))[\(i)]",
                    location: section.location)
            }
            ids.append(id)
        }
        return ids
    }

    /// The post's slug: `cchc-` and the item id in lower case, other characters as `-`
    /// (`2026-11-0042` → `cchc-2026-11-0042`). Deterministic, so a retry finds the post.
    static func slug(for itemID: String) -> String {
        var slug = ""
        for scalar in itemID.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        while slug.hasPrefix("-") { slug.removeFirst() }
        return "cchc-" + (slug.isEmpty ? "item" : slug)
    }

    private var authorization: String { PortalAuth.basic(username, password) }

    private func headers(json: Bool) -> HTTPHeaders {
        var headers = HTTPHeaders([("Authorization", authorization), ("Accept", "application/json")])
        if json { headers.add(name: "Content-Type", value: "application/json; charset=utf-8") }
        return headers
    }

    func publish(_ request: PublishRequest) async -> PublishOutcome {
        let item = request.item
        let slug = Self.slug(for: item.id)

        // Any earlier attempt may have created the post (a timeout, a 5xx after the insert, a crash):
        // look it up by its slug before posting again.
        if request.attempt > 1 || request.previousAttemptInterrupted {
            switch await findPost(slug: slug) {
            case .found(let result): return .delivered(result, detail: "found by slug \(slug); not re-posted")
            case .notFound: break
            case .failed(let outcome): return outcome
            }
        }

        var mediaID: Int? = nil
        if featuredMedia, let image = Self.firstLocalImage(item) {
            switch await uploadMedia(image, request: request) {
            case .success(let id): mediaID = id
            case .failure(let outcome): return outcome
            }
        }

        var post = PostBody(
            title: item.title, content: Markdown.rendered(item.body).html, excerpt: item.summary ?? "", status: status,
            slug: slug, categories: categories, tags: tags, featuredMedia: mediaID)
        if status == "future", let publishAt = item.publishAt {
            post.dateGMT = RFC3339.string(from: publishAt, timeZone: TimeZone(identifier: "UTC")!)
                .replacingOccurrences(of: "Z", with: "")
        }
        var headers = headers(json: true)
        headers.add(name: "X-CCHC-Delivery", value: request.deliveryID)
        let httpRequest = HTTPRequest(
            method: "POST", url: baseURL + "/wp-json/wp/v2/posts", headers: headers, body: PayloadJSON.encode(post),
            timeout: timeout)
        let response: HTTPResponse
        do {
            response = try await http.execute(httpRequest)
        } catch {
            return HTTPOutcome.failure(error, action: "creating the WordPress post")
        }
        guard (200...299).contains(response.status) else {
            return HTTPOutcome.failure(response, action: "creating the WordPress post")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let id = JSONPointer("/id")?.string(in: object)
        else {
            // Retrying is safe here: the next attempt looks the post up by its slug first.
            return HTTPOutcome.malformed(response, action: "creating the WordPress post", idempotent: true)
        }
        let link = object["link"] as? String
        let createdSlug = object["slug"] as? String
        var detail = "created (HTTP \(response.status))"
        if let createdSlug, createdSlug != slug {
            detail += "; WordPress changed the slug to \(createdSlug)"
        }
        return .delivered(ChannelResult(remoteID: id, url: link), detail: detail)
    }

    /// Moves the post to WordPress's trash (`DELETE /wp-json/wp/v2/posts/ID` without `force`), where an
    /// editor can still restore it. A post already in the trash (410 `rest_already_trashed`) or gone
    /// (404 `rest_post_invalid_id`) counts as taken down.
    func retract(_ result: ChannelResult) async throws(ChannelError) -> String? {
        guard let id = result.remoteID, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw ChannelError(.local, "no WordPress post id recorded for this delivery (\(result.remoteID ?? "none"))")
        }
        let response: HTTPResponse
        do {
            response = try await http.execute(
                HTTPRequest(
                    method: "DELETE", url: baseURL + "/wp-json/wp/v2/posts/\(id)", headers: headers(json: false),
                    timeout: timeout))
        } catch {
            switch HTTPOutcome.failure(error, action: "moving WordPress post \(id) to the trash") {
            case .retry(let e, _), .failed(let e): throw e
            case .delivered: throw ChannelError(.network, "moving WordPress post \(id) to the trash failed")
            }
        }
        let code = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["code"] as? String
        switch (response.status, code) {
        case (200...299, _): return "bài \(id) đã chuyển vào thùng rác của WordPress"
        case (410, "rest_already_trashed"): return "bài \(id) đã ở trong thùng rác từ trước"
        case (404, "rest_post_invalid_id"): return "bài \(id) không còn trên cổng"
        default: throw HTTPOutcome.channelError(response, action: "moving WordPress post \(id) to the trash")
        }
    }

    enum Lookup {
        case found(ChannelResult)
        case notFound
        case failed(PublishOutcome)
    }

    /// Looks a post up by slug in every status an earlier attempt could have left it in.
    func findPost(slug: String) async -> Lookup {
        let url =
            baseURL + "/wp-json/wp/v2/posts?slug=\(TextEscaping.urlComponent(slug))"
            + "&status=publish,future,draft,pending,private&context=edit"
        let response: HTTPResponse
        do {
            response = try await http.execute(
                HTTPRequest(method: "GET", url: url, headers: headers(json: false), timeout: timeout))
        } catch {
            return .failed(HTTPOutcome.failure(error, action: "looking the post up by slug"))
        }
        guard (200...299).contains(response.status) else {
            return .failed(HTTPOutcome.failure(response, action: "looking the post up by slug"))
        }
        guard let posts = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] else {
            return .failed(HTTPOutcome.malformed(response, action: "looking the post up by slug", idempotent: true))
        }
        guard let post = posts.first, let id = JSONPointer("/id")?.string(in: post) else { return .notFound }
        return .found(ChannelResult(remoteID: id, url: post["link"] as? String))
    }

    enum Upload {
        case success(Int)
        case failure(PublishOutcome)
    }

    /// `POST /wp-json/wp/v2/media` with the file's bytes.
    private func uploadMedia(_ path: String, request: PublishRequest) async -> Upload {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(.retry(ChannelError(.local, "cannot read the image \(path)")))
        }
        let fileName = Self.asciiFileName(URL(fileURLWithPath: path).lastPathComponent)
        var headers = headers(json: false)
        headers.add(name: "Content-Type", value: Self.mediaType(path))
        headers.add(name: "Content-Disposition", value: "attachment; filename=\"\(fileName)\"")
        let response: HTTPResponse
        do {
            response = try await http.execute(
                HTTPRequest(
                    method: "POST", url: baseURL + "/wp-json/wp/v2/media", headers: headers, body: Array(data),
                    timeout: timeout))
        } catch {
            return .failure(HTTPOutcome.failure(error, action: "uploading the featured image"))
        }
        guard (200...299).contains(response.status) else {
            return .failure(HTTPOutcome.failure(response, action: "uploading the featured image"))
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let idText = JSONPointer("/id")?.string(in: object), let id = Int(idText)
        else {
            return .failure(HTTPOutcome.malformed(response, action: "uploading the featured image", idempotent: true))
        }
        request.logger.debug("uploaded featured image \(fileName) as media \(id)")
        return .success(id)
    }

    static let imageTypes = [
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    ]

    static func firstLocalImage(_ item: ChannelItem) -> String? {
        item.media.lazy.compactMap(\.path).first { path in
            imageTypes[URL(fileURLWithPath: path).pathExtension.lowercased()] != nil
        }
    }

    static func mediaType(_ path: String) -> String {
        imageTypes[URL(fileURLWithPath: path).pathExtension.lowercased()] ?? "application/octet-stream"
    }

    /// Header-safe file name: Vietnamese letters lose their marks, anything else unusual becomes `-`.
    static func asciiFileName(_ name: String) -> String {
        let folded = name.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive], locale: nil)
        let safe = folded.unicodeScalars.map { s -> String in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "." || s == "-" || s == "_")
                ? String(s) : "-"
        }.joined()
        return safe.isEmpty ? "image" : safe
    }

    func check() async throws(ChannelError) -> String {
        let url = baseURL + "/wp-json/wp/v2/users/me"
        let response: HTTPResponse
        do {
            response = try await http.execute(
                HTTPRequest(method: "GET", url: url, headers: headers(json: false), timeout: timeout))
        } catch {
            throw ChannelError(.network, "GET \(url): \(error.message)")
        }
        guard (200...299).contains(response.status) else {
            throw HTTPOutcome.channelError(response, action: "GET \(url)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw ChannelError(.badResponse, "GET \(url): the answer is not JSON (is this a WordPress site?)")
        }
        let name = (object["name"] as? String) ?? (object["slug"] as? String) ?? username
        return "WordPress: \(name)"
    }
}

/// The JSON of `POST /wp-json/wp/v2/posts`.
struct PostBody: Encodable {
    var title: String
    var content: String
    var excerpt: String
    var status: String
    var slug: String
    var categories: [Int]
    var tags: [Int]
    var featuredMedia: Int?
    var dateGMT: String?

    enum CodingKeys: String, CodingKey {
        case title, content, excerpt, status, slug, categories, tags
        case featuredMedia = "featured_media", dateGMT = "date_gmt"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(title, forKey: .title)
        try c.encode(content, forKey: .content)
        try c.encode(excerpt, forKey: .excerpt)
        try c.encode(status, forKey: .status)
        try c.encode(slug, forKey: .slug)
        if !categories.isEmpty { try c.encode(categories, forKey: .categories) }
        if !tags.isEmpty { try c.encode(tags, forKey: .tags) }
        try c.encodeIfPresent(featuredMedia, forKey: .featuredMedia)
        try c.encodeIfPresent(dateGMT, forKey: .dateGMT)
    }
}
