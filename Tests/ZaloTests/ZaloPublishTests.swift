import ChannelConfig
import ChannelKit
import Foundation
import TestSupport
import Testing

@testable import Zalo

@Suite struct ZaloPublishTests {
    @Test func anItemBecomesAnArticleIsVerifiedAndBroadcast() async throws {
        let f = try await ZaloFixture.start(at: vietnamTime(2026, 11, 23, 9))
        defer { Task { try await f.finish() } }
        let tokens = try f.seed()
        f.fake.setProcessingChecks(2)
        let channel = try f.channel([
            ("broadcast", [("enabled", "true"), ("target", [("cities", "4"), ("gender", "0")])])
        ])
        let item = sampleItem()
        #expect(channel.validate(item).isEmpty)

        let parted = await channel.publishInParts(f.request(item))
        let article = try #require(f.fake.articles.first)
        #expect(f.fake.articles.count == 1)
        #expect(
            parted.outcome
                == .delivered(
                    ChannelResult(remoteID: article.id, url: article.link),
                    detail: "article \(article.id) verified and broadcast"))
        #expect(parted.parts.map(\.part) == ["article", "broadcast"])
        #expect(parted.parts[0].remoteID == article.id && parted.parts[0].message == article.link)
        #expect(parted.parts[1].state == .delivered)

