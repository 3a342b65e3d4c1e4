import ArgumentParser
import ChannelKit
import ChannelRegistry
import Config
import DeliveryLog
import Engine
import Foundation
import Hummingbird
import Logging
import Queue
import Scheduling
import Synchronization
import Transport
import WebApp

/// The officers' web app with a province's history in the store (issue 16: queue, calendar and item pages
/// p95 < 100 ms with 100,000 items, measured against a static page served by the same listener in the
/// same run). The store is filled through the store API in batches (one transaction per 1,000 items): items
/// spread over the past year and the next month, in 12 units, 60 % approved with their deliveries planned
/// by the daemon's planner for a portal and a radio channel. The real web app serves it on loopback; one
/// signed-in administrator (every unit) asks each page in turn over one keep-alive connection.
struct WebBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Measure the web app's queue, calendar (week, month) and item pages against a static asset.")

    @Option(help: "Items in the store.") var items = 100_000
    @Option(help: "Measured requests per page.") var requests = 200
    @Option(help: "Keep the store in this folder and reuse it in later runs (default: a temporary folder).")
    var workspace: String?

    func run() async throws {
        let root = workspace ?? NSTemporaryDirectory() + "cchc-bench-web-\(getpid())"
        if workspace == nil { try? FileManager.default.removeItem(atPath: root) }
        defer { if workspace == nil { try? FileManager.default.removeItem(atPath: root) } }
        try FileManager.default.createDirectory(atPath: root + "/radio", withIntermediateDirectories: true)
        let yaml = """
            timezone: Asia/Ho_Chi_Minh
            state_dir: state
            delivery_log: { dir: log }
            channels:
              portal-tinh: { type: portal, preset: generic, url: "http://127.0.0.1:9/api/articles", id_pointer: /id, url_pointer: /link }
              radio-xa:
                type: radio
                stations:
                  - { id: tan-lap, name: Đài truyền thanh xã Tân Lập, commune: xã Tân Lập, slots: ["06:00/30m", "17:00/30m"], folder: radio }
            """
        try yaml.write(toFile: root + "/cchcd.yaml", atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: root + "/cchcd.yaml")
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: config.databasePath, timeZone: config.timeZone)
        let planner = DeliveryPlanner(config: config)
        let now = Date()

        let existing = try await store.itemPage(ItemPageQuery(limit: 1)).rows.count
        if existing == 0 {
            let started = Date()
            try await Self.fill(store, items: items, now: now, timeZone: config.timeZone, plan: { planner.plan($0) })
            print(String(format: "filled the store with %d items in %.1f s", items, Date().timeIntervalSince(started)))
        } else {
            print("reusing the store in \(root)")
        }

        // One administrator of every unit, signed in: a session made as the sign-in page makes it.
        let sessionID = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        if try await store.account(login: "bench") == nil {
            try await store.addAccount(
                Account(
                    login: "bench", displayName: "Quản trị", passwordHash: PasswordHash.make("mat-khau-bench", cost: 4),
                    roles: [.admin], units: [Account.allUnits], createdAt: now, updatedAt: now), by: "bench", at: now)
        }
        try await store.addSession(
            WebSession(
                idHash: APITokenHash.of(sessionID), login: "bench", csrfToken: String(sessionID.reversed()),
                createdAt: now,
                expiresAt: now.addingTimeInterval(3600)))

        var logger = Logger(label: "cchc-bench-web")
        logger.logLevel = .warning
        let http = try HTTPClient()
        defer { http.shutdown() }
        let channels = try BuiltinChannels.build(config, http: http, logger: logger)
        let app = WebApp(
            store: store, settings: WebSettings(listen: "127.0.0.1:0", mediaDirectory: root + "/media"),
            timeZone: config.timeZone, topics: config.topics, channels: channels,
            channelOrder: config.channels.map(\.name), plan: { planner.plan($0) }, wake: {}, logger: logger)
        app.config = config
        let port = Mutex<Int?>(nil)
        // The server's own logger stays quiet: cancelling it at the end logs its child channels' cancellation.
        var serverLogger = logger
        serverLogger.logLevel = .critical
        let server = Application(
            router: app.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }, logger: serverLogger)
        let serving = Task { try await server.runService() }
        defer { serving.cancel() }
        var bound: Int?
        for _ in 0..<200 where bound == nil {
            try await Task.sleep(for: .milliseconds(25))
            bound = port.withLock { $0 }
        }
        guard let bound else { throw ValidationError("the web app did not start") }
        let base = "http://127.0.0.1:\(bound)"

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = config.timeZone
        let day = calendar.dateComponents([.year, .month, .day], from: now)
        let today = String(format: "%04d-%02d-%02d", day.year!, day.month!, day.day!)
        let month = String(format: "%04d-%02d", day.year!, day.month!)
        let recent = try await store.itemPage(ItemPageQuery(limit: 200)).rows.map(\.item.id)
        let pages: [(String, () -> String)] = [
            ("static asset", { base + "/static/app.css" }),
            ("queue", { base + "/" }),
            ("calendar week", { base + "/lich?tuan=\(today)" }),
            ("calendar month", { base + "/lich/thang?thang=\(month)" }),
            ("item", { base + "/bai/\(recent.randomElement() ?? "")" }),
        ]
        var results: [(String, [Double])] = []
        for (name, url) in pages {
            // A few unmeasured requests: the page cache and the connection are warm, as for an officer.
            for _ in 0..<5 { _ = try await Self.get(http, url(), session: sessionID) }
            var times: [Double] = []
            for _ in 0..<requests {
                let started = ContinuousClock.now
                let response = try await Self.get(http, url(), session: sessionID)
                times.append(Self.milliseconds(ContinuousClock.now - started))
                guard response.status == 200 else {
                    throw ValidationError("\(name): HTTP \(response.status) for \(url())")
                }
            }
            results.append((name, times.sorted()))
        }

        func percentile(_ sorted: [Double], _ p: Double) -> Double {
            sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        let staticP50 = percentile(results[0].1, 0.5)
        let staticP95 = percentile(results[0].1, 0.95)
        print("")
        print("cchc-bench web: \(items) items in the store, \(requests) requests per page, one connection")
        for (name, sorted) in results {
            let p50 = percentile(sorted, 0.5)
            let p95 = percentile(sorted, 0.95)
            print(
                name.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + String(
                        format: " p50 %7.2f ms  p95 %7.2f ms   × static: p50 %6.1f  p95 %6.1f", p50, p95,
                        p50 / staticP50, p95 / staticP95))
        }
        print("  target (issue 16, release build, 100,000 items): queue, calendar and item pages p95 < 100 ms")
    }

    static func get(_ http: HTTPClient, _ url: String, session: String) async throws -> Transport.HTTPResponse {
        try await http.execute(
            Transport.HTTPRequest(
                method: "GET", url: url, headers: Transport.HTTPHeaders([("Cookie", "cchc_session=\(session)")])))
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    /// `count` items in batches of 1,000 (one transaction each), created from a year ago to a month ahead.
    static func fill(
        _ store: SQLiteStore, items count: Int, now: Date, timeZone: TimeZone,
        plan: @escaping @Sendable (ItemRecord) -> [PlannedDelivery]
    ) async throws {
        let units = (1...12).map { "UBND xã số \($0)" }
        let topics = ["tthc", "the-che", "bo-may", "cong-vu", "tai-chinh-cong", "chinh-quyen-so", "chi-so"]
        let start = now.addingTimeInterval(-365 * 86400)
        let step = (395 * 86400) / Double(max(count, 1))
        let clock = LogClock(timeZone: timeZone)
        var batch: [(item: NewItem, at: Date)] = []
        for i in 0..<count {
            let at = start.addingTimeInterval(Double(i) * step)
            let content = ItemContent(
                title: "Bài số \(i): đẩy mạnh cải cách thủ tục hành chính", summary: "Tóm tắt bài số \(i).",
                body: "Nội dung **bài** số \(i): tiếp nhận hồ sơ trực tuyến, trả kết quả qua bưu chính công ích.",
                topic: topics[i % topics.count], unit: units[i % units.count], author: "Phòng CCHC",
                channels: ["portal-tinh", "radio-xa"], publishAt: at)
            batch.append(
                (
                    NewItem(
                        id: nil, idMonth: clock.month(at), content: content, source: "bench", actor: "bench",
                        approval: i % 5 < 3 ? Approval(by: "bench", at: at) : nil), at
                ))
            if batch.count == 1000 || i == count - 1 {
                // One creation time per batch (the store's batch API takes one): a batch spans about 4 days.
                _ = try await store.addItems(batch.map(\.item), newSourcesOnly: false, at: batch[0].at, plan: plan)
                batch.removeAll(keepingCapacity: true)
            }
        }
    }
}
