// A real HTTP/1.1 server on 127.0.0.1 for tests and the benchmark's sink.
//
// Written on SwiftNIO (NIOHTTP1) rather than by hand: NIO does the parsing, keep-alive and
// pipelining; this file only records requests and turns an async handler's answer into a response.

import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One request as the loopback server received it.
///
/// Recorded in arrival order by ``LoopbackHTTPServer`` and handed to its handler.
public struct RecordedRequest: Sendable {
    /// The request method, e.g. `"POST"`.
    public var method: String
    /// Path and query exactly as received on the request line.
    public var uri: String
    /// The path without the query.
    public var path: String
    /// Query parameters, percent-decoded with `+` read as a space (form semantics); the last value wins.
    public var query: [String: String]
    /// Request headers in the order received.
    public var headers: [(name: String, value: String)]
    /// The request body (empty when the server was started with `recordBodies: false`, for the recorded copy).
    public var body: [UInt8]
    /// The time the complete request had arrived.
    public var receivedAt: Date

    /// Creates a recorded request; the server makes these, tests rarely need to.
    public init(
        method: String, uri: String, headers: [(name: String, value: String)], body: [UInt8],
        receivedAt: Date = Date()
    ) {
        self.method = method
        self.uri = uri
        let (path, query) = Self.splitURI(uri)
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.receivedAt = receivedAt
    }

