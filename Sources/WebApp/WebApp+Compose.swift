import ChannelKit
import Foundation
import Hummingbird
import Queue
import Rendering

extension WebApp {
    func addCompose(to router: Router<BasicRequestContext>) {
        router.get("/soan") { request, _ in
            let officer = try await self.requireGet(request)
            guard officer.has(.author) else { throw WebError.forbidden }
            if let id = request.uri.queryParameters["nhap"].map(String.init) {
                let draft = try await self.ownDraft(id, for: officer)
                return try await self.composePage(
                    officer, self.form(of: draft), errors: [], preview: nil, image: self.uploadName(of: draft),
                    draftID: draft.id)
            }
            return try await self.composePage(officer, Form(), errors: [], preview: nil, image: nil)
        }
        router.post("/soan") { request, _ in
            let (officer, form) = try await self.requirePost(request)
            guard officer.has(.author) else { throw WebError.forbidden }
            // Editing a draft: only its writer's own, still a draft, in a unit the account covers.
            var draft: ItemRecord?
            if let id = form.text("draft_id") { draft = try await self.ownDraft(id, for: officer) }
            let saveDraft = form["action"] == "draft"
            var errors: [String] = []
            var image: String? = nil
            do {
                image = try self.acceptImage(form)
            } catch let error as WebError {
                errors.append(error.message)
            }
            let (content, problems) = self.content(form, officer: officer, image: image, draft: saveDraft)
            errors += problems
            if form["action"] == "preview" || !errors.isEmpty {
                return try await self.composePage(
                    officer, form, errors: errors, preview: Markdown.html(form["body"] ?? ""), image: image,
                    draftID: draft?.id, status: errors.isEmpty ? .ok : .unprocessableContent)
            }
            guard let content else { throw WebError.badRequest("biểu mẫu chưa đủ") }
            let now = self.clock()
            let record: ItemRecord
            do {
                (record, _) = try await self.store.addItem(
                    NewItem(
                        id: draft?.id, idMonth: self.month(now), content: content,
                        source: "web:\(officer.account.login)", actor: officer.account.login, draft: saveDraft),
                    at: now, plan: self.plan)
            } catch let error as StoreError where error.kind == .invalidState || error.kind == .locked {
                throw WebError(
                    status: .conflict, message: "Bài nháp này đã được gửi duyệt hoặc đã đóng, không sửa được nữa.")
            }
            self.logger.info(
                saveDraft ? "web draft saved" : "web item submitted",
                metadata: ["item": "\(record.id)", "login": "\(officer.account.login)"])
            return Response.redirect(to: "/bai/\(record.id)?kq=\(saveDraft ? "nhap" : "gui")", type: .normal)
        }
    }

    /// The item the form describes, or the problems found (in the officer's terms, naming the field).
    /// A draft needs only a title and a unit; the channels' rules are checked when it is submitted.
    func content(_ form: Form, officer: Officer, image: String?, draft: Bool = false) -> (ItemContent?, [String]) {
        content(form, account: officer.account, image: image, draft: draft)
    }

