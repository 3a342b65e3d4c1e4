import ChannelKit
import Foundation
import Logging
import Testing
import TestSupport

@testable import Portal

/// Starts one real WordPress for the suite it is attached to and stops it when the suite ends; the
/// suite's tests find it in ``RealWordPress/current``.
struct RealWordPressSite: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let site = try await RealWordPress.start()
        print("real WordPress at \(site.baseURL), started in \(site.startupSeconds) s")
        do {
            try await RealWordPress.$current.withValue(site) { try await function() }
        } catch {
            try? await site.stop()
            throw error
        }
        let stopping = ContinuousClock.now
        try await site.stop()
        print("real WordPress stopped in \(ContinuousClock.now - stopping)")
    }
}

extension Trait where Self == RealWordPressSite {
    static var realWordPress: RealWordPressSite { RealWordPressSite() }
}

/// Today's WordPress channel against a real WordPress (Debian's 6.1, Apache, MariaDB), and the site's
/// fault knobs seen at the HTTP level. Serialized: a fault applies to whichever post creation comes next.
@Suite(.realWordPress, .serialized) struct RealWordPressTests {
    var site: RealWordPress {
        get throws { try #require(RealWordPress.current, "the suite's trait starts the site") }
    }

    func portal(_ site: RealWordPress, password: String? = nil, extra: [(String, Any)] = []) throws -> PortalChannel {
        let secret = try writeSecret(password ?? site.applicationPassword)
        return try makePortal(
            [
                ("preset", "wordpress"), ("url", site.baseURL + "/"), ("username", site.username),
                ("password_file", secret), ("timeout", "20s"),
            ] + extra)
    }

    /// An item of its own for each test (the site is shared by the suite).
    func freshItem() -> ChannelItem {
        var fresh = item
        fresh.id = "2026-12-\(UUID().uuidString.prefix(8).lowercased())"
        return fresh
    }

    func slug(_ item: ChannelItem) -> String { "cchc-" + item.id }

    @Test func publishCreatesExactlyOnePost() async throws {
        let site = try site
        let category = try await site.createCategory("Cải cách hành chính")
        let fresh = freshItem()
        let creationsBefore = site.postCreations()
        let outcome = try await portal(site, extra: [("categories", [String(category)])]).publish(request(fresh))
        let posts = try await site.posts(slug: slug(fresh))
        #expect(posts.count == 1, "\(posts)")
        let post = try #require(posts.first)
        #expect(
            outcome
                == .delivered(ChannelResult(remoteID: String(post.id), url: post.link), detail: "created (HTTP 201)"))
        #expect(post.slug == slug(fresh))
        #expect(post.title == fresh.title)
        #expect(post.excerpt == fresh.summary)
        #expect(post.content.contains("<h2>Kết quả</h2>"))
        #expect(post.content.contains("<strong>bài viết</strong>"))
        #expect(post.status == "publish")
        #expect(post.author == site.username)
        #expect(post.categories == [category])
        #expect(post.link == site.baseURL + "/\(slug(fresh))/")
        // One POST reached WordPress, carrying the delivery id.
        #expect(site.postCreations() == creationsBefore + 1)
        let creations = site.requestLog().filter { $0.method == "POST" && $0.route == "/wp/v2/posts" }
        #expect(creations.last?.delivery == "dlv-77")
    }

    @Test func aDraftStaysADraft() async throws {
        let site = try site
        let fresh = freshItem()
        let outcome = try await portal(site, extra: [("status", "draft")]).publish(request(fresh))
        guard case .delivered = outcome else {
            Issue.record("expected delivered, got \(outcome)")
            return
        }
        let posts = try await site.posts(slug: slug(fresh))
        #expect(posts.map(\.status) == ["draft"])
        #expect(posts.first?.slug == slug(fresh))
    }

    @Test func featuredImageLandsInTheMediaLibrary() async throws {
        let site = try site
        let image = NSTemporaryDirectory() + "ảnh-bìa-\(UUID().uuidString.prefix(4)).png"
        try Data(onePixelPNG).write(to: URL(fileURLWithPath: image))
        defer { try? FileManager.default.removeItem(atPath: image) }
        var fresh = freshItem()
        fresh.media = [MediaRef(path: image, caption: "Ảnh")]
        let before = try await site.media().map(\.id)
        let outcome = try await portal(site, extra: [("featured_media", "true")]).publish(request(fresh))
        guard case .delivered = outcome else {
            Issue.record("expected delivered, got \(outcome)")
            return
        }
        let added = try await site.media().filter { !before.contains($0.id) }
        #expect(added.count == 1, "\(added)")
        let media = try #require(added.first)
        #expect(media.mimeType == "image/png")
        #expect(media.bytes == onePixelPNG.count)
        #expect(media.fileName?.hasPrefix("anh-bia-") == true)
        let post = try #require(try await site.posts(slug: slug(fresh)).first)
        #expect(post.featuredMedia == media.id)
    }

