import ChannelKit
import Foundation
import Logging

extension ZaloChannel {
    static let articlePart = "article"
    static let broadcastPart = "broadcast"

    /// Publishes the article (create → verify) unless an earlier attempt did, then the broadcast when
    /// enabled and outside the quiet hours.
    public func publishInParts(_ request: PublishRequest) async -> PartedOutcome {
        if Task.isCancelled { return PartedOutcome(.retry(ChannelError(.cancelled, "cancelled before sending"))) }
        let draft = article(request.item)
        if let problem = draft.problems.first {
            return PartedOutcome(.failed(ChannelError(.rejected, "the item does not fit Zalo: \(problem)")))
        }
        var parts: [PartOutcome] = []
        let logger = request.logger

        // 1. The article.
        let articleID: String
        let articleURL: String?
        if let done = request.finishedParts[Self.articlePart], done.state == .delivered, let id = done.remoteID {
            articleID = id
            articleURL = done.message
        } else {
            do throws(ZaloStop) {
                var found: (id: String, url: String?)?
                if request.attempt > 1 || request.previousAttemptInterrupted {
                    found = try await findArticle(title: draft.title)
                }
                if let found {
                    logger.info(
                        "Zalo article found by its title; not created again", metadata: ["article": "\(found.id)"])
                    articleID = found.id
                    articleURL = found.url
                } else {
                    (articleID, articleURL) = try await createArticle(draft, logger: logger)
                }
            } catch {
                return Self.parted(error.outcome, parts: [], holdChannel: error.holdChannel)
            }
            parts.append(
                PartOutcome(part: Self.articlePart, state: .delivered, message: articleURL, remoteID: articleID))
        }
        let result = ChannelResult(remoteID: articleID, url: articleURL)

        // 2. The broadcast.
        guard let broadcast else {
            return PartedOutcome(.delivered(result, detail: "article \(articleID) verified"), parts: parts)
        }
        switch request.finishedParts[Self.broadcastPart]?.state {
        case .delivered?:
            return PartedOutcome(.delivered(result, detail: "article and broadcast already done"), parts: parts)
        case .failed?:
            return PartedOutcome(
                .failed(
                    ChannelError(
                        .rejected,
                        "the broadcast failed earlier: \(request.finishedParts[Self.broadcastPart]?.message ?? "")")),
                parts: parts)
        default: break
        }
        let current = now()
        if broadcast.quietHours.contains(current, timeZone: timeZone) {
            let wait = broadcast.quietHours.remaining(at: current, timeZone: timeZone)
            let error = ChannelError(
                ZaloErrorCode.quietHoursClass,
                "article \(articleID) is published; the broadcast waits for the end of Zalo's quiet hours (\(broadcast.quietHours))"
            )
            parts.append(PartOutcome(part: Self.broadcastPart, state: .retry, message: error.message))
            return PartedOutcome(.retry(error, after: wait), parts: parts)
        }
        do throws(ZaloStop) {
            let messageID = try await sendBroadcast(articleID: articleID, target: broadcast.target)
            parts.append(PartOutcome(part: Self.broadcastPart, state: .delivered, remoteID: messageID))
            return PartedOutcome(
                .delivered(result, detail: "article \(articleID) verified and broadcast"), parts: parts)
        } catch {
            parts.append(
                PartOutcome(
                    part: Self.broadcastPart, state: error.isRetry ? .retry : .failed, code: error.error.code,
                    message: error.error.message))
            return Self.parted(error.outcome, parts: parts, holdChannel: error.holdChannel)
        }
    }

    /// An outcome that, for throttling signals, asks the engine to start nothing else on the channel for a while.
    static func parted(_ outcome: PublishOutcome, parts: [PartOutcome], holdChannel: Duration?) -> PartedOutcome {
        PartedOutcome(outcome, parts: parts, holdChannel: holdChannel)
    }

