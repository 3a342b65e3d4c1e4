import ChannelKit
import Foundation
import Testing
import TestSupport

@testable import Portal

@Suite struct GenericPortalTests {
    @Test func defaultJSONBodyHeadersAndPointers() async throws {
        let server = try await LoopbackHTTPServer.start { _ in
            .json(201, #"{"data":{"id":981,"link":"https://portal.example/tin/981"}}"#)
        }
        defer { Task { try? await server.shutdown() } }
        let portal = try makePortal([
            ("url", server.baseURL + "/api/news/{{topic}}"), ("headers", [("X-Site", "huyen")]),
            ("auth", [("kind", "bearer"), ("token_env", "PORTAL_TOKEN")] as [(String, Any)]),
            ("id_pointer", "/data/id"), ("url_pointer", "/data/link"),
        ])
        #expect(portal.traits.idempotent == false)
        let outcome = await portal.publish(request())
        #expect(
            outcome
                == .delivered(ChannelResult(remoteID: "981", url: "https://portal.example/tin/981"), detail: "HTTP 201")
        )

        let recorded = try #require(server.requests.first)
        #expect(recorded.method == "POST")
        #expect(recorded.path == "/api/news/tthc")
        #expect(recorded.header("Authorization") == "Bearer tok-123")
        #expect(recorded.header("X-Site") == "huyen")
        #expect(recorded.header("X-CCHC-Delivery") == "dlv-77")
        #expect(recorded.header("Idempotency-Key") == "dlv-77")
        #expect(recorded.header("Content-Type")?.hasPrefix("application/json") == true)
        let body = try #require(json(recorded.body))
        #expect(body["title"] as? String == item.title)
        #expect(body["summary"] as? String == "Một câu tóm tắt\ncho mạng xã hội.")
        #expect(body["id"] as? String == "2026-11-0042")
        #expect(body["unit"] as? String == "Sở Nội vụ")
        #expect(body["topic"] as? String == "tthc")
        #expect(body["publish_at"] as? String == "2026-11-25T08:00:00+07:00")
        #expect((body["content_html"] as? String)?.contains("<strong>bài viết</strong>") == true)
    }

    @Test func customJSONTemplateWithQuotesAndVietnameseIsValid() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .json(200, #"{"id":"a-1"}"#) }
        defer { Task { try? await server.shutdown() } }
        let portal = try makePortal([
            ("url", server.baseURL + "/n"),
            (
                "body",
                #"{"tieu_de": "{{title}}", "don_vi": "{{unit}}", "noi_dung": "{{body_text}}", "lien_ket": "{{after_url}}"}"#
            ),
            ("id_pointer", "/id"),
        ])
        var req = request()
        req.earlierResults = ["fb": ChannelResult(remoteID: "1", url: "https://fb.example/p?a=1&b=\"2\"")]
        let outcome = await portal.publish(req)
        #expect(outcome == .delivered(ChannelResult(remoteID: "a-1"), detail: "HTTP 200"))
        let recorded = try #require(server.requests.first)
        let body = try #require(json(recorded.body))
        #expect(body["tieu_de"] as? String == item.title)
        #expect(body["don_vi"] as? String == "Sở Nội vụ")
        #expect(body["lien_ket"] as? String == "https://fb.example/p?a=1&b=\"2\"")
        #expect((body["noi_dung"] as? String)?.contains("Nội dung bài viết & <số liệu>.") == true)
    }

    @Test func formBodyAndBasicAuth() async throws {
        let server = try await LoopbackHTTPServer.start { _ in
            StubResponse(status: 201, headers: [("Location", "https://portal.example/tin/5")], body: [])
        }
        defer { Task { try? await server.shutdown() } }
        let password = try writeSecret("mật-khẩu")
        let portal = try makePortal([
            ("url", server.baseURL + "/form"), ("method", "put"), ("body_format", "form"),
            ("auth", [("kind", "basic"), ("username", "cchc"), ("password_file", password)] as [(String, Any)]),
        ])
        let outcome = await portal.publish(request())
        #expect(outcome == .delivered(ChannelResult(url: "https://portal.example/tin/5"), detail: "HTTP 201"))
        let recorded = try #require(server.requests.first)
        #expect(recorded.method == "PUT")
        #expect(recorded.header("Content-Type")?.hasPrefix("application/x-www-form-urlencoded") == true)
        #expect(recorded.header("Authorization") == "Basic " + Data("cchc:mật-khẩu".utf8).base64EncodedString())
        let form = RecordedRequest.formDecode(recorded.bodyText)
        #expect(form["title"] == item.title)
        #expect(form["unit"] == "Sở Nội vụ")
        #expect(form["id"] == "2026-11-0042")
    }

