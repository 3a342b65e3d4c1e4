import ChannelKit
import Foundation
import Testing
import TestSupport

@testable import Facebook

/// A Page feed delivery as Facebook sends it: a comment on our post and a reaction to it.
let feedPayload = """
    {"object":"page","entry":[{"id":"1234567890","time":1795568400,"changes":[\
    {"field":"feed","value":{"from":{"id":"24242424","name":"Nguyễn Văn B"},"post_id":"1234567890_1001",\
    "comment_id":"1001_5555","created_time":1795568399,"item":"comment","parent_id":"1234567890_1001",\
    "verb":"add","message":"Thủ tục này nộp ở đâu ạ?"}},\
    {"field":"feed","value":{"from":{"id":"31313131","name":"Trần Thị C"},"post_id":"1234567890_1001",\
    "created_time":1795568398,"item":"reaction","parent_id":"1234567890_1001","reaction_type":"love","verb":"add"}}]}]}
    """

let messagePayload = """
    {"object":"page","entry":[{"id":"1234567890","time":1795568400123,"messaging":[\
    {"sender":{"id":"7777"},"recipient":{"id":"1234567890"},"timestamp":1795568400000,\
    "message":{"mid":"m_abc123","text":"Xin hỏi giờ làm việc"}},\
    {"sender":{"id":"1234567890"},"recipient":{"id":"7777"},"timestamp":1795568401000,\
    "message":{"mid":"m_echo","text":"Trả lời","is_echo":true}}]}]}
    """

func signed(_ body: String, secret: String = appSecret) -> InboundRequest {
    InboundRequest(
        method: .post, path: "/webhooks/facebook/fb-sonoivu",
        headers: [
            ("Content-Type", "application/json"),
            ("X-Hub-Signature-256", FacebookWebhook.signature(Array(body.utf8), secret: secret)),
        ], body: Array(body.utf8))
}

@Suite struct FacebookWebhookTests {
    func webhook() async throws -> (FacebookChannel, FacebookWebhook, FakeGraphAPI) {
        let graph = try await FakeGraphAPI.start()
        let channel = try makeChannel(graph)
        return (channel, try #require(channel.webhook), graph)
    }

    @Test func routeIsTheConventionalPath() async throws {
        let (channel, _, graph) = try await webhook()
        defer { Task { try? await graph.shutdown() } }
        #expect(channel.inboundRoutes.map(\.path) == ["/webhooks/facebook/fb-sonoivu"])
        #expect(channel.inboundRoutes.first?.maxBodyBytes == 1 << 20)
        // Without app_secret and verify_token the channel serves no route.
        let plain = try FacebookChannel(
            name: "fb",
            section: try makeSection(
                [("page_id", "1"), ("token_env", "FB_TOKEN")], path: "channels.fb", environment: facebookEnvironment),
            context: ChannelContext(name: "fb", timeZone: .current, stateDirectory: "/tmp", logger: .init(label: "t")),
            http: sharedHTTP)
        #expect(plain.inboundRoutes.isEmpty)
    }

    @Test func verificationHandshake() async throws {
        let (_, hook, graph) = try await webhook()
        defer { Task { try? await graph.shutdown() } }
        let right = InboundRequest(
            method: .get, path: hook.path,
            query: "hub.mode=subscribe&hub.verify_token=\(verifyToken)&hub.challenge=1158201444")
        #expect(hook.handle(right).response == .text(200, "1158201444"))
        let wrong = InboundRequest(
            method: .get, path: hook.path, query: "hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444")
        #expect(hook.handle(wrong).response.status == 403)
        #expect(!String(decoding: hook.handle(wrong).response.body, as: UTF8.self).contains("1158201444"))
        let script = InboundRequest(
            method: .get, path: hook.path,
            query:
                "hub.mode=subscribe&hub.verify_token=\(verifyToken)&hub.challenge=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        #expect(hook.handle(script).response.status == 400)
        let noMode = InboundRequest(
            method: .get, path: hook.path, query: "hub.verify_token=\(verifyToken)&hub.challenge=1")
        #expect(hook.handle(noMode).response.status == 403)
    }

    @Test func aSignedFeedPayloadBecomesEvents() async throws {
        let (_, hook, graph) = try await webhook()
        defer { Task { try? await graph.shutdown() } }
        let handled = hook.handle(signed(feedPayload))
        #expect(handled.response.status == 200)
        #expect(
            handled.events == [
                InboundEvent(
                    kind: "comment", key: "comment:add:1001_5555",
                    occurredAt: Date(timeIntervalSince1970: 1_795_568_399),
                    remoteRef: "1234567890_1001", senderID: "24242424", text: "Thủ tục này nộp ở đâu ạ?", detail: "add"),
                InboundEvent(
                    kind: "reaction", key: "reaction:add:1234567890_1001:31313131:love:1795568398",
                    occurredAt: Date(timeIntervalSince1970: 1_795_568_398), remoteRef: "1234567890_1001",
                    senderID: "31313131", text: nil, detail: "add love"),
            ])
        // A redelivery carries the same keys: the store keeps each event once.
        #expect(hook.handle(signed(feedPayload)).events.map(\.key) == handled.events.map(\.key))
    }

    @Test func messagesWithoutOurEchoes() async throws {
        let (_, hook, graph) = try await webhook()
        defer { Task { try? await graph.shutdown() } }
        let events = hook.handle(signed(messagePayload)).events
        #expect(
            events == [
                InboundEvent(
                    kind: "message", key: "message:m_abc123", occurredAt: Date(timeIntervalSince1970: 1_795_568_400),
                    remoteRef: nil, senderID: "7777", text: "Xin hỏi giờ làm việc", detail: nil)
            ])
    }