    @Test func checkNamesTheUserAndRefusesAWrongPassword() async throws {
        let site = try site
        #expect(try await portal(site).check() == "WordPress: Bot CCHC")
        let wrong = "abcd EFGH 1234 ijkl MNOP 5678"
        let refused = try portal(site, password: wrong)
        do {
            let answer = try await refused.check()
            Issue.record("a wrong password was accepted: \(answer)")
        } catch {
            #expect(error.errorClass == .auth, "\(error)")
            #expect(error.code == 401)
            #expect(!error.message.contains(wrong))
        }
    }

    @Test func retractionMovesThePostToTheTrash() async throws {
        let site = try site
        let fresh = freshItem()
        let portal = try portal(site)
        guard case .delivered(let result, _) = await portal.publish(request(fresh)) else {
            Issue.record("not published")
            return
        }
        let id = try #require(result.remoteID)
        let logger = Logger(label: "test")
        #expect(try await portal.retract(result, logger: logger) == "bài \(id) đã chuyển vào thùng rác của WordPress")
        let posts = try await site.posts(slug: slug(fresh))
        #expect(posts.count == 1)
        #expect(posts.first?.status == "trash")
        #expect(posts.first?.statusBeforeTrash == "publish")
        #expect(posts.first.map { String($0.id) } == id)
        // Again: WordPress answers 410 rest_already_trashed, which counts as taken down.
        #expect(try await portal.retract(result, logger: logger) == "bài \(id) đã ở trong thùng rác từ trước")
        // The trash, never a permanent delete.
        let deletes = site.requestLog().filter { $0.method == "DELETE" && $0.route == "/wp/v2/posts/\(id)" }
        #expect(deletes.count == 2)
        #expect(deletes.allSatisfy { $0.query["force"] == nil })
    }

    // MARK: The fault knobs, at the HTTP level (plain curl)

    @Test func slowInsertOutlastsTheClientTimeoutAndThePostStillAppears() async throws {
        let site = try site
        defer { try? site.clearFaults() }
        try site.setFault(.slowInsert(seconds: 4))
        let slug = "cchc-slow-\(UUID().uuidString.prefix(8).lowercased())"
        let started = ContinuousClock.now
        let answer = try await createWithCurl(site, slug: slug, delivery: "dlv-slow", timeout: 2)
        #expect(answer.exitCode == 28, "curl: \(answer)")  // CURLE_OPERATION_TIMEDOUT
        #expect(ContinuousClock.now - started < .seconds(4))
        #expect(try await site.posts(slug: slug).isEmpty)
        let posts = try await site.waitForPosts(slug: slug) { !$0.isEmpty }
        #expect(posts.count == 1)
        #expect(site.postCreations(delivery: "dlv-slow") == 1)
        #expect(site.firedFaults().last?.fault == "slow_insert")
    }

    @Test func lostAnswerClosesTheConnectionAfterTheInsertOnceOrAlways() async throws {
        let site = try site
        defer { try? site.clearFaults() }
        let slug = "cchc-lost-\(UUID().uuidString.prefix(8).lowercased())"
        try site.setFault(.lostAnswer)
        let lost = try await createWithCurl(site, slug: slug, delivery: "dlv-lost")
        #expect(lost.exitCode == 52, "curl: \(lost)")  // CURLE_GOT_NOTHING: "Empty reply from server"
        #expect(lost.status == 0)
        #expect(try await site.posts(slug: slug).count == 1)
        // Once: the next create gets its answer.
        let next = try await createWithCurl(site, slug: slug, delivery: "dlv-lost")
        #expect(next.exitCode == 0 && next.status == 201, "curl: \(next)")
        // Always: every create loses its answer until cleared.
        try site.setFault(.lostAnswer, .always)
        for _ in 0..<2 {
            let again = try await createWithCurl(site, slug: slug, delivery: "dlv-lost")
            #expect(again.exitCode == 52, "curl: \(again)")
        }
        try site.clearFaults()
        let cleared = try await createWithCurl(site, slug: slug, delivery: "dlv-lost")
        #expect(cleared.status == 201, "curl: \(cleared)")
        // Five creates, five posts (WordPress made the slug unique: slug, slug-2 …), five POSTs logged.
        let posts = try await site.posts(slug: slug)
        #expect(posts.count == 5, "\(posts.map(\.slug))")
        #expect(Set(posts.map(\.slug)).count == 5)
        #expect(site.postCreations(delivery: "dlv-lost") == 5)
        #expect(site.firedFaults().suffix(3).map(\.fault) == ["lost_answer", "lost_answer", "lost_answer"])
    }

