import ChannelKit
import Foundation
import Hummingbird
import Queue
import Rendering

extension WebApp {
    func addItemRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in
            let officer = try await self.requireGet(request)
            let status = request.uri.queryParameters["trang-thai"].flatMap { ItemStatus(rawValue: String($0)) }
            return try await self.queuePage(officer, status: status)
        }
        router.get("/bai/:id") { request, context in
            let officer = try await self.requireGet(request)
            let item = try await self.visibleItem(try context.parameters.require("id"), for: officer)
            let notice: String? =
                switch request.uri.queryParameters["tb"].map(String.init) {
                case "cu":
                    "Bài đã được sửa sau khi anh/chị mở trang nên chưa được duyệt. Hãy xem lại nội dung mới rồi duyệt."
                case "tu-duyet": "Anh/chị là người soạn bài này nên không thể tự duyệt; cần một người duyệt khác."
                default: nil
                }
            let ok: String? =
                switch request.uri.queryParameters["kq"].map(String.init) {
                case "duyet": "Đã duyệt. Bài sẽ được gửi theo lịch của từng kênh."
                case "tu-choi": "Đã từ chối bài."
                case "gui": "Đã gửi bài để duyệt."
                case "nhap": "Đã lưu bản nháp. Bài chưa được gửi duyệt."
                case "gui-lai": "Đã xếp lịch gửi lại."
                case "huy": "Đã hủy bài; các kênh chưa gửi sẽ không gửi nữa."
                case "xac-nhan": "Đã ghi nhận kết quả gửi."
                case "go-bai": "Đã gỡ bài trên kênh."
                default: nil
                }
            return try await self.itemPage(officer, item, notice: notice, ok: ok)
        }
        router.post("/bai/:id/duyet") { request, context in
            let (officer, form) = try await self.requirePost(request)
            guard officer.has(.approver) else { throw WebError.forbidden }
            let item = try await self.visibleItem(try context.parameters.require("id"), for: officer)
            if self.settings.fourEyes, try await self.authors(of: item.id).contains(officer.account.login) {
                self.logger.notice(
                    "web approval refused: own item",
                    metadata: ["item": "\(item.id)", "login": "\(officer.account.login)"])
                return Response.redirect(to: "/bai/\(item.id)?tb=tu-duyet", type: .normal)
            }
            guard let hash = form["hash"], !hash.isEmpty else { throw WebError.badRequest("thiếu mã nội dung đã xem") }
            do {
                _ = try await self.store.approve(
                    itemID: item.id, by: officer.account.login, at: self.clock(), contentHash: hash, plan: self.plan)
            } catch let error as StoreError where error.currentState == "stale" {
                return Response.redirect(to: "/bai/\(item.id)?tb=cu", type: .normal)
            } catch let error as StoreError where error.kind == .invalidState {
                throw WebError(
                    status: .conflict,
                    message:
                        "Bài đang ở trạng thái \"\(ItemStatus(rawValue: error.currentState ?? "")?.label ?? error.currentState ?? "")\" nên không duyệt được."
                )
            }
            self.wake()
            return Response.redirect(to: "/bai/\(item.id)?kq=duyet", type: .normal)
        }
        router.post("/bai/:id/tu-choi") { request, context in
            let (officer, form) = try await self.requirePost(request)
            guard officer.has(.approver) else { throw WebError.forbidden }
            let item = try await self.visibleItem(try context.parameters.require("id"), for: officer)
            guard let reason = form.text("reason") else { throw WebError.badRequest("cần ghi lý do từ chối") }
            do {
                _ = try await self.store.reject(
                    itemID: item.id, by: officer.account.login, reason: reason, at: self.clock())
            } catch let error as StoreError where error.kind == .invalidState {
                throw WebError(status: .conflict, message: "Bài này không còn từ chối được.")
            }
            return Response.redirect(to: "/bai/\(item.id)?kq=tu-choi", type: .normal)
        }
        router.post("/bai/:id/gui-lai") { request, context in
            let (officer, form) = try await self.requirePost(request)
            guard officer.has(.operator) else { throw WebError.forbidden }
            let item = try await self.visibleItem(try context.parameters.require("id"), for: officer)
            let requeued = try await self.store.retry(
                itemID: item.id, channel: form.text("channel"), by: officer.account.login, at: self.clock())
            if requeued.isEmpty { throw WebError(status: .conflict, message: "Không có kênh nào cần gửi lại.") }
            self.wake()
            return Response.redirect(to: "/bai/\(item.id)?kq=gui-lai", type: .normal)
        }
    }

    func addCancelAndResolve(to router: Router<BasicRequestContext>) {
        router.post("/bai/:id/huy") { request, context in
            let (officer, form) = try await self.requirePost(request)
            let item = try await self.visibleItem(try context.parameters.require("id"), for: officer)
            let authors = try await self.authors(of: item.id)
            let ownItem = officer.has(.author) && authors.contains(officer.account.login)
            guard officer.has(.operator) || ownItem else { throw WebError.forbidden }
            do {
                _ = try await self.store.cancel(
                    itemID: item.id, by: officer.account.login, reason: form.text("reason"), at: self.clock())
            } catch let error as StoreError where error.kind == .invalidState {
                throw WebError(status: .conflict, message: "Bài đã xong hoặc đã đóng, không hủy được nữa.")
            }
            self.wake()
            return Response.redirect(to: "/bai/\(item.id)?kq=huy", type: .normal)
        }
        router.post("/bai/:id/xac-nhan") { request, context in
            let (officer, form) = try await self.requirePost(request)
            guard officer.has(.operator) else { throw WebError.forbidden }
            let item = try await self.visibleItem(try context.parameters.require("id"), for: officer)
            guard let channel = form.text("channel") else { throw WebError.badRequest("thiếu tên kênh") }
            let resolution: Resolution
            switch form["decision"] {
            case "da-dang": resolution = .delivered(ChannelResult(url: form.text("url")))
            case "gui-lai": resolution = .resend
            case "khong-dang": resolution = .failed
            default: throw WebError.badRequest("chưa chọn kết quả (đã đăng, gửi lại hay không đăng)")
            }
            do {
                _ = try await self.store.resolve(
                    deliveryID: "\(item.id)/\(channel)", resolution, by: officer.account.login, at: self.clock())
            } catch let error as StoreError where error.kind == .invalidState {
                throw WebError(
                    status: .conflict, message: "Kênh \(channel) của bài này không ở trạng thái chưa rõ kết quả.")
            }
            self.wake()
            return Response.redirect(to: "/bai/\(item.id)?kq=xac-nhan", type: .normal)
        }
    }

    /// Logins that wrote the item's content (added or edited it): they may not approve it (four eyes).
    func authors(of itemID: String) async throws -> Set<String> {
        Set(
            try await store.auditTrail(itemID: itemID).filter { $0.action == "add" || $0.action == "edit" }.map(\.actor)
        )
    }

    // MARK: Queue

    func queuePage(_ officer: Officer, status: ItemStatus?) async throws -> Response {
        let units = officer.account.units
        // Drafts are their writers' own ("Bản nháp"): the queue shows what was submitted.
        let statuses = status.map { [$0] } ?? ItemStatus.allCases.filter { $0 != .draft }
        let listing = try await store.itemPage(
            ItemPageQuery(
                statuses: statuses, units: units.contains(Account.allUnits) ? nil : units, limit: 200))
        var rows: [[String: Any]] = []
        var attention = 0
        for row in listing.rows {
            let item = row.item
            let deliveries = row.deliveries
            attention += deliveries.filter { $0.state == .failed || $0.state == .uncertain }.count
            rows.append([
                "id": item.id, "title": item.content.title, "unit": item.content.unit, "status": item.status.rawValue,
                "status_label": item.status.label, "when": display(item.content.publishAt ?? item.createdAt),
                "channels": item.content.channels.joined(separator: ", "),
                "deliveries": deliveries.map { d -> [String: Any] in
                    [
                        "channel": d.channel, "state": d.state.rawValue, "state_label": d.state.label,
                        "error": d.lastError.map { Self.plainError(d.lastErrorClass, $0) } ?? "",
                    ]
                },
            ])
        }
        return page(
            "queue", title: "Hàng đợi", officer: officer,
            [
                "items": rows,
                "units": units.map { $0 == Account.allUnits ? "mọi đơn vị" : $0 }.joined(separator: ", "),
                "attention_count": attention > 0 ? "\(attention)" : false,
                "filters": [ItemStatus.submitted, .approved, .dispatching, .done, .partlyFailed, .failed, .rejected].map
                {
                    ["key": $0.rawValue, "label": $0.label]
                },
            ])
    }

    // MARK: Item

    func itemPage(_ officer: Officer, _ item: ItemRecord, notice: String?, ok: String?) async throws -> Response {
        let deliveries = try await store.deliveries(itemID: item.id)
        let audit = try await store.auditTrail(itemID: item.id)
        let names = try await displayNames()
        let installation = try await store.installationID()
        let authors = Set(audit.filter { $0.action == "add" || $0.action == "edit" }.map(\.actor))
        let feedback = try await store.inboundCounts(InboundEventFilter(itemID: item.id)).reduce(0) { $0 + $1.count }
        let approvable = item.status == .submitted
        let canRetry = officer.has(.operator)
        var values: [String: Any] = [
            "id": item.id, "title": item.content.title, "summary": item.content.summary ?? false,
            "body_html": Markdown.html(item.content.body), "unit": item.content.unit,
            "topic": topicLabel(item.content.topic), "priority": Self.priorityLabel(item.content.priority),
            "status": item.status.rawValue, "status_label": item.status.label, "created": display(item.createdAt),
            "publish_at": item.content.publishAt.map(display) ?? false,
            "approved_by": item.approvedBy.map { names[$0] ?? $0 } ?? false, "approved_at": display(item.approvedAt),
            "reason": item.statusReason ?? false, "hash": item.contentHash,
            "hash_short": String(item.contentHash.prefix(12)),
            "media": item.content.media.map { m -> [String: Any] in
                [
                    "name": (m.path ?? m.url ?? "").split(separator: "/").last.map(String.init) ?? "",
                    "caption": m.caption ?? false,
                ]
            },
            "has_deliveries": !deliveries.isEmpty,
            "deliveries": deliveries.map { d -> [String: Any] in
                [
                    "item_id": item.id, "channel": d.channel, "state": d.state.rawValue, "state_label": d.state.label,
                    "url": d.url ?? false, "due": d.state.isWaiting ? display(d.dueAt) : false,
                    "error_plain": d.lastError.map { Self.plainError(d.lastErrorClass, $0) } ?? false,
                    "error": d.lastError ?? "", "csrf": officer.session.csrfToken,
                    "can_retry": canRetry && (d.state == .failed || d.state == .expired),
                    "can_resolve": canRetry && d.state == .uncertain,
                    "can_retract": canRetry && d.state == .delivered && d.retractedAt == nil
                        && channels[d.channel]?.traits.supportsRetraction == true,
                    "retracted": d.retractedAt.map(display) ?? false,
                ]
            },
            "previews": previews(item, installationID: installation),
            "can_approve": approvable && officer.has(.approver),
            "edit_draft": item.status == .draft && officer.has(.author) && authors.contains(officer.account.login),
            "feedback_count": feedback > 0 ? "\(feedback)" : false,
            "own_item": settings.fourEyes && authors.contains(officer.account.login),
            "can_cancel": !item.status.isFinal
                && (officer.has(.operator) || (officer.has(.author) && authors.contains(officer.account.login))),
            "audit": audit.map { a -> [String: Any] in
                [
                    "at": display(a.at), "actor": names[a.actor].map { "\($0) (\(a.actor))" } ?? a.actor,
                    "action": AuditAction.label(a.action), "detail": a.detail ?? "",
                ]
            },
        ]
        if let notice { values["notice"] = notice }
        if let ok { values["ok"] = ok }
        return page("item", title: item.content.title, officer: officer, values)
    }

    /// What each target channel will send, by the channel's own rendering (``ChannelPreviewing``), with the
    /// channel's own validation problems.
    func previews(_ item: ItemRecord, installationID: String) -> [[String: Any]] {
        item.content.channels.map { name -> [String: Any] in
            guard let channel = channels[name] else {
                return ["channel": name, "type": "?", "problems": ["Kênh \(name) không có trong cấu hình."]]
            }
            let channelItem = item.channelItem(for: name, topicLabel: topicLabel)
            let problems = channel.validate(channelItem).map { "\($0.field): \($0.message)" }
            var values: [String: Any] = ["channel": name, "type": channel.type, "problems": problems]
            if let previewing = channel as? any ChannelPreviewing {
                let preview = previewing.preview(channelItem, installationID: installationID)
                values["notes"] = preview.notes
                values["parts"] = preview.parts.map { ["label": $0.label, "text": $0.text, "is_html": $0.isHTML] }
            } else {
                values["notes"] = [
                    "Kênh này chưa có bản xem trước riêng; nội dung chung của bài ở trên là nội dung gửi đi."
                ]
            }
            return values
        }
    }

    func displayNames() async throws -> [String: String] {
        Dictionary(try await store.accounts().map { ($0.login, $0.displayName) }, uniquingKeysWith: { a, _ in a })
    }

    /// A delivery error in plain Vietnamese, by its class (the technical message is shown folded).
    static func plainError(_ errorClass: String?, _ message: String) -> String {
        switch errorClass {
        case "network": "Không kết nối được tới máy chủ của kênh (mạng hoặc máy chủ đang tắt)."
        case "timeout": "Máy chủ của kênh trả lời quá chậm."
        case "tls": "Lỗi chứng chỉ bảo mật (TLS) khi kết nối tới kênh."
        case "throttled": "Kênh yêu cầu gửi chậm lại; hệ thống sẽ tự gửi lại sau."
        case "server": "Máy chủ của kênh đang gặp lỗi; hệ thống sẽ tự gửi lại."
        case "auth": "Tài khoản hoặc mã truy cập của kênh không còn hợp lệ; cần cán bộ vận hành cấp lại."
        case "forbidden": "Kênh không cho phép đăng bài này (thiếu quyền)."
        case "rejected": "Kênh từ chối nội dung bài (độ dài, ảnh hoặc định dạng)."
        case "bad-response": "Kênh trả lời không đúng dạng mong đợi."
        case "local": "Lỗi trên máy chủ của hệ thống (tệp, chương trình)."
        case "config": "Cấu hình kênh chưa đúng; cần cán bộ vận hành sửa."
        case "quiet-hours": "Đang trong giờ kênh không nhận tin; bài sẽ được gửi sau."
        case "cancelled": "Việc gửi bị dừng giữa chừng; hệ thống sẽ gửi lại."
        default: "Gửi không thành công."
        }
    }

    static func priorityLabel(_ p: Priority) -> String {
        switch p {
        case .normal: "thường"
        case .high: "ưu tiên"
        case .emergency: "khẩn cấp"
        }
    }
}
