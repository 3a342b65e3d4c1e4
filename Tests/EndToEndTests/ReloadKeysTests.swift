import Foundation
import TestSupport
import Testing
import Transport

#if canImport(Glibc)
    import Glibc
#endif

/// What a SIGHUP applies, per class of configuration key, with the real `cchcd`: channels (the engine's,
/// the listener's and the web app's), `reports:`, `engine.stuck_after` apply; restart-only keys are
/// named in the log and keep their running values; docs/operations.md lists exactly those keys.
@Suite(.serialized)
struct ReloadKeysTests {
    @Test func theOperationsDocListsExactlyTheRestartOnlyKeys() throws {
        let printed = try run(Binaries.cchcd, ["--restart-only-keys"])
        #expect(printed.status == 0, "\(printed.stderr)")
        let code = printed.stdout.split(separator: "\n").map(String.init)
        #expect(code.contains("http.listen") && code.contains("state_dir"), "\(code)")
        let documented = try Self.documentedRestartOnlyKeys()
        #expect(
            documented == code,
            "docs/operations.md lists \(documented) as restart-only; cchcd --restart-only-keys says \(code)")
    }

    /// Live and restart-only keys changed in one reload: the live ones apply (a new channel delivers and
    /// shows in the web app), the restart-only ones are named and keep their running values (the
    /// listeners stay where they were, the store stays in the old state folder).
    @Test func restartOnlyKeysAreNamedAndTheRestApplies() async throws {
        let portal = try await portalSink()
        let hook = try await LoopbackHTTPServer.start { _ in .json(200, #"{"ok":true}"#) }
        defer {
            Task {
                try? await portal.shutdown(); try? await hook.shutdown()
            }
        }
        let ws = try Workspace()
        let portalSection = genericPortal("portal-tinh", url: "\(portal.baseURL)/api/articles")
        let hookSection = "  hook:\n    type: webhook\n    url: \(hook.baseURL)/hooks\n"
        try ws.writeConfig(channels: portalSection, http: "127.0.0.1:0", extra: "web: { listen: \"127.0.0.1:0\" }")
        let first = try String(contentsOfFile: ws.configPath, encoding: .utf8)
        let web = try await WebOperator.make(ws)
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        let httpPort = try await ListenerTests().port(of: daemon)
        let webPort = try await Self.webPort(of: daemon)
        let http = try HTTPClient()
        defer { http.shutdown() }
        let session = try await web.signIn(http, port: webPort)
        let before = try await web.get(http, port: webPort, path: "/kenh", session: session)
        #expect(
            before.contains("id=\"kenh-portal-tinh\"") && !before.contains("id=\"kenh-hook\""), "\(before.suffix(2000))"
        )

        // Restart-only keys (state_dir, timezone, inbox.trusted, network.timeout, both listen addresses)
        // change together with a live one (a new channel).
        let changed =
            first
            .replacingOccurrences(of: "state_dir: state", with: "state_dir: state-moi")
            .replacingOccurrences(of: "timezone: Asia/Ho_Chi_Minh", with: "timezone: Asia/Bangkok")
            .replacingOccurrences(of: "trusted: false", with: "trusted: true")
            .replacingOccurrences(of: "http: { listen: \"127.0.0.1:0\" }", with: "http: { listen: \"127.0.0.1:1\" }")
            .replacingOccurrences(of: "web: { listen: \"127.0.0.1:0\" }", with: "web: { listen: \"127.0.0.1:2\" }")
            + hookSection + "network: { timeout: 30s }\n"
        try changed.write(toFile: ws.configPath, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually(10, "the reload", daemon: daemon) { daemon.output.contains("configuration reloaded") }
        try await eventually(5, "the keys not applied", daemon: daemon) {
            daemon.output.contains("not applied until restart")
        }
        #expect(
            daemon.output.contains(
                "not_applied=state_dir,timezone,inbox.trusted,network.timeout,http.listen,web.listen"),
            "\(daemon.output.suffix(3000))")
        #expect(!daemon.output.contains("reload refused"))

        // The listeners answer where they were; the web app knows the new channel.
        #expect(try await http.execute(HTTPRequest(url: "http://127.0.0.1:\(httpPort)/healthz")).status == 200)
        let after = try await web.get(http, port: webPort, path: "/kenh", session: session)
        #expect(
            after.contains("id=\"kenh-portal-tinh\"") && after.contains("id=\"kenh-hook\""), "\(after.suffix(2000))")
        // The store stays in the old state folder: `cchc` on the first file's folders sees what the daemon does.
        #expect(!FileManager.default.fileExists(atPath: ws.root + "/state-moi"))
        try (first + hookSection).write(toFile: ws.configPath, atomically: true, encoding: .utf8)
        try ws.write("items/hook.md", itemFile(title: "Qua kênh mới", channels: ["portal-tinh", "hook"]))
        let item = try ws.cli(["item", "add", ws.root + "/items/hook.md"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", item, "--by", "Nguyễn Văn A"]).status == 0)
        try await eventually(10, "the new channel delivers", daemon: daemon) {
            try ws.deliveryStates(item) == ["portal-tinh": "delivered", "hook": "delivered"]
        }
        // A reload that changes no restart-only key names none.
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually(10, "the second reload", daemon: daemon) {
            daemon.output.components(separatedBy: "configuration reloaded").count == 3
        }
        #expect(daemon.output.components(separatedBy: "not applied until restart").count == 2)
        daemon.terminate()
        #expect(daemon.process.terminationStatus == 0)
    }

    /// `reports:` applies on reload: a schedule added to a running daemon writes its report at once.
    @Test func aReportScheduleAddedByAReloadRuns() async throws {
        let ws = try Workspace()
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/x"))
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        try await eventually(10, "the daemon is up", daemon: daemon) { daemon.output.contains("cchcd started") }
        try await Task.sleep(for: .milliseconds(300))
        #expect(!FileManager.default.fileExists(atPath: ws.root + "/bao-cao"))

        try ws.writeConfig(
            channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/x"),
            extra: """
                reports:
                  issuer: SỞ NỘI VỤ
                  schedule: { dir: bao-cao, periods: [month], formats: [json], at: "00:00" }
                """)
        kill(daemon.process.processIdentifier, SIGHUP)
        // Well under the scheduler's one-minute period: the reload makes it check at once.
        try await eventually(10, "the scheduled report", daemon: daemon) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: ws.root + "/bao-cao")) ?? []
            return files.contains { $0.hasPrefix("bao-cao-") && $0.hasSuffix(".json") }
        }
        #expect(!daemon.output.contains("not applied until restart"))
    }

    /// `engine.stuck_after` applies on reload: a round held for 1.5 s is fine under 60 s, stuck under 1 s.
    @Test func stuckAfterAppliesOnReload() async throws {
        let ws = try Workspace()
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/a"), http: "127.0.0.1:0")
        let lenient = try String(contentsOfFile: ws.configPath, encoding: .utf8)
            .replacingOccurrences(
                of: "engine: { shutdown_grace: 5s }", with: "engine: { shutdown_grace: 2s, stuck_after: 60s }")
        try lenient.write(toFile: ws.configPath, atomically: true, encoding: .utf8)
        let wedge = ws.root + "/wedge"
        let daemon = try Daemon(ws, environment: ["CCHCD_TEST_WEDGE_FILE": wedge])
        defer { daemon.terminate() }
        let port = try await ListenerTests().port(of: daemon)
        let http = try HTTPClient()
        defer { http.shutdown() }
        let healthz = "http://127.0.0.1:\(port)/healthz"
        try await eventually(10, "healthy", daemon: daemon) {
            try await http.execute(HTTPRequest(url: healthz)).status == 200
        }

        // Held for 1.5 s under stuck_after 60s: still healthy.
        _ = FileManager.default.createFile(atPath: wedge, contents: nil)
        try ws.write("items/a.md", itemFile(title: "Đánh thức", channels: ["portal-tinh"]))
        #expect(try ws.cli(["item", "add", ws.root + "/items/a.md"]).status == 0)
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try await http.execute(HTTPRequest(url: healthz)).status == 200)
        try FileManager.default.removeItem(atPath: wedge)

        try lenient.replacingOccurrences(of: "stuck_after: 60s", with: "stuck_after: 1s")
            .write(toFile: ws.configPath, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually(10, "the reload", daemon: daemon) { daemon.output.contains("configuration reloaded") }

        // The same hold now counts as stuck.
        _ = FileManager.default.createFile(atPath: wedge, contents: nil)
        try ws.write("items/b.md", itemFile(title: "Đánh thức lần nữa", channels: ["portal-tinh"]))
        #expect(try ws.cli(["item", "add", ws.root + "/items/b.md"]).status == 0)
        try await eventually(10, "/healthz 503 under stuck_after 1s", daemon: daemon) {
            try await http.execute(HTTPRequest(url: healthz)).status == 503
        }
        try FileManager.default.removeItem(atPath: wedge)
        try await eventually(10, "healthy again", daemon: daemon) {
            try await http.execute(HTTPRequest(url: healthz)).status == 200
        }
        #expect(!daemon.output.contains("not applied until restart"))
    }

    // MARK: Helpers

    /// The keys between the markers of docs/operations.md, in order.
    static func documentedRestartOnlyKeys() throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        guard let start = text.range(of: "<!-- restart-only-keys -->"),
            let end = text.range(of: "<!-- /restart-only-keys -->", range: start.upperBound..<text.endIndex)
        else {
            throw HarnessError("docs/operations.md has no <!-- restart-only-keys --> … <!-- /restart-only-keys -->")
        }
        return text[start.upperBound..<end.lowerBound].split(separator: "\n").compactMap { line in
            guard line.hasPrefix("- `"), let close = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 3)..<close])
        }
    }

    static func webPort(of daemon: Daemon) async throws -> Int {
        var port: Int?
        try await eventually(15, "the web app's listener", daemon: daemon) {
            guard let r = daemon.output.range(of: "web app on 127.0.0.1:") else { return false }
            port = Int(daemon.output[r.upperBound...].prefix { $0.isNumber })
            return port != nil
        }
        return port!
    }
}

