import ChannelKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Queue
import Testing

@testable import WebApp

@Suite struct SignInTests {
    @Test func pagesNeedASignInAndPostsNeedASession() async throws {
        let f = try await WebFixture()
        let item = try await f.item()
        try await f.run { client in
            var b = Browser(client)
            for page in ["/", "/bai/\(item.id)", "/soan", "/tai-khoan"] {
                let r = try await b.get(page)
                #expect(r.status == .found, "\(page)")
                #expect(r.headers[.location]?.hasPrefix("/dang-nhap") == true, "\(page)")
            }
            let r = try await b.request(.post, "/bai/\(item.id)/duyet", form: [("hash", item.contentHash)])
            #expect(r.status == .unauthorized)
            #expect(String(buffer: r.body).contains("Phiên đăng nhập đã hết"))
        }
        #expect(try await f.store.item(item.id)?.status == .submitted)
    }

    @Test func theSessionCookieIsHttpOnlyStrictAndSecureBehindTLS() async throws {
        for secure in [false, true] {
            let f = try await WebFixture(secureCookies: secure)
            try await f.run { client in
                var b = Browser(client)
                let r = try await b.signIn("xem")
                #expect(r.status == .found)
                let cookie = try #require(
                    r.headers[values: .setCookie].first { $0.hasPrefix(WebApp.sessionCookie + "=") })
                #expect(cookie.contains("HttpOnly"))
                #expect(cookie.contains("SameSite=Strict"))
                #expect(cookie.contains("Secure") == secure)
                #expect(cookie.contains("Max-Age=28800"))
                let page = try await b.get("/")
                #expect(page.status == .ok)
                #expect(String(buffer: page.body).contains("Hàng đợi tin bài"))
                #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            }
        }
    }

    @Test func theStoreKeepsOnlyAHashOfTheSessionID() async throws {
        let f = try await WebFixture()
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("xem")
            let id = try #require(b.cookies[WebApp.sessionCookie])
            #expect(try await f.store.session(idHash: id, now: t0) == nil)
            #expect(try await f.store.session(idHash: WebApp.sha256(id), now: t0)?.1.login == "xem")
        }
    }

    @Test func aWrongPasswordAnUnknownLoginAndADisabledAccountAreRefusedAlike() async throws {
        let f = try await WebFixture()
        _ = try await f.store.updateAccount(login: "vanhanh", AccountChange(disabled: true), by: "t", at: t0)
        try await f.run { client in
            var b = Browser(client)
            for (login, pass) in [("xem", "sai-mat-khau-roi"), ("khong-co-ai", password), ("vanhanh", password)] {
                let r = try await b.signIn(login, pass)
                #expect(r.status == .unauthorized, "\(login)")
                #expect(String(buffer: r.body).contains("Tên đăng nhập hoặc mật khẩu không đúng."))
                #expect(b.cookies[WebApp.sessionCookie] == nil)
            }
        }
    }

    @Test func signInWithoutTheFormsTokenIsRefused() async throws {
        let f = try await WebFixture()
        try await f.run { client in
            var b = Browser(client)
            let r = try await b.request(.post, "/dang-nhap", form: [("login", "xem"), ("password", password)])
            #expect(r.status == .forbidden)
            #expect(b.cookies[WebApp.sessionCookie] == nil)
        }
    }

    @Test func repeatedFailuresThrottleTheLogin() async throws {
        let f = try await WebFixture()
        try await f.run { client in
            var b = Browser(client)
            for _ in 0..<LoginThrottle.limit {
                #expect(try await b.signIn("duyet", "sai-mat-khau-roi").status == .unauthorized)
            }
            let blocked = try await b.signIn("duyet")
            #expect(blocked.status == .tooManyRequests)
            #expect(String(buffer: blocked.body).contains("Đăng nhập sai quá nhiều lần"))
            #expect(b.cookies[WebApp.sessionCookie] == nil)
            // Another login is not affected; after the window the right password works again.
            #expect(try await b.signIn("xem").status == .found)
            f.clock.advance(LoginThrottle.window + 1)
            var c = Browser(client)
            #expect(try await c.signIn("duyet").status == .found)
        }
    }

    @Test func sessionsExpireAndSignOutEndsThem() async throws {
        let f = try await WebFixture()
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("xem")
            #expect(try await b.get("/").status == .ok)
            let r = try await b.post("/dang-xuat")
            #expect(r.status == .found)
            #expect(try await b.get("/").status == .found)

            var c = Browser(client)
            _ = try await c.signIn("xem")
            let stolen = c.cookies
            f.clock.advance(8 * 3600 + 1)
            #expect(try await c.get("/").status == .found)
            var d = Browser(client)
            d.cookies = stolen
            #expect(try await d.get("/").status == .found)
        }
    }

    @Test func signInRedirectsOnlyToLocalPaths() {
        #expect(WebApp.safeNext("/bai/2026-11-0001") == "/bai/2026-11-0001")
        #expect(WebApp.safeNext("https://evil.example/") == "/")
        #expect(WebApp.safeNext("//evil.example/") == "/")
        #expect(WebApp.safeNext("/\\evil.example") == "/")
        #expect(WebApp.safeNext(nil) == "/")
    }
}

@Suite struct CSRFTests {
    @Test func everyFormRouteRefusesAMissingOrForeignToken() async throws {
        let f = try await WebFixture()
        let item = try await f.item()
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("quantri")
            let routes = [
                "/bai/\(item.id)/duyet", "/bai/\(item.id)/tu-choi", "/bai/\(item.id)/gui-lai", "/bai/\(item.id)/huy",
                "/bai/\(item.id)/xac-nhan", "/soan", "/tai-khoan",
                "/tai-khoan/xem/khoa", "/dang-xuat",
            ]
            for route in routes {
                let none = try await b.request(.post, route, form: [("hash", item.contentHash), ("reason", "x")])
                #expect(none.status == .forbidden, "\(route) without a token")
                let foreign = try await b.request(
                    .post, route, form: [("csrf", String(repeating: "0", count: 64)), ("hash", item.contentHash)])
                #expect(foreign.status == .forbidden, "\(route) with another token")
            }
            #expect(try await b.get("/").status == .ok, "the session survived")
        }
        #expect(try await f.store.item(item.id)?.status == .submitted)
        #expect(try await f.store.account(login: "xem")?.disabled == false)
    }

    @Test func anotherSessionsTokenDoesNotWork() async throws {
        let f = try await WebFixture()
        let item = try await f.item()
        try await f.run { client in
            var attacker = Browser(client)
            _ = try await attacker.signIn("duyet")
            let theirToken = try #require(Browser.hidden("csrf", in: String(buffer: try await attacker.get("/").body)))
            var victim = Browser(client)
            _ = try await victim.signIn("quantri")
            let r = try await victim.request(
                .post, "/bai/\(item.id)/duyet", form: [("csrf", theirToken), ("hash", item.contentHash)])
            #expect(r.status == .forbidden)
        }
        #expect(try await f.store.item(item.id)?.status == .submitted)
    }
}
