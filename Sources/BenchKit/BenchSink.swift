// The benchmarks' HTTP sink: a real HTTP/1.1 server on 127.0.0.1 that answers every request at once.
//
// Written on SwiftNIO (NIOHTTP1) rather than by hand: NIO does the parsing, keep-alive and pipelining;
// this file only counts and answers. Unlike the tests' LoopbackHTTPServer it records nothing per
// request but a count and, for deliveries, a key and an arrival time, and it answers on the event loop
// without a task per request, so it costs the shared cores as little as possible.

import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP sink for the benchmarks: `201 Created` with a small JSON body to every request, keep-alive.
///
/// Requests to `/hook/<channel>` are deliveries: each is counted under its channel (from the path) and
/// its `X-CCHC-Delivery` header (`<item id>/<channel>`, the webhook channel's delivery id), and its
/// arrival time is kept (``MonotonicClock``, comparable across processes). Every other path is only
/// counted (the raw libcurl load, a portal channel's articles). `GET /_sink/summary` and
/// `GET /_sink/report` answer with ``SinkSummary`` and ``SinkReport`` as JSON, so a process that
/// runs the sink as a child (`cchc-bench sink`) can read them; they are not counted.
public final class BenchSink: Sendable {
    /// The path prefix of deliveries; the rest of the path is the channel.
    public static let hookPrefix = "/hook/"
    /// `GET` answers with ``SinkSummary`` as JSON.
    public static let summaryPath = "/_sink/summary"
    /// `GET` answers with ``SinkReport`` as JSON.
    public static let reportPath = "/_sink/report"
    /// The body of every `201` answer: an `id` and a `url` (the webhook channel records them) and a
    /// `link` (the generic portal preset's `url_pointer: /link`).
    public static let answerBody =
        #"{"id":1811,"url":"https://cchc.example.gov.vn/tin-tuc/1811","link":"https://cchc.example.gov.vn/tin-tuc/1811"}"#

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state: SinkState

    /// The TCP port the sink listens on.
    public let port: Int

    /// `"http://127.0.0.1:PORT"`, with no trailing slash.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Requests answered so far (deliveries and others; not the summary and report requests).
    public var requestCount: Int { state.tally.withLock { $0.requests } }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, port: Int, state: SinkState) {
        self.group = group
        self.channel = channel
        self.port = port
        self.state = state
    }

    /// Binds 127.0.0.1 on `port` (0: a free one) and starts answering.
    ///
    /// - Parameters:
    ///   - port: The port to listen on; 0 picks a free port (read ``port``).
    ///   - eventLoopThreads: Event-loop threads; 1 is plenty on loopback and leaves the other core to
    ///     the client being measured.
    public static func start(port: Int = 0, eventLoopThreads: Int = 1) async throws -> BenchSink {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, eventLoopThreads))
        let state = SinkState()
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(SinkHandler(state: state))
                    }
                }
                .bind(host: "127.0.0.1", port: port).get()
            return BenchSink(group: group, channel: channel, port: channel.localAddress?.port ?? port, state: state)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// What the sink has counted so far (a snapshot).
    public func summary() -> SinkSummary { state.tally.withLock { $0.summary } }

    /// Every delivery counted so far, with the arrival times (a snapshot).
    public func report() -> SinkReport { state.tally.withLock { $0.report } }

    /// Stops listening, closes the connections and stops the event loops.
    public func shutdown() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }
}

/// What a ``BenchSink`` has counted: cheap to ask for while a run is going on.
public struct SinkSummary: Codable, Sendable, Equatable {
    /// Requests answered (deliveries and others).
    public var requests: Int
    /// Requests to `/hook/…`.
    public var deliveries: Int
    /// ``MonotonicClock`` time of the first delivery's arrival, nanoseconds; nil before any.
    public var firstArrival: UInt64?
    /// ``MonotonicClock`` time of the latest delivery's arrival, nanoseconds; nil before any.
    public var lastArrival: UInt64?

    public init(requests: Int, deliveries: Int, firstArrival: UInt64?, lastArrival: UInt64?) {
        self.requests = requests
        self.deliveries = deliveries
        self.firstArrival = firstArrival
        self.lastArrival = lastArrival
    }
}

