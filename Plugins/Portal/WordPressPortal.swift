import ChannelConfig
import ChannelHTTP
import ChannelKit
import Foundation
import Rendering
import Transport

/// The `wordpress` preset: the WordPress REST API (`/wp-json/wp/v2/`), HTTP Basic with an
/// Application Password.
///
/// Idempotent: every post gets a slug derived from the item id (``slug(for:)``) and ends with a mark of
/// the installation, item and content (``mark(for:)``). When an earlier attempt may have reached
/// WordPress, the post is looked up by slug and mark first (after the lost send has settled), so a retry
/// never publishes it twice, never takes someone else's post for its own, and removes a copy that landed late.
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

    /// The mark every post carries at the end of its content (an HTML comment, which WordPress keeps and
    /// does not show): the installation, the item and the item's content hash. A post found by slug is ours
    /// only when it carries this exact mark — not a post another installation made, nor one this store made
    /// for another item under an id it reused (a store restored from an old backup).
    static func mark(for request: PublishRequest) -> String {
        let hash = request.item.contentHash.prefix(16)
        return "<!-- cchc:\(request.installationID):\(request.item.id):\(hash) -->"
    }

    /// WordPress reads the title and the excerpt as HTML: escape what would be markup, so
    /// `Thông báo "khẩn" & <quan trọng>` shows as written.
    static func htmlText(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    func publish(_ request: PublishRequest) async -> PublishOutcome {
        let item = request.item
        let slug = Self.slug(for: item.id)

        // Any earlier attempt may have created the post (a lost answer, a 5xx after the insert, a crash): look
        // it up before posting again. The engine runs this attempt only once the lost one has settled
        // (the channel's `settle` time), so a slow create has landed by now or will not.
        if request.attempt > 1 || request.previousAttemptInterrupted {
            switch await findOwnPost(slug: slug, request: request) {
            case .found(let result, let note):
                return .delivered(result, detail: "found by slug \(slug); not re-posted" + note)
            case .notFound: break
            case .failed(let outcome): return outcome
            }
        }

        var media: (id: Int, caption: String?)? = nil
        if featuredMedia, let image = Self.firstLocalImage(item) {
            switch await uploadMedia(image.path, request: request) {
            case .success(let id): media = (id, image.caption)
            case .failure(let outcome): return outcome
            }
        }

        var post = PostBody(
            title: Self.htmlText(item.title),
            content: Markdown.rendered(item.body).html + "\n" + Self.mark(for: request),
            excerpt: Self.htmlText(item.summary ?? ""), status: status, slug: slug, categories: categories, tags: tags,
            featuredMedia: media?.id)
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
            return Self.failure(response, action: "creating the WordPress post")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let id = JSONPointer("/id")?.string(in: object)
        else {
            // Retrying is safe here: the next attempt looks the post up by its slug and mark first.
            return HTTPOutcome.malformed(response, action: "creating the WordPress post", idempotent: true)
        }
        var result = ChannelResult(remoteID: id, url: object["link"] as? String)
        let createdSlug = object["slug"] as? String
        var detail = "created (HTTP \(response.status))"
        if let media, let postID = Int(id) {
            detail += await attachMedia(media.id, to: postID, caption: media.caption ?? item.title)
        }
        if let createdSlug, createdSlug != slug {
            // WordPress renamed the slug because a post already had it: one of ours that landed late (a lost
            // send that finished after the look-up) or someone else's. Keep the first of ours, remove the rest.
            detail += "; WordPress changed the slug to \(createdSlug)"
            if case .found(let first, let note) = await findOwnPost(slug: slug, request: request) {
                result = first
                detail += note
            }
        }
        return .delivered(result, detail: detail)
    }

    /// Links an uploaded image to its post, with the caption as caption and alt text. The post is already
    /// published; a failure here is only noted.
    private func attachMedia(_ mediaID: Int, to postID: Int, caption: String) async -> String {
        struct Attach: Encodable {
            var post: Int
            var caption: String
            var alt_text: String
        }
        let body = PayloadJSON.encode(Attach(post: postID, caption: Self.htmlText(caption), alt_text: caption))
        do {
            let response = try await http.execute(
                HTTPRequest(
                    method: "POST", url: baseURL + "/wp-json/wp/v2/media/\(mediaID)", headers: headers(json: true),
                    body: body, timeout: timeout))
            if (200...299).contains(response.status) { return "; image \(mediaID) attached" }
            return "; image \(mediaID) not attached (HTTP \(response.status))"
        } catch {
            return "; image \(mediaID) not attached (\(error.kind.rawValue))"
        }
    }

    /// The outcome of a non-2xx answer. Dead credentials halt the channel until an operator fixes them and
    /// reloads, instead of failing every queued item: a 401, and WordPress's 400 whose details carry a 401
    /// (`rest_invalid_param` with `rest_forbidden_status` inside, its answer to a status filter that an
    /// unauthenticated request may not use).
    static func failure(_ response: HTTPResponse, action: String) -> PublishOutcome {
        let object = try? JSONSerialization.jsonObject(with: Data(response.body))
        if response.status == 401 || (response.status == 400 && containsStatus401(object)) {
            var error = HTTPOutcome.channelError(response, action: action)
            error.errorClass = .auth
            error.haltsChannel = true
            error.message =
                "WordPress refused the username or Application Password — make a new Application Password "
                + "(Users → Profile), replace the secret and reload (\(error.message))"
            return .failed(error)
        }
        return HTTPOutcome.failure(response, action: action)
    }

    /// Whether a WordPress error body says 401 in `data.status` at any depth (`data.details.status.data.status`).
    static func containsStatus401(_ value: Any?) -> Bool {
        if let object = value as? [String: Any] {
            if let status = object["status"] as? Int, status == 401 { return true }
            return object.values.contains { containsStatus401($0) }
        }
        if let array = value as? [Any] { return array.contains { containsStatus401($0) } }
        return false
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
        /// Our post; `note` says what else was found (copies removed).
        case found(ChannelResult, note: String)
        case notFound
        case failed(PublishOutcome)
    }

    /// How many slugs WordPress may have derived from ours for copies (`slug-2` … `slug-9`).
    static let copySlugs = 9

    /// Looks for this delivery's post: the slug and the ones WordPress gives copies (`-2`, `-3`…), in every
    /// status an earlier attempt could have left it in, keeping only posts with this request's mark. When
    /// more than one of ours exists (a lost send landed after all), the first stays and the others are
    /// moved to the trash; the note says which.
    func findOwnPost(slug: String, request: PublishRequest) async -> Lookup {
        let slugs = [slug] + (2...Self.copySlugs).map { "\(slug)-\($0)" }
        let url =
            baseURL + "/wp-json/wp/v2/posts?slug=\(slugs.map(TextEscaping.urlComponent).joined(separator: ","))"
            + "&status=publish,future,draft,pending,private&context=edit&orderby=id&order=asc&per_page=20"
        let response: HTTPResponse
        do {
            response = try await http.execute(
                HTTPRequest(method: "GET", url: url, headers: headers(json: false), timeout: timeout))
        } catch {
            return .failed(HTTPOutcome.failure(error, action: "looking the post up by slug"))
        }
        guard (200...299).contains(response.status) else {
            return .failed(Self.failure(response, action: "looking the post up by slug"))
        }
        guard let posts = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] else {
            return .failed(HTTPOutcome.malformed(response, action: "looking the post up by slug", idempotent: true))
        }
        let mark = Self.mark(for: request)
        let ours = posts.filter { post in
            guard let raw = (post["content"] as? [String: Any])?["raw"] as? String else { return false }
            return raw.contains(mark)
        }.sorted {
            (Int(JSONPointer("/id")?.string(in: $0) ?? "") ?? 0) < (Int(JSONPointer("/id")?.string(in: $1) ?? "") ?? 0)
        }
        guard let first = ours.first, let id = JSONPointer("/id")?.string(in: first) else {
            if !posts.isEmpty {
                request.logger.notice(
                    "posts with this item's slug exist but are not this delivery's (another installation, or an id reused for another item): not taken as ours",
                    metadata: ["slug": "\(slug)", "found": "\(posts.count)"])
            }
            return .notFound
        }
        var note = ""
        var removed: [String] = []
        var kept: [String] = []
        for copy in ours.dropFirst() {
            guard let copyID = JSONPointer("/id")?.string(in: copy) else { continue }
            do {
                _ = try await retract(ChannelResult(remoteID: copyID))
                removed.append(copyID)
            } catch {
                kept.append(copyID)
            }
        }
        if !removed.isEmpty {
            note += "; a copy landed late and was moved to the trash: post \(removed.joined(separator: ", "))"
            request.logger.warning(
                "a copy of the post landed late (its send's answer was lost) and was moved to the trash",
                metadata: ["kept": "\(id)", "trashed": "\(removed.joined(separator: ","))"])
        }
        if !kept.isEmpty {
            note +=
                "; copies that could not be moved to the trash (remove them by hand): post \(kept.joined(separator: ", "))"
        }
        return .found(ChannelResult(remoteID: id, url: first["link"] as? String), note: note)
    }

    enum Upload {
        case success(Int)
        case failure(PublishOutcome)
    }

    /// `POST /wp-json/wp/v2/media` with the file's bytes.
    private func uploadMedia(_ path: String, request: PublishRequest) async -> Upload {
        // Read as intake checked it: no symlink, a regular file with one link (a file swapped since is refused).
        let data: [UInt8]
        do {
            data = try LocalMedia.read(path)
        } catch {
            return .failure(.failed(ChannelError(.local, "cannot read the image: \(error)")))
        }
        let fileName = Self.asciiFileName(URL(fileURLWithPath: path).lastPathComponent)
        var headers = headers(json: false)
        headers.add(name: "Content-Type", value: Self.mediaType(path))
        headers.add(name: "Content-Disposition", value: "attachment; filename=\"\(fileName)\"")
        let response: HTTPResponse
        do {
            response = try await http.execute(
                HTTPRequest(
                    method: "POST", url: baseURL + "/wp-json/wp/v2/media", headers: headers, body: data,
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

    static func firstLocalImage(_ item: ChannelItem) -> (path: String, caption: String?)? {
        for media in item.media {
            guard let path = media.path, imageTypes[URL(fileURLWithPath: path).pathExtension.lowercased()] != nil else {
                continue
            }
            return (path, media.caption)
        }
        return nil
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