    /// The first value of the header `name`, compared case-insensitively.
    ///
    /// Returns nil when the header is absent.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// All values of the header `name`, compared case-insensitively, in order.
    ///
    /// Empty when the header is absent.
    public func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    ///
    /// Convenient for JSON and form bodies.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// Form-decodes an `application/x-www-form-urlencoded` body or query string.
    ///
    /// Percent-escapes are decoded and `+` is read as a space; when a key repeats, the last value wins.
    public static func formDecode(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            if let eq = pair.firstIndex(of: "=") {
                result[percentDecode(pair[..<eq])] = percentDecode(pair[pair.index(after: eq)...])
            } else {
                result[percentDecode(pair)] = ""
            }
        }
        return result
    }

    /// Decodes `%XX` escapes and `+` (as space); malformed escapes are kept literally.
    ///
    /// The decoded bytes are read as UTF-8, lossily.
    public static func percentDecode(_ text: Substring) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let bytes = Array(text.utf8)
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
                i += 1
            } else if c == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]),
                let l = hex(bytes[i + 2])
            {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func splitURI(_ uri: String) -> (String, [String: String]) {
        guard let q = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query = uri[uri.index(after: q)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        return (String(uri[..<q]), formDecode(String(query)))
    }
}

/// The answer a ``LoopbackHTTPServer`` handler gives.
///
/// `Content-Length` is always set by the server from `body`; any given value is replaced.
public struct StubResponse: Sendable {
    /// The status code, e.g. 200.
    public var status: Int
    /// Response headers, in order.
    public var headers: [(String, String)]
    /// The response body.
    public var body: [UInt8]

    /// Creates a response with the given status, headers and body.
    ///
    /// Defaults to an empty 200.
    public init(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response: `Content-Type: application/json` plus `headers`, body `text` in UTF-8.
    ///
    /// The text is sent as given; it is not validated as JSON.
    public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> StubResponse {
        StubResponse(
            status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
    }

    /// No answer at all: the server closes the connection after reading the request (a server that
    /// crashed, or a proxy that gave up, after the request may have taken effect).
    public static let closeWithoutAnswer = StubResponse(status: 0)

    /// A plain-text response: `Content-Type: text/plain; charset=utf-8` plus `headers`.
    ///
    /// The body is `text` in UTF-8.
    public static func text(_ status: Int, _ text: String, headers: [(String, String)] = []) -> StubResponse {
        StubResponse(
            status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + headers,
            body: Array(text.utf8))
    }
}

/// A real HTTP/1.1 server bound to 127.0.0.1 on a free port, for tests and benchmarks.
///
/// Keep-alive and pipelining work as in any HTTP/1.1 server; every response carries
/// `Content-Length`. Each request is recorded (a mutex-protected append) and then passed to the
/// async handler, whose ``StubResponse`` is written back on the connection's event loop.
public final class LoopbackHTTPServer: Sendable {
    /// The largest request body accepted; larger requests get 413 and the connection is closed.
    public static let maxRequestBodyBytes = 16 * 1024 * 1024

    struct State {
        var requests: [RecordedRequest] = []
        var connections = 0
        var openConnections = 0
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state: Mutex<State>
    private let shutDown = Mutex(false)
    private let handlerTasks = Mutex(HandlerTasks())
    private let nextTaskID = Atomic<UInt64>(0)

    struct HandlerTasks {
        var running: [UInt64: Task<Void, Never>] = [:]
        var finishedEarly: Set<UInt64> = []
        var stopping = false
    }
    private let recordBodies: Bool

    /// The TCP port the server listens on.
    public let port: Int

    /// `"http://127.0.0.1:PORT"`, with no trailing slash.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request received so far, in arrival order (a snapshot).
    ///
    /// A request is recorded once it has fully arrived, before its handler runs.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// The number of requests received so far.
    ///
    /// Cheaper than `requests.count`: no copy.
    public var requestCount: Int { state.withLock { $0.requests.count } }

    /// The number of TCP connections accepted since the server started.
    ///
    /// With keep-alive this stays far below ``requestCount``.
    public var connectionCount: Int { state.withLock { $0.connections } }

    /// The number of TCP connections open right now.
    ///
    /// Drops as clients close their connections.
    public var openConnectionCount: Int { state.withLock { $0.openConnections } }

    /// Forgets the recorded requests (connection counts are kept).
    ///
    /// Useful between phases of a benchmark.
    public func clearRequests() { state.withLock { $0.requests.removeAll(keepingCapacity: true) } }

    private init(
        group: MultiThreadedEventLoopGroup, channel: any Channel, port: Int,
        recordBodies: Bool
    ) {
        self.group = group
        self.channel = channel
        self.state = Mutex(State())
        self.port = port
        self.recordBodies = recordBodies
    }

    /// Binds 127.0.0.1 on a free port (port 0). The handler runs for each request (may suspend, e.g. to simulate a slow server).
    ///
    /// - Parameters:
    ///   - recordBodies: when false, recorded requests keep an empty body (the handler still sees it); saves memory in benchmarks.
    ///   - eventLoopThreads: event-loop threads (1 or 2 is plenty on loopback).
    ///   - handler: computes the response; a thrown-free async function.
    public static func start(
        recordBodies: Bool = true, eventLoopThreads: Int = 1,
        handler: @escaping @Sendable (RecordedRequest) async -> StubResponse
    ) async throws -> LoopbackHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, eventLoopThreads))
        let box = StateBox()
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(
                            RequestHandler(box: box, recordBodies: recordBodies, handler: handler))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            let port = channel.localAddress?.port ?? 0
            let server = LoopbackHTTPServer(
                group: group, channel: channel, port: port, recordBodies: recordBodies)
            box.server.withLock { $0 = server }
            return server
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Stops listening, cancels running handlers and waits for them, closes connections and stops the event loops.
    ///
    /// Idempotent. Handlers should honour cancellation (e.g. `try? await Task.sleep`) so that this returns promptly.
    public func shutdown() async throws {
        let first = shutDown.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        try? await channel.close()
        while true {
            let tasks = handlerTasks.withLock { state in
                state.stopping = true
                return Array(state.running.values)
            }
            if tasks.isEmpty { break }
            for task in tasks { task.cancel() }
            for task in tasks { await task.value }
        }
        try await group.shutdownGracefully()
    }

    /// Runs the handler in a task tracked for ``shutdown()``, then completes `promise` with its answer.
    fileprivate func runHandler(
        _ handler: @escaping @Sendable (RecordedRequest) async -> StubResponse, request: RecordedRequest,
        promise: EventLoopPromise<StubResponse>
    ) {
        let id = nextTaskID.wrappingAdd(1, ordering: .relaxed).newValue
        let task = Task(executorPreference: HandlerExecutor.shared) {
            let response = await handler(request)
            promise.succeed(response)
            self.handlerTasks.withLock { state in
                if state.running.removeValue(forKey: id) == nil { state.finishedEarly.insert(id) }
            }
        }
        handlerTasks.withLock { state in
            if state.stopping { task.cancel() }
            if state.finishedEarly.remove(id) == nil { state.running[id] = task }
        }
    }

    fileprivate func record(_ request: RecordedRequest) {
        var stored = request
        if !recordBodies { stored.body = [] }
        state.withLock { $0.requests.append(stored) }
    }

    fileprivate func connectionOpened() {
        state.withLock {
            $0.connections += 1
            $0.openConnections += 1
        }
    }

    fileprivate func connectionClosed() {
        state.withLock { $0.openConnections -= 1 }
    }
}

/// Lets the child-channel initializer reach the server object created after `bind`.
private final class StateBox: Sendable {
    let server = Mutex<LoopbackHTTPServer?>(nil)
    func get() -> LoopbackHTTPServer? { server.withLock { $0 } }
}

private final class RequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let box: StateBox
    private let recordBodies: Bool
    private let handler: @Sendable (RecordedRequest) async -> StubResponse
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    private var server: LoopbackHTTPServer?

    init(box: StateBox, recordBodies: Bool, handler: @escaping @Sendable (RecordedRequest) async -> StubResponse) {
        self.box = box
        self.recordBodies = recordBodies
        self.handler = handler
    }

    func channelActive(context: ChannelHandlerContext) {
        server = box.get()
        server?.connectionOpened()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        server?.connectionClosed()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = nil
            tooLarge = false
        case .body(var chunk):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > LoopbackHTTPServer.maxRequestBodyBytes {
                tooLarge = true
                body = nil
                return
            }
            if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let keepAlive = head.isKeepAlive
            if tooLarge {
                write(context: context, response: StubResponse(status: 413), version: head.version, keepAlive: false)
                return
            }
            var bytes: [UInt8] = []
            if var b = body { bytes = b.readBytes(length: b.readableBytes) ?? [] }
            body = nil
            let request = RecordedRequest(
                method: head.method.rawValue, uri: head.uri,
                headers: head.headers.map { (name: $0.name, value: $0.value) }, body: bytes)
            guard let server else { return }
            server.record(request)
            let promise = context.eventLoop.makePromise(of: StubResponse.self)
            server.runHandler(handler, request: request, promise: promise)
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let version = head.version
            promise.futureResult.whenSuccess { response in
                let (handler, context) = bound.value
                handler.write(context: context, response: response, version: version, keepAlive: keepAlive)
            }
        }
    }

    private func write(context: ChannelHandlerContext, response: StubResponse, version: HTTPVersion, keepAlive: Bool) {
        guard context.channel.isActive else { return }
        if response.status == 0 {
            context.close(promise: nil)
            return
        }
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 2)
        for (name, value) in response.headers
        where name.caseInsensitiveCompare("Content-Length") != .orderedSame
            && name.caseInsensitiveCompare("Transfer-Encoding") != .orderedSame
        {
            headers.add(name: name, value: value)
        }
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(
            version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                bound.value.close(promise: nil)
            }
        }
    }
}

/// Runs the servers' handler tasks on a Dispatch queue of their own, never on Swift's cooperative pool.
///
/// Tests often wait for a child process (`cchc`, `cchcd`) in a blocking call, and that child calls a
/// fake living in the test process. The cooperative pool has as many threads as cores (2 here): when
/// the blocking waits hold them all, a handler scheduled on the pool could not run, the child would
/// wait for its answer, and everything would stand still until an HTTP timeout. A task executor
/// preference keeps the handlers (and what they await) off the pool.
final class HandlerExecutor: TaskExecutor {
    static let shared = HandlerExecutor()
    private let queue = DispatchQueue(label: "loopback-http-handlers", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