    @Test func errorAfterInsertAnswers503WhileThePostExists() async throws {
        let site = try site
        defer { try? site.clearFaults() }
        let slug = "cchc-503-\(UUID().uuidString.prefix(8).lowercased())"
        try site.setFault(.errorAfterInsert(status: 503))
        let answer = try await createWithCurl(site, slug: slug, delivery: "dlv-503")
        #expect(answer.exitCode == 0)
        #expect(answer.status == 503)
        #expect(answer.body.contains("cchc_test_fault"))
        #expect(try await site.posts(slug: slug).map(\.slug) == [slug])
        let next = try await createWithCurl(site, slug: slug, delivery: "dlv-503")
        #expect(next.status == 201)
        #expect(try await site.posts(slug: slug).count == 2)
    }

    /// Issue 13's duplicate, at the HTTP level: on a reused keep-alive connection that dies before any
    /// answer byte, libcurl re-sends the POST on a fresh connection by itself ("Connection died, retrying
    /// a fresh connect"); the first POST had landed, so WordPress holds two posts and the client saw one 201.
    @Test func aLostAnswerOnAReusedConnectionMakesLibcurlPostTwice() async throws {
        let site = try site
        defer { try? site.clearFaults() }
        let slug = "cchc-reused-\(UUID().uuidString.prefix(8).lowercased())"
        try site.setFault(.lostAnswer)
        let auth = "\(site.username):\(site.applicationPassword)"
        let body = #"{"title":"Thử lỗi","content":"<p>Nội dung</p>","status":"publish","slug":"\#(slug)"}"#
        // Two requests in one curl run: the second reuses the first's connection.
        let r = try await offThePool {
            try runTool(
                "/usr/bin/env",
                [
                    "curl", "-sS", "-v", "--max-time", "20", "-u", auth, "-o", "/dev/null",
                    site.baseURL + "/wp-json/wp/v2/users/me", "--next",
                    "-u", auth, "-H", "Content-Type: application/json; charset=utf-8",
                    "-H", "X-CCHC-Delivery: dlv-reused", "--data-binary", body, "-o", "/dev/null",
                    "-w", "%{http_code}", site.baseURL + "/wp-json/wp/v2/posts",
                ])
        }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "201")
        #expect(r.stderr.contains("Re-using existing connection"))
        #expect(r.stderr.contains("Connection died, retrying a fresh connect"))
        #expect(site.postCreations(delivery: "dlv-reused") == 2)
        #expect(try await site.posts(slug: slug).map(\.slug) == [slug, slug + "-2"])
    }

    struct CurlAnswer: Sendable, CustomStringConvertible {
        var exitCode: Int32
        /// 0 when no answer came.
        var status: Int
        var body: String
        var stderr: String
        var description: String { "exit \(exitCode), HTTP \(status), \(body.prefix(200)) \(stderr)" }
    }

    /// `POST /wp-json/wp/v2/posts` with curl (one request, one connection: nothing retried).
    func createWithCurl(_ site: RealWordPress, slug: String, delivery: String, timeout: Int = 20) async throws
        -> CurlAnswer
    {
        let body = #"{"title":"Thử lỗi \#(slug)","content":"<p>Nội dung</p>","status":"publish","slug":"\#(slug)"}"#
        let arguments = [
            "curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--max-time", String(timeout),
            "-u", "\(site.username):\(site.applicationPassword)",
            "-H", "Content-Type: application/json; charset=utf-8", "-H", "X-CCHC-Delivery: \(delivery)",
            "--data-binary", body, site.baseURL + "/wp-json/wp/v2/posts",
        ]
        let r = try await offThePool { try runTool("/usr/bin/env", arguments) }
        var lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.popLast() ?? "") ?? 0
        return CurlAnswer(exitCode: r.status, status: status, body: lines.joined(separator: "\n"), stderr: r.stderr)
    }
}

/// A 1×1 PNG: WordPress checks that an upload really is the image its name says.
let onePixelPNG: [UInt8] = Array(
    Data(
        base64Encoded:
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )!)
