import Foundation

/// A channel that receives requests from its platform (Facebook and Zalo webhooks). The daemon's
/// HTTP listener serves every route of every configured channel, and swaps the table atomically on
/// reload. Channels stay free of any HTTP server library: they see ``InboundRequest`` and answer
/// with ``InboundResponse``.
///
/// Contract for handlers:
/// - Answer quickly (platforms give up after a few seconds and retry): verify, store, answer; do
///   slow work after answering.
/// - Verify signatures over ``InboundRequest/body`` exactly as received, before parsing it.
/// - Never echo secrets, signatures or the body into responses or logs.
public protocol InboundChannel: Channel {
    /// The routes this channel serves. Paths start with `/webhooks/` (checked when the table is built).
    var inboundRoutes: [InboundRoute] { get }
}

/// One path a channel serves, for GET and/or POST.
public struct InboundRoute: Sendable {
    public enum Method: String, Sendable, Hashable, CaseIterable {
        case get = "GET"
        case post = "POST"
    }

    /// The whole path, e.g. `/webhooks/facebook/fb-sonoivu`.
    public var path: String
    public var methods: Set<Method>
    /// Bodies larger than this are refused with 413 before the handler sees them.
    public var maxBodyBytes: Int
    public var handle: @Sendable (InboundRequest) async -> InboundResponse

    public init(
        path: String, methods: Set<Method> = [.get, .post], maxBodyBytes: Int = 1 << 20,
        handle: @escaping @Sendable (InboundRequest) async -> InboundResponse
    ) {
        self.path = path
        self.methods = methods
        self.maxBodyBytes = maxBodyBytes
        self.handle = handle
    }

    /// The conventional path of a channel's webhook: `/webhooks/<type>/<channel name>`.
    public static func conventionalPath(type: String, channel: String) -> String {
        "/webhooks/\(type)/\(channel)"
    }
}

/// A request as received: the raw body bytes (for signature checks), headers and query.
public struct InboundRequest: Sendable {
    public var method: InboundRoute.Method
    public var path: String
    /// The raw query string without `?`, or empty.
    public var query: String
    /// Header fields in order; names as sent.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var receivedAt: Date

    public init(
        method: InboundRoute.Method, path: String, query: String = "", headers: [(name: String, value: String)] = [],
        body: [UInt8] = [], receivedAt: Date = Date()
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.receivedAt = receivedAt
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The query's parameters, percent-decoded (`+` read as a space, as HTML forms send it). When a
    /// name repeats, the first value wins.
    public var queryItems: [String: String] {
        var out: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            if out[name] == nil { out[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return out
    }
}

/// The answer to an inbound request.
public struct InboundResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: [UInt8] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public static func text(_ status: Int, _ text: String) -> InboundResponse {
        InboundResponse(status: status, body: Array(text.utf8))
    }

    public static func json(_ status: Int, _ object: [String: any Sendable]) -> InboundResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return InboundResponse(status: status, contentType: "application/json", body: Array(data))
    }
}
