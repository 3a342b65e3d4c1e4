import ChannelKit
import Foundation
import Hummingbird
import Queue

/// The REST API's writes (docs/openapi.json): create an item (or a draft), submit a draft, approve with the
/// content hash the caller read, reject, retry, cancel; revoke the calling token. Each checks the token's
/// account's roles and units exactly as the web pages do, and answers the item as `GET /api/items/{id}`.
extension WebApp {
    func addAPIWrites(to router: Router<BasicRequestContext>) {
        router.post("/api/items") { request, _ in
            let account = try await self.apiAccount(request)
            guard account.has(.author) else { throw APIError.role("soạn tin") }
            let object = try await self.jsonBody(request, allowed: Self.itemKeys)
            let draft = try Self.bool(object, "draft") ?? false
            let form = try self.itemForm(object)
            if let unit = form.text("unit"), unit != Account.allUnits, !account.covers(unit: unit) {
                throw APIError(.forbidden, "forbidden", "Mã truy cập không được soạn tin cho đơn vị \"\(unit)\".")
            }
            let (content, problems) = self.content(form, account: account, image: nil, draft: draft)
            guard let content else {
                throw APIError(.unprocessableContent, "invalid-item", problems.joined(separator: " "))
            }
            let now = self.clock()
            let (record, _) = try await self.store.addItem(
                NewItem(
                    id: nil, idMonth: self.month(now), content: content, source: "api:\(account.login)",
                    actor: account.login, draft: draft), at: now, plan: self.plan)
            self.logger.info(
                draft ? "api draft saved" : "api item submitted",
                metadata: ["item": "\(record.id)", "login": "\(account.login)"])
            return try Self.json(.created, APIItem(record, deliveries: [], app: self))
        }
        router.post("/api/items/:id/submit") { request, context in
            let account = try await self.apiAccount(request)
            guard account.has(.author) else { throw APIError.role("soạn tin") }
            _ = try await self.jsonBody(request, allowed: [])
            let item = try await self.apiItem(try context.parameters.require("id"), account)
            guard try await self.authors(of: item.id).contains(account.login) else {
                throw APIError(.forbidden, "forbidden", "Chỉ người soạn bản nháp mới gửi duyệt được.")
            }
            // The channels' rules, as the compose page checks them on submit.
            let (_, problems) = self.content(self.form(of: item), account: account, image: self.uploadName(of: item))
            guard problems.isEmpty else {
                throw APIError(.unprocessableContent, "invalid-item", problems.joined(separator: " "))
            }
            let record = try await self.apiTransition(item) {
                try await self.store.submit(itemID: item.id, by: account.login, at: self.clock())
            }
            return try await self.apiAnswer(record)
        }
        router.post("/api/items/:id/approve") { request, context in
            let account = try await self.apiAccount(request)
            guard account.has(.approver) else { throw APIError.role("duyệt") }
            let object = try await self.jsonBody(request, allowed: ["content_hash"])
            guard let hash = try Self.string(object, "content_hash") else {
                throw APIError(.badRequest, "bad-request", "content_hash: cần mã nội dung của bài đã đọc.")
            }
            let item = try await self.apiItem(try context.parameters.require("id"), account)
            if self.settings.fourEyes, try await self.authors(of: item.id).contains(account.login) {
                throw APIError(.forbidden, "own-item", "Người soạn bài không được tự duyệt bài của mình.")
            }
            let record: ItemRecord
            do {
                record = try await self.store.approve(
                    itemID: item.id, by: account.login, at: self.clock(), contentHash: hash, plan: self.plan)
            } catch let error as StoreError where error.currentState == "stale" {
                throw APIError(
                    .conflict, "stale", "Bài đã được sửa sau khi đọc; hãy đọc lại bài rồi duyệt với mã nội dung mới.")
            } catch let error as StoreError where error.kind == .invalidState {
                throw APIError.state(error)
            }
            self.wake()
            return try await self.apiAnswer(record)
        }
        router.post("/api/items/:id/reject") { request, context in
            let account = try await self.apiAccount(request)
            guard account.has(.approver) else { throw APIError.role("duyệt") }
            let object = try await self.jsonBody(request, allowed: ["reason"])
            guard let reason = try Self.string(object, "reason"), !reason.trimmingCharacters(in: .whitespaces).isEmpty
            else {
                throw APIError(.badRequest, "bad-request", "reason: cần ghi lý do từ chối.")
            }
            let item = try await self.apiItem(try context.parameters.require("id"), account)
            let record = try await self.apiTransition(item) {
                try await self.store.reject(itemID: item.id, by: account.login, reason: reason, at: self.clock())
            }
            return try await self.apiAnswer(record)
        }
        router.post("/api/items/:id/retry") { request, context in
            let account = try await self.apiAccount(request)
            guard account.has(.operator) else { throw APIError.role("vận hành") }
            let object = try await self.jsonBody(request, allowed: ["channel"])
            let channel = try Self.string(object, "channel")
            let item = try await self.apiItem(try context.parameters.require("id"), account)
            let requeued: [DeliveryRecord]
            do {
                requeued = try await self.store.retry(
                    itemID: item.id, channel: channel, by: account.login, at: self.clock())
            } catch let error as StoreError where error.kind == .notFound {
                throw APIError(.notFound, "not-found", "Bài \(item.id) không gửi tới kênh \(channel ?? "").")
            } catch let error as StoreError where error.kind == .invalidState {
                throw APIError.state(error)
            }
            guard !requeued.isEmpty else {
                throw APIError(.conflict, "conflict", "Không có kênh nào của bài \(item.id) cần gửi lại.")
            }
            self.wake()
            return try await self.apiAnswer(item)
        }
        router.post("/api/items/:id/cancel") { request, context in
            let account = try await self.apiAccount(request)
            let object = try await self.jsonBody(request, allowed: ["reason"])
            let reason = try Self.string(object, "reason")
            let item = try await self.apiItem(try context.parameters.require("id"), account)
            let writers = try await self.authors(of: item.id)
            let own = account.has(.author) && writers.contains(account.login)
            guard account.has(.operator) || own else {
                throw APIError(.forbidden, "forbidden", "Chỉ người soạn bài hoặc cán bộ vận hành mới hủy được bài.")
            }
            let record = try await self.apiTransition(item) {
                try await self.store.cancel(itemID: item.id, by: account.login, reason: reason, at: self.clock())
            }
            self.wake()
            return try await self.apiAnswer(record)
        }
        router.post("/api/tokens/revoke") { request, _ in
            // The token to revoke is named by its secret: whoever holds it may use it, so may end it
            // (its own caller's, or one found where it should not be). The answer says whether it existed.
            let account = try await self.apiAccount(request)
            let object = try await self.jsonBody(request, allowed: ["token"])
            guard let secret = try Self.string(object, "token"), !secret.isEmpty else {
                throw APIError(.badRequest, "bad-request", "token: cần mã truy cập cần thu hồi.")
            }
            let revoked = try await self.store.removeAPIToken(
                hash: APITokenHash.of(secret), by: account.login, at: self.clock())
            if revoked { self.logger.info("api token revoked", metadata: ["login": "\(account.login)"]) }
            return try Self.json(.ok, ["revoked": revoked])
        }
    }

