import ChannelKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Queue
import Testing

@testable import WebApp

@Suite struct APITests {
    /// Adds a token for `login` and returns its secret.
    func token(_ f: WebFixture, _ login: String) async throws -> String {
        let secret = "cchc_" + WebApp.randomToken()
        try await f.store.addAPIToken(
            APIToken(hash: APITokenHash.of(secret), login: login, name: "kiểm thử", createdAt: t0), by: "test", at: t0)
        return secret
    }

    func get(_ client: any TestClientProtocol, _ uri: String, token: String?) async throws -> (
        TestResponse, [String: Any]
    ) {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        let r = try await client.executeRequest(uri: uri, method: .get, headers: headers, body: nil)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:]
        return (r, object)
    }

    @Test func everyRouteNeedsAToken() async throws {
        let f = try await WebFixture()
        let item = try await f.item()
        try await f.run { client in
            for uri in ["/api/items", "/api/items/\(item.id)", "/api/khong-co"] {
                for token in [nil, "cchc_sai", "Basic abc"] as [String?] {
                    let (r, body) = try await get(client, uri, token: token)
                    #expect(r.status == .unauthorized, "\(uri) \(token ?? "none")")
                    let error = try #require(body["error"] as? [String: Any])
                    #expect(error["code"] as? String == "unauthorized")
                    #expect((error["message"] as? String)?.lowercased().contains("mã truy cập") == true)
                    #expect(r.headers[.wwwAuthenticate] == "Bearer realm=\"cchc\"")
                }
            }
            let (doc, body) = try await get(client, "/api/openapi.json", token: nil)
            #expect(doc.status == .ok && body["openapi"] as? String == "3.1.0")
        }
    }

    @Test func aDisabledAccountsTokenStopsWorking() async throws {
        let f = try await WebFixture()
        let secret = try await token(f, "xem")
        try await f.run { client in
            #expect(try await get(client, "/api/items", token: secret).0.status == .ok)
            _ = try await f.store.updateAccount(login: "xem", AccountChange(disabled: true), by: "t", at: t0)
            #expect(try await get(client, "/api/items", token: secret).0.status == .unauthorized)
        }
    }

    @Test func itemsAreScopedToTheTokensUnitsAndPaged() async throws {
        let f = try await WebFixture()
        var ids: [String] = []
        for n in 0..<5 { ids.append(try await f.item(title: "Tin \(n)").id) }
        let mine = ids
        let other = try await f.item(unit: WebFixture.unitB, author: "soantin-b", title: "Tin xã")
        let secret = try await token(f, "soantin")
        try await f.run { client in
            let (first, page1) = try await get(client, "/api/items?limit=2", token: secret)
            #expect(first.status == .ok)
            let items1 = try #require(page1["items"] as? [[String: Any]])
            #expect(items1.count == 2)
            #expect(page1["next_offset"] as? Int == 2)
            var seen = items1.compactMap { $0["id"] as? String }
            var offset = 2
            while true {
                let (_, page) = try await get(client, "/api/items?limit=2&offset=\(offset)", token: secret)
                seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                guard let next = page["next_offset"] as? Int else {
                    #expect(page["next_offset"] is NSNull)
                    break
                }
                offset = next
            }
            #expect(Set(seen) == Set(mine))
            #expect(!seen.contains(other.id))

            let (one, item) = try await get(client, "/api/items/\(mine[0])", token: secret)
            #expect(one.status == .ok)
            #expect(item["unit"] as? String == WebFixture.unitA && item["deliveries"] is [Any])
            #expect(item["approved_by"] is NSNull)
            let (hidden, error) = try await get(client, "/api/items/\(other.id)", token: secret)
            #expect(hidden.status == .notFound)
            #expect((error["error"] as? [String: Any])?["code"] as? String == "not-found")
            let (forbidden, _) = try await get(
                client,
                "/api/items?unit=\(WebFixture.unitB.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                token: secret)
            #expect(forbidden.status == .forbidden)
        }
    }

    @Test func badParametersAreNamed() async throws {
        let f = try await WebFixture()
        let secret = try await token(f, "quantri")
        try await f.run { client in
            for (query, name) in [
                ("limit=0", "limit"), ("limit=abc", "limit"), ("offset=-1", "offset"), ("status=xyz", "status"),
            ] {
                let (r, body) = try await get(client, "/api/items?\(query)", token: secret)
                #expect(r.status == .badRequest, "\(query)")
                let message = (body["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.hasPrefix(name + ":"), "\(query): \(message)")
            }
        }
    }

    @Test func theServedDocumentIsTheOneInTheRepository() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = try String(contentsOf: repository.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
        #expect(
            file.trimmingCharacters(in: .whitespacesAndNewlines)
                == OpenAPIDocument.json.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) is [String: Any])
    }
}
