import ChannelHTTP
import ChannelKit
import Foundation
import Logging
import Transport

extension FacebookChannel {
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

}
