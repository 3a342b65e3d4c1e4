import Crypto
import Foundation
import Hummingbird
import Queue

/// The signed-in account of a request, with its session.
struct Officer: Sendable {
    var account: Account
    var session: WebSession
    func has(_ role: Role) -> Bool { account.has(role) }
}

extension WebApp {
    static let sessionCookie = "cchc_session"
    /// Before sign-in: the token the sign-in form carries (double-submit), so a foreign site cannot sign
    /// a browser into an account of its choosing.
    static let signInCookie = "cchc_signin"

    func addSignIn(to router: Router<BasicRequestContext>) {
        router.get("/dang-nhap") { request, _ in
            let token = Self.randomToken()
            var response = Page.html(
                Page.render(
                    "signin", title: "Đăng nhập", account: nil, csrf: nil,
                    [
                        "signin_token": token,
                        "next": Self.safeNext(request.uri.queryParameters["tiep"].map(String.init)),
                    ]))
            response.setCookie(self.cookie(Self.signInCookie, token, maxAge: 3600))
            return response
        }
        router.post("/dang-nhap") { request, context in
            let form = try await self.form(request)
            guard let token = form["signin_token"], let cookie = request.cookies[Self.signInCookie]?.value,
                Self.constantTimeEqual(token, cookie)
            else { throw WebError.csrf }
            let login = (form.text("login") ?? "").lowercased()
            let password = form["password"] ?? ""
            let now = self.clock()
            if let wait = await self.throttle.blocked(login: login, now: now) {
                self.logger.warning("web sign-in throttled", metadata: ["login": "\(login)"])
                return self.signInAgain(
                    "Đăng nhập sai quá nhiều lần. Hãy thử lại sau \(Int(wait / 60) + 1) phút.",
                    status: .tooManyRequests)
            }
            let account = try await self.store.account(login: login)
            // A decoy check for unknown logins, so the time taken does not tell which logins exist.
            let ok = PasswordHash.verify(password, hash: account?.passwordHash ?? PasswordHash.decoy)
            guard let account, ok, !account.disabled else {
                await self.throttle.failed(login: login, now: now)
                self.logger.notice("web sign-in refused", metadata: ["login": "\(login)"])
                return self.signInAgain("Tên đăng nhập hoặc mật khẩu không đúng.", status: .unauthorized)
            }
            await self.throttle.succeeded(login: login)
            let id = Self.randomToken()
            let session = WebSession(
                idHash: Self.sha256(id), login: account.login, csrfToken: Self.randomToken(), createdAt: now,
                expiresAt: now.addingTimeInterval(Self.seconds(self.settings.sessionLifetime)))
            try await self.store.addSession(session)
            _ = try? await self.store.removeExpiredSessions(now: now)
            self.logger.info("web sign-in", metadata: ["login": "\(account.login)"])
            var response = Response.redirect(to: Self.safeNext(form["next"]), type: .found)
            response.setCookie(
                self.cookie(Self.sessionCookie, id, maxAge: Int(Self.seconds(self.settings.sessionLifetime))))
            response.setCookie(self.cookie(Self.signInCookie, "", maxAge: 0))
            _ = context
            return response
        }
        router.post("/dang-xuat") { request, _ in
            let (officer, _) = try await self.requirePost(request)
            try await self.store.removeSession(idHash: officer.session.idHash)
            var response = Response.redirect(to: "/dang-nhap", type: .found)
            response.setCookie(self.cookie(Self.sessionCookie, "", maxAge: 0))
            return response
        }
    }

    private func signInAgain(_ message: String, status: HTTPResponse.Status) -> Response {
        let token = Self.randomToken()
        var response = Page.html(
            status: status,
            Page.render(
                "signin", title: "Đăng nhập", account: nil, csrf: nil,
                ["signin_token": token, "error": message, "next": "/"]))
        response.setCookie(cookie(Self.signInCookie, token, maxAge: 3600))
        return response
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: "/", secure: settings.secureCookies, httpOnly: true,
            sameSite: .strict)
    }

    // MARK: Who is asking

    /// The signed-in officer, or nil.
    func officer(_ request: Request) async throws -> Officer? {
        guard let id = request.cookies[Self.sessionCookie]?.value, !id.isEmpty else { return nil }
        guard let (session, account) = try await store.session(idHash: Self.sha256(id), now: clock()) else {
            return nil
        }
        return Officer(account: account, session: session)
    }

    /// A page for signed-in officers: others go to the sign-in page.
    func requireGet(_ request: Request) async throws -> Officer {
        guard let officer = try await officer(request) else {
            let next = request.uri.path
            throw RedirectToSignIn(next: next)
        }
        return officer
    }

    /// A form post by a signed-in officer with the session's CSRF token. Returns the parsed form.
    func requirePost(_ request: Request) async throws -> (Officer, Form) {
        guard let officer = try await officer(request) else {
            throw WebError(status: .unauthorized, message: "Phiên đăng nhập đã hết. Hãy đăng nhập lại.")
        }
        let form = try await self.form(request)
        guard let token = form["csrf"], Self.constantTimeEqual(token, officer.session.csrfToken) else {
            logger.warning("web form without a valid CSRF token", metadata: ["login": "\(officer.account.login)"])
            throw WebError.csrf
        }
        return (officer, form)
    }

    func form(_ request: Request) async throws -> Form {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 12 * 1024 * 1024)
        } catch {
            throw WebError(status: .contentTooLarge, message: "Nội dung gửi lên quá lớn (tối đa 12 MB).")
        }
        return try Form.parse(
            contentType: request.headers[.contentType], body: Array(buffer.readableBytesView))
    }

    // MARK: Tokens

    static func randomToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Only a local path: never an absolute URL (no open redirect).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/" }
        return next
    }
}

/// Thrown by a page for signed-in officers when nobody is signed in.
struct RedirectToSignIn: Error, HTTPResponseError {
    var next: String
    var status: HTTPResponse.Status { .found }
    func response(from request: Request, context: some RequestContext) throws -> Response {
        let query =
            next == "/" ? "" : "?tiep=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        return Response.redirect(to: "/dang-nhap" + query, type: .found)
    }
}

/// Sign-in failures per login: after 5 within 15 minutes, that login is refused for 15 minutes.
actor LoginThrottle {
    static let limit = 5
    static let window: TimeInterval = 15 * 60
    private var failures: [String: [Date]] = [:]

    /// Seconds left to wait, or nil when sign-in may be tried.
    func blocked(login: String, now: Date) -> TimeInterval? {
        let recent = (failures[login] ?? []).filter { now.timeIntervalSince($0) < Self.window }
        failures[login] = recent.isEmpty ? nil : recent
        guard recent.count >= Self.limit, let last = recent.last else { return nil }
        return Self.window - now.timeIntervalSince(last)
    }

    func failed(login: String, now: Date) {
        failures[login, default: []].append(now)
        if failures.count > 10_000 { failures.removeAll() }
    }

    func succeeded(login: String) { failures[login] = nil }
}