    /// `article/create`, then `article/verify` until the article has its id (-214: still processing,
    /// polled `verify_attempts` times with growing waits), then its URL from `article/getdetail`.
    func createArticle(_ draft: ZaloArticle, logger: Logger) async throws(ZaloStop) -> (String, String?) {
        let created = try await api.call("POST", "/v2.0/article/create", json: draft.json, action: "create the article")
        let data = try api.require(created, action: "create the article")
        guard let token = ZaloJSON.string(data["token"]), !token.isEmpty else {
            throw ZaloStop.retry(ChannelError(.badResponse, "create the article: the answer has no token"))
        }
        var wait = verifyInterval
        for check in 1...verifyAttempts {
            let verified = try await api.call(
                "POST", "/v2.0/article/verify", json: ["token": token], action: "verify the article")
            if verified.code == ZaloErrorCode.articleProcessing {
                if check == verifyAttempts { break }
                do { try await Task.sleep(for: wait) } catch {
                    throw ZaloStop.retry(ChannelError(.cancelled, "cancelled while Zalo processed the article"))
                }
                wait = min(wait * 2, .seconds(30))
                continue
            }
            let result = try api.require(verified, action: "verify the article")
            guard let id = ZaloJSON.string(result["id"]), !id.isEmpty else {
                throw ZaloStop.retry(ChannelError(.badResponse, "verify the article: the answer has no id"))
            }
            return (id, await articleURL(id, logger: logger))
        }
        // Created but not processed yet: the next attempt finds it by its title instead of creating it again.
        throw ZaloStop.retry(
            ChannelError(
                .server,
                "Zalo is still processing the article after \(verifyAttempts) checks (-214); the next attempt looks it up by its title",
                code: ZaloErrorCode.articleProcessing), after: .seconds(60))
    }

    /// The article's public link (`article/getdetail`); nil when Zalo does not say (the id is enough to
    /// find it, so this never fails the delivery).
    func articleURL(_ id: String, logger: Logger) async -> String? {
        do throws(ZaloStop) {
            let envelope = try await api.call(
                "GET", "/v2.0/article/getdetail", query: [("id", id)], action: "read the article's link")
            let data = try api.require(envelope, action: "read the article's link")
            return data["link"] as? String
        } catch {
            logger.warning("could not read the Zalo article's link", metadata: ["error": "\(error.error)"])
            return nil
        }
    }

    /// The OA's recent article whose title is `title`, from `article/getslice`.
    func findArticle(title: String) async throws(ZaloStop) -> (id: String, url: String?)? {
        let envelope = try await api.call(
            "GET", "/v2.0/article/getslice",
            query: [("offset", "0"), ("limit", String(lookupLimit)), ("type", "normal")],
            action: "list the OA's recent articles")
        let data = try api.require(envelope, action: "list the OA's recent articles")
        let medias = (data["medias"] as? [[String: Any]]) ?? []
        for media in medias {
            guard let t = media["title"] as? String,
                t.trimmingCharacters(in: .whitespacesAndNewlines) == title,
                let id = ZaloJSON.string(media["id"])
            else { continue }
            return (id, media["link"] as? String)
        }
        return nil
    }

    /// What an interrupted send did: its article is looked for among the OA's recent ones by title.
    /// Found, without broadcasts configured: published. Found with broadcasts: whether the followers got
    /// it is unknown, so a person decides (resending broadcasts it; the article is not made twice). Not
    /// found: a person decides too, because Zalo may list an article late while it is processing.
    public func lookUpInterrupted(_ request: PublishRequest) async -> InterruptedLookup {
        let title = article(request.item).title
        let found: (id: String, url: String?)?
        do throws(ZaloStop) {
            found = try await findArticle(title: title)
        } catch {
            return .undecided(reason: "the OA's recent articles could not be listed: \(error.error)")
        }
        guard let found else {
            return .undecided(
                reason:
                    "no article titled \"\(title)\" among the OA's \(lookupLimit) latest: check the OA (Zalo may list an article late), then cchc delivery resolve --as resend or --as delivered"
            )
        }
        guard broadcast != nil else {
            return .found(ChannelResult(remoteID: found.id, url: found.url), detail: "article found by its title")
        }
        return .undecided(
            reason:
                "article \(found.id) is on the OA, but whether it was broadcast is unknown: check the OA's sent messages, then cchc delivery resolve --as delivered --url \(found.url ?? "URL") --remote-id \(found.id), or --as resend to broadcast it (the article is not made twice)"
        )
    }

    /// Broadcasts the article to the OA's followers (`oa/message` with a media template).
    func sendBroadcast(articleID: String, target: [(String, String)]) async throws(ZaloStop) -> String? {
        var targetObject: [String: Any] = [:]
        for (key, value) in target { targetObject[key] = value }
        let body: [String: Any] = [
            "recipient": ["target": targetObject],
            "message": [
                "attachment": [
                    "type": "template",
                    "payload": [
                        "template_type": "media",
                        "elements": [["media_type": "article", "attachment_id": articleID]],
                    ],
                ]
            ],
        ]
        let envelope = try await api.call("POST", "/v2.0/oa/message", json: body, action: "broadcast the article")
        let data = try api.require(envelope, action: "broadcast the article")
        return ZaloJSON.string(data["message_id"])
    }
}
