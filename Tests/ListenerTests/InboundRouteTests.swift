import ChannelKit
import Config
import Engine
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Queue
import Synchronization
import Testing

@testable import Listener

/// A channel that serves one inbound route and records what reached it.
final class RecordingInbound: InboundChannel {
    let name: String
    let type = "test-inbound"
    let traits = ChannelTraits(idempotent: true)
    let seen = Mutex<[InboundRequest]>([])
    let cap: Int
    let path: String?

    init(name: String, cap: Int = 64, path: String? = nil) {
        self.name = name
        self.cap = cap
        self.path = path
    }

    func publish(_ request: PublishRequest) async -> PublishOutcome { .delivered(ChannelResult()) }

    var inboundRoutes: [InboundRoute] {
        [
            InboundRoute(
                path: path ?? InboundRoute.conventionalPath(type: type, channel: name), maxBodyBytes: cap
            ) { request in
                self.seen.withLock { $0.append(request) }
                if request.method == .get {
                    return .text(200, request.queryItems["hub.challenge"] ?? "")
                }
                return .json(202, ["bytes": request.body.count, "sig": request.header("x-signature") ?? "-"])
            }
        ]
    }
}

final class GetOnlyInbound: InboundChannel {
    let name = "get-only"
    let type = "test-inbound"
    let traits = ChannelTraits(idempotent: true)
    func publish(_ request: PublishRequest) async -> PublishOutcome { .delivered(ChannelResult()) }
    var inboundRoutes: [InboundRoute] {
        [InboundRoute(path: "/webhooks/test-inbound/get-only", methods: [.get]) { _ in .text(200, "ok") }]
    }
}

/// A channel whose POST handler turns each body line `kind key` into an event.
final class EventInbound: InboundChannel {
    let name = "events-a"
    let type = "test-events"
    let traits = ChannelTraits(idempotent: true)
    func publish(_ request: PublishRequest) async -> PublishOutcome { .delivered(ChannelResult()) }
    var inboundRoutes: [InboundRoute] {
        [
            InboundRoute(path: "/webhooks/test-events/events-a", methods: [.post]) { request in
                let events = String(decoding: request.body, as: UTF8.self).split(separator: "\n").map { line in
                    let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
                    return InboundEvent(
                        kind: parts[0], key: parts.count > 1 ? parts[1] : "", occurredAt: request.receivedAt,
                        senderID: "s1", text: "Cảm ơn!")
                }
                return InboundResponse(status: 200, body: Array("EVENT_RECEIVED".utf8), events: events)
            }
        ]
    }
}

