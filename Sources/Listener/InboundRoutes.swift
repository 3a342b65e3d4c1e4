import ChannelKit
import Hummingbird
import Logging
import Metrics
import Queue
import Synchronization
import Foundation

/// The table of inbound routes (webhooks) the listener serves, built from the configured channels
/// and replaced as a whole on reload, so a request sees either the old table or the new one.
public final class InboundRoutes: Sendable {
    struct Entry: Sendable {
        var channel: String
        var channelType: String
        var route: InboundRoute
    }

    private let table = Mutex<[String: Entry]>([:])

    public init() {}

    /// A problem with a channel's routes: a path outside `/webhooks/` or served twice.
    public struct Conflict: Error, CustomStringConvertible {
        public var description: String
    }

    /// Checks the routes of these channels and, if they are all acceptable, makes them the table.
    /// On a conflict the table is left as it was.
    public func replace(with channels: [any Channel]) throws(Conflict) {
        let next = try Self.build(channels)
        table.withLock { $0 = next }
    }

    /// Builds a table without installing it (the reload path checks before it switches).
    static func build(_ channels: [any Channel]) throws(Conflict) -> [String: Entry] {
        var next: [String: Entry] = [:]
        for case let channel as any InboundChannel in channels {
            for route in channel.inboundRoutes {
                guard route.path.hasPrefix("/webhooks/"), !route.path.contains("?") else {
                    throw Conflict(
                        description:
                            "channel \(channel.name): inbound path \"\(route.path)\" must start with /webhooks/")
                }
                if let other = next[route.path] {
                    throw Conflict(
                        description:
                            "inbound path \(route.path) is claimed by channels \(other.channel) and \(channel.name)")
                }
                next[route.path] = Entry(channel: channel.name, channelType: channel.type, route: route)
            }
        }
        return next
    }

    func entry(for path: String) -> Entry? {
        // A trailing slash is the same route (platforms' consoles differ in what they add).
        let key = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        return table.withLock { $0[key] }
    }

    /// The paths served now, sorted (for `/status` and tests).
    public var paths: [String] { table.withLock { $0.keys.sorted() } }
}

/// Serves `/webhooks/**` from the current ``InboundRoutes`` table: unknown paths get 404, methods a
/// route does not take 405, bodies over the route's cap 413 (before the handler sees a byte of them).
/// The events a handler returns are stored before the answer goes out.
struct InboundDispatcher: Sendable {
    let routes: InboundRoutes
    let store: any Store
    /// Called after new events were stored (the engine appends their delivery-log lines).
    let stored: @Sendable () -> Void
    let logger: Logger

    func serve(_ request: Request, method: InboundRoute.Method) async -> Response {
        guard let entry = routes.entry(for: request.uri.path) else {
            count(channel: "none", status: 404)
            return plain(.notFound, "no such webhook\n")
        }
        guard entry.route.methods.contains(method) else {
            count(channel: entry.channel, status: 405)
            return plain(.methodNotAllowed, "method not allowed\n")
        }
        var body: [UInt8] = []
        if method == .post {
            do {
                var buffer = try await request.body.collect(upTo: entry.route.maxBodyBytes)
                body = buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch {
                // The body is not logged: it may hold citizens' messages, and it is untrusted.
                logger.warning(
                    "inbound request refused: body over the size cap",
                    metadata: ["channel": "\(entry.channel)", "cap_bytes": "\(entry.route.maxBodyBytes)"])
                count(channel: entry.channel, status: 413)
                return plain(.contentTooLarge, "body too large\n")
            }
        }
        let inbound = InboundRequest(
            method: method, path: request.uri.path, query: request.uri.query ?? "",
            headers: request.headers.map { (name: $0.name.rawName, value: $0.value) }, body: body)
        var answer = await entry.route.handle(inbound)
        if !answer.events.isEmpty {
            do {
                let result = try await store.recordInbound(
                    channel: entry.channel, channelType: entry.channelType, events: answer.events, at: Date())
                Counter(
                    label: "cchc_inbound_events_total", dimensions: [("channel", entry.channel), ("result", "stored")]
                )
                .increment(by: result.stored)
                Counter(
                    label: "cchc_inbound_events_total",
                    dimensions: [("channel", entry.channel), ("result", "duplicate")]
                ).increment(by: result.duplicates)
                if result.stored > 0 { stored() }
                logger.info(
                    "inbound events",
                    metadata: [
                        "channel": "\(entry.channel)", "stored": "\(result.stored)",
                        "duplicates": "\(result.duplicates)",
                    ])
            } catch {
                // Not acknowledged: the platform delivers again later, and nothing is lost.
                logger.error(
                    "inbound events could not be stored; answering 500 so the platform retries",
                    metadata: ["channel": "\(entry.channel)", "error": "\(error)"])
                answer = InboundResponse(status: 500, body: Array("could not store the events\n".utf8))
            }
        }
        count(channel: entry.channel, status: answer.status)
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: [.contentType: answer.contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// Label values are bounded: configured channel names (or `none`) and HTTP status codes.
    private func count(channel: String, status: Int) {
        Counter(label: "cchc_webhook_requests_total", dimensions: [("channel", channel), ("status", "\(status)")])
            .increment()
    }

    private func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