/// How often the sink received one delivery (a channel and an `X-CCHC-Delivery` value).
public struct SinkDelivery: Codable, Sendable, Hashable {
    /// The channel, from the path `/hook/<channel>`.
    public var channel: String
    /// The `X-CCHC-Delivery` header (`<item id>/<channel>`); empty when the request had none.
    public var deliveryID: String
    /// Requests received for it.
    public var count: Int

    public init(channel: String, deliveryID: String, count: Int) {
        self.channel = channel
        self.deliveryID = deliveryID
        self.count = count
    }
}

/// Everything a ``BenchSink`` counted: requests, each delivery's count, each delivery's arrival time.
public struct SinkReport: Codable, Sendable {
    /// Requests answered (deliveries and others).
    public var requests: Int
    /// One entry per distinct channel and delivery id, in order of first arrival.
    public var deliveries: [SinkDelivery]
    /// The ``MonotonicClock`` arrival time of every delivery request, nanoseconds, in arrival order
    /// (a repeated delivery appears once per request).
    public var arrivals: [UInt64]
    /// The request bodies of the deliveries, in bytes, all together.
    public var deliveryBodyBytes: Int

    public init(requests: Int, deliveries: [SinkDelivery], arrivals: [UInt64], deliveryBodyBytes: Int) {
        self.requests = requests
        self.deliveries = deliveries
        self.arrivals = arrivals
        self.deliveryBodyBytes = deliveryBodyBytes
    }
}

/// The counts, shared by the sink's connections.
final class SinkState: Sendable {
    struct Tally {
        var requests = 0
        var index: [String: Int] = [:]  // "<channel>\n<delivery id>" → position in `deliveries`
        var deliveries: [SinkDelivery] = []
        var arrivals: [UInt64] = []
        var deliveryBodyBytes = 0

        mutating func countDelivery(channel: Substring, deliveryID: String, bodyBytes: Int, at time: UInt64) {
            requests += 1
            arrivals.append(time)
            deliveryBodyBytes += bodyBytes
            let key = "\(channel)\n\(deliveryID)"
            if let at = index[key] {
                deliveries[at].count += 1
            } else {
                index[key] = deliveries.count
                deliveries.append(SinkDelivery(channel: String(channel), deliveryID: deliveryID, count: 1))
            }
        }

        var summary: SinkSummary {
            SinkSummary(
                requests: requests, deliveries: arrivals.count, firstArrival: arrivals.first,
                lastArrival: arrivals.last)
        }

        var report: SinkReport {
            SinkReport(
                requests: requests, deliveries: deliveries, arrivals: arrivals, deliveryBodyBytes: deliveryBodyBytes)
        }
    }

    let tally = Mutex(Tally())
}

private final class SinkHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: SinkState
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private let encoder = JSONEncoder()

    init(state: SinkState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            bodyBytes = 0
        case .body(let chunk):
            bodyBytes += chunk.readableBytes  // only counted, never read
        case .end:
            guard let head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let body: String
            let status: HTTPResponseStatus
            if head.method == .GET && path == BenchSink.summaryPath {
                (status, body) = (.ok, json(state.tally.withLock { $0.summary }))
            } else if head.method == .GET && path == BenchSink.reportPath {
                (status, body) = (.ok, json(state.tally.withLock { $0.report }))
            } else if path.hasPrefix(BenchSink.hookPrefix) {
                let channel = path.dropFirst(BenchSink.hookPrefix.count)
                let deliveryID = head.headers["X-CCHC-Delivery"].first ?? ""
                let now = MonotonicClock.nanoseconds()
                state.tally.withLock {
                    $0.countDelivery(channel: channel, deliveryID: deliveryID, bodyBytes: bodyBytes, at: now)
                }
                (status, body) = (.created, BenchSink.answerBody)
            } else {
                state.tally.withLock { $0.requests += 1 }
                (status, body) = (.created, BenchSink.answerBody)
            }
            write(context: context, status: status, body: body, version: head.version, keepAlive: head.isKeepAlive)
        }
    }

    private func json(_ value: some Encodable) -> String {
        (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private func write(
        context: ChannelHandlerContext, status: HTTPResponseStatus, body: String, version: HTTPVersion,
        keepAlive: Bool
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
