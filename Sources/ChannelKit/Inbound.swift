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

/// The answer to an inbound request, and the events it brought.
public struct InboundResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    /// Events to store. The listener stores them (one transaction; an event whose ``InboundEvent/key``
    /// is already stored for the channel is a redelivery and is dropped) *before* the response goes
    /// out, so an acknowledged event is never lost; when storing fails the response becomes 500 and
    /// the platform delivers again. Handlers never touch the store themselves.
    public var events: [InboundEvent]

    public init(
        status: Int, contentType: String = "text/plain; charset=utf-8", body: [UInt8] = [],
        events: [InboundEvent] = []
    ) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.events = events
    }

    public static func text(_ status: Int, _ text: String) -> InboundResponse {
        InboundResponse(status: status, body: Array(text.utf8))
    }

    public static func json(_ status: Int, _ object: [String: any Sendable]) -> InboundResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return InboundResponse(status: status, contentType: "application/json", body: Array(data))
    }
}

/// Something a platform told us: a comment on our post, a reaction, a follower's message, a follow.
/// Stored by the daemon, shown to officers (`cchc events list`), and written to the delivery log as
/// `inbound.<kind>` for the reports.
public struct InboundEvent: Sendable, Hashable, Codable {
    /// A short lower-case word: `comment`, `reaction`, `message`, `follow`, `unfollow`, `post`, `share`…
    /// (letters, digits and `-` only; the delivery log's event name is `inbound.<kind>`).
    public var kind: String
    /// The platform's identity of the event, unique within the channel (a comment id and verb, a
    /// message id). Platforms deliver again when unsure; the same key is the same event, stored once.
    public var key: String
    /// When it happened, by the platform's clock.
    public var occurredAt: Date
    /// The remote id of the post or article the event concerns. The store links the event to our item
    /// when one of the channel's deliveries has this remote id.
    public var remoteRef: String?
    /// The platform's id of whoever did it (a page-scoped or app-scoped user id). Never a name.
    public var senderID: String?
    /// A citizen's own words (a comment, a message): kept in the store for officers to read, never
    /// written to the delivery log or to logs.
    public var text: String?
    /// A short note without personal data, for the delivery log (`like`, `edited`, `removed`).
    public var detail: String?

    public init(
        kind: String, key: String, occurredAt: Date, remoteRef: String? = nil, senderID: String? = nil,
        text: String? = nil, detail: String? = nil
    ) {
        self.kind = kind
        self.key = key
        self.occurredAt = occurredAt
        self.remoteRef = remoteRef
        self.senderID = senderID
        self.text = text
        self.detail = detail
    }

    /// Whether `kind` is a word the delivery log accepts (`^[a-z0-9][a-z0-9-]{0,39}$`).
    public static func isValidKind(_ kind: String) -> Bool {
        guard let first = kind.utf8.first, kind.utf8.count <= 40 else { return false }
        func ok(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        return ok(first) && kind.utf8.allSatisfy { ok($0) || $0 == UInt8(ascii: "-") }
    }
}