/// The listener's route registration point, driven through Hummingbird's in-process test client:
/// the real router, the real dispatcher, a real (unstarted) engine over a real store.
@Suite(.serialized)
struct InboundRouteTests {
    let folder: URL
    let engine: Engine
    let store: SQLiteStore

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cchc-listener-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let configPath = folder.appendingPathComponent("cchcd.yaml").path
        try """
        state_dir: \(folder.path)/state
        delivery_log: { dir: \(folder.path)/log }
        inbox: { enabled: false }
        channels: {}
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: configPath)
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: config.databasePath, timeZone: config.timeZone)
        var logger = Logger(label: "listener-tests")
        logger.logLevel = .critical
        engine = Engine(
            store: store, channels: [], config: config, owner: "listener-tests", singleInstance: false,
            logger: logger)
    }

    func application(_ routes: InboundRoutes) -> some ApplicationProtocol {
        var logger = Logger(label: "listener-tests")
        logger.logLevel = .critical
        return Listener.application(
            address: .tcp(host: "127.0.0.1", port: 0), engine: engine, store: store, routes: routes,
            registry: PrometheusCollectorRegistry(), logger: logger)
    }

    @Test func getAndPostReachTheChannelWithRawBodyHeadersAndQuery() async throws {
        let channel = RecordingInbound(name: "fb-a")
        let routes = InboundRoutes()
        try routes.replace(with: [channel])
        #expect(routes.paths == ["/webhooks/test-inbound/fb-a"])
        // Bytes that are not UTF-8 must arrive unchanged: signatures are computed over them.
        let body: [UInt8] = [0x7B, 0xFF, 0x00, 0xC3, 0xA1, 0x7D]
        try await application(routes).test(.router) { client in
            try await client.execute(
                uri: "/webhooks/test-inbound/fb-a?hub.mode=subscribe&hub.challenge=12%2034&x=a+b", method: .get
            ) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "12 34")
            }
            try await client.execute(
                uri: "/webhooks/test-inbound/fb-a/", method: .post, headers: [.init("X-Signature")!: "sha256=ab"],
                body: ByteBuffer(bytes: body)
            ) { response in
                #expect(response.status == .accepted)
                #expect(response.headers[.contentType] == "application/json")
                #expect(String(buffer: response.body) == #"{"bytes":6,"sig":"sha256=ab"}"#)
            }
        }
        let seen = channel.seen.withLock { $0 }
        try #require(seen.count == 2)
        #expect(seen[0].method == .get)
        #expect(seen[0].queryItems == ["hub.mode": "subscribe", "hub.challenge": "12 34", "x": "a b"])
        #expect(seen[1].method == .post)
        #expect(seen[1].body == body)
        #expect(seen[1].header("x-signature") == "sha256=ab")
    }

    @Test func oversizedBodiesUnknownPathsAndWrongMethodsNeverReachAHandler() async throws {
        let channel = RecordingInbound(name: "zalo-a", cap: 16)
        let routes = InboundRoutes()
        try routes.replace(with: [channel, GetOnlyInbound()])
        try await application(routes).test(.router) { client in
            try await client.execute(
                uri: "/webhooks/test-inbound/zalo-a", method: .post,
                body: ByteBuffer(bytes: [UInt8](repeating: 65, count: 17))
            ) { response in
                #expect(response.status == .contentTooLarge)
            }
            try await client.execute(
                uri: "/webhooks/test-inbound/zalo-a", method: .post,
                body: ByteBuffer(bytes: [UInt8](repeating: 65, count: 16))
            ) { response in
                #expect(response.status == .accepted)
            }
            try await client.execute(uri: "/webhooks/test-inbound/nobody", method: .post) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/webhooks/test-inbound/get-only", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
            }
            try await client.execute(uri: "/webhooks/test-inbound/get-only", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(channel.seen.withLock { $0.map(\.body.count) } == [16])
    }

    @Test func eventsAreStoredBeforeTheAnswerAndOnlyOnce() async throws {
        let routes = InboundRoutes()
        try routes.replace(with: [EventInbound()])
        try await application(routes).test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/webhooks/test-events/events-a", method: .post,
                    body: ByteBuffer(string: "comment c-1\nfollow f-1")
                ) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == "EVENT_RECEIVED")
                }
                // Stored by the time the answer arrived.
                #expect(try await store.inboundEvents(InboundEventFilter(channel: "events-a")).count == 2)
            }
            // Events the store refuses are not acknowledged: the platform must deliver them again.
            try await client.execute(
                uri: "/webhooks/test-events/events-a", method: .post, body: ByteBuffer(string: "message m-1\nBAD b-1")
            ) { response in
                #expect(response.status == .internalServerError)
                #expect(!String(buffer: response.body).contains("EVENT_RECEIVED"))
            }
        }
        let stored = try await store.inboundEvents(InboundEventFilter())
        #expect(stored.map(\.event.key) == ["f-1", "c-1"])
        #expect(stored.allSatisfy { $0.channelType == "test-events" && $0.event.text == "Cảm ơn!" })
        let lines = try await store.logEvents(after: 0, limit: 10).map(\.json)
        #expect(lines.count == 2 && lines[0].contains(#""event":"inbound.comment""#))
    }

    @Test func aReplacedTableIsServedAtOnceAndAConflictLeavesTheOldOne() async throws {
        let routes = InboundRoutes()
        try routes.replace(with: [RecordingInbound(name: "a")])
        let app = application(routes)
        try await app.test(.router) { client in
            try await client.execute(uri: "/webhooks/test-inbound/a", method: .get) { #expect($0.status == .ok) }
            try routes.replace(with: [RecordingInbound(name: "b")])
            try await client.execute(uri: "/webhooks/test-inbound/a", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/webhooks/test-inbound/b", method: .get) { #expect($0.status == .ok) }

            // Two channels claiming one path, or a path outside /webhooks/: refused, old table kept.
            #expect(throws: InboundRoutes.Conflict.self) {
                try routes.replace(with: [
                    RecordingInbound(name: "c", path: "/webhooks/x"), RecordingInbound(name: "d", path: "/webhooks/x"),
                ])
            }
            #expect(throws: InboundRoutes.Conflict.self) {
                try routes.replace(with: [RecordingInbound(name: "e", path: "/healthz")])
            }
            try await client.execute(uri: "/webhooks/test-inbound/b", method: .get) { #expect($0.status == .ok) }
        }
        #expect(routes.paths == ["/webhooks/test-inbound/b"])
    }

    @Test func theStatusPageListsTheServedRoutes() async throws {
        let routes = InboundRoutes()
        try routes.replace(with: [RecordingInbound(name: "a"), GetOnlyInbound()])
        try await application(routes).test(.router) { client in
            try await client.execute(uri: "/status", method: .get) { response in
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(
                    object["inbound_routes"] as? [String]
                        == ["/webhooks/test-inbound/a", "/webhooks/test-inbound/get-only"])
            }
        }
    }

    @Test func listenAddressesParse() {
        #expect(Listener.parseAddress("8640") == .tcp(host: "127.0.0.1", port: 8640))
        #expect(Listener.parseAddress("[::1]:9000") == .tcp(host: "::1", port: 9000))
        #expect(Listener.parseAddress("unix:/run/cchcd/http.sock") == .unix(path: "/run/cchcd/http.sock"))
        #expect(Listener.parseAddress("unix:relative.sock") == nil)
        #expect(Listener.parseAddress("unix:/" + String(repeating: "a", count: 120)) == nil)
        #expect(Listener.parseAddress("localhost") == nil)
        #expect(Listener.parseAddress("127.0.0.1:70000") == nil)
    }
}
