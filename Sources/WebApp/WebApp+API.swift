import ChannelKit
import Foundation
import Hummingbird
import Queue

/// The REST API under `/api/` (docs/openapi.json): JSON, `Authorization: Bearer <token>` (tokens from
/// `cchc user token`, stored hashed, scoped like their account), errors as `{"error": {"code", "message"}}`
/// with a stable code and a Vietnamese message.
extension WebApp {
    func addAPI(to router: Router<BasicRequestContext>) {
        router.get("/api/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("/api/items") { request, _ in
            let account = try await self.apiAccount(request)
            let query = request.uri.queryParameters
            var status: ItemStatus?
            if let word = query["status"].map(String.init) {
                guard let s = ItemStatus(rawValue: word) else {
                    throw APIError(.badRequest, "bad-request", "status: không có trạng thái \"\(word)\"")
                }
                status = s
            }
            let limit = try Self.intParameter(query["limit"].map(String.init), "limit", 1...200) ?? 50
            let offset = try Self.intParameter(query["offset"].map(String.init), "offset", 0...10_000) ?? 0
            let unit = query["unit"].map(String.init)
            let channel = query["channel"].map(String.init)
            if let unit, !account.covers(unit: unit) {
                throw APIError(.forbidden, "forbidden", "Mã truy cập không được xem đơn vị \"\(unit)\".")
            }
            let units =
                unit.map { [$0] } ?? (account.units.contains(Account.allUnits) ? [nil] : account.units.map { $0 })
            var items: [ItemRecord] = []
            for u in units {
                items += try await self.store.items(
                    ItemFilter(statuses: status.map { [$0] }, channel: channel, unit: u, limit: offset + limit + 1))
            }
            items.sort { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
            let page = Array(items.dropFirst(offset).prefix(limit))
            let more = items.count > offset + limit
            return try Self.json(
                .ok,
                ItemList(
                    items: page.map { APIItem($0, deliveries: nil, app: self) }, nextOffset: more ? offset + limit : nil
                ))
        }
        router.get("/api/items/:id") { request, context in
            let account = try await self.apiAccount(request)
            let id = try context.parameters.require("id")
            guard let item = try await self.store.item(id), account.covers(unit: item.content.unit) else {
                throw APIError(.notFound, "not-found", "Không có bài \(id).")
            }
            let deliveries = try await self.store.deliveries(itemID: id)
            return try Self.json(.ok, APIItem(item, deliveries: deliveries, app: self))
        }
        router.get("/api/**") { request, _ -> Response in
            _ = try await self.apiAccount(request)
            throw APIError(.notFound, "not-found", "Không có đường dẫn \(request.uri.path) trong API.")
        }
    }

    /// The token's account; 401 without a valid token.
    func apiAccount(_ request: Request) async throws -> Account {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, "unauthorized", "Cần mã truy cập: Authorization: Bearer <mã>.")
        }
        let secret = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let (_, account) = try await store.apiToken(hash: APITokenHash.of(secret)) else {
            throw APIError(
                .unauthorized, "unauthorized", "Mã truy cập không đúng, đã thu hồi hoặc tài khoản đã bị khóa.")
        }
        return account
    }

    static func intParameter(_ text: String?, _ name: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let text else { return nil }
        guard let n = Int(text), range.contains(n) else {
            throw APIError(
                .badRequest, "bad-request", "\(name): cần một số từ \(range.lowerBound) đến \(range.upperBound)")
        }
        return n
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    func rfc3339(_ date: Date?) -> String? {
        guard let date else { return nil }
        let f = ISO8601DateFormatter()
        f.timeZone = timeZone
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}

/// An API error: JSON with a stable code and a Vietnamese message.
struct APIError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { try jsonResponse() }

    func jsonResponse() throws -> Response {
        var response = try WebApp.json(status, ["error": ["code": code, "message": message]])
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"cchc\"" }
        return response
    }
}

struct ItemList: Encodable {
    var items: [APIItem]
    var nextOffset: Int?

    enum CodingKeys: String, CodingKey {
        case items
        case nextOffset = "next_offset"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextOffset, forKey: .nextOffset)
    }
}

/// An item as the API shows it (docs/openapi.json, schema `Item`). Nulls are written, never left out.
struct APIItem: Encodable {
    var id: String
    var title: String
    var summary: String?
    var body: String
    var topic: String
    var unit: String
    var author: String?
    var channels: [String]
    var priority: String
    var publishAt: String?
    var status: String
    var contentHash: String
    var approvedBy: String?
    var approvedAt: String?
    var createdAt: String
    var updatedAt: String
    var deliveries: [APIDelivery]?

    init(_ item: ItemRecord, deliveries: [DeliveryRecord]?, app: WebApp) {
        id = item.id
        title = item.content.title
        summary = item.content.summary
        body = item.content.body
        topic = item.content.topic
        unit = item.content.unit
        author = item.content.author
        channels = item.content.channels
        priority = item.content.priority.rawValue
        publishAt = app.rfc3339(item.content.publishAt)
        status = item.status.rawValue
        contentHash = item.contentHash
        approvedBy = item.approvedBy
        approvedAt = app.rfc3339(item.approvedAt)
        createdAt = app.rfc3339(item.createdAt) ?? ""
        updatedAt = app.rfc3339(item.updatedAt) ?? ""
        self.deliveries = deliveries?.map { APIDelivery($0, app: app) }
    }

    enum CodingKeys: String, CodingKey {
        case id, title, summary, body, topic, unit, author, channels, priority, status, deliveries
        case publishAt = "publish_at"
        case contentHash = "content_hash"
        case approvedBy = "approved_by"
        case approvedAt = "approved_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(summary, forKey: .summary)
        try c.encode(body, forKey: .body)
        try c.encode(topic, forKey: .topic)
        try c.encode(unit, forKey: .unit)
        try c.encode(author, forKey: .author)
        try c.encode(channels, forKey: .channels)
        try c.encode(priority, forKey: .priority)
        try c.encode(publishAt, forKey: .publishAt)
        try c.encode(status, forKey: .status)
        try c.encode(contentHash, forKey: .contentHash)
        try c.encode(approvedBy, forKey: .approvedBy)
        try c.encode(approvedAt, forKey: .approvedAt)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        if let deliveries { try c.encode(deliveries, forKey: .deliveries) }
    }
}

struct APIDelivery: Encodable {
    var channel: String
    var state: String
    var dueAt: String
    var attempts: Int
    var url: String?
    var errorClass: String?
    var error: String?

    init(_ d: DeliveryRecord, app: WebApp) {
        channel = d.channel
        state = d.state.rawValue
        dueAt = app.rfc3339(d.dueAt) ?? ""
        attempts = d.attempts
        url = d.url
        errorClass = d.lastErrorClass
        error = d.lastError
    }

    enum CodingKeys: String, CodingKey {
        case channel, state, attempts, url, error
        case dueAt = "due_at"
        case errorClass = "error_class"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(channel, forKey: .channel)
        try c.encode(state, forKey: .state)
        try c.encode(dueAt, forKey: .dueAt)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(url, forKey: .url)
        try c.encode(errorClass, forKey: .errorClass)
        try c.encode(error, forKey: .error)
    }
}