    @Test func wrongMissingAndReserialisedSignaturesAreRefused() async throws {
        let (_, hook, graph) = try await webhook()
        defer { Task { try? await graph.shutdown() } }
        // Signed with another secret.
        let wrong = hook.handle(signed(feedPayload, secret: "not-the-app-secret"))
        #expect(wrong.response.status == 401)
        #expect(wrong.events.isEmpty)
        // No header at all.
        var missing = signed(feedPayload)
        missing.headers.removeAll { $0.name == "X-Hub-Signature-256" }
        #expect(hook.handle(missing).response.status == 401)
        // Signed over the JSON as re-serialised (keys sorted, escapes changed), sent as received.
        let object = try JSONSerialization.jsonObject(with: Data(feedPayload.utf8))
        let reserialised = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        #expect(Array(reserialised) != Array(feedPayload.utf8))
        var tampered = signed(feedPayload)
        tampered.headers = [
            ("X-Hub-Signature-256", FacebookWebhook.signature(Array(reserialised), secret: appSecret))
        ]
        #expect(hook.handle(tampered).response.status == 401)
        // The sha1 header of the old scheme alone is not enough; malformed values are refused.
        for value in ["sha1=" + String(repeating: "0", count: 40), "sha256=zz", "sha256=", "garbage"] {
            var bad = signed(feedPayload)
            bad.headers = [("X-Hub-Signature-256", value)]
            #expect(hook.handle(bad).response.status == 401, "\(value)")
        }
        // A body changed by one byte after signing.
        var changed = signed(feedPayload)
        changed.body[changed.body.count - 3] ^= 1
        #expect(hook.handle(changed).response.status == 401)
        // Uppercase hex is the same signature.
        var upper = signed(feedPayload)
        upper.headers = [("x-hub-signature-256", "sha256=" + upper.headers[1].value.dropFirst(7).uppercased())]
        #expect(hook.handle(upper).response.status == 200)
    }

    @Test func anOversizedBodyIsRefused() async throws {
        let (_, hook, graph) = try await webhook()
        defer { Task { try? await graph.shutdown() } }
        let big = #"{"object":"page","entry":[],"pad":""# + String(repeating: "x", count: hook.maxBodyBytes) + #""}"#
        let handled = hook.handle(signed(big))
        #expect(handled.response.status == 413)
        #expect(handled.events.isEmpty)
    }

    @Test func signedButNotUnderstoodIsAcceptedWithoutEvents() async throws {
        let (_, hook, graph) = try await webhook()
        defer { Task { try? await graph.shutdown() } }
        let handled = hook.handle(signed(#"{"object":"instagram","entry":[]}"#))
        #expect(handled.response.status == 200)
        #expect(handled.events.isEmpty)
    }
}