/// An operator account of the web app, signed in the way a browser does (sign-in token cookie, form).
struct WebOperator {
    static let login = "vanhanh"
    static let password = "mat-khau-van-hanh-2026"

    static func make(_ ws: Workspace) async throws -> WebOperator {
        let config = ws.configPath
        let add = try await offThePool {
            try runTool(
                Binaries.cchc,
                [
                    "user", "add", login, "--role", "van-hanh", "--unit", "*", "--password-stdin", "--config",
                    config,
                ],
                input: password + "\n")
        }
        guard add.status == 0 else { throw HarnessError("cchc user add: \(add.stderr)") }
        return WebOperator()
    }

    /// The session cookie (`name=value`).
    func signIn(_ http: HTTPClient, port: Int) async throws -> String {
        let form = try await http.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/dang-nhap"))
        let page = form.bodyText
        guard let r = page.range(of: "name=\"signin_token\" value=\""),
            let cookie = Self.cookies(form).first(where: { $0.hasPrefix("cchc_signin=") })
        else { throw HarnessError("no sign-in token in the form: \(page.prefix(2000))") }
        let token = String(page[r.upperBound...].prefix { $0 != "\"" })
        let body = "signin_token=\(token)&login=\(Self.login)&password=\(Self.password)&next=%2F"
        var post = HTTPRequest(url: "http://127.0.0.1:\(port)/dang-nhap")
        post.method = "POST"
        post.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        post.headers.add(name: "Cookie", value: cookie)
        post.body = Array(body.utf8)
        let answer = try await http.execute(post)
        guard let session = Self.cookies(answer).first(where: { $0.hasPrefix("cchc_session=") }) else {
            throw HarnessError("sign-in failed: \(answer.status) \(answer.bodyText.prefix(1000))")
        }
        return session
    }

    func get(_ http: HTTPClient, port: Int, path: String, session: String) async throws -> String {
        var request = HTTPRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Cookie", value: session)
        let answer = try await http.execute(request)
        guard answer.status == 200 else { throw HarnessError("GET \(path): \(answer.status)") }
        return answer.bodyText
    }

    static func cookies(_ response: HTTPResponse) -> [String] {
        response.headers.values("Set-Cookie").compactMap { $0.split(separator: ";").first.map(String.init) }
    }
}
