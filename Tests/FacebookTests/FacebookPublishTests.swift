import ChannelKit
import Foundation
import Testing
import TestSupport

@testable import Facebook

@Suite struct FacebookPublishTests {
    @Test func textPostWithTheExactParameters() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        #expect(!channel.traits.idempotent)
        #expect(channel.traits.supportsRetraction)
        let outcome = await channel.publish(request())
        let post = try #require(graph.livePosts.first)
        #expect(
            outcome
                == .delivered(
                    ChannelResult(
                        remoteID: post.id,
                        url: "https://www.facebook.com/1234567890/posts/\(post.id.split(separator: "_")[1])"),
                    detail: "posted (HTTP 200)"))
        let sent = try #require(posts(graph).first)
        #expect(sent.path == "/v23.0/1234567890/feed")
        #expect(
            sent.params == [
                "message": "\(item.title)\n\n\(item.summary!)\n\n#cchc_2026_11_0042",
                "access_token": graph.token,
            ])
        // The token is a body parameter, never in the URL.
        #expect(graph.requests.allSatisfy { !$0.uri.contains(graph.token) })
        #expect(graph.requests.first?.header("Content-Type") == "application/x-www-form-urlencoded")
    }

    @Test func linkPostTakesThePortalArticleURL() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph, extra: [("link_from", "portal-tinh")])
        let article = "https://cchc.example.gov.vn/?p=42&lang=vi"
        let outcome = await channel.publish(
            request(results: [
                "portal-tinh": ChannelResult(remoteID: "42", url: article),
                "other": ChannelResult(url: "https://x.example/"),
            ]))
        guard case .delivered = outcome else {
            Issue.record("expected delivered, got \(outcome)")
            return
        }
        let sent = try #require(posts(graph).first)
        #expect(sent.params["link"] == article)
        #expect(sent.params["message"]?.hasSuffix("#cchc_2026_11_0042") == true)
        #expect(graph.livePosts.first?.link == article)
    }

    @Test func linkDefaultsToTheEarlierResultAndOverridesWin() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        var custom = item
        custom.override = ["text": "Văn bản riêng cho Facebook 🎉"]
        _ = await channel.publish(request(custom, results: ["portal-tinh": ChannelResult(url: "https://p.example/a")]))
        let sent = try #require(posts(graph).first)
        #expect(sent.params["link"] == "https://p.example/a")
        #expect(sent.params["message"] == "Văn bản riêng cho Facebook 🎉\n\n#cchc_2026_11_0042")
    }

    @Test func messageTemplate() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph, extra: [("message", "[{{topic_label}}] {{title}}")])
        _ = await channel.publish(request())
        #expect(
            posts(graph).first?.params["message"]
                == "[Cải cách thủ tục hành chính] \(item.title)\n\n#cchc_2026_11_0042")
    }

    @Test func linkFromWithoutItsResultFailsWithAConfigError() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph, extra: [("link_from", "portal-tinh")])
        let outcome = await channel.publish(request())
        guard case .failed(let error) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(error.errorClass == .config)
        #expect(error.message.contains("after: portal-tinh"))
        #expect(graph.requests.isEmpty)
    }

    @Test func singlePhotoByURL() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        var photoItem = item
        photoItem.media = [MediaRef(url: "https://cchc.example.gov.vn/anh/bia.jpg", caption: "Bộ phận một cửa")]
        let outcome = await channel.publish(
            request(photoItem, results: ["portal-tinh": ChannelResult(url: "https://p.example/a")]))
        let post = try #require(graph.livePosts.first)
        #expect(
            outcome
                == .delivered(
                    ChannelResult(remoteID: post.id, url: channel.postURL(post.id)), detail: "posted (HTTP 200)"))
        let sent = try #require(posts(graph).first)
        #expect(sent.path == "/v23.0/1234567890/photos")
        #expect(
            sent.params == [
                "url": "https://cchc.example.gov.vn/anh/bia.jpg",
                // A photo post has no link parameter: the link goes into the caption.
                "caption": "\(item.title)\n\n\(item.summary!)\n\nhttps://p.example/a\n\n#cchc_2026_11_0042",
                "access_token": graph.token,
            ])
    }

    @Test func singlePhotoUploadedAsBytes() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        let path = try writePhoto("ảnh bìa.png", bytes: 5000)
        var photoItem = item
        photoItem.media = [MediaRef(path: path)]
        let outcome = await channel.publish(request(photoItem))
        guard case .delivered = outcome else {
            Issue.record("expected delivered, got \(outcome)")
            return
        }
        let photo = try #require(graph.photos.first)
        #expect(photo.byteCount == 5000)
        #expect(photo.fileName == "anh-bia.png")
        #expect(photo.contentType == "image/png")
        #expect(photo.published)
        let sent = try #require(posts(graph).first)
        #expect(sent.params["source"] == "<5000 bytes>")
        #expect(sent.params["access_token"] == graph.token)
        #expect(sent.params["caption"]?.hasSuffix("#cchc_2026_11_0042") == true)
    }

    @Test func severalPhotosAreUploadedUnpublishedThenAttached() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        var album = item
        album.media = [
            MediaRef(url: "https://cchc.example.gov.vn/a.jpg", caption: "Một"),
            MediaRef(path: try writePhoto("b.jpg")),
            MediaRef(url: "https://cchc.example.gov.vn/c.webp"),
        ]
        let outcome = await channel.publish(request(album))
        let sent = posts(graph)
        try #require(sent.count == 4)
        #expect(sent[0].path == "/v23.0/1234567890/photos")
        #expect(
            sent[0].params == [
                "url": "https://cchc.example.gov.vn/a.jpg", "published": "false", "caption": "Một",
                "access_token": graph.token,
            ])
        #expect(sent[1].params["published"] == "false")
        #expect(sent[1].params["source"] == "<2048 bytes>")
        #expect(
            sent[2].params == [
                "url": "https://cchc.example.gov.vn/c.webp", "published": "false", "access_token": graph.token,
            ])
        let ids = graph.photos.map(\.id)
        #expect(graph.photos.allSatisfy { !$0.published })
        #expect(sent[3].path == "/v23.0/1234567890/feed")
        #expect(
            sent[3].params == [
                "message": "\(item.title)\n\n\(item.summary!)\n\n#cchc_2026_11_0042",
                "attached_media[0]": #"{"media_fbid":"\#(ids[0])"}"#,
                "attached_media[1]": #"{"media_fbid":"\#(ids[1])"}"#,
                "attached_media[2]": #"{"media_fbid":"\#(ids[2])"}"#,
                "access_token": graph.token,
            ])
        let post = try #require(graph.livePosts.first)
        #expect(post.photoIDs == ids)
        #expect(
            outcome
                == .delivered(
                    ChannelResult(remoteID: post.id, url: channel.postURL(post.id)), detail: "posted (HTTP 200)"))
    }

    @Test(arguments: [4, 32, 613])
    func throttlingBacksOffThenSucceeds(code: Int) async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph, extra: [("throttle_wait", "2m")])
        graph.failNext(FakeGraphAPI.Failure(status: code == 4 ? 403 : 400, code: code))
        let first = await channel.attempt(request())
        #expect(first.outcome.isRetry(class: .throttled, after: .seconds(120)))
        #expect(first.hold == .seconds(120))
        #expect(graph.livePosts.isEmpty)
        let second = await channel.attempt(request(attempt: 2))
        guard case .delivered = second.outcome else {
            Issue.record("expected delivered, got \(second.outcome)")
            return
        }
        #expect(graph.livePosts.count == 1)
    }

    @Test func throttlingWaitsTheAnnouncedTimeToRegainAccess() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        graph.failNext(
            FakeGraphAPI.Failure(
                code: 32,
                headers: [
                    (
                        "X-Business-Use-Case-Usage",
                        #"{"1234567890":[{"type":"pages","call_count":100,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":7}]}"#
                    )
                ]))
        let first = await channel.attempt(request())
        #expect(first.outcome.isRetry(class: .throttled, after: .seconds(7 * 60)))
        #expect(first.hold == .seconds(7 * 60))
    }

    @Test func expiredTokenFailsWithAnOperatorMessage() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        graph.failNext(FakeGraphAPI.Failure(code: 190, subcode: 463))
        let outcome = await channel.publish(request())
        guard case .failed(let error) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(error.errorClass == .auth)
        #expect(error.code == 190)
        #expect(error.message.hasPrefix("page token expired — replace the secret and reload"))
        #expect(error.haltsChannel)
        #expect(!error.message.contains(graph.token))
    }

    @Test func aWrongTokenIsATokenError() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph, token: "EAAsomethingElse")
        let outcome = await channel.publish(request())
        guard case .failed(let error) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(error.errorClass == .auth)
        #expect(error.message.contains("replace the secret and reload"))
        #expect(!error.message.contains("EAAsomethingElse"))
    }

    @Test(arguments: [10, 200, 299])
    func permissionErrorsArePermanent(code: Int) async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        graph.failNext(FakeGraphAPI.Failure(status: 403, code: code))
        let outcome = await channel.publish(request())
        guard case .failed(let error) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(error.errorClass == .forbidden)
        #expect(!error.haltsChannel)
        #expect(error.code == code)
        #expect(error.message.contains("fbtrace_id"))
    }

    @Test func duplicateIsDeliveredAndFindsThePostByItsMarker() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        let existing = graph.addPost(message: "Tin cũ\n\n#cchc_2026_11_0042")
        graph.failNext(FakeGraphAPI.Failure(code: 506))
        let outcome = await channel.publish(request())
        #expect(
            outcome
                == .delivered(
                    ChannelResult(remoteID: existing, url: channel.postURL(existing)),
                    detail: "Facebook refused it as a duplicate (506): already published; found by marker"))
        #expect(graph.livePosts.count == 1)
    }

    @Test func duplicateWithoutAFindablePostIsStillDelivered() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        graph.failNext(FakeGraphAPI.Failure(code: 506))
        let outcome = await channel.publish(request())
        #expect(
            outcome
                == .delivered(ChannelResult(), detail: "Facebook refused it as a duplicate (506): already published"))
    }

    @Test func serverErrorThenSuccessDeliversOnce() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        graph.failNext(FakeGraphAPI.Failure(status: 500, code: 1, type: "FacebookApiException"))
        let first = await channel.publish(request())
        #expect(first.isRetry(class: .server, after: nil))
        let second = await channel.publish(request(attempt: 2))
        guard case .delivered(_, let detail) = second else {
            Issue.record("expected delivered, got \(second)")
            return
        }
        #expect(detail == "posted (HTTP 200)")
        #expect(graph.livePosts.count == 1)
        // The retry looked for the marker first.
        #expect(graph.requests.map(\.method) == ["POST", "GET", "POST"])
    }

    @Test func aLostAnswerIsFoundByTheMarkerOnTheRetry() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        graph.loseNextAnswer(status: 500)
        let first = await channel.publish(request())
        #expect(first.isRetry(class: .server, after: nil))
        #expect(graph.livePosts.count == 1)  // it was created anyway
        let second = await channel.publish(request(attempt: 2))
        let post = try #require(graph.livePosts.first)
        #expect(
            second
                == .delivered(
                    ChannelResult(remoteID: post.id, url: channel.postURL(post.id)),
                    detail: "found by marker #cchc_2026_11_0042; not re-posted"))
        #expect(graph.livePosts.count == 1)
    }

    @Test func anInterruptedSendIsResolvedByTheMarkerCheck() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        // Another item's marker that starts the same must not match.
        graph.addPost(message: "Khác\n\n#cchc_2026_11_00421")
        let outcome = await channel.publish(request(interrupted: true))
        guard case .delivered(_, let detail) = outcome else {
            Issue.record("expected delivered, got \(outcome)")
            return
        }
        #expect(detail == "posted (HTTP 200)")
        #expect(graph.livePosts.count == 2)
        let lookup = try #require(graph.requests.first)
        #expect(lookup.method == "GET")
        #expect(lookup.path == "/v23.0/1234567890/posts")
        #expect(lookup.query["fields"] == "id,message,created_time")
        #expect(lookup.query["access_token"] == nil)
        #expect(lookup.header("Authorization") == "Bearer \(graph.token)")
    }

    @Test func aResendAfterAnInterruptionFindsThePostAndDoesNotPostAgain() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        // The daemon died after Graph made the post; the officer resolved the uncertain delivery with --resend.
        let made = graph.addPost(message: "\(item.title)\n\n#cchc_2026_11_0042")
        let outcome = await channel.publish(request(attempt: 2, interrupted: true))
        #expect(
            outcome
                == .delivered(
                    ChannelResult(remoteID: made, url: channel.postURL(made)),
                    detail: "found by marker #cchc_2026_11_0042; not re-posted"))
        #expect(graph.requests.map(\.method) == ["GET"])
        #expect(graph.livePosts.count == 1)
    }

    @Test func aFailedMarkerLookupIsRetriedWithoutPosting() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        graph.failNext(FakeGraphAPI.Failure(status: 500, code: 2, type: "FacebookApiException"))
        let outcome = await channel.publish(request(attempt: 2, interrupted: true))
        #expect(outcome.isRetry(class: .server, after: nil))
        #expect(graph.requests.map(\.method) == ["GET"])
        #expect(graph.livePosts.isEmpty)
    }

    @Test func networkFailureIsRetried() async throws {
        let graph = try await FakeGraphAPI.start()
        let url = graph.baseURL
        try await graph.shutdown()
        let section = try makeSection(
            [("page_id", "1"), ("graph_url", url), ("token_env", "FB_TOKEN")], path: "channels.fb",
            environment: facebookEnvironment)
        let channel = try FacebookChannel(
            name: "fb", section: section,
            context: ChannelContext(
                name: "fb", timeZone: .current, stateDirectory: NSTemporaryDirectory(), logger: .init(label: "t")),
            http: sharedHTTP)
        let outcome = await channel.publish(request())
        #expect(outcome.isRetry(class: .network, after: nil))
    }

    @Test func usageNearTheLimitAsksForAHold() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph, extra: [("slow_down_at", "80"), ("slow_down_max", "10m")])
        graph.setUsage([("X-App-Usage", #"{"call_count":95,"total_time":12,"total_cputime":3}"#)])
        let result = await channel.attempt(request())
        guard case .delivered = result.outcome else {
            Issue.record("expected delivered, got \(result.outcome)")
            return
        }
        // (95 - 80 + 1) / (100 - 80 + 1) of 10 minutes, rounded up to the second.
        #expect(result.hold == .seconds(458))
        graph.setUsage([("X-Page-Usage", #"{"call_count":40,"total_time":12,"total_cputime":3}"#)])
        var other = item
        other.id = "2026-11-0043"
        #expect(await channel.attempt(request(other)).hold == nil)
    }

    @Test func checkReportsThePageName() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        #expect(try await channel.check() == "trang Sở Nội vụ tỉnh Sơn La (id 1234567890)")
        let get = try #require(graph.requests.first)
        #expect(get.path == "/v23.0/1234567890")
        #expect(get.query["fields"] == "id,name")
        let bad = try makeChannel(graph, token: "EAAwrong")
        await #expect(throws: ChannelError.self) { try await bad.check() }
    }

    @Test func retractionDeletesThePost() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        guard case .delivered(let result, _) = await channel.publish(request()) else {
            Issue.record("not delivered")
            return
        }
        let note = try await channel.retract(result, logger: .init(label: "test"))
        #expect(note == "đã xoá bài \(result.remoteID!)")
        #expect(graph.livePosts.isEmpty)
        let delete = try #require(graph.requests.last)
        #expect(delete.method == "DELETE")
        #expect(delete.path == "/v23.0/\(result.remoteID!)")
        // Deleting again: it no longer exists, which is what was wanted.
        #expect(
            try await channel.retract(result, logger: .init(label: "test"))
                == "bài \(result.remoteID!) không còn trên trang (đã bị xoá trước đó)")
        // A delivery without a post id, and an expired token, are errors.
        await #expect(throws: ChannelError.self) {
            try await channel.retract(ChannelResult(), logger: .init(label: "t"))
        }
        graph.failNext(FakeGraphAPI.Failure(code: 190, subcode: 463))
        let other = graph.addPost(message: "x")
        do {
            _ = try await channel.retract(ChannelResult(remoteID: other), logger: .init(label: "t"))
            Issue.record("expected a token error")
        } catch {
            #expect(error.errorClass == .auth)
        }
        #expect(graph.livePosts.map(\.id) == [other])
    }
}

extension PublishOutcome {
    func isRetry(class errorClass: ChannelError.Class, after: Duration?) -> Bool {
        guard case .retry(let error, let wait) = self else { return false }
        return error.errorClass == errorClass && wait == after
    }
}
