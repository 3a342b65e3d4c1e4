import HummingbirdCore
import NIOCore
import Synchronization

/// Limits on the listener's connections (issue 14: idle, slow-header and slow-body connections were held
/// open for minutes, and 1,100 of them starved `/healthz` and the inbox of file descriptors).
public struct ListenerLimits: Sendable, Hashable {
    /// A connection with no request in progress is closed after this (Hummingbird's idle timeout). It also
    /// bounds a request head sent byte by byte: the head is not read until it is complete.
    public var idleTimeout: Duration
    /// From a request's first part to the start of its response: a body sent slowly is cut off here.
    public var readTimeout: Duration
    /// Connections open at once; one more is closed as soon as it is accepted.
    public var maxConnections: Int

    public init(idleTimeout: Duration = .seconds(30), readTimeout: Duration = .seconds(30), maxConnections: Int = 256) {
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        self.maxConnections = maxConnections
    }
}

/// Counts the listener's open connections.
final class ConnectionCount: Sendable {
    private let open = Atomic<Int>(0)

    /// Takes a place; false when all are taken (the caller closes the connection).
    func enter(limit: Int) -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        if now > limit {
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { open.wrappingSubtract(1, ordering: .relaxed) }

    var current: Int { open.load(ordering: .relaxed) }
}

extension ConnectionGuard {
    /// Hummingbird's HTTP/1 server with the limits: its idle timeout, and a guard on every connection.
    static func server(limits: ListenerLimits) -> HTTPServerBuilder {
        let connections = ConnectionCount()
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [ConnectionGuard(count: connections, limits: limits)],
                idleTimeout: .nanoseconds(Self.nanoseconds(limits.idleTimeout))))
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}

/// One per connection, after HTTP decoding: enforces the connection cap and the read timeout. It never
/// looks inside the HTTP parts, only at when they pass.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = Any
    typealias InboundOut = Any
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    private let count: ConnectionCount
    private let limits: ListenerLimits
    private var counted = false
    private var deadline: Scheduled<Void>?

    init(count: ConnectionCount, limits: ListenerLimits) {
        self.count = count
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard count.enter(limit: limits.maxConnections) else {
            context.close(promise: nil)
            return
        }
        counted = true
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        if counted {
            counted = false
            count.leave()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        if counted {
            counted = false
            count.leave()
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if deadline == nil {
            let channel = context.channel
            deadline = context.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(limits.readTimeout))) {
                channel.close(promise: nil)
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // A response is on its way: the request was read in time.
        deadline?.cancel()
        deadline = nil
        context.write(data, promise: promise)
    }
}
