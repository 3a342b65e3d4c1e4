import ChannelConfig
import ChannelKit
import Config
import Engine
import DeliveryLog
import Foundation
import Logging
import Queue
import Scheduling
import Synchronization
import Testing
import TestSupport

@testable import Facebook

/// A real store, delivery log and engine on a manual clock, with one facebook channel on the fake Graph API.
final class FacebookEngineFixture: @unchecked Sendable {
    let folder: String
    let config: DaemonConfig
    let store: SQLiteStore
    let clock: ManualClock
    let channel: FacebookChannel
    let engine: Engine
    private var runTask: Task<Void, any Error>?
    static let start = Date(timeIntervalSince1970: 1_795_568_400)  // a Monday, 08:00 in Hà Nội

    init(graph: FakeGraphAPI, channelExtra: String = "") throws {
        folder = NSTemporaryDirectory() + "fb-engine-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/state", withIntermediateDirectories: true)
        try (graph.token + "\n").write(toFile: folder + "/fb-token", atomically: true, encoding: .utf8)
        let yaml = """
            timezone: Asia/Ho_Chi_Minh
            state_dir: state
            delivery_log: { dir: log }
            retry: { initial: 1s, max: 10s, attempts: 3 }
            engine: { shutdown_grace: 5s }
            channels:
              fb-sonoivu:
                type: facebook
                max_concurrency: 1
                page_id: "\(graph.pageID)"
                graph_url: \(graph.baseURL)
                token_file: fb-token
            \(channelExtra)
            """
        try yaml.write(toFile: folder + "/cchcd.yaml", atomically: true, encoding: .utf8)
        config = try ConfigLoader.load(
            path: folder + "/cchcd.yaml", secrets: SecretStore(credentialsDirectory: nil, environment: [:]))
        let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        store = try SQLiteStore(path: config.databasePath, timeZone: zone)
        clock = ManualClock(Self.start)
        var logger = Logger(label: "facebook-engine-tests")
        logger.logLevel = .critical
        let channelConfig = config.channels[0]
        let section = try channelConfig.pluginSection(secrets: SecretStore(credentialsDirectory: nil, environment: [:]))
        channel = try FacebookChannel(
            name: channelConfig.name, section: section,
            context: ChannelContext(
                name: channelConfig.name, timeZone: zone, stateDirectory: config.stateDirectory, logger: logger),
            http: sharedHTTP)
        try section.finish()
        engine = Engine(
            store: store, channels: [EngineChannel(channel: channel, config: channelConfig)], config: config,
            owner: "facebook-engine-test", singleInstance: true, clock: clock, logger: logger)
    }

    func run() {
        let engine = engine
        runTask = Task { try await engine.run() }
    }

    func stop() async {
        engine.stop()
        _ = try? await runTask?.value
    }

    deinit {
        runTask?.cancel()
        try? FileManager.default.removeItem(atPath: folder)
    }

    @discardableResult
    func addApproved(_ id: String) async throws -> String {
        let at = clock.now()
        let content = ItemContent(
            title: "Tin \(id): cải cách thủ tục hành chính", summary: "Tóm tắt", body: "Nội dung **\(id)**.",
            topic: "tthc", unit: "Sở Nội vụ", author: "Phòng CCHC", channels: ["fb-sonoivu"])
        _ = try await store.addItem(
            NewItem(id: id, idMonth: "2026-11", content: content, source: "test", actor: "Nguyễn Văn A"), at: at,
            plan: { _ in [] })
        let planner = DeliveryPlanner(config: config)
        _ = try await store.approve(itemID: id, by: "Trần Thị B", at: at, plan: { planner.plan($0) })
        engine.wake()
        return id
    }

    func delivery(_ id: String) async throws -> DeliveryRecord? { try await store.delivery("\(id)/fb-sonoivu") }

    func waitFor(_ id: String, _ state: DeliveryState) async throws -> Bool {
        try await eventually { try await self.delivery(id)?.state == state }
    }

    func waitForSleep(until deadline: Date) async -> Bool {
        await eventually { self.clock.deadlines.contains { abs($0.timeIntervalSince(deadline)) < 0.002 } }
    }
}

