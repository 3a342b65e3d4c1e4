import ChannelKit
import Foundation
import Logging
import Testing
import TestSupport

@testable import Portal

@Suite struct WordPressPortalTests {
    func portal(_ site: FakeWordPress, password: String? = nil, extra: [(String, Any)] = []) throws -> PortalChannel {
        let secret = try writeSecret(password ?? site.applicationPassword)
        return try makePortal(
            [
                ("preset", "wordpress"), ("url", site.baseURL + "/"), ("username", site.username),
                ("password_file", secret),
            ]
                + extra)
    }

    @Test func createsAPost() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let portal = try portal(site, extra: [("categories", ["12", "31"]), ("tags", ["7"])])
        #expect(portal.traits.idempotent)
        let outcome = await portal.publish(request())
        let post = try #require(site.posts.first)
        #expect(
            outcome
                == .delivered(ChannelResult(remoteID: String(post.id), url: post.link), detail: "created (HTTP 201)"))
        #expect(post.title == item.title)
        #expect(post.slug == "cchc-2026-11-0042")
        #expect(post.status == "publish")
        #expect(post.excerpt == item.summary)
        #expect(post.content.contains("<h2>Kết quả</h2>"))
        #expect(post.categories == [12, 31])
        #expect(post.tags == [7])
        #expect(post.link == site.baseURL + "/?p=\(post.id)")
        #expect(site.requests.first?.header("X-CCHC-Delivery") == "dlv-77")
    }

    @Test func retractionMovesThePostToTheTrashOnceAndAGonePostCountsAsTakenDown() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let portal = try portal(site)
        #expect(portal.traits.supportsRetraction)
        guard case .delivered(let result, _) = await portal.publish(request()) else {
            Issue.record("not published")
            return
        }
        let logger = Logger(label: "test")
        #expect(
            try await portal.retract(result, logger: logger)
                == "bài \(result.remoteID!) đã chuyển vào thùng rác của WordPress")
        #expect(site.posts.first?.status == "trash")
        let delete = try #require(site.requests.last)
        #expect(delete.method == "DELETE" && delete.path == "/wp-json/wp/v2/posts/\(result.remoteID!)")
        #expect(delete.query["force"] == nil)  // the trash, never a permanent delete
        #expect(
            try await portal.retract(result, logger: logger) == "bài \(result.remoteID!) đã ở trong thùng rác từ trước")
        #expect(
            try await portal.retract(ChannelResult(remoteID: "999"), logger: logger) == "bài 999 không còn trên cổng")
        // Refused credentials are an error the officer sees, not a silent success.
        let wrong = try self.portal(site, password: "sai mat khau")
        await #expect(throws: ChannelError.self) { try await wrong.retract(result, logger: logger) }
        do {
            _ = try await wrong.retract(result, logger: logger)
        } catch {
            #expect(error.errorClass == .auth && error.message.contains("incorrect_password"))
            #expect(!error.message.contains(site.applicationPassword))
        }
        await #expect(throws: ChannelError.self) { try await portal.retract(ChannelResult(), logger: logger) }
    }

    @Test func otherPresetsCannotRetract() async throws {
        let portal = try makePortal([("preset", "static"), ("output", NSTemporaryDirectory())])
        #expect(!portal.traits.supportsRetraction)
        await #expect(throws: ChannelError.self) {
            try await portal.retract(ChannelResult(remoteID: "1"), logger: Logger(label: "test"))
        }
    }

    @Test func interruptedRetryFindsThePostBySlug() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let portal = try portal(site)
        _ = await portal.publish(request())
        // The daemon died after WordPress created the post; the retry must not post again.
        let retry = await portal.publish(request(interrupted: true, attempt: 2))
        let post = try #require(site.posts.first)
        #expect(
            retry
                == .delivered(
                    ChannelResult(remoteID: String(post.id), url: post.link),
                    detail: "found by slug cchc-2026-11-0042; not re-posted"))
        #expect(site.posts.count == 1)
        #expect(site.postCount(slug: "cchc-2026-11-0042") == 1)
        let lookup = try #require(site.requests.last)
        #expect(lookup.method == "GET")
        // The slug and those WordPress gives copies (`-2` … `-9`), ours recognised by the mark in the content.
        #expect(lookup.query["slug"]?.hasPrefix("cchc-2026-11-0042,cchc-2026-11-0042-2,") == true)
        #expect(lookup.query["context"] == "edit")
        #expect(lookup.query["status"]?.contains("draft") == true)
    }

    @Test func aRetryAfterAFailedAttemptLooksThePostUpFirst() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let portal = try portal(site)
        _ = await portal.publish(request())
        // Attempt 1 created the post but its answer was lost (a timeout, a 502 from a proxy): attempt 2
        // is an ordinary retry, not an interruption, and must still not post again.
        let retry = await portal.publish(request(interrupted: false, attempt: 2))
        guard case .delivered(_, let detail) = retry else {
            Issue.record("expected delivered, got \(retry)")
            return
        }
        #expect(detail?.hasPrefix("found by slug") == true)
        #expect(site.posts.count == 1)
    }

    @Test func interruptedAttemptThatNeverArrivedPostsOnce() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let outcome = try await portal(site).publish(request(interrupted: true, attempt: 2))
        guard case .delivered(_, let detail) = outcome else {
            Issue.record("expected delivered, got \(outcome)")
            return
        }
        #expect(detail == "created (HTTP 201)")
        #expect(site.posts.count == 1)
    }

    @Test func wrongPasswordIsAPermanentAuthFailure() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let outcome = try await portal(site, password: "wrong wrong").publish(request())
        guard case .failed(let error) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(error.errorClass == .auth)
        #expect(error.code == 401)
        #expect(error.message.contains("incorrect_password"))
        #expect(!error.message.contains("wrong wrong"))
        // Dead credentials halt the channel (until the operator fixes them and reloads) instead of failing
        // every queued item one after the other.
        #expect(error.haltsChannel)
        #expect(error.message.contains("Application Password"))
        #expect(site.posts.isEmpty)
    }

    @Test func serverErrorsAndThrottlingRetry() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let portal = try portal(site)
        site.failNext(status: 503, headers: [("Retry-After", "30")])
        guard case .retry(let error, let after) = await portal.publish(request()) else {
            Issue.record("expected retry")
            return
        }
        #expect(error.errorClass == .server)
        #expect(after == .seconds(30))
        #expect(error.message.contains("rest_test_failure: Injected failure"))

        site.failNext(
            status: 403,
            body:
                #"{"code":"rest_cannot_create","message":"Sorry, you are not allowed to create posts as this user.","data":{"status":403}}"#
        )
        guard case .failed(let forbidden) = await portal.publish(request()) else {
            Issue.record("expected failed")
            return
        }
        #expect(forbidden.errorClass == .forbidden)
        #expect(forbidden.message.contains("rest_cannot_create"))

        site.failNext(status: 429)
        guard case .retry(let throttled, _) = await portal.publish(request()) else {
            Issue.record("expected retry")
            return
        }
        #expect(throttled.errorClass == .throttled)
        #expect(site.posts.isEmpty)
        // And then it goes through.
        guard case .delivered = await portal.publish(request()) else {
            Issue.record("expected delivered")
            return
        }
        #expect(site.posts.count == 1)
    }

    @Test func featuredImageIsUploadedFirst() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let image = NSTemporaryDirectory() + "ảnh-bìa-\(UUID().uuidString.prefix(4)).jpg"
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).write(to: URL(fileURLWithPath: image))
        var withImage = item
        withImage.media = [MediaRef(url: "https://x/remote.png"), MediaRef(path: image, caption: "Ảnh")]
        let outcome = try await portal(site, extra: [("featured_media", "true")]).publish(request(withImage))
        guard case .delivered = outcome else {
            Issue.record("expected delivered, got \(outcome)")
            return
        }
        let media = try #require(site.media.first)
        #expect(media.contentType == "image/jpeg")
        #expect(media.byteCount == 7)
        #expect(media.fileName.hasPrefix("anh-bia-"))
        #expect(site.posts.first?.featuredMedia == media.id)
    }

    @Test func checkNamesTheUser() async throws {
        let site = try await FakeWordPress.start(displayName: "Bot Sở Nội vụ")
        defer { Task { try? await site.shutdown() } }
        #expect(try await portal(site).check() == "WordPress: Bot Sở Nội vụ")
        await #expect(throws: ChannelError.self) { try await portal(site, password: "nope").check() }
    }

    @Test func slowSiteTimesOutWithAnUnknownOutcome() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        site.setDelay(.seconds(3))
        let outcome = try await portal(site, extra: [("timeout", "500ms")]).publish(request())
        guard case .retry(let error, _) = outcome else {
            Issue.record("expected retry, got \(outcome)")
            return
        }
        // The request was sent: WordPress may still create the post (PHP runs on after the client left).
        #expect(error.errorClass == .uncertain)
    }

    @Test func slugs() {
        #expect(WordPressPortal.slug(for: "2026-11-0042") == "cchc-2026-11-0042")
        #expect(WordPressPortal.slug(for: "Tin Số 5/KH") == "cchc-tin-s-5-kh")
        #expect(WordPressPortal.slug(for: "") == "cchc-item")
    }

    @Test func configErrors() throws {
        let base = [("preset", "wordpress"), ("url", "https://cchc.example.gov.vn")] as [(String, Any)]
        #expect(configError(base + [("password_file", try writeSecret("x"))])?.path == "channels.portal.username")
        #expect(configError(base + [("username", "u")])?.path == "channels.portal.password")
        let inline = configError(base + [("username", "u"), ("password", "hunter2")])
        #expect(inline?.path == "channels.portal.password")
        #expect(inline?.description.contains("hunter2") == false)
        #expect(
            configError(base + [("username", "u"), ("password_file", "/nonexistent/pw")])?.path
                == "channels.portal.password_file")
        #expect(
            configError(base + [("username", "u"), ("password_file", try writeSecret("x")), ("status", "live")])?.path
                == "channels.portal.status")
        #expect(
            configError(base + [("username", "u"), ("password_file", try writeSecret("x")), ("categories", ["a"])])?
                .path
                == "channels.portal.categories[0]")
        // Keys of other presets are unknown here.
        #expect(
            configError(base + [("username", "u"), ("password_file", try writeSecret("x")), ("id_pointer", "/id")])?
                .path
                == "channels.portal.id_pointer")
    }
}