    @Test(arguments: [
        (401, ChannelError.Class.auth, false),
        (403, .forbidden, false),
        (404, .rejected, false),
        (422, .rejected, false),
        (429, .throttled, true),
        (408, .throttled, true),
        (500, .server, true),
        (503, .server, true),
    ])
    func statusClassification(status: Int, errorClass: ChannelError.Class, retryable: Bool) async throws {
        let server = try await LoopbackHTTPServer.start { _ in
            .json(
                status, #"{"code":"rest_x","message":"thông báo lỗi","data":{"status":\#(status)}}"#,
                headers: [("Retry-After", "120")])
        }
        defer { Task { try? await server.shutdown() } }
        let portal = try makePortal([("url", server.baseURL + "/n")])
        let outcome = await portal.publish(request())
        switch outcome {
        case .retry(let error, let after):
            #expect(retryable)
            #expect(error.errorClass == errorClass)
            #expect(error.code == status)
            #expect(after == .seconds(120))
            #expect(error.message.contains("rest_x: thông báo lỗi"))
        case .failed(let error):
            #expect(!retryable)
            #expect(error.errorClass == errorClass)
            #expect(error.message.contains("rest_x: thông báo lỗi"))
        case .delivered:
            Issue.record("HTTP \(status) must not count as delivered")
        }
    }

    @Test func connectionRefusedIsARetryableNetworkError() async throws {
        let portal = try makePortal([("url", "http://127.0.0.1:\(closedPort())/n")])
        let outcome = await portal.publish(request())
        guard case .retry(let error, _) = outcome else {
            Issue.record("expected retry, got \(outcome)")
            return
        }
        #expect(error.errorClass == .network)
    }

    @Test func malformedSuccessBodyIsABadResponse() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .text(200, "<html>OK</html>") }
        defer { Task { try? await server.shutdown() } }
        let portal = try makePortal([("url", server.baseURL + "/n"), ("id_pointer", "/id")])
        guard case .retry(let error, _) = await portal.publish(request()) else {
            Issue.record("expected retry")
            return
        }
        #expect(error.errorClass == .badResponse)
        #expect(error.message.contains("duplicate"))
    }

    @Test func longErrorBodiesAreTruncated() async throws {
        let long = String(repeating: "x", count: 5000)
        let server = try await LoopbackHTTPServer.start { _ in .text(400, long) }
        defer { Task { try? await server.shutdown() } }
        let portal = try makePortal([("url", server.baseURL + "/n")])
        guard case .failed(let error) = await portal.publish(request()) else {
            Issue.record("expected failed")
            return
        }
        #expect(error.message.count < 400)
    }

    @Test func checkUsesCheckURL() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .text(200, "pong") }
        defer { Task { try? await server.shutdown() } }
        let portal = try makePortal([("url", server.baseURL + "/n"), ("check_url", server.baseURL + "/ping")])
        let text = try await portal.check()
        #expect(text.contains("200"))
        let without = try makePortal([("url", server.baseURL + "/n")])
        await #expect(throws: ChannelError.self) { try await without.check() }
    }

    @Test func validation() throws {
        let portal = try makePortal([("url", "https://portal.example/n")])
        var long = item
        long.title = String(repeating: "Tiêu đề ", count: 50)
        long.body = "  \n"
        let problems = portal.validate(long)
        #expect(problems.map(\.field).sorted() == ["body", "title"])
        #expect(portal.validate(item).isEmpty)
    }

    @Test func configErrors() throws {
        #expect(configError([("preset", "joomla")])?.path == "channels.portal.preset")
        #expect(configError([])?.path == "channels.portal.url")
        #expect(configError([("url", "ftp://x/")])?.path == "channels.portal.url")
        #expect(configError([("url", "https://x/{{#oops}}")])?.path == "channels.portal.url")
        #expect(configError([("url", "https://x/"), ("body", #"{"t": {{{title}}}}"#)])?.path == "channels.portal.body")
        #expect(configError([("url", "https://x/"), ("id_pointer", "id")])?.path == "channels.portal.id_pointer")
        #expect(configError([("url", "https://x/"), ("method", "GET")])?.path == "channels.portal.method")
        #expect(configError([("url", "https://x/"), ("colour", "red")])?.path == "channels.portal.colour")
        let inline = configError([
            ("url", "https://x/"), ("auth", [("kind", "bearer"), ("token", "abc")] as [(String, Any)]),
        ])
        #expect(inline?.path == "channels.portal.auth.token")
        #expect(inline?.message.contains("never written") == true)
        #expect(inline?.description.contains("abc") == false)
        #expect(
            configError([("url", "https://x/"), ("auth", [("kind", "bearer")] as [(String, Any)])])?.path
                == "channels.portal.auth.token")
        #expect(configError([("url", "https://x/"), ("idempotent", "true")]) == nil)
        #expect(try makePortal([("url", "https://x/"), ("idempotent", "true")]).traits.idempotent)
    }

    @Test func sampleConfigMentionsEveryPreset() {
        for key in [
            "preset: wordpress", "preset: generic", "preset: static", "password_file", "id_pointer", "url_pointer",
            "body_format", "check_url", "featured_media", "site_title", "base_url", "output", "idempotent",
        ] {
            #expect(PortalChannel.sampleConfig.contains(key), "\(key)")
        }
    }
}

@Suite struct PortalReadmeTests {
    @Test func readmeEmbedsTheSampleConfig() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Plugins/Portal/README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        #expect(text.contains(PortalChannel.sampleConfig))
    }
}