    /// The methods an API path answers (docs/openapi.json): `/api/items` reads and creates, the items'
    /// actions and the token revocation only write, every other path only reads.
    static func apiMethods(_ path: String) -> [HTTPRequest.Method] {
        if path == "/api/items" { return [.get, .post] }
        if path == "/api/tokens/revoke" { return [.post] }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 5 && parts[1] == "api" && parts[2] == "items" && !parts[3].isEmpty
            && ["submit", "approve", "reject", "retry", "cancel"].contains(parts[4])
        {
            return [.post]
        }
        return [.get]
    }

    static let itemKeys: Set<String> = [
        "title", "summary", "body", "unit", "topic", "priority", "channels", "publish_at", "draft",
    ]

    /// The item `id` within the account's units, or 404 (other units' items are not revealed).
    func apiItem(_ id: String, _ account: Account) async throws -> ItemRecord {
        guard let item = try await store.item(id), account.covers(unit: item.content.unit) else {
            throw APIError(.notFound, "not-found", "Không có bài \(id).")
        }
        return item
    }

    /// A state change; a store refusal of the state becomes 409 naming the item's state.
    func apiTransition(_ item: ItemRecord, _ body: () async throws -> ItemRecord) async throws -> ItemRecord {
        do {
            return try await body()
        } catch let error as StoreError where error.kind == .invalidState || error.kind == .locked {
            throw APIError.state(error)
        }
    }

    func apiAnswer(_ item: ItemRecord) async throws -> Response {
        let current = try await store.item(item.id) ?? item
        return try Self.json(.ok, APIItem(current, deliveries: try await store.deliveries(itemID: item.id), app: self))
    }

    /// The request's JSON object (empty when there is no body), refusing keys other than `allowed`.
    func jsonBody(_ request: Request, allowed: Set<String>) async throws -> [String: Any] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 1024 * 1024)
        } catch {
            throw APIError(.contentTooLarge, "too-large", "Nội dung gửi lên quá lớn (tối đa 1 MB).")
        }
        let bytes = Array(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw APIError(.badRequest, "bad-request", "Nội dung gửi lên phải là một đối tượng JSON.")
        }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError(.badRequest, "bad-request", "\(unknown): khóa này không có.")
        }
        return object
    }

    /// The item fields of a JSON object as the compose form carries them (one checker for both).
    func itemForm(_ object: [String: Any]) throws -> Form {
        var fields: [String: [String]] = [:]
        for key in ["title", "summary", "body", "unit", "topic", "priority"] {
            if let value = try Self.string(object, key) { fields[key] = [value] }
        }
        if let value = object["channels"] {
            guard let list = value as? [Any], let names = list as? [String] else {
                throw APIError(.badRequest, "bad-request", "channels: cần một danh sách tên kênh.")
            }
            fields["channels"] = names
        }
        if let text = try Self.string(object, "publish_at") {
            let iso = ISO8601DateFormatter()
            if let date = iso.date(from: text) {
                fields["publish_at"] = [localInput(date)]
            } else {
                fields["publish_at"] = [text]
            }
        }
        return Form(fields: fields)
    }

    /// The string under `key`, nil when absent; null or another type is an error naming the key.
    static func string(_ object: [String: Any], _ key: String) throws -> String? {
        guard let value = object[key] else { return nil }
        guard let text = value as? String else {
            throw APIError(.badRequest, "bad-request", "\(key): cần một chuỗi.")
        }
        return text
    }

    static func bool(_ object: [String: Any], _ key: String) throws -> Bool? {
        guard let value = object[key] else { return nil }
        guard let flag = value as? Bool else {
            throw APIError(.badRequest, "bad-request", "\(key): cần true hoặc false.")
        }
        return flag
    }
}

extension APIError {
    static func role(_ role: String) -> APIError {
        APIError(.forbidden, "forbidden", "Tài khoản của mã truy cập không có vai trò \(role).")
    }

    static func state(_ error: StoreError) -> APIError {
        let state = ItemStatus(rawValue: error.currentState ?? "")?.label ?? error.currentState ?? ""
        return APIError(.conflict, "conflict", "Bài đang ở trạng thái \"\(state)\" nên không làm được việc này.")
    }
}
