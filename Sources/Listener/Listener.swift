import Engine
import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import Hummingbird
import Logging
import Metrics
import Prometheus
import Queue

/// The daemon's HTTP listener (127.0.0.1 unless configured otherwise): `GET /healthz`, `GET /status`
/// and `GET /metrics` (Prometheus text format), and the inbound routes (webhooks) of the configured
/// channels under `/webhooks/` (``InboundRoutes``).
public enum Listener {
    /// Where the listener binds.
    public enum Address: Sendable, Equatable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        /// A unix socket (for a reverse proxy on the same machine); a stale socket file is replaced.
        case unix(path: String)

        public var description: String {
            switch self {
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .unix(let path): "unix:\(path)"
            }
        }
    }

    /// Parses `http.listen`: `127.0.0.1:8640`, `[::1]:8640`, `0.0.0.0:8640`, a bare port (127.0.0.1),
    /// or `unix:/run/cchcd/http.sock`.
    public static func parseAddress(_ text: String) -> Address? {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst("unix:".count))
            // sockaddr_un holds 108 bytes with the terminating zero.
            guard path.hasPrefix("/"), path.utf8.count < 108 else { return nil }
            return .unix(path: path)
        }
        return address(text).map { .tcp(host: $0.host, port: $0.port) }
    }

    /// Parses a TCP `http.listen`: `127.0.0.1:8640`, `[::1]:8640`, `0.0.0.0:8640` or a bare port (127.0.0.1).
    public static func address(_ text: String) -> (host: String, port: Int)? {
        if let port = Int(text), (0...65535).contains(port) { return ("127.0.0.1", port) }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }

    /// The application, ready to run as a service. It logs the port it bound (useful with port 0).
    public static func application(
        address: Address, engine: Engine, store: any Store, stuckAfter: Duration = .seconds(30),
        routes: InboundRoutes = InboundRoutes(), registry: PrometheusCollectorRegistry,
        limits: ListenerLimits = ListenerLimits(), logger: Logger
    ) -> some ApplicationProtocol {
        application(
            address: address, engine: engine, store: store, stuckAfter: { stuckAfter }, routes: routes,
            registry: registry, limits: limits, logger: logger)
    }

    /// The application, with `engine.stuck_after` read at each health check (a reload may change it).
    public static func application(
        address: Address, engine: Engine, store: any Store, stuckAfter: @escaping @Sendable () -> Duration,
        routes: InboundRoutes = InboundRoutes(), registry: PrometheusCollectorRegistry,
        limits: ListenerLimits = ListenerLimits(), logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        let inbound = InboundDispatcher(routes: routes, store: store, stored: { engine.wake() }, logger: logger)
        router.get("/webhooks/**") { request, _ -> Response in await inbound.serve(request, method: .get) }
        router.post("/webhooks/**") { request, _ -> Response in await inbound.serve(request, method: .post) }
        let probe = HealthProbe(engine: engine, store: store, stuckAfter: stuckAfter)
        router.get("/healthz") { _, _ -> Response in
            let report = await probe.check()
            return json(report.ok ? .ok : .serviceUnavailable, report.body)
        }
        router.get("/status") { _, _ -> Response in
            let stats = try? await store.stats()
            let health = await engine.channelHealth()
            var channels: [String: Any] = [:]
            for (name, h) in health {
                channels[name] =
                    [
                        "circuit": h.circuit, "consecutive_failures": h.consecutiveFailures, "in_flight": h.inFlight,
                        "last_success": h.lastSuccess.map(iso) ?? NSNull(),
                        "last_failure": h.lastFailure.map(iso) ?? NSNull(),
                        "last_error": h.lastError ?? NSNull(), "paused_until": h.pausedUntil.map(iso) ?? NSNull(),
                        "halt_reason": h.haltReason ?? NSNull(), "held_until": h.heldUntil.map(iso) ?? NSNull(),
                    ] as [String: Any]
            }
            return json(
                .ok,
                [
                    "items": stats?.itemsByStatus ?? [:], "deliveries": stats?.deliveriesByState ?? [:],
                    "channels": channels, "inbound_routes": routes.paths,
                ])
        }
        router.get("/metrics") { _, _ -> Response in
            // Queue depth is read at scrape time, so the figures are the store's, not a copy.
            if let stats = try? await store.stats() {
                for state in DeliveryState.allCases {
                    Gauge(label: "cchc_deliveries", dimensions: [("state", state.rawValue)])
                        .record(stats.deliveriesByState[state.rawValue] ?? 0)
                }
            }
            for (name, h) in await engine.channelHealth() {
                Gauge(label: "cchc_channel_paused", dimensions: [("channel", name)]).record(
                    h.circuit == "closed" ? 0 : 1)
            }
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        let bind: BindAddress
        switch address {
        case .tcp(let host, let port): bind = .hostname(host, port: port)
        case .unix(let path):
            // A socket file left by an earlier run would make bind fail; only a socket is removed.
            var st = stat()
            if lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
            bind = .unixDomainSocket(path: path)
        }
        return Application(
            router: router, server: ConnectionGuard.server(limits: limits),
            configuration: .init(address: bind, serverName: "cchcd"),
            onServerRunning: { channel in
                switch address {
                case .tcp(let host, let port):
                    let bound = channel.localAddress?.port ?? port
                    logger.info(
                        "http listener on \(Address.tcp(host: host, port: bound))", metadata: ["port": "\(bound)"])
                case .unix(let path):
                    // Owner and group may connect (a reverse proxy in the service's group), others not.
                    chmod(path, 0o660)
                    logger.info("http listener on unix:\(path)")
                }
            }, logger: logger)
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: [UInt8](data))))
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }
}

/// `/healthz`: 200 only when the store answers and the engine's loop answers without a stuck round.
struct HealthProbe: Sendable {
    let engine: Engine
    let store: any Store
    /// A round running longer than this means the engine is stuck (a store that does not answer).
    var stuckAfter: @Sendable () -> Duration

    func check() async -> (ok: Bool, body: [String: Any]) {
        let stuckAfter = self.stuckAfter()
        var problems: [String] = []
        do { _ = try await store.stats() } catch { problems.append("store: \(error)") }
        if !(await engine.isStarted()) { problems.append("engine: not started yet") }
        if let age = await engine.roundAge(), age > stuckAfter {
            problems.append("engine: a round has been running for \(age)")
        }
        return problems.isEmpty ? (true, ["status": "ok"]) : (false, ["status": "unhealthy", "problems": problems])
    }
}