@Suite(.serialized) struct FacebookEngineTests {
    @Test func usageAt95PercentSlowsTheChannelDown() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let f = try FacebookEngineFixture(graph: graph, channelExtra: "    slow_down_at: 80\n    slow_down_max: 10m")
        graph.setUsage([("X-Page-Usage", #"{"call_count":95,"total_time":40,"total_cputime":10}"#)])
        try await f.addApproved("tin-1")
        try await f.addApproved("tin-2")
        f.run()
        #expect(try await f.waitFor("tin-1", .delivered))
        // (95 − 80 + 1) / 21 of 10 minutes: the engine sleeps 458 s on its clock before tin-2.
        let resume = FacebookEngineFixture.start.addingTimeInterval(458)
        #expect(await f.waitForSleep(until: resume), "sleeps: \(f.clock.deadlines)")
        #expect(try await f.delivery("tin-2")?.state == .pending)
        #expect(await f.engine.channelHealth()["fb-sonoivu"]?.heldUntil == resume)
        #expect(graph.livePosts.count == 1)
        f.clock.advance(by: 457)
        f.engine.wake()
        #expect(await f.waitForSleep(until: resume))
        #expect(try await f.delivery("tin-2")?.state == .pending)
        graph.setUsage([])
        f.clock.advance(by: 1)
        #expect(try await f.waitFor("tin-2", .delivered))
        #expect(graph.livePosts.count == 2)
        await f.stop()
    }

    @Test(arguments: [4, 32, 613])
    func throttlingBacksOffThenSucceeds(code: Int) async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let f = try FacebookEngineFixture(graph: graph, channelExtra: "    throttle_wait: 2m")
        graph.failNext(FakeGraphAPI.Failure(code: code))
        try await f.addApproved("tin-1")
        f.run()
        #expect(try await f.waitFor("tin-1", .retryWait))
        let record = try #require(try await f.delivery("tin-1"))
        #expect(record.lastErrorClass == "throttled")
        #expect(record.dueAt == FacebookEngineFixture.start.addingTimeInterval(120))
        #expect(graph.livePosts.isEmpty)
        f.clock.advance(by: 120)
        f.engine.wake()
        #expect(try await f.waitFor("tin-1", .delivered))
        #expect(graph.livePosts.count == 1)
        #expect(try await f.delivery("tin-1")?.attempts == 2)
        await f.stop()
    }

    @Test func anExpiredTokenHaltsTheChannelWithoutBurningTheOthers() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let f = try FacebookEngineFixture(graph: graph)
        graph.failNext(FakeGraphAPI.Failure(code: 190, subcode: 463))
        try await f.addApproved("tin-1")
        try await f.addApproved("tin-2")
        try await f.addApproved("tin-3")
        f.run()
        #expect(try await f.waitFor("tin-1", .failed))
        let health = try #require(await f.engine.channelHealth()["fb-sonoivu"])
        #expect(health.circuit == "halted")
        #expect(health.haltReason?.hasPrefix("page token expired — replace the secret and reload") == true)
        // An hour passes: nothing is sent, nothing is burnt (the engine looks again and sleeps on).
        f.clock.advance(by: 3600)
        f.engine.wake()
        #expect(
            await f.waitForSleep(until: FacebookEngineFixture.start.addingTimeInterval(7200)),
            "sleeps: \(f.clock.deadlines)")
        for id in ["tin-2", "tin-3"] {
            let other = try #require(try await f.delivery(id))
            #expect(other.state == .pending)
            #expect(other.attempts == 0)
        }
        #expect(graph.requests.filter { $0.method == "POST" }.count == 1)
        await f.stop()
    }

    @Test func aServerErrorThenSuccessIsDeliveredOnce() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let f = try FacebookEngineFixture(graph: graph)
        graph.loseNextAnswer(status: 500)  // Graph made the post but the answer says 500
        try await f.addApproved("tin-1")
        f.run()
        #expect(try await f.waitFor("tin-1", .retryWait))
        let waiting = try #require(try await f.delivery("tin-1"))
        f.clock.advance(by: waiting.dueAt.timeIntervalSince(f.clock.now()) + 1)
        f.engine.wake()
        #expect(try await f.waitFor("tin-1", .delivered))
        let post = try #require(graph.livePosts.first)
        #expect(graph.livePosts.count == 1)
        #expect(try await f.delivery("tin-1")?.remoteID == post.id)
        await f.stop()
    }
}