        let requests = f.fake.requests
        #expect(
            requests.map(\.path) == [
                "/v2.0/article/create", "/v2.0/article/verify", "/v2.0/article/verify", "/v2.0/article/verify",
                "/v2.0/article/getdetail", "/v2.0/oa/message",
            ])
        for r in requests { #expect(r.header("access_token") == tokens.access) }

        // article/create, field by field.
        let create = jsonObject(requests[0])
        #expect(requests[0].header("Content-Type") == "application/json")
        #expect(create["type"] as? String == "normal")
        #expect(create["title"] as? String == "Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến")
        #expect(create["author"] as? String == "Phòng CCHC")
        #expect(create["description"] as? String == "Một câu tóm tắt cho mạng xã hội và Zalo.")
        #expect(create["status"] as? String == "show")
        #expect(create["comment"] as? String == "show")
        let cover = try #require(create["cover"] as? [String: String])
        #expect(cover == ["cover_type": "photo", "photo_url": "https://cdn.example.vn/anh-bia.jpg", "status": "show"])
        let body = try #require(create["body"] as? [[String: String]])
        #expect(
            body == [
                [
                    "type": "text",
                    "content": "Năm 2026, 100% thủ tục hành chính đủ điều kiện được cung cấp trực tuyến.",
                ],
                ["type": "text", "content": "<b>Kết quả nổi bật</b>"],
                ["type": "text", "content": "Bộ phận một cửa trả kết quả nhanh &amp; đúng hẹn (&lt; 3 ngày)."],
                ["type": "image", "url": "https://cdn.example.vn/mot-cua.jpg", "caption": "Bộ phận một cửa"],
            ])
        // article/verify with the token create answered.
        let token = jsonObject(requests[1])["token"] as? String
        #expect(token?.hasPrefix("tok-") == true)
        #expect(jsonObject(requests[3])["token"] as? String == token)
        // The broadcast: the article as a media element, the configured target.
        let message = jsonObject(requests[5])
        let target = (message["recipient"] as? [String: Any])?["target"] as? [String: String]
        #expect(target == ["cities": "4", "gender": "0"])
        let attachment = (message["message"] as? [String: Any])?["attachment"] as? [String: Any]
        #expect(attachment?["type"] as? String == "template")
        let payload = attachment?["payload"] as? [String: Any]
        #expect(payload?["template_type"] as? String == "media")
        let elements = payload?["elements"] as? [[String: String]]
        #expect(elements == [["media_type": "article", "attachment_id": article.id]])
        #expect(f.fake.broadcasts.map(\.articleID) == [article.id])
        // Tokens never reach the log.
        #expect(!f.logs.text.contains(tokens.access) && !f.logs.text.contains(tokens.refresh))
    }

    @Test func aBroadcastDueAt2300HappensAt0600() async throws {
        let f = try await ZaloFixture.start(at: vietnamTime(2026, 11, 23, 23))
        defer { Task { try await f.finish() } }
        try f.seed()
        let channel = try f.channel([("broadcast", [("enabled", "true")])])
        let item = sampleItem()

        let first = await channel.publishInParts(f.request(item))
        guard case .retry(let error, let after) = first.outcome else {
            Issue.record("expected a retry, got \(first.outcome)")
            return
        }
        #expect(error.errorClass == ZaloErrorCode.quietHoursClass)
        #expect(after == .seconds(7 * 3600))
        #expect(f.fake.articles.count == 1, "the article is created at once")
        #expect(f.fake.broadcasts.isEmpty, "the broadcast waits")
        #expect(first.parts.map(\.state) == [.delivered, .retry])
        #expect(!f.fake.requests.contains { $0.path == "/v2.0/oa/message" })

        // The engine comes back at 06:00 with the finished article part.
        f.setTime(vietnamTime(2026, 11, 24, 6))
        let finished = ["article": first.parts[0]]
        let second = await channel.publishInParts(f.request(item, attempt: 2, finished: finished))
        let article = try #require(f.fake.articles.first)
        #expect(
            second.outcome
                == .delivered(
                    ChannelResult(remoteID: article.id, url: article.link),
                    detail: "article \(article.id) verified and broadcast"))
        #expect(f.fake.articles.count == 1, "the article is not created again")
        #expect(f.fake.broadcasts.count == 1)
        #expect(f.fake.broadcasts.first?.at == vietnamTime(2026, 11, 24, 6))
        #expect(second.parts.map(\.part) == ["broadcast"])
    }

    @Test func zalosOwnQuietHoursRefusalMakesTheBroadcastWaitFor0600() async throws {
        // The channel's quiet hours are set narrower than Zalo's: Zalo's -234 still holds it back.
        let f = try await ZaloFixture.start(at: vietnamTime(2026, 11, 23, 22, 30))
        defer { Task { try await f.finish() } }
        try f.seed()
        let channel = try f.channel([("broadcast", [("quiet_hours", "23:00-05:00")])])
        let parted = await channel.publishInParts(f.request(sampleItem()))
        guard case .retry(let error, let after) = parted.outcome else {
            Issue.record("expected a retry, got \(parted.outcome)")
            return
        }
        #expect(error.code == -234)
        #expect(after == .seconds(7 * 3600 + 1800))
        #expect(parted.parts.map(\.state) == [.delivered, .retry])
    }

    @Test func withoutBroadcastTheArticleAloneIsTheDelivery() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        try f.seed()
        let channel = try f.channel()
        let parted = await channel.publishInParts(f.request(sampleItem()))
        let article = try #require(f.fake.articles.first)
        #expect(
            parted.outcome
                == .delivered(
                    ChannelResult(remoteID: article.id, url: article.link), detail: "article \(article.id) verified"))
        #expect(f.fake.broadcasts.isEmpty)
    }

    @Test func verifyPollingIsBounded() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        try f.seed()
        f.fake.setProcessingChecks(100)
        let channel = try f.channel([("verify_attempts", "3")])
        let parted = await channel.publishInParts(f.request(sampleItem()))
        guard case .retry(let error, _) = parted.outcome else {
            Issue.record("expected a retry, got \(parted.outcome)")
            return
        }
        #expect(error.code == -214)
        #expect(f.fake.requests.filter { $0.path == "/v2.0/article/verify" }.count == 3)
    }

    @Test func aRetryFindsTheArticleByTitleInsteadOfCreatingItAgain() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        try f.seed()
        f.fake.setProcessingChecks(100)
        f.fake.setListUnverified(true)
        let channel = try f.channel([("verify_attempts", "2")])
        let item = sampleItem()
        _ = await channel.publishInParts(f.request(item))
        let creates = f.fake.requests.filter { $0.path == "/v2.0/article/create" }.count
        #expect(creates == 1)
        let second = await channel.publishInParts(f.request(item, attempt: 2))
        guard case .delivered(let result, _) = second.outcome else {
            Issue.record("expected delivered, got \(second.outcome)")
            return
        }
        #expect(result.remoteID != nil)
        #expect(f.fake.requests.filter { $0.path == "/v2.0/article/create" }.count == 1)
        let slice = try #require(f.fake.requests.first { $0.path == "/v2.0/article/getslice" })
        #expect(slice.query == ["offset": "0", "limit": "20", "type": "normal"])
    }

    @Test func anInterruptedSendIsLookedUpByTitle() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        try f.seed()
        let channel = try f.channel()
        #expect(!channel.traits.idempotent)
        // Nothing on the OA: a person decides (Zalo may list a processing article late); nothing is created.
        guard case .undecided(let reason) = await channel.lookUpInterrupted(f.request(sampleItem(), interrupted: true))
        else {
            Issue.record("expected undecided")
            return
        }
        #expect(reason.contains("among the OA's 20 latest"))
        #expect(f.fake.articles.isEmpty)
        #expect(!f.fake.requests.contains { $0.path == "/v2.0/article/create" })

        // The interrupted attempt did create it: found by its title.
        _ = await channel.publishInParts(f.request(sampleItem()))
        let created = try #require(f.fake.articles.first)
        #expect(
            await channel.lookUpInterrupted(f.request(sampleItem(), interrupted: true))
                == .found(ChannelResult(remoteID: created.id, url: created.link), detail: "article found by its title"))
        // With broadcasts, whether the followers got it is unknown: a person decides.
        let broadcasting = try f.channel([("broadcast", [("enabled", "true")])])
        guard
            case .undecided(let why) = await broadcasting.lookUpInterrupted(f.request(sampleItem(), interrupted: true))
        else {
            Issue.record("expected undecided")
            return
        }
        #expect(why.contains("article \(created.id) is on the OA") && why.contains("--as resend"))
        // A person's resend: the article is found, not made twice.
        let resent = await channel.publishInParts(f.request(sampleItem(), attempt: 2, interrupted: true))
        #expect(
            resent.outcome
                == .delivered(
                    ChannelResult(remoteID: created.id, url: created.link), detail: "article \(created.id) verified"))
        #expect(f.fake.articles.count == 1)
    }

    @Test func aPersonsResendOfAnArticleNotOnTheOACreatesIt() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        try f.seed()
        let channel = try f.channel()
        let resent = await channel.publishInParts(f.request(sampleItem(), attempt: 2, interrupted: true))
        guard case .delivered = resent.outcome else {
            Issue.record("expected delivered, got \(resent.outcome)")
            return
        }
        #expect(f.fake.articles.count == 1)
    }

    @Test func errorCodesAreClassified() async throws {
        let f = try await ZaloFixture.start(at: vietnamTime(2026, 11, 23, 15))
        defer { Task { try await f.finish() } }
        try f.seed()
        let channel = try f.channel()
        let item = sampleItem()

        f.fake.failNext("/v2.0/article/create", code: -32, message: "Rate limit exceeded")
        var parted = await channel.publishInParts(f.request(item))
        #expect(
            parted.outcome
                == .retry(
                    ChannelError(.throttled, "create the article: Zalo error -32: Rate limit exceeded", code: -32),
                    after: .seconds(60)))

        f.fake.failNext("/v2.0/article/create", code: -211, message: "Out of quota")
        parted = await channel.publishInParts(f.request(item))
        guard case .retry(let quota, let after) = parted.outcome else {
            Issue.record("expected a retry, got \(parted.outcome)")
            return
        }
        #expect(quota.errorClass == .throttled && quota.code == -211)
        #expect(after == .seconds(9 * 3600 + 60), "quota waits for 00:01 the next day")
        #expect(parted.holdChannel == .seconds(9 * 3600 + 60))

        f.fake.failNext("/v2.0/article/create", code: -201, message: "Parameters invalid")
        parted = await channel.publishInParts(f.request(item))
        #expect(
            parted.outcome
                == .failed(
                    ChannelError(.rejected, "create the article: Zalo error -201: Parameters invalid", code: -201)))

        f.fake.failNextHTTP("/v2.0/article/create", status: 503)
        parted = await channel.publishInParts(f.request(item))
        guard case .retry(let server, _) = parted.outcome else {
            Issue.record("expected a retry, got \(parted.outcome)")
            return
        }
        #expect(server.errorClass == .server && server.code == 503)

        f.fake.failNext("/v2.0/article/create", code: -224, message: "OA tier")
        parted = await channel.publishInParts(f.request(item))
        guard case .failed(let tier) = parted.outcome else {
            Issue.record("expected failed, got \(parted.outcome)")
            return
        }
        #expect(tier.errorClass == .forbidden && tier.haltsChannel)
        #expect(f.fake.articles.isEmpty)
    }

    @Test func intakeValidationEnforcesZalosLimitsAndTheCover() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        let channel = try f.channel()
        var item = sampleItem()
        item.title = String(repeating: "a", count: 151)
        item.author = String(repeating: "b", count: 51)
        item.summary = String(repeating: "c", count: 301)
        item.media = [MediaRef(path: "/tmp/anh.jpg")]
        let problems = channel.validate(item)
        #expect(problems.map(\.field) == ["title", "author", "summary", "media"])
        #expect(problems[0].message.contains("150"))
        #expect(problems[3].message.contains("ảnh bìa"))

        // A channel cover_url serves items without a picture; exactly at the limits passes.
        let withCover = try f.channel([("cover_url", "https://cdn.example.vn/mac-dinh.jpg")])
        item.title = String(repeating: "a", count: 150)
        item.author = String(repeating: "b", count: 50)
        item.summary = String(repeating: "c", count: 300)
        #expect(withCover.validate(item).isEmpty)
        // Publishing re-checks: nothing is sent for an item that does not fit.
        item.title = ""
        let parted = await withCover.publishInParts(f.request(item))
        guard case .failed(let error) = parted.outcome else {
            Issue.record("expected failed, got \(parted.outcome)")
            return
        }
        #expect(error.errorClass == .rejected)
        #expect(f.fake.requests.isEmpty)
    }

    @Test func checkValidatesTheTokenAndNamesTheOA() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        try f.seed()
        let what = try await f.channel().check()
        #expect(what.contains("Sở Nội vụ tỉnh Sơn La") && what.contains("9876"))
        // The wrong OA id in the configuration is reported.
        let section = try makeSection(
            f.entries().map { $0.0 == "oa_id" ? ("oa_id", "1111") : $0 }, path: "channels.zalo-oa", base: f.state,
            environment: zaloEnvironment)
        let clock = f.clock
        let wrong = try ZaloChannel(
            name: "zalo-oa", section: section,
            context: ChannelContext(
                name: "zalo-oa", timeZone: hoChiMinh, stateDirectory: f.state, logger: f.logs.logger),
            http: sharedHTTP, now: { clock.now })
        await #expect(throws: ChannelError.self) { try await wrong.check() }
    }

    @Test func badConfigurationNamesTheKey() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        func error(_ entries: [(String, Any)]) -> String? {
            do {
                _ = try f.channel(entries)
                return nil
            } catch {
                return (error as? ConfigError)?.path
            }
        }
        #expect(error([("api_url", "ftp://x")]) == "channels.zalo-oa.api_url")
        #expect(error([("broadcast", [("quiet_hours", "22-06")])]) == "channels.zalo-oa.broadcast.quiet_hours")
        #expect(error([("broadcast", [("target", [("city", "4")])])]) == "channels.zalo-oa.broadcast.target.city")
        #expect(error([("cover_url", "anh.jpg")]) == "channels.zalo-oa.cover_url")
        #expect(error([("typo", "x")]) == "channels.zalo-oa.typo")
        let noSecret = try makeSection(
            [("app_id", "1"), ("oa_id", "2")], path: "channels.zalo-oa", base: f.state, environment: zaloEnvironment)
        #expect(throws: ConfigError.self) {
            _ = try ZaloChannel(
                name: "zalo-oa", section: noSecret,
                context: ChannelContext(
                    name: "zalo-oa", timeZone: hoChiMinh, stateDirectory: f.state, logger: f.logs.logger),
                http: sharedHTTP)
        }
    }
}
