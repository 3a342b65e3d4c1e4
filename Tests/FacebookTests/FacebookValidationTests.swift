import ChannelKit
import Foundation
import Testing
import TestSupport
import Transport

@testable import Facebook

@Suite struct FacebookValidationTests {
    func channel(_ extra: [(String, Any)] = []) throws -> FacebookChannel {
        let section = try makeSection(
            [("page_id", "1234567890"), ("token_env", "FB_TOKEN")] + extra, path: "channels.fb",
            environment: facebookEnvironment)
        let channel = try FacebookChannel(
            name: "fb-sonoivu", section: section,
            context: ChannelContext(
                name: "fb-sonoivu", timeZone: .current, stateDirectory: NSTemporaryDirectory(),
                logger: .init(label: "t")),
            http: sharedHTTP)
        try section.finish()
        return channel
    }

    @Test func aGoodItemHasNoProblems() throws {
        var good = item
        good.media = [MediaRef(path: try writePhoto("a.jpg")), MediaRef(url: "https://x.example/b.PNG?v=2")]
        #expect(try channel().validate(good).isEmpty)
    }

    @Test func emptyAndTooLongMessages() throws {
        var empty = item
        empty.title = ""
        empty.summary = nil
        empty.body = "  "
        #expect(try channel().validate(empty).map(\.field) == ["body"])
        var long = item
        long.override = ["text": String(repeating: "ă", count: 63_000)]
        let problems = try channel().validate(long)
        #expect(problems.map(\.field) == ["overrides.fb-sonoivu.text"])
        #expect(problems.first?.message.contains("63000 ký tự") == true)
    }

    @Test func imagesTheirNumberTypeAndSize() throws {
        var many = item
        many.media = (0..<4).map { MediaRef(url: "https://x.example/\($0).jpg") }
        #expect(try channel([("max_photos", "3")]).validate(many).map(\.field) == ["media"])

        var wrong = item
        wrong.media = [MediaRef(path: try writePhoto("ke-hoach.pdf")), MediaRef(url: "ftp://x.example/a.jpg")]
        let problems = try channel().validate(wrong)
        #expect(problems.map(\.field) == ["media[0]", "media[1]"])
        #expect(problems[0].message.contains("ke-hoach.pdf"))

        var big = item
        big.media = [MediaRef(path: try writePhoto("lon.jpg", bytes: FacebookChannel.maxPhotoBytes + 1))]
        #expect(try channel().validate(big).first?.message.contains("4 MB") == true)

        var missing = item
        missing.media = [MediaRef(path: "/nonexistent/anh.jpg")]
        #expect(try channel().validate(missing).first?.field == "media[0]")
    }

    @Test func aRequiredLink() throws {
        let strict = try channel([("require_link", "true")])
        #expect(strict.validate(item).map(\.field) == ["overrides.fb-sonoivu.link"])
        var linked = item
        linked.override = ["link": "https://cchc.example.gov.vn/tin/1"]
        #expect(strict.validate(linked).isEmpty)
        linked.override = ["link": "cchc.example.gov.vn/tin/1"]
        #expect(strict.validate(linked).map(\.field) == ["overrides.fb-sonoivu.link"])
        // With link_from the engine's after: dependency supplies it.
        #expect(try channel([("require_link", "true"), ("link_from", "portal-tinh")]).validate(item).isEmpty)
    }

    @Test func marker() {
        #expect(FacebookChannel.marker(for: "2026-11-0042") == "#cchc_2026_11_0042")
        #expect(FacebookChannel.marker(for: "AbC") == "#cchc_abc")
        #expect(FacebookChannel.contains("x\n\n#cchc_1", marker: "#cchc_1"))
        #expect(FacebookChannel.contains("#cchc_1 và", marker: "#cchc_1"))
        #expect(!FacebookChannel.contains("#cchc_12", marker: "#cchc_1"))
        #expect(!FacebookChannel.contains("#cchc_1_2", marker: "#cchc_1"))
        #expect(FacebookChannel.contains("#cchc_12 #cchc_1", marker: "#cchc_1"))
    }

    @Test func configErrorsNameTheKey() throws {
        let token = ("token_env", "FB_TOKEN")
        #expect(configError([token])?.path == "channels.fb.page_id")
        #expect(configError([("page_id", "sonoivu"), token])?.path == "channels.fb.page_id")
        #expect(configError([("page_id", "1")])?.path == "channels.fb.token")
        #expect(configError([("page_id", "1"), ("token", "EAAx")])?.message.contains("never written") == true)
        #expect(configError([("page_id", "1"), token, ("api_version", "23")])?.path == "channels.fb.api_version")
        #expect(
            configError([("page_id", "1"), token, ("graph_url", "graph.facebook.com")])?.path == "channels.fb.graph_url"
        )
        #expect(
            configError([("page_id", "1"), token, ("app_secret_file", try writeSecret("s"))])?.path
                == "channels.fb.verify_token")
        #expect(configError([("page_id", "1"), token, ("message", "{{#title}")])?.path == "channels.fb.message")
        #expect(configError([("page_id", "1"), token, ("slow_down_at", "20")])?.path == "channels.fb.slow_down_at")
        #expect(configError([("page_id", "1"), token, ("colour", "blue")])?.path == "channels.fb.colour")
        #expect(configError([("page_id", "1"), token]) == nil)
    }

    @Test func usageHeaders() {
        var headers = Transport.HTTPHeaders()
        headers.add(name: "X-App-Usage", value: #"{"call_count":12,"total_time":30,"total_cputime":5}"#)
        headers.add(
            name: "x-business-use-case-usage",
            value:
                #"{"99":[{"type":"pages","call_count":96,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":0}]}"#
        )
        let usage = GraphUsage(headers: headers)
        #expect(usage.percent == 96)
        #expect(usage.regainAccess == nil)
        #expect(usage.hold(threshold: 97, maxPause: .seconds(600)) == nil)
        #expect(usage.hold(threshold: 80, maxPause: .seconds(60)) == .seconds(49))
        #expect(GraphUsage(percent: 100).hold(threshold: 80, maxPause: .seconds(60)) == .seconds(60))
        #expect(
            GraphUsage(percent: 10, regainAccess: .seconds(300)).hold(threshold: 80, maxPause: .seconds(60))
                == .seconds(300))
        var junk = Transport.HTTPHeaders()
        junk.add(name: "X-App-Usage", value: "not json")
        #expect(GraphUsage(headers: junk).percent == 0)
    }
}
