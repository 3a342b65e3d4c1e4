import ChannelKit
import Foundation
import Logging
import Testing
import TestSupport

@testable import Portal

/// Never twice, never blind (issue 13) on the WordPress channel, against the strict fake: lost answers,
/// slow inserts, reused item ids, copies that landed late, dead credentials.
@Suite struct WordPressNeverTwiceTests {
    func portal(_ site: FakeWordPress, password: String? = nil, extra: [(String, Any)] = []) throws -> PortalChannel {
        let secret = try writeSecret(password ?? site.applicationPassword)
        return try makePortal(
            [
                ("preset", "wordpress"), ("url", site.baseURL), ("username", site.username), ("password_file", secret),
            ] + extra)
    }

    func ours(_ attempt: Int = 1, installation: String = "a1b2c3d4e5f6", interrupted: Bool = false) -> PublishRequest {
        var r = request(interrupted: interrupted, attempt: attempt)
        r.item.contentHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        r.installationID = installation
        return r
    }

    func creates(_ site: FakeWordPress) -> Int {
        site.requests.filter { $0.method == "POST" && $0.path == "/wp-json/wp/v2/posts" }.count
    }

    @Test func aSlowInsertLongerThanTheTimeoutEndsAsExactlyOnePost() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let portal = try portal(site, extra: [("timeout", "500ms")])
        site.slowNextCreates(by: .milliseconds(1500))
        guard case .retry(let error, _) = await portal.publish(ours(1)) else {
            Issue.record("expected a retry")
            return
        }
        #expect(error.errorClass == .uncertain)
        // The engine waits the settle time; by then the slow insert has landed.
        #expect(await eventually(limit: 10, every: .milliseconds(50)) { site.posts.count == 1 })
        let second = await portal.publish(ours(2))
        guard case .delivered(let result, let detail) = second else {
            Issue.record("expected delivered, got \(second)")
            return
        }
        #expect(result.remoteID == String(site.posts[0].id))
        #expect(detail?.hasPrefix("found by slug cchc-2026-11-0042; not re-posted") == true)
        #expect(site.posts.count == 1)
        #expect(creates(site) == 1)
    }

    @Test func anAnswerLostAfterTheInsertIsNeverPostedAgain() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let portal = try portal(site)
        // A first call leaves a kept-alive connection for the create to reuse: the case where libcurl
        // itself used to send the request again.
        _ = try await portal.check()
        site.loseAnswerOfNextCreate()
        guard case .retry(let error, _) = await portal.publish(ours(1)) else {
            Issue.record("expected a retry")
            return
        }
        #expect(error.errorClass == .uncertain)
        #expect(creates(site) == 1, "the transport must not send the create again")
        #expect(site.posts.count == 1)
        guard case .delivered(let result, _) = await portal.publish(ours(2)) else {
            Issue.record("expected delivered")
            return
        }
        #expect(result.remoteID == String(site.posts[0].id))
        #expect(creates(site) == 1)
        #expect(site.posts.count == 1)
    }

    @Test func aPostWithTheSameSlugFromAnotherInstallationIsNotAdopted() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        // A reinstall (or a second cchcd on the site) made cchc-2026-11-0042 for a different article.
        site.seedPost(
            title: "Bài khác", content: "<p>Bài cũ</p>\n<!-- cchc:0123456789ab:2026-11-0042:0000000000000000 -->",
            slug: "cchc-2026-11-0042")
        // And an editor's post with the slug and no mark at all.
        site.seedPost(title: "Bài tay", content: "<p>Soạn tay</p>", slug: "cchc-2026-11-0042-2")
        let portal = try portal(site)
        // Attempt 2 (attempt 1 failed before the server): the look-up must not take either for ours.
        let outcome = await portal.publish(ours(2))
        guard case .delivered(let result, let detail) = outcome else {
            Issue.record("expected delivered, got \(outcome)")
            return
        }
        let mine = try #require(site.posts.last)
        #expect(result.remoteID == String(mine.id))
        #expect(mine.slug == "cchc-2026-11-0042-3")
        #expect(mine.content.contains("<!-- cchc:a1b2c3d4e5f6:2026-11-0042:9f86d081884c7d65 -->"))
        #expect(detail?.contains("WordPress changed the slug to cchc-2026-11-0042-3") == true)
        #expect(site.posts.count == 3)
        #expect(site.posts.filter { $0.status == "trash" }.isEmpty, "nobody else's post is touched")
        // A later look-up finds ours under its renamed slug.
        guard case .delivered(let again, let note) = await portal.publish(ours(3, interrupted: true)) else {
            Issue.record("expected delivered")
            return
        }
        #expect(again.remoteID == String(mine.id))
        #expect(note?.hasPrefix("found by slug") == true)
        #expect(site.posts.count == 3)
    }

    @Test func aStoreRestoredFromAnOldBackupDoesNotAdoptThePostOfAReusedID() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let portal = try portal(site)
        // Same installation, same item id, another article (different content hash).
        var earlier = ours(1)
        earlier.item.contentHash = "1111111111111111111111111111111111111111111111111111111111111111"
        _ = await portal.publish(earlier)
        guard case .delivered(let result, _) = await portal.publish(ours(2)) else {
            Issue.record("expected delivered")
            return
        }
        #expect(site.posts.count == 2)
        #expect(result.remoteID == String(site.posts[1].id))
    }

    @Test func aCopyThatLandedLateIsMovedToTheTrashAndNamed() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let portal = try portal(site)
        guard case .delivered(let first, _) = await portal.publish(ours(1)) else {
            Issue.record("expected delivered")
            return
        }
        // The lost first send of a retried delivery landed after all, as WordPress's `-2`.
        let original = try #require(site.posts.first)
        site.seedPost(title: original.title, content: original.content, slug: original.slug + "-2")
        let outcome = await portal.publish(ours(2))
        guard case .delivered(let kept, let detail) = outcome else {
            Issue.record("expected delivered, got \(outcome)")
            return
        }
        #expect(kept == first)
        let copy = try #require(site.posts.last)
        #expect(copy.status == "trash")
        #expect(site.posts.first?.status == "publish")
        #expect(detail?.contains("a copy landed late and was moved to the trash: post \(copy.id)") == true)
    }

    @Test func a400WithA401InsideIsDeadCredentialsAndHaltsTheChannel() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let portal = try portal(site)
        // WordPress's answer to the status filter of the look-up when the password went bad between attempts.
        site.failNext(
            status: 400,
            body: #"""
                {"code":"rest_invalid_param","message":"Invalid parameter(s): status","data":{"status":400,"params":{"status":"Status is forbidden."},"details":{"status":{"code":"rest_forbidden_status","message":"Status is forbidden.","data":{"status":401}}}}}
                """#)
        let outcome = await portal.publish(ours(2))
        guard case .failed(let error) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(error.errorClass == .auth)
        #expect(error.haltsChannel)
        #expect(error.message.contains("rest_invalid_param"))
        #expect(site.posts.isEmpty)
        // An ordinary 400 is still a rejection of the content, not a halt.
        site.failNext(
            status: 400,
            body: #"{"code":"rest_invalid_param","message":"Invalid parameter(s): categories","data":{"status":400}}"#)
        guard case .failed(let rejected) = await portal.publish(ours(1)) else {
            Issue.record("expected failed")
            return
        }
        #expect(rejected.errorClass == .rejected)
        #expect(!rejected.haltsChannel)
    }

    @Test func titleAndExcerptAreSentAsTextNotMarkup() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        var r = ours(1)
        r.item.title = #"Thông báo "khẩn" & <quan trọng>"#
        r.item.summary = "A & B <i>nghiêng</i>"
        guard case .delivered = await (try portal(site)).publish(r) else {
            Issue.record("expected delivered")
            return
        }
        let post = try #require(site.posts.first)
        #expect(post.title == #"Thông báo "khẩn" &amp; &lt;quan trọng&gt;"#)
        #expect(post.excerpt == "A &amp; B &lt;i&gt;nghiêng&lt;/i&gt;")
    }

    @Test func theFeaturedImageIsAttachedToItsPostWithCaptionAndAltText() async throws {
        let site = try await FakeWordPress.start()
        defer { Task { try? await site.shutdown() } }
        let image = NSTemporaryDirectory() + "bia-\(UUID().uuidString.prefix(4)).jpg"
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).write(to: URL(fileURLWithPath: image))
        var r = ours(1)
        r.item.media = [MediaRef(path: image, caption: "Bộ phận một cửa & tiếp dân")]
        let outcome = await (try portal(site, extra: [("featured_media", "true")])).publish(r)
        guard case .delivered(_, let detail) = outcome else {
            Issue.record("expected delivered, got \(outcome)")
            return
        }
        let media = try #require(site.media.first)
        let post = try #require(site.posts.first)
        #expect(post.featuredMedia == media.id)
        #expect(media.post == post.id)
        #expect(media.caption == "Bộ phận một cửa &amp; tiếp dân")
        #expect(media.altText == "Bộ phận một cửa & tiếp dân")
        #expect(detail?.contains("image \(media.id) attached") == true)
    }
}
