import ChannelKit
import Crypto
import Foundation
import Testing
import TestSupport

@testable import Zalo

@Suite struct ZaloWebhookTests {
    static let body = Array(
        #"{"app_id":"4321","user_id_by_app":"55","event_name":"user_send_text","timestamp":"1763800000000","sender":{"id":"246810"},"recipient":{"id":"9876"},"message":{"msg_id":"m-0001","text":"Cho tôi hỏi thủ tục cấp đổi căn cước?"}}"#
            .utf8)

    /// The signature as Zalo computes it: plain SHA-256 (no HMAC) of app_id + body + timestamp + OA secret key.
    static func mac(
        _ body: [UInt8], appID: String = "4321", timestamp: String = "1763800000000", key: String = "oa-secret-key-xyz"
    )
        -> String
    {
        SHA256.hash(data: Array(appID.utf8) + body + Array(timestamp.utf8) + Array(key.utf8)).map {
            String(format: "%02x", $0)
        }.joined()
    }

    func post(_ channel: ZaloChannel, body: [UInt8], signature: String?) async -> InboundResponse {
        let route = channel.inboundRoutes[0]
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        if let signature { headers.append(("X-ZEvent-Signature", signature)) }
        return await route.handle(InboundRequest(method: .post, path: route.path, headers: headers, body: body))
    }

    @Test func validSignaturesWithAndWithoutMacPrefixAreAccepted() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        let channel = try f.channel()
        let route = try #require(channel.inboundRoutes.first)
        #expect(route.path == "/webhooks/zalo/zalo-oa")
        #expect(route.methods == [.post])

        for signature in ["mac=" + Self.mac(Self.body), Self.mac(Self.body), "MAC=" + Self.mac(Self.body).uppercased()]
        {
            let answer = await post(channel, body: Self.body, signature: signature)
            #expect(answer.status == 200, "\(signature.prefix(4))")
            #expect(
                answer.events == [
                    InboundEvent(
                        kind: "message", key: "msg:m-0001", occurredAt: Date(timeIntervalSince1970: 1_763_800_000),
                        senderID: "246810", text: "Cho tôi hỏi thủ tục cấp đổi căn cước?", detail: "user_send_text")
                ])
        }
    }

    @Test func wrongMissingAndBodyAlteredSignaturesAreRejected() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        let channel = try f.channel()
        let good = Self.mac(Self.body)
        // Missing.
        var answer = await post(channel, body: Self.body, signature: nil)
        #expect(answer.status == 401 && answer.events.isEmpty)
        // Wrong key.
        answer = await post(channel, body: Self.body, signature: "mac=" + Self.mac(Self.body, key: "another-key"))
        #expect(answer.status == 401 && answer.events.isEmpty)
        // Garbage and a truncated signature.
        answer = await post(channel, body: Self.body, signature: "mac=deadbeef")
        #expect(answer.status == 401)
        answer = await post(channel, body: Self.body, signature: "mac=" + String(good.dropLast()))
        #expect(answer.status == 401)
        // The body altered after signing (one character of the citizen's message).
        var altered = Self.body
        let index = try #require(altered.lastIndex(of: UInt8(ascii: "?")))
        altered[index] = UInt8(ascii: "!")
        answer = await post(channel, body: altered, signature: "mac=" + good)
        #expect(answer.status == 401 && answer.events.isEmpty)
        // The HMAC some platforms use is not Zalo's signature.
        let hmac = HMAC<SHA256>.authenticationCode(
            for: Array("4321".utf8) + Self.body + Array("1763800000000".utf8),
            using: SymmetricKey(data: Array("oa-secret-key-xyz".utf8))
        ).map { String(format: "%02x", $0) }.joined()
        answer = await post(channel, body: Self.body, signature: "mac=" + hmac)
        #expect(answer.status == 401)
        // Another app's event, even correctly signed with our key, is refused.
        let other = Array(
            String(decoding: Self.body, as: UTF8.self).replacingOccurrences(of: "\"4321\"", with: "\"1111\"").utf8)
        answer = await post(channel, body: other, signature: Self.mac(other, appID: "1111"))
        #expect(answer.status == 401)
        // Not JSON.
        answer = await post(channel, body: Array("app_id=4321".utf8), signature: good)
        #expect(answer.status == 400)
        // Nothing of the body or signature is logged.
        #expect(!f.logs.text.contains("căn cước") && !f.logs.text.contains(good))
        #expect(f.logs.text.contains("Zalo webhook refused"))
    }

    @Test func followsUnfollowsAndReactionsBecomeEventsWithStableKeys() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        let channel = try f.channel()
        let follow = Array(
            #"{"app_id":"4321","oa_id":"9876","event_name":"follow","timestamp":1763800001000,"follower":{"id":"135"},"source":"oa_profile"}"#
                .utf8)
        var answer = await post(channel, body: follow, signature: "mac=" + Self.mac(follow, timestamp: "1763800001000"))
        #expect(answer.status == 200)
        #expect(answer.events.map(\.kind) == ["follow"])
        #expect(answer.events.first?.key == "follow:135:1763800001000")
        #expect(answer.events.first?.senderID == "135" && answer.events.first?.text == nil)
        let unfollow = Array(
            #"{"app_id":"4321","oa_id":"9876","event_name":"unfollow","timestamp":"1763800002000","follower":{"id":"135"}}"#
                .utf8)
        answer = await post(channel, body: unfollow, signature: Self.mac(unfollow, timestamp: "1763800002000"))
        #expect(answer.events.map(\.kind) == ["unfollow"])
        let image = Array(
            #"{"app_id":"4321","event_name":"user_send_image","timestamp":"1763800003000","sender":{"id":"7"},"recipient":{"id":"9876"},"message":{"msg_id":"m-2","attachments":[]}}"#
                .utf8)
        answer = await post(channel, body: image, signature: Self.mac(image, timestamp: "1763800003000"))
        #expect(answer.events.map(\.kind) == ["message"])
        #expect(answer.events.first?.key == "msg:m-2" && answer.events.first?.detail == "user_send_image")
        // Every kind is a word the delivery log accepts.
        #expect(["message", "follow", "unfollow", "reaction", "event"].allSatisfy(InboundEvent.isValidKind))
    }

    @Test func withoutTheOASecretKeyThereIsNoWebhookRoute() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        let section = try makeSection(
            f.entries().filter { $0.0 != "oa_secret_key_env" }, path: "channels.zalo-oa", base: f.state,
            environment: zaloEnvironment)
        let channel = try ZaloChannel(
            name: "zalo-oa", section: section,
            context: ChannelContext(
                name: "zalo-oa", timeZone: hoChiMinh, stateDirectory: f.state, logger: f.logs.logger),
            http: sharedHTTP)
        #expect(channel.inboundRoutes.isEmpty)
    }
}