    func content(_ form: Form, account: Account, image: String?, draft: Bool = false) -> (ItemContent?, [String]) {
        var problems: [String] = []
        let title = form.text("title") ?? ""
        if title.isEmpty { problems.append("Tiêu đề: chưa có.") }
        let body = form["body"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if body.isEmpty && !draft { problems.append("Nội dung: chưa có.") }
        let unit = form.text("unit_other") ?? form.text("unit") ?? ""
        if unit.isEmpty || unit == Account.allUnits {
            problems.append("Đơn vị: chưa chọn.")
        } else if !account.covers(unit: unit) {
            problems.append("Đơn vị: tài khoản không được soạn tin cho \"\(unit)\".")
        }
        let topic = form.text("topic") ?? "khac"
        if !topics.contains(where: { $0.key == topic }) { problems.append("Lĩnh vực: \"\(topic)\" không có.") }
        let priority = Priority(rawValue: form.text("priority") ?? "thuong")
        if priority == nil { problems.append("Mức ưu tiên: không hợp lệ.") }
        let chosen = form.all("channels")
        if chosen.isEmpty && !draft { problems.append("Kênh: chọn ít nhất một kênh.") }
        for name in chosen where channels[name] == nil { problems.append("Kênh: \"\(name)\" không có trong cấu hình.") }
        var publishAt: Date?
        if let text = form.text("publish_at") {
            publishAt = parseLocal(text)
            if publishAt == nil { problems.append("Thời điểm đăng: \"\(text)\" không đúng dạng ngày giờ.") }
        }
        var media: [MediaRef] = []
        if let image {
            media.append(MediaRef(path: settings.mediaDirectory + "/" + image, caption: form.text("caption")))
        }
        guard problems.isEmpty, let priority else { return (nil, problems) }
        if draft {
            return (
                ItemContent(
                    title: title, summary: form.text("summary"), body: body, topic: topic, unit: unit,
                    author: account.displayName, channels: chosen, publishAt: publishAt, priority: priority,
                    media: media), []
            )
        }
        let content = ItemContent(
            title: title, summary: form.text("summary"), body: body, topic: topic, unit: unit,
            author: account.displayName, channels: chosen, publishAt: publishAt, priority: priority,
            media: media)
        // Each channel's own rules (length limits, required media), before anything is stored.
        for name in chosen {
            guard let channel = channels[name] else { continue }
            let draft = content.channelItem(for: name, id: "xem-truoc", topicLabel: topicLabel)
            for p in channel.validate(draft) { problems.append("\(name) — \(p.field): \(p.message)") }
        }
        return problems.isEmpty ? (content, []) : (nil, problems)
    }

    /// Saves an uploaded image into the media folder and returns its file name; or the name of one uploaded
    /// earlier in this form (checked to be a name this app made).
    func acceptImage(_ form: Form) throws(WebError) -> String? {
        if let file = form.files["image"], !file.bytes.isEmpty {
            guard file.bytes.count <= 10 * 1024 * 1024 else { throw .badRequest("Ảnh: lớn hơn 10 MB.") }
            guard let ext = Self.imageExtension(file.bytes) else {
                throw .badRequest("Ảnh: tệp \"\(file.filename)\" không phải ảnh JPEG, PNG, WebP hay GIF.")
            }
            let name = String(Self.randomToken().prefix(20)) + "." + ext
            do {
                try FileManager.default.createDirectory(
                    atPath: settings.mediaDirectory, withIntermediateDirectories: true)
                let path = settings.mediaDirectory + "/" + name
                guard FileManager.default.createFile(atPath: path, contents: Data(file.bytes)) else {
                    throw CocoaError(.fileWriteUnknown)
                }
            } catch {
                logger.error("web upload failed", metadata: ["dir": "\(settings.mediaDirectory)", "error": "\(error)"])
                throw WebError(
                    status: .internalServerError, message: "Không lưu được ảnh vào thư mục ảnh của hệ thống.")
            }
            logger.info("web image uploaded", metadata: ["file": "\(name)", "bytes": "\(file.bytes.count)"])
            return name
        }
        if let earlier = form.text("image_path") {
            guard Self.isUploadName(earlier),
                FileManager.default.fileExists(atPath: settings.mediaDirectory + "/" + earlier)
            else { throw .badRequest("Ảnh: tệp đã tải lên không còn, hãy chọn lại ảnh.") }
            return earlier
        }
        return nil
    }

    /// By content, not by the name the browser sent.
    static func imageExtension(_ b: [UInt8]) -> String? {
        if b.count > 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return "jpg" }
        if b.count > 8, b[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "png" }
        if b.count > 12, b[0..<4].elementsEqual(Array("RIFF".utf8)), b[8..<12].elementsEqual(Array("WEBP".utf8)) {
            return "webp"
        }
        if b.count > 6, b[0..<6].elementsEqual(Array("GIF89a".utf8)) || b[0..<6].elementsEqual(Array("GIF87a".utf8)) {
            return "gif"
        }
        return nil
    }

    static func isUploadName(_ name: String) -> Bool {
        let parts = name.split(separator: ".")
        guard parts.count == 2, parts[0].count == 20, ["jpg", "png", "webp", "gif"].contains(String(parts[1])) else {
            return false
        }
        return parts[0].allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// `2026-12-07T17:30` (a datetime-local field) in the configured time zone.
    func parseLocal(_ text: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            f.dateFormat = format
            if let d = f.date(from: text) { return d }
        }
        return nil
    }

    func month(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", c.year ?? 1970, c.month ?? 1)
    }

    func composePage(
        _ officer: Officer, _ form: Form, errors: [String], preview: String?, image: String?, draftID: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let units = officer.account.units.filter { $0 != Account.allUnits }
        let chosenUnit = form.text("unit") ?? units.first ?? ""
        let chosenChannels = Set(form.all("channels"))
        let topic = form.text("topic") ?? "tthc"
        let priority = form.text("priority") ?? "thuong"
        let now = clock()
        var values: [String: Any] = [
            "title": form["title"] ?? "", "summary": form["summary"] ?? "", "body": form["body"] ?? "",
            "units": units.map { ["value": $0, "selected": $0 == chosenUnit] },
            "free_unit": officer.account.units.contains(Account.allUnits), "unit_other": form["unit_other"] ?? "",
            "topics": topics.map { ["key": $0.key, "label": $0.label, "selected": $0.key == topic] },
            "priorities": Priority.allCases.map {
                ["key": $0.rawValue, "label": Self.priorityLabel($0), "selected": $0.rawValue == priority]
            },
            "channels": channelOrder.compactMap { name -> [String: Any]? in
                guard let c = channels[name] else { return nil }
                let limits = (c as? any TextLimited)?.textLimits ?? []
                let slots = nextSlots(channel: name, after: now)
                return [
                    "name": name, "type": c.type, "checked": chosenChannels.contains(name),
                    // Read by app.js: `measure:maximum:label` separated by `|`.
                    "limits": limits.map { "\($0.measure.rawValue):\($0.maximum):\($0.label)" }.joined(separator: "|"),
                    "slots": slots.map { d -> [String: Any] in ["value": localInput(d), "label": display(d)] },
                    "has_slots": !slots.isEmpty,
                ]
            },
            "publish_at": form["publish_at"] ?? "", "caption": form["caption"] ?? "",
            "has_errors": !errors.isEmpty, "errors": errors,
        ]
        if let draftID {
            values["draft_id"] = draftID
            values["heading"] = "Sửa bản nháp \(draftID)"
        }
        if let image {
            values["image_path"] = image
            values["image_name"] = image
        }
        if let preview, !(form["body"] ?? "").isEmpty { values["preview_html"] = preview }
        return page(
            "compose", title: draftID == nil ? "Soạn tin" : "Sửa bản nháp", officer: officer, status: status, values)
    }

    /// `2026-12-07T17:30`, what a datetime-local field holds.
    func localInput(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        f.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return f.string(from: date)
    }
}
