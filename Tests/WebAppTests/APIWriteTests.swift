import ChannelKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Queue
import Testing

@testable import WebApp

/// The API's writes: each checks roles and units as the pages do; errors are JSON with a stable code and a
/// Vietnamese message; approval is bound to the content hash; tokens can be revoked.
@Suite struct APIWriteTests {
    func token(_ f: WebFixture, _ login: String) async throws -> String {
        let secret = "cchc_" + WebApp.randomToken()
        try await f.store.addAPIToken(
            APIToken(hash: APITokenHash.of(secret), login: login, name: "kiểm thử", createdAt: t0), by: "test", at: t0)
        return secret
    }

    func post(_ client: any TestClientProtocol, _ uri: String, _ body: String?, token: String) async throws
        -> (HTTPResponse.Status, [String: Any])
    {
        var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        if body == nil { headers[.contentType] = nil }
        let r = try await client.executeRequest(
            uri: uri, method: .post, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:]
        return (r.status, object)
    }

    func code(_ object: [String: Any]) -> String? { (object["error"] as? [String: Any])?["code"] as? String }
    func message(_ object: [String: Any]) -> String { (object["error"] as? [String: Any])?["message"] as? String ?? "" }

    @Test func createSubmitApproveAndCancelWithTheRightRolesOnly() async throws {
        let f = try await WebFixture()
        let author = try await token(f, "soantin")
        let approver = try await token(f, "duyet")
        let viewer = try await token(f, "xem")
        let outsider = try await token(f, "soantin-b")
        try await f.run { client in
            let item =
                #"{"title":"Tin qua API","body":"Nội dung **đậm**","unit":"Sở Nội vụ","topic":"tthc","channels":["bang-tin"],"publish_at":"2026-11-21T08:00:00+07:00"}"#
            // A viewer cannot create; an author of another unit cannot create for this one.
            let (refused, r1) = try await post(client, "/api/items", item, token: viewer)
            #expect(refused == .forbidden && code(r1) == "forbidden" && message(r1).contains("soạn tin"))
            let (wrongUnit, r2) = try await post(client, "/api/items", item, token: outsider)
            #expect(wrongUnit == .forbidden && code(r2) == "forbidden")
            #expect(message(r2).contains("không được soạn tin cho đơn vị \"Sở Nội vụ\""))
            let (noChannel, r9) = try await post(
                client, "/api/items", #"{"title":"Thiếu kênh","body":"x","unit":"Sở Nội vụ"}"#, token: author)
            #expect(noChannel == .unprocessableContent && code(r9) == "invalid-item")
            #expect(message(r9).contains("Kênh: chọn ít nhất một kênh."))
            let (nullReason, r10) = try await post(
                client, "/api/items", #"{"title":null,"unit":"Sở Nội vụ"}"#, token: author)
            #expect(nullReason == .badRequest && message(r10).hasPrefix("title:"))

            let (created, body) = try await post(client, "/api/items", item, token: author)
            #expect(created == .created && body["status"] as? String == "submitted")
            #expect(body["publish_at"] as? String == "2026-11-21T08:00:00+07:00")
            let id = try #require(body["id"] as? String)
            let hash = try #require(body["content_hash"] as? String)

            // The author's token has no approver role.
            let (own, r3) = try await post(
                client, "/api/items/\(id)/approve", #"{"content_hash":"\#(hash)"}"#, token: author)
            #expect(own == .forbidden && code(r3) == "forbidden")
            let (stale, r4) = try await post(
                client, "/api/items/\(id)/approve", #"{"content_hash":"abc"}"#, token: approver)
            #expect(stale == .conflict && code(r4) == "stale")
            let (noHash, r5) = try await post(client, "/api/items/\(id)/approve", "{}", token: approver)
            #expect(noHash == .badRequest && message(r5).hasPrefix("content_hash:"))
            let (ok, approved) = try await post(
                client, "/api/items/\(id)/approve", #"{"content_hash":"\#(hash)"}"#, token: approver)
            #expect(
                ok == .ok && approved["status"] as? String == "approved"
                    && approved["approved_by"] as? String == "duyet")
            #expect((approved["deliveries"] as? [[String: Any]])?.first?["channel"] as? String == "bang-tin")
            let (again, r6) = try await post(
                client, "/api/items/\(id)/approve", #"{"content_hash":"\#(hash)"}"#, token: approver)
            #expect(again == .conflict && code(r6) == "conflict" && message(r6).contains("đã duyệt"))
            // Other units' items are not there at all.
            #expect(try await post(client, "/api/items/\(id)/cancel", nil, token: outsider).0 == .notFound)
            #expect(try await post(client, "/api/items/\(id)/cancel", nil, token: viewer).0 == .forbidden)
            let (cancelled, c) = try await post(
                client, "/api/items/\(id)/cancel", #"{"reason":"Trùng bài"}"#, token: author)
            #expect(cancelled == .ok && c["status"] as? String == "cancelled")
        }
        #expect(f.woken.value.withLock { $0 } >= 2)
    }

    @Test func draftsThroughTheAPIAreSubmittedByTheirWriter() async throws {
        let f = try await WebFixture()
        let author = try await token(f, "soantin")
        let other = try await token(f, "lamca")
        try await f.run { client in
            let (created, body) = try await post(
                client, "/api/items", #"{"title":"Nháp API","unit":"Sở Nội vụ","draft":true}"#, token: author)
            #expect(created == .created && body["status"] as? String == "draft")
            let id = try #require(body["id"] as? String)
            #expect(try await post(client, "/api/items/\(id)/submit", nil, token: other).0 == .forbidden)
            // No body and no channel yet: the channels' rules refuse it.
            let (incomplete, r) = try await post(client, "/api/items/\(id)/submit", nil, token: author)
            #expect(incomplete == .unprocessableContent && message(r).contains("Nội dung: chưa có."))
            _ = try await f.store.addItem(
                NewItem(
                    id: id, idMonth: "2026-11",
                    content: ItemContent(
                        title: "Nháp API", body: "Đủ nội dung", topic: "tthc", unit: WebFixture.unitA,
                        channels: ["bang-tin"]), source: "api:soantin", actor: "soantin", draft: true), at: t0,
                plan: { _ in [] })
            let (submitted, s) = try await post(client, "/api/items/\(id)/submit", "{}", token: author)
            #expect(submitted == .ok && s["status"] as? String == "submitted")
            #expect(try await post(client, "/api/items/\(id)/submit", nil, token: author).0 == .conflict)
        }
    }

    @Test func fourEyesHoldThroughTheAPI() async throws {
        let f = try await WebFixture()
        let both = try await token(f, "lamca")
        try await f.run { client in
            let (_, body) = try await post(
                client, "/api/items",
                #"{"title":"Tự viết","body":"Nội dung","unit":"Sở Nội vụ","channels":["bang-tin"]}"#,
                token: both)
            let id = try #require(body["id"] as? String)
            let hash = try #require(body["content_hash"] as? String)
            let (own, r) = try await post(
                client, "/api/items/\(id)/approve", #"{"content_hash":"\#(hash)"}"#, token: both)
            #expect(own == .forbidden && code(r) == "own-item")
        }
    }

    @Test func rejectRetryAndBadBodiesAreNamed() async throws {
        let f = try await WebFixture()
        let approver = try await token(f, "duyet")
        let operatorToken = try await token(f, "vanhanh")
        let author = try await token(f, "soantin")
        let item = try await f.item()
        try await f.run { client in
            let (noReason, r1) = try await post(client, "/api/items/\(item.id)/reject", "{}", token: approver)
            #expect(noReason == .badRequest && message(r1).hasPrefix("reason:"))
            let (unknown, r2) = try await post(
                client, "/api/items/\(item.id)/reject", #"{"ly_do":"x"}"#, token: approver)
            #expect(unknown == .badRequest && message(r2).hasPrefix("ly_do:"))
            let (notJSON, r3) = try await post(client, "/api/items/\(item.id)/reject", "ly do", token: approver)
            #expect(notJSON == .badRequest && code(r3) == "bad-request")
            let (wrongType, r4) = try await post(client, "/api/items", #"{"title":1,"unit":"x"}"#, token: author)
            #expect(wrongType == .badRequest && message(r4).hasPrefix("title:"))
            let (flag, r8) = try await post(
                client, "/api/items", #"{"title":"t","unit":"x","draft":"có"}"#, token: author)
            #expect(flag == .badRequest && message(r8).hasPrefix("draft:"))
            #expect(try await post(client, "/api/items/\(item.id)/retry", nil, token: approver).0 == .forbidden)
            // Nothing failed: nothing to retry.
            let (nothing, r5) = try await post(client, "/api/items/\(item.id)/retry", nil, token: operatorToken)
            #expect(nothing == .conflict && code(r5) == "conflict")
            let (rejected, r6) = try await post(
                client, "/api/items/\(item.id)/reject", #"{"reason":"Sai số liệu"}"#, token: approver)
            #expect(rejected == .ok && r6["status"] as? String == "rejected")
            let (undeclared, r7) = try await post(client, "/api/items/\(item.id)", "{}", token: approver)
            #expect(undeclared == .methodNotAllowed && code(r7) == "method-not-allowed", "\(undeclared) \(r7)")
            var headers: HTTPFields = [.authorization: "Bearer \(approver)"]
            headers[.contentType] = "application/json"
            let put = try await client.executeRequest(uri: "/api/items", method: .put, headers: headers, body: nil)
            #expect(put.status == .methodNotAllowed && put.headers[.allow] == "GET, POST")
            for uri in ["/api/items/\(item.id)/approve", "/api/tokens/revoke"] {
                let get = try await client.executeRequest(uri: uri, method: .get, headers: headers, body: nil)
                #expect(get.status == .methodNotAllowed && get.headers[.allow] == "POST", "\(uri)")
            }
        }
        #expect(try await f.store.item(item.id)?.statusReason == "Sai số liệu")
    }

    @Test func aRevokedTokenStopsWorking() async throws {
        let f = try await WebFixture()
        let secret = try await token(f, "xem")
        let other = try await token(f, "xem")
        try await f.run { client in
            let (ok, body) = try await post(client, "/api/tokens/revoke", #"{"token":"\#(other)"}"#, token: secret)
            #expect(ok == .ok && body["revoked"] as? Bool == true)
            let (gone, _) = try await post(client, "/api/tokens/revoke", #"{"token":"\#(secret)"}"#, token: other)
            #expect(gone == .unauthorized)
            let (unknown, b2) = try await post(
                client, "/api/tokens/revoke", #"{"token":"cchc_khong-co"}"#, token: secret)
            #expect(unknown == .ok && b2["revoked"] as? Bool == false)
            let (own, _) = try await post(client, "/api/tokens/revoke", #"{"token":"\#(secret)"}"#, token: secret)
            #expect(own == .ok)
            let r = try await client.executeRequest(
                uri: "/api/items", method: .get, headers: [.authorization: "Bearer \(secret)"], body: nil)
            #expect(r.status == .unauthorized)
        }
    }
}
