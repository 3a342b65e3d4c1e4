import ChannelHTTP
import Crypto
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

    // MARK: Messages

    /// The item's marker: `#cchc_` and the item id, other characters as `_` (`2026-11-0042` →
    /// `#cchc_2026_11_0042`), a hashtag Facebook keeps as written. It ends every message, so a
    /// retry can find a post an earlier attempt made.
    public static func marker(for itemID: String, origin: String = "") -> String {
        var tag = "#cchc_"
        for scalar in itemID.lowercased().unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                tag.unicodeScalars.append(scalar)
            } else {
                tag += "_"
            }
        }
        return origin.isEmpty ? tag : tag + "_" + origin
    }

    /// The marker of this request's post: the item id, then 8 hex digits of a hash of the installation id
    /// and the item's content (`#cchc_2026_11_0042_3fa9c01b`), so a look-up never takes a post another
    /// installation made — or this store made for another item under a reused id — for its own.
    public static func marker(for request: PublishRequest) -> String {
        marker(for: request.item, installationID: request.installationID)
    }

    /// The marker of `item`'s post when sent by the installation `installationID` (empty: the plain marker).
    public static func marker(for item: ChannelItem, installationID: String) -> String {
        guard !installationID.isEmpty else { return marker(for: item.id) }
        let digest = SHA256.hash(data: Data((installationID + ":" + item.contentHash).utf8))
        let origin = digest.prefix(4).map { String(format: "%02x", $0) }.joined()
        return marker(for: item.id, origin: origin)
    }

    /// Whether `text` carries `marker` as a whole word (`#cchc_1` is not in `#cchc_12`).
    static func contains(_ text: String, marker: String) -> Bool {
        var search = text[...]
        while let range = search.range(of: marker) {
            let after = range.upperBound
            if after == search.endIndex { return true }
            let next = search[after]
            if !(next.isLetter || next.isNumber || next == "_") { return true }
            search = search[after...]
        }
        return false
    }

    /// The link of the post: the `link_from` channel's URL, else the `link` override, else the
    /// first earlier result's URL (the `after:` dependency).
    func link(for request: PublishRequest) -> String? {
        if let linkFrom { return request.earlierResults[linkFrom]?.url }
        if let override = request.item.override["link"], !override.isEmpty { return override }
        return request.earlierResults.sorted { $0.key < $1.key }.lazy.compactMap(\.value.url).first
    }

    /// The post's text without the marker: the item's `text` override wins; else the `message`
    /// template; else the title, a blank line and the summary (or the body as plain text).
    func messageText(_ item: ChannelItem, earlierResults: [String: ChannelResult] = [:]) -> String {
        if let text = item.override["text"], !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let message {
            return message.render(
                TemplateContext.values(item: item, earlierResults: earlierResults, timeZone: timeZone)
            ).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let summary = item.summary?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let lead = summary.isEmpty ? Markdown.plainText(item.body) : summary
        return (item.title + "\n\n" + lead).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The whole message as posted: text, the link when it cannot be a `link` parameter, the marker.
    func fullMessage(_ request: PublishRequest, linkInText: String?) -> String {
        var text = messageText(request.item, earlierResults: request.earlierResults)
        if let linkInText, !text.contains(linkInText) { text += "\n\n" + linkInText }
        return text + "\n\n" + Self.marker(for: request)
    }

    // MARK: Validation

    public func validate(_ item: ChannelItem) -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        let text = messageText(item)
        if text.isEmpty {
            problems.append(ValidationProblem(field: "body", message: "nội dung bài đăng Facebook đang trống"))
        }
        // The marker and a link take a little room too.
        let room = Self.maxMessageLength - Self.marker(for: item.id, origin: "00000000").count - 2 - 400
        if text.count > room {
            problems.append(
                ValidationProblem(
                    field: item.override["text"] != nil ? "overrides.\(name).text" : "body",
                    message: "bài đăng Facebook dài \(text.count) ký tự, tối đa \(room)"))
        }
        if item.media.count > maxPhotos {
            problems.append(
                ValidationProblem(
                    field: "media", message: "có \(item.media.count) ảnh, kênh \(name) đăng tối đa \(maxPhotos) ảnh"))
        }
        for (i, media) in item.media.enumerated() {
            let location = media.path ?? media.url ?? ""
            let ext = Self.fileExtension(location)
            guard Self.photoTypes[ext] != nil else {
                problems.append(
                    ValidationProblem(
                        field: "media[\(i)]",
                        message:
                            "Facebook chỉ nhận ảnh (jpg, png, gif, webp, bmp, tiff, heif); \"\(Self.lastComponent(location))\" không phải ảnh"
                    ))
                continue
            }
            if let path = media.path {
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
                if let size, size > Self.maxPhotoBytes {
                    problems.append(
                        ValidationProblem(
                            field: "media[\(i)]",
                            message: "ảnh \(Self.lastComponent(path)) nặng \(size / 1024) KB, Facebook nhận tối đa 4 MB"
                        ))
                } else if size == nil {
                    problems.append(
                        ValidationProblem(field: "media[\(i)]", message: "không đọc được tệp ảnh \(path)"))
                }
            } else if let url = media.url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
                problems.append(
                    ValidationProblem(
                        field: "media[\(i)]", message: "địa chỉ ảnh phải bắt đầu bằng http:// hoặc https://"))
            }
        }
        if let link = item.override["link"], !link.isEmpty {
            if !(link.hasPrefix("https://") || link.hasPrefix("http://")) || URL(string: link)?.host == nil {
                problems.append(
                    ValidationProblem(
                        field: "overrides.\(name).link",
                        message: "liên kết phải là địa chỉ http:// hoặc https:// đầy đủ"))
            }
        } else if requireLink && linkFrom == nil {
            problems.append(
                ValidationProblem(
                    field: "overrides.\(name).link",
                    message: "kênh \(name) bắt buộc có liên kết: thêm overrides.\(name).link cho bài này"))
        }
        return problems
    }

    static func fileExtension(_ location: String) -> String {
        var path = location
        if let q = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<q]) }
        return URL(fileURLWithPath: path).pathExtension.lowercased()
    }

    static func lastComponent(_ location: String) -> String {
        location.split(separator: "/").last.map(String.init) ?? location
    }

    // MARK: Publishing

    public func publish(_ request: PublishRequest) async -> PublishOutcome {
        await attempt(request).outcome
    }

    /// What the engine calls: the outcome and, when Graph's usage headers or a throttling error ask
    /// for it, how long the channel starts no other send.
    public func publishInParts(_ request: PublishRequest) async -> PartedOutcome {
        let result = await attempt(request)
        return PartedOutcome(result.outcome, holdChannel: result.hold)
    }

    /// One attempt: the outcome, and how long the channel should start no other send (usage near
    /// 100%, or a throttling error).
    func attempt(_ request: PublishRequest) async -> Attempt {
        if Task.isCancelled { return Attempt(.retry(ChannelError(.cancelled, "cancelled before sending"))) }
        var hold: Duration? = nil

        // Graph has no idempotency key: an earlier attempt (interrupted, timed out, answered 5xx) may
        // have made the post. Look for the marker before posting again.
        if request.attempt > 1 || request.previousAttemptInterrupted {
            let found = await findPost(marker: Self.marker(for: request))
            hold = found.hold
            switch found.result {
            case .found(let result):
                return Attempt(
                    .delivered(result, detail: "found by marker \(Self.marker(for: request)); not re-posted"),
                    hold: hold)
            case .notFound: break
            case .failed(let outcome): return Attempt(outcome, hold: hold)
            }
        }

        let link = link(for: request)
        if linkFrom != nil, link == nil {
            return Attempt(
                .failed(
                    ChannelError(
                        .config,
                        "no URL from channel \(linkFrom ?? "") for the link: give this channel `after: \(linkFrom ?? "")`"
                    )))
        }
        if requireLink, link == nil {
            return Attempt(.failed(ChannelError(.rejected, "this channel requires a link and the item has none")))
        }

        let photos = request.item.media
        let result: Attempt
        switch photos.count {
        case 0:
            var form = [("message", fullMessage(request, linkInText: nil))]
            if let link { form.append(("link", link)) }
            result = await createPost(path: "\(pageID)/feed", form: form, action: "posting to the Page feed")
        case 1:
            let caption = fullMessage(request, linkInText: link)
            result = await postPhoto(photos[0], caption: caption)
        default:
            result = await postAlbum(photos, message: fullMessage(request, linkInText: link), request: request)
        }
        hold = Self.longer(hold, result.hold)
        // A 506 duplicate has no id: the marker finds the post that exists, so retraction and
        // inbound events can refer to it.
        if case .delivered(let found, let detail) = result.outcome, found.remoteID == nil {
            let lookup = await findPost(marker: Self.marker(for: request))
            hold = Self.longer(hold, lookup.hold)
            if case .found(let existing) = lookup.result {
                return Attempt(.delivered(existing, detail: (detail ?? "") + "; found by marker"), hold: hold)
            }
        }
        return Attempt(result.outcome, hold: hold)
    }

    /// An attempt's outcome and the channel hold it asks for.
    struct Attempt: Sendable {
        var outcome: PublishOutcome
        var hold: Duration?
        init(_ outcome: PublishOutcome, hold: Duration? = nil) {
            self.outcome = outcome
            self.hold = hold
        }
    }

    static func longer(_ a: Duration?, _ b: Duration?) -> Duration? {
        switch (a, b) {
        case (nil, nil): nil
        case (let a?, nil): a
        case (nil, let b?): b
        case (let a?, let b?): max(a, b)
        }
    }

    private func createPost(path: String, form: [(String, String)], action: String) async -> Attempt {
        let response: GraphResponse
        do {
            response = try await graph.post(path, form: form)
        } catch {
            return Attempt(HTTPOutcome.failure(error, action: action))
        }
        let hold = usageHold(response)
        guard response.isSuccess else { return await failure(response, action: action, hold: hold) }
        // `/feed` answers {"id":"PAGEID_POSTID"}; `/photos` answers {"id":PHOTOID,"post_id":"PAGEID_POSTID"}.
        guard let id = response.string("post_id") ?? response.string("id") else {
            return Attempt(malformed(response, action: action), hold: hold)
        }
        return Attempt(
            .delivered(ChannelResult(remoteID: id, url: postURL(id)), detail: "posted (HTTP \(response.status))"),
            hold: hold)
    }

    private func postPhoto(_ media: MediaRef, caption: String) async -> Attempt {
        await uploadPhoto(media, fields: [("caption", caption)], create: true)
    }

    private func postAlbum(_ photos: [MediaRef], message: String, request: PublishRequest) async -> Attempt {
        var ids: [String] = []
        var hold: Duration? = nil
        for (i, media) in photos.enumerated() {
            if Task.isCancelled { return Attempt(.retry(ChannelError(.cancelled, "cancelled between photo uploads"))) }
            var fields = [("published", "false")]
            if let caption = media.caption, !caption.isEmpty { fields.append(("caption", caption)) }
            let upload = await uploadPhoto(media, fields: fields, create: false)
            hold = Self.longer(hold, upload.hold)
            guard case .delivered(let result, _) = upload.outcome, let id = result.remoteID else {
                return Attempt(upload.outcome, hold: hold)
            }
            request.logger.debug("uploaded photo \(i + 1) of \(photos.count) unpublished as \(id)")
            ids.append(id)
        }
        var form = [("message", message)]
        for (i, id) in ids.enumerated() {
            form.append(("attached_media[\(i)]", #"{"media_fbid":"\#(id)"}"#))
        }
        let post = await createPost(
            path: "\(pageID)/feed", form: form, action: "posting \(ids.count) photos to the Page feed")
        return Attempt(post.outcome, hold: Self.longer(hold, post.hold))
    }

    /// `POST /{page-id}/photos` with `url` or the file's bytes as `source`. With `create`, the answer's
    /// post id is the result; without, the photo id (an unpublished upload for `attached_media`).
    private func uploadPhoto(_ media: MediaRef, fields: [(String, String)], create: Bool) async -> Attempt {
        let action = create ? "posting the photo" : "uploading a photo"
        let response: GraphResponse
        do {
            if let path = media.path {
                // Read as intake checked it: no symlink, a regular file with one link.
                let data: [UInt8]
                do {
                    data = try LocalMedia.read(path)
                } catch {
                    return Attempt(.failed(ChannelError(.local, "cannot read the photo: \(error)")))
                }
                let ext = Self.fileExtension(path)
                let file = (
                    field: "source", fileName: Self.asciiFileName(Self.lastComponent(path)),
                    type: Self.photoTypes[ext] ?? "application/octet-stream", bytes: data
                )
                response = try await graph.postMultipart("\(pageID)/photos", fields: fields, file: file)
            } else if let url = media.url {
                response = try await graph.post("\(pageID)/photos", form: [("url", url)] + fields)
            } else {
                return Attempt(.failed(ChannelError(.rejected, "a media entry has neither path nor url")))
            }
        } catch {
            return Attempt(HTTPOutcome.failure(error, action: action))
        }
        let hold = usageHold(response)
        guard response.isSuccess else { return await failure(response, action: action, hold: hold) }
        let id = create ? (response.string("post_id") ?? response.string("id")) : response.string("id")
        guard let id else { return Attempt(malformed(response, action: action), hold: hold) }
        return Attempt(
            .delivered(
                ChannelResult(remoteID: id, url: create ? postURL(id) : nil), detail: "posted (HTTP \(response.status))"
            ),
            hold: hold)
    }

    /// `https://www.facebook.com/PAGEID/posts/POSTID` for a `PAGEID_POSTID` id.
    func postURL(_ id: String) -> String {
        let parts = id.split(separator: "_", maxSplits: 1)
        if parts.count == 2 { return "https://www.facebook.com/\(parts[0])/posts/\(parts[1])" }
        return "https://www.facebook.com/\(id)"
    }

    static func asciiFileName(_ name: String) -> String {
        let folded = name.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive], locale: nil)
        let safe = folded.unicodeScalars.map { s -> String in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "." || s == "-" || s == "_")
                ? String(s) : "-"
        }.joined()
        return safe.isEmpty ? "photo.jpg" : safe
    }

    func usageHold(_ response: GraphResponse) -> Duration? {
        response.usage.hold(threshold: slowDownAt, maxPause: slowDownMax)
    }

    private func malformed(_ response: GraphResponse, action: String) -> PublishOutcome {
        .retry(
            ChannelError(
                .badResponse,
                "\(action): HTTP \(response.status) without the expected id (the post may exist; the next attempt looks for its marker): \(response.excerpt)",
                code: response.status))
    }

    /// A Graph error or non-2xx answer as an outcome (CHANNELS.md's classification).
    func failure(_ response: GraphResponse, action: String, hold: Duration?) async -> Attempt {
        guard let error = response.error else {
            let http = HTTPResponse(status: response.status, headers: response.headers, body: response.body)
            return Attempt(HTTPOutcome.failure(http, action: action), hold: hold)
        }
        let message = "\(action): \(error.summary)"
        switch error.meaning {
        case .throttled:
            // Graph says how long in the usage headers when it knows; else our configured wait.
            let wait = response.usage.regainAccess ?? throttleWait
            return Attempt(
                .retry(ChannelError(.throttled, message, code: error.code), after: wait),
                hold: Self.longer(hold, wait))
        case .token:
            return Attempt(.failed(Self.tokenError(error, action: action)), hold: hold)
        case .permission:
            return Attempt(.failed(ChannelError(.forbidden, message, code: error.code)), hold: hold)
        case .duplicate:
            return Attempt(
                .delivered(ChannelResult(), detail: "Facebook refused it as a duplicate (506): already published"),
                hold: hold)
        case .transient:
            return Attempt(.retry(ChannelError(.server, message, code: error.code)), hold: hold)
        case .other:
            if (500...599).contains(response.status) {
                return Attempt(.retry(ChannelError(.server, message, code: error.code)), hold: hold)
            }
            return Attempt(.failed(ChannelError(.rejected, message, code: error.code)), hold: hold)
        }
    }

    /// The operator-facing error of an expired, revoked or invalid Page token.
    static func tokenError(_ error: GraphError, action: String) -> ChannelError {
        let what: String
        switch error.subcode {
        case 463: what = "page token expired"
        case 460: what = "page token invalidated by a password change"
        case 458: what = "the app was removed from the Page"
        case 459, 464: what = "the account behind the page token must log in to Facebook"
        case 467: what = "page token invalid (logged out or revoked)"
        default: what = error.code == 102 ? "page session invalid" : "page token rejected"
        }
        return ChannelError(
            .auth, "\(what) — replace the secret and reload (\(action): \(error.summary))", code: error.code,
            haltsChannel: true)
    }

    // MARK: Finding a post by its marker

    enum Lookup: Sendable {
        case found(ChannelResult)
        case notFound
        case failed(PublishOutcome)
    }

    /// Looks through the Page's recent posts (`GET /{page-id}/posts`, newest first, within
    /// `marker_lookback`) for one carrying the item's marker.
    func findPost(marker: String, now: Date = Date()) async -> (result: Lookup, hold: Duration?) {
        let since = Int(now.timeIntervalSince1970) - Int(markerLookback.components.seconds)
        let response: GraphResponse
        do {
            response = try await graph.get(
                "\(pageID)/posts",
                query: [("fields", "id,message,created_time"), ("since", String(since)), ("limit", "100")])
        } catch {
            return (.failed(HTTPOutcome.failure(error, action: "looking for the post by its marker")), nil)
        }
        let hold = usageHold(response)
        guard response.isSuccess else {
            let failed = await failure(response, action: "looking for the post by its marker", hold: hold)
            return (.failed(failed.outcome), failed.hold)
        }
        guard let posts = response.object?["data"] as? [[String: Any]] else {
            return (.failed(malformed(response, action: "looking for the post by its marker")), hold)
        }
        for post in posts {
            guard let text = post["message"] as? String, Self.contains(text, marker: marker),
                let id = post["id"] as? String
            else { continue }
            return (.found(ChannelResult(remoteID: id, url: postURL(id))), hold)
        }
        return (.notFound, hold)
    }

    // MARK: Interrupted sends

    /// The post of an interrupted send carries the item's marker: found among the Page's recent posts,
    /// it was published; the Page lists a post at once, so not found within `marker_lookback` means it
    /// was not.
    public func lookUpInterrupted(_ request: PublishRequest) async -> InterruptedLookup {
        let marker = Self.marker(for: request)
        switch await findPost(marker: marker).result {
        case .found(let result): return .found(result, detail: "found by marker \(marker)")
        case .notFound: return .notPublished(detail: "no recent post of the Page carries \(marker)")
        case .failed(let outcome):
            let error: String =
                switch outcome {
                case .retry(let e, _), .failed(let e): e.description
                case .delivered: "unexpected answer"
                }
            return .undecided(reason: "the Page's posts could not be searched for \(marker): \(error)")
        }
    }

    // MARK: Check and retraction

    public func check() async throws(ChannelError) -> String {
        let response: GraphResponse
        do {
            response = try await graph.get(pageID, query: [("fields", "id,name")])
        } catch {
            throw ChannelError(.network, "GET /\(pageID): \(error.message)")
        }
        guard response.isSuccess else {
            let failed = await failure(response, action: "reading the Page", hold: nil)
            switch failed.outcome {
            case .failed(let error), .retry(let error, _): throw error
            case .delivered: throw ChannelError(.badResponse, "reading the Page: unexpected answer")
            }
        }
        guard let name = response.string("name") else {
            throw ChannelError(.badResponse, "reading the Page: no name in the answer: \(response.excerpt)")
        }
        return "trang \(name) (id \(response.string("id") ?? pageID))"
    }

    /// `cchc item retract`: deletes the post (`DELETE /{post-id}`).
    public func retract(_ result: ChannelResult, logger: Logger) async throws(ChannelError) -> String? {
        let note = try await deletePost(result)
        logger.info("facebook: \(note ?? "retracted")")
        return note
    }

    /// Deletes a published post (`DELETE /{post-id}`). A post that no longer exists counts as deleted.
    func deletePost(_ result: ChannelResult) async throws(ChannelError) -> String? {
        guard let id = result.remoteID, !id.isEmpty else {
            throw ChannelError(.unsupported, "the delivery has no Facebook post id to delete")
        }
        guard id.allSatisfy({ $0.isASCIIDigit || $0 == "_" }) else {
            throw ChannelError(.rejected, "\"\(id)\" is not a Facebook post id")
        }
        let response: GraphResponse
        do {
            response = try await graph.delete(id)
        } catch {
            throw ChannelError(.network, "deleting post \(id): \(error.message)")
        }
        if response.isSuccess { return "đã xoá bài \(id)" }
        if let error = response.error, error.code == 100, error.subcode == 33 {
            return "bài \(id) không còn trên trang (đã bị xoá trước đó)"
        }
        let failed = await failure(response, action: "deleting post \(id)", hold: nil)
        switch failed.outcome {
        case .failed(let error), .retry(let error, _): throw error
        case .delivered: throw ChannelError(.badResponse, "deleting post \(id): unexpected answer")
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
