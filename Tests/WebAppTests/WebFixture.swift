import ChannelKit
import Config
import Engine
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Queue
import Synchronization
import Testing

@testable import WebApp

let hcm = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
/// 2026-11-20 08:00 +07:00.
let t0 = Date(timeIntervalSince1970: 1_795_136_400)
let password = "mat-khau-dai-123"

/// A channel for these tests with its own rendering and rules (the web app is what is tested here; the
/// plugins' previews on the item page are tested with the real plugins in ChannelPreviewPageTests, and
/// with the real daemon in the end-to-end tests).
struct BoardChannel: ChannelPreviewing {
    var name: String
    var type: String { "bang-tin" }
    var traits: ChannelTraits { ChannelTraits(idempotent: true) }

    func validate(_ item: ChannelItem) -> [ValidationProblem] {
        item.title.count > 150 ? [ValidationProblem(field: "title", message: "tiêu đề dài quá 150 ký tự")] : []
    }

    func publish(_ request: PublishRequest) async -> PublishOutcome { .delivered(ChannelResult(remoteID: "1")) }

    func preview(_ item: ChannelItem) -> ChannelPreview {
        ChannelPreview(parts: [.init(label: "Bảng tin", text: "BẢNG TIN: \(item.title)")], notes: ["ghi chú của kênh"])
    }
}

extension BoardChannel: TextLimited {
    var textLimits: [TextLimit] { [TextLimit(measure: .title, maximum: 150, label: "tiêu đề bảng tin")] }
}

final class Counter: Sendable {
    let value = Mutex(0)
}

final class TestClock: Sendable {
    let now = Mutex(t0)
    func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    func read() -> Date { now.withLock { $0 } }
}

/// A web app on a fresh store, with accounts for every role in unit "Sở Nội vụ" (plus an author of
/// another unit, an author who also approves, and an admin of every unit).
final class WebFixture: Sendable {
    let directory: URL
    let store: SQLiteStore
    let clock = TestClock()
    let woken = Counter()
    let settings: WebSettings
    let configPath: String

    static let unitA = "Sở Nội vụ"
    static let unitB = "UBND xã Tân Lập"

    init(fourEyes: Bool = true, secureCookies: Bool = false) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "web-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: directory.appendingPathComponent("s.sqlite").path, timeZone: hcm)
        var settings = WebSettings(listen: "127.0.0.1:0", mediaDirectory: directory.path + "/inbox/media")
        settings.fourEyes = fourEyes
        settings.secureCookies = secureCookies
        self.settings = settings
        // The daemon's configuration the web app reads: channels' slots, quiet hours, a radio station's air
        // times, the delivery-log folder for reports.
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("log"), withIntermediateDirectories: true)
        configPath = directory.appendingPathComponent("cchcd.yaml").path
        try """
        timezone: Asia/Ho_Chi_Minh
        state_dir: \(directory.path)/state
        delivery_log: { dir: \(directory.path)/log }
        channels:
          bang-tin:
            type: bang-tin
            slots: ["06:00/30m", "17:00/30m"]
            quiet_hours: 22:00-05:00
          bang-phu:
            type: radio
            stations:
              - { name: xa-tan-lap, slots: ["06:30/15m", "18:00/15m"], output: \(directory.path)/radio }
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let hash = PasswordHash.make(password, cost: 4)
        let accounts: [(String, Set<Role>, [String])] = [
            ("soantin", [.author], [Self.unitA]), ("duyet", [.approver], [Self.unitA]),
            ("vanhanh", [.operator], [Self.unitA]), ("xem", [.viewer], [Self.unitA]),
            ("quantri", [.admin], ["*"]), ("soantin-b", [.author], [Self.unitB]),
            ("lamca", [.author, .approver], [Self.unitA]),
        ]
        for (login, roles, units) in accounts {
            try await store.addAccount(
                Account(
                    login: login, displayName: "Cán bộ \(login)", passwordHash: hash, roles: roles, units: units,
                    createdAt: t0, updatedAt: t0), by: "test", at: t0)
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var app: WebApp {
        let clock = self.clock
        let woken = self.woken
        var app = WebApp(
            store: store, settings: settings, timeZone: hcm, topics: Topic.builtin,
            channels: ["bang-tin": BoardChannel(name: "bang-tin"), "bang-phu": BoardChannel(name: "bang-phu")],
            channelOrder: ["bang-tin", "bang-phu"],
            plan: { item in
                item.content.channels.map { PlannedDelivery(channel: $0, channelType: "bang-tin", dueAt: t0) }
            }, wake: { woken.value.withLock { $0 += 1 } }, logger: Logger(label: "web-test"), clock: { clock.read() })
        app.passwordCost = 4
        // The engine's own type (it has no public initialiser: made the way /status readers see it, from JSON).
        let halted = try! JSONDecoder().decode(
            ChannelHealth.self,
            from: Data(
                """
                {"lastSuccess": \(t0.timeIntervalSinceReferenceDate), "lastFailure": \(t0.timeIntervalSinceReferenceDate + 60),
                 "lastError": "auth: token expired", "consecutiveFailures": 3, "circuit": "halted",
                 "haltReason": "cấp lại quyền Zalo OA: cchc zalo seed-token bang-tin", "inFlight": 0}
                """.utf8))
        app.channelHealth = { ["bang-tin": halted] }
        app.config = try! ConfigLoader.load(path: configPath)
        return app
    }

    /// Adds a submitted item of `unit` written by `author` (a login); returns it.
    @discardableResult
    func item(unit: String = unitA, author: String = "soantin", title: String = "Tin cải cách hành chính")
        async throws -> ItemRecord
    {
        let content = ItemContent(
            title: title, summary: "Tóm tắt", body: "Nội dung **đậm**", topic: "tthc", unit: unit, author: author,
            channels: ["bang-tin"])
        return try await store.addItem(
            NewItem(id: nil, idMonth: "2026-11", content: content, source: "web:\(author)", actor: author), at: t0,
            plan: { _ in []
            }
        ).0
    }

    func run(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: self.app.router())
        try await app.test(.router) { client in try await body(client) }
    }
}

/// A browser's cookie jar over the test client.
struct Browser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]

    init(_ client: any TestClientProtocol) { self.client = client }

    mutating func request(
        _ method: HTTPRequest.Method, _ uri: String, form: [(String, String)]? = nil, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = headers
        if !cookies.isEmpty {
            headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        }
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: Self.encode(form))
        }
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        for line in response.headers[values: .setCookie] {
            let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || line.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return response
    }

    mutating func get(_ uri: String) async throws -> TestResponse { try await request(.get, uri) }

    /// Posts a form with the CSRF token of the page at `from`.
    mutating func post(_ uri: String, _ fields: [(String, String)] = [], from page: String = "/") async throws
        -> TestResponse
    {
        let html = String(buffer: try await get(page).body)
        let token = try #require(Self.hidden("csrf", in: html), "no CSRF token on \(page)")
        return try await request(.post, uri, form: [("csrf", token)] + fields)
    }

    mutating func signIn(_ login: String, _ pass: String = password) async throws -> TestResponse {
        let html = String(buffer: try await get("/dang-nhap").body)
        let token = try #require(Self.hidden("signin_token", in: html))
        return try await request(
            .post, "/dang-nhap", form: [("signin_token", token), ("login", login), ("password", pass), ("next", "/")])
    }

    static func hidden(_ name: String, in html: String) -> String? {
        guard let r = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[r.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    static func encode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map {
            "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
    }
}
