import ArgumentParser
import ChannelKit
import Config
import Foundation
import Logging
import Intake
import Queue
import Workflows

struct ItemCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "item", abstract: "Bài viết: thêm, xem, duyệt, từ chối, hủy, gửi lại.",
        subcommands: [
            Add.self, New.self, List.self, Show.self, Approve.self, Reject.self, Cancel.self, Retry.self, Retract.self,
        ])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Đưa tệp bài viết (.md có phần thông tin YAML, hoặc .yaml) vào hàng đợi, một hay nhiều tệp; in mã từng bài."
        )
        @Argument(help: "Tệp bài viết (một hoặc nhiều); tệp Word .docx được chuyển thành tệp .md bên cạnh.")
        var files: [String]
        @Option(help: "Với tệp .docx: lĩnh vực (tthc, the-che, …).") var topic: String?
        @Option(help: "Với tệp .docx: đơn vị ban hành.") var unit: String?
        @Option(name: .customLong("channel"), help: "Với tệp .docx: kênh đăng (ghi nhiều lần hoặc ngăn bằng dấu phẩy).")
        var channelNames: [String] = []
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let session = try Session.open(json: options.json)
                // Checking an item needs no secret: officers run this, and *_credential keys only resolve
                // inside the service.
                let (channels, http) = try session.channels(readSecrets: false)
                defer { http.shutdown() }
                let planner = session.planner
                let intake = ItemIntake(config: session.config, channels: channels, store: session.store) {
                    planner.plan($0)
                }
                let user = ProcessInfo.processInfo.environment["USER"] ?? "cchc"
                var results: [[String: Any]] = []
                var failed: [CLIError] = []
                for file in files {
                    do throws(CLIError) {
                        var adder = ItemAdder(session: session, intake: intake, actor: user)
                        if let topic { adder.wordFrontMatter["topic"] = topic }
                        if let unit { adder.wordFrontMatter["unit"] = WordImport.quoted(unit) }
                        let names = channelNames.flatMap { $0.split(separator: ",") }.map {
                            $0.trimmingCharacters(in: .whitespaces)
                        }
                        if !names.isEmpty { adder.wordFrontMatter["channels"] = "[\(names.joined(separator: ", "))]" }
                        let (result, warnings) = try await adder.add(file)
                        if options.json {
                            results.append([
                                "file": file, "id": result.item.id, "status": result.item.status.rawValue,
                                "created": result.created, "warnings": warnings,
                            ])
                        } else {
                            for w in warnings {
                                FileHandle.standardError.write(Data("cchc: \(file): lưu ý: \(w)\n".utf8))
                            }
                            print(result.item.id)
                        }
                    } catch {
                        // One bad file does not stop the batch: the others go in, the bad one is named.
                        failed.append(error)
                        if options.json {
                            results.append(["file": file, "error": ["code": error.code, "message": error.message]])
                        } else if files.count > 1 {
                            FileHandle.standardError.write(Data("cchc: \(error.message)\n".utf8))
                        }
                    }
                }
                if options.json {
                    // One file: the object documented in docs/cli.md; several: one per file.
                    if files.count == 1, let only = results.first {
                        if let error = failed.first { throw error }
                        Output.printJSON(only)
                    } else {
                        Output.printJSON(["items": results])
                    }
                }
                if let error = failed.first {
                    if files.count == 1 { throw error }
                    throw CLIError(
                        code: error.code,
                        message: "\(failed.count) trong \(files.count) tệp không đưa vào được (xem các dòng trên)",
                        exit: error.exit, alreadyReported: options.json)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Liệt kê bài viết (mới nhất trước).")
        @Option(
            help:
                "Lọc theo trạng thái (có thể ghi nhiều lần), tiếng Việt có dấu hay không dấu: \(StateWords.itemWords)."
        )
        var status: [String] = []
        @Option(help: "Lọc theo kênh.") var channel: String?
        @Option(
            name: [.customLong("search"), .customLong("tim")],
            help: "Tìm trong tiêu đề, tóm tắt và nội dung (không phân biệt hoa thường, có dấu hay không dấu).")
        var search: String?
        @Option(help: "Lọc theo đơn vị.") var unit: String?
        @Option(help: "Tạo từ ngày (YYYY-MM-DD).") var from: String?
        @Option(help: "Tạo trước ngày (YYYY-MM-DD, không kể ngày này).") var to: String?
        @Option(help: "Số bài tối đa.") var limit: Int = 100
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let session = try Session.open(json: options.json)
                var statuses: [ItemStatus] = []
                for s in status.flatMap({ $0.split(separator: ",").map(String.init) }) {
                    guard let st = StateWords.itemStatus(s) else {
                        throw CLIError(
                            code: "usage",
                            message: "trạng thái \"\(s)\" không có; dùng: \(StateWords.itemWords)",
                            exit: 64)
                    }
                    statuses.append(st)
                }
                if let channel, session.config.channel(named: channel) == nil {
                    throw CLIError(
                        code: "not-found",
                        message:
                            "không có kênh \"\(channel)\" trong cấu hình (các kênh: \(session.config.channels.map(\.name).joined(separator: ", ")))",
                        exit: Exit.notFound)
                }
                let tz = session.config.timeZone
                func day(_ s: String?, _ name: String) throws(CLIError) -> Date? {
                    guard let s else { return nil }
                    guard let d = DateText.parse(s, timeZone: tz) else {
                        throw CLIError(
                            code: "usage", message: "--\(name): ngày \"\(s)\" không hợp lệ (YYYY-MM-DD)", exit: 64)
                    }
                    return d
                }
                // A search reads more items than it shows: the limit applies to what matches.
                let filter = ItemFilter(
                    statuses: statuses.isEmpty ? nil : statuses, channel: channel, unit: unit,
                    from: try day(from, "from"),
                    to: try day(to, "to"), limit: search == nil ? limit : max(limit, 100_000))
                var items: [ItemRecord]
                do { items = try await session.store.items(filter) } catch { throw session.storeError(error) }
                if let search {
                    items = Array(items.filter { ItemSearch.matches($0, search) }.prefix(limit))
                }
                if options.json {
                    Output.printJSON(["items": items.map { ItemJSON.item($0, session: session) }])
                    return
                }
                if items.isEmpty {
                    print("Không có bài nào.")
                    return
                }
                // Which date: "Hẹn đăng" is the publish time asked for (blank: as soon as approved),
                // "Tạo lúc" when the item entered the queue (what --from/--to filter on).
                var rows = [["MÃ BÀI", "TRẠNG THÁI", "HẸN ĐĂNG", "TẠO LÚC", "ĐƠN VỊ", "TIÊU ĐỀ"]]
                for item in items {
                    rows.append([
                        item.id, item.status.label,
                        item.content.publishAt.map { session.display($0) } ?? "khi duyệt",
                        session.display(item.createdAt), item.content.unit, item.content.title,
                    ])
                }
                TextTable.print(rows)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Xem một bài: trạng thái từng kênh, các lần gửi, đường dẫn.")
        @Argument(help: "Mã bài.") var id: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let session = try Session.open(json: options.json)
                let item: ItemRecord
                var deliveries: [(DeliveryRecord, [AttemptRecord])] = []
                var parts: [String: [AttemptPartRecord]] = [:]
                let audit: [AuditRecord]
                do {
                    guard let found = try await session.store.item(id) else {
                        throw CLIError(code: "not-found", message: "không tìm thấy bài \(id)", exit: Exit.notFound)
                    }
                    item = found
                    audit = try await session.store.auditTrail(itemID: id)
                    for d in try await session.store.deliveries(itemID: id) {
                        deliveries.append((d, try await session.store.attempts(deliveryID: d.id)))
                        parts[d.id] = try await session.store.attemptParts(deliveryID: d.id)
                    }
                } catch let e as CLIError {
                    throw e
                } catch let e as StoreError {
                    throw session.storeError(e)
                } catch {
                    throw CLIError(code: "failure", message: "\(error)", exit: Exit.failure)
                }
                if options.json {
                    var obj = ItemJSON.item(item, session: session)
                    // What will go out, for the approver (issue 14): body, media and every override.
                    obj.merge(ItemJSON.content(item.content)) { $1 }
                    obj["deliveries"] = deliveries.map {
                        ItemJSON.delivery($0.0, attempts: $0.1, parts: parts[$0.0.id] ?? [], session: session)
                    }
                    obj["audit"] = audit.map { a -> [String: Any] in
                        [
                            "at": session.rfc3339(a.at)!, "actor": a.actor, "action": a.action,
                            "detail": a.detail ?? NSNull(),
                        ]
                    }
                    Output.printJSON(obj)
                    return
                }
                let c = item.content
                print("Bài \(item.id): \(c.title)")
                print("  Trạng thái: \(item.status.label)\(item.statusReason.map { " (\($0))" } ?? "")")
                print(
                    "  Đơn vị: \(c.unit) · Lĩnh vực: \(session.config.topicLabel(c.topic)) · Ưu tiên: \(c.priority.label)"
                )
                print("  Đăng lúc: \(session.display(c.publishAt)) · Hết hạn: \(session.display(c.expiresAt))")
                if let by = item.approvedBy { print("  Người duyệt: \(by) lúc \(session.display(item.approvedAt))") }
                ItemContentText.show(c)
                print("  Kênh:")
                if deliveries.isEmpty { print("    (chưa có — bài chưa được duyệt)") }
                for (d, attempts) in deliveries {
                    var line =
                        "    \(d.channel) [\(d.state.label)] hẹn \(session.display(d.dueAt)), \(d.attempts) lần gửi"
                    if let url = d.url { line += " → \(url)" }
                    if let at = d.retractedAt {
                        line += " — đã gỡ lúc \(session.display(at))\(d.retractedBy.map { " (\($0))" } ?? "")"
                    }
                    print(line)
                    if d.state != .delivered, d.lastError != nil || d.lastErrorClass != nil {
                        var el =
                            "      lỗi gần nhất: " + (d.lastErrorClass.map(AttemptWords.errorKind) ?? "không rõ loại")
                        if let err = d.lastError, !err.isEmpty { el += " — " + AttemptWords.detail(err) }
                        print(el)
                    }
                    for a in attempts {
                        var al =
                            "      lần \(a.number) lúc \(session.display(a.startedAt)): "
                            + AttemptWords.outcome(a.outcome, errorClass: a.errorClass)
                        if let kind = a.errorClass, a.outcome != .delivered {
                            // An interrupted attempt's class only repeats its outcome: the key alone.
                            al +=
                                a.outcome == .interrupted ? " (mã lỗi: \(kind))" : " — " + AttemptWords.errorKind(kind)
                        }
                        al += ", \(a.durationMilliseconds) ms"
                        if let code = a.code { al += ", mã phản hồi \(code)" }
                        if let m = a.message, !m.isEmpty { al += " — " + AttemptWords.detail(m) }
                        print(al)
                        // Deliveries sent in parts (email): each recipient's outcome in this attempt.
                        for p in (parts[d.id] ?? []) where p.attempt == a.number {
                            let o = p.outcome
                            var pl = "        \(o.part): \(AttemptWords.part(o.state))"
                            if let code = o.code { pl += ", mã phản hồi \(code)" }
                            if let m = o.message, !m.isEmpty { pl += " — " + AttemptWords.detail(m) }
                            print(pl)
                        }
                    }
                }
                // Who did what (`cchc`'s `--by` with the operating-system user, web accounts, the daemon).
                print("  Nhật ký thao tác:")
                for a in audit {
                    var al = "    \(session.display(a.at)) \(a.actor): \(AuditAction.label(a.action))"
                    if let d = a.detail, !d.isEmpty { al += " — \(d)" }
                    print(al)
                }
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Duyệt bài (theo đúng nội dung hiện tại); bài sẽ được gửi đúng lịch.")
        @Argument(help: "Mã bài.") var id: String
        @Option(help: "Họ tên người duyệt.") var by: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let session = try Session.open(json: options.json)
                let by = try requireName(by)
                let planner = session.planner
                let record: ItemRecord
                do {
                    record = try await session.store.approve(itemID: id, by: by, at: Date()) { planner.plan($0) }
                } catch { throw session.storeError(error) }
                let deliveries = (try? await session.store.deliveries(itemID: id)) ?? []
                if options.json {
                    var obj = ItemJSON.item(record, session: session)
                    obj["deliveries"] = deliveries.map { ItemJSON.delivery($0, attempts: [], session: session) }
                    Output.printJSON(obj)
                } else {
                    print("Đã duyệt bài \(id). Lịch gửi:")
                    for d in deliveries { print("  \(d.channel): \(session.display(d.dueAt))") }
                }
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Từ chối bài (không gửi).")
        @Argument(help: "Mã bài.") var id: String
        @Option(help: "Họ tên người từ chối.") var by: String
        @Option(help: "Lý do.") var reason: String?
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await closeItem(id, by: by, json: options.json, done: "Đã từ chối bài \(id).") { store, by in
                try await store.reject(itemID: id, by: by, reason: reason, at: Date())
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hủy bài: các kênh chưa gửi sẽ không gửi nữa.")
        @Argument(help: "Mã bài.") var id: String
        @Option(help: "Họ tên người hủy.") var by: String
        @Option(help: "Lý do.") var reason: String?
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await closeItem(id, by: by, json: options.json, done: "Đã hủy bài \(id).") { store, by in
                try await store.cancel(itemID: id, by: by, reason: reason, at: Date())
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Gửi lại các kênh bị lỗi của bài (hoặc một kênh).")
        @Argument(help: "Mã bài.") var id: String
        @Option(help: "Chỉ gửi lại kênh này.") var channel: String?
        @Option(help: "Họ tên người yêu cầu.") var by: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let by = try requireName(by)
                let session = try Session.open(json: options.json)
                let requeued: [DeliveryRecord]
                do { requeued = try await session.store.retry(itemID: id, channel: channel, by: by, at: Date()) } catch
                {
                    throw session.storeError(error)
                }
                if options.json {
                    Output.printJSON([
                        "requeued": requeued.map { ItemJSON.delivery($0, attempts: [], session: session) }
                    ])
                } else if requeued.isEmpty {
                    print("Bài \(id) không có kênh nào cần gửi lại.")
                } else {
                    print("Sẽ gửi lại: \(requeued.map(\.channel).joined(separator: ", ")).")
                }
            }
        }
    }
}

extension ItemCommand {
    /// `cchc item retract`: takes published posts down on the channels that can (Facebook), and records it.
    struct Retract: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Gỡ bài đã đăng trên các kênh cho phép gỡ (ví dụ Facebook), và ghi nhận việc gỡ.")
        @Argument(help: "Mã bài.") var id: String
        @Option(help: "Chỉ gỡ trên kênh này.") var channel: String?
        @Option(help: "Họ tên người yêu cầu gỡ.") var by: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let by = try requireName(by)
                let session = try Session.open(json: options.json)
                let (channels, http) = try session.channels()
                defer { http.shutdown() }
                var logger = Logger(label: "cchc")
                logger.logLevel = .warning
                // A separate process has no view of the engine's halted channels: `haltedChannels` stays empty.
                let retraction = Retraction(store: session.store, channels: channels, logger: logger)
                let outcome: Retraction.Outcome
                do throws(Retraction.Failure) {
                    outcome = try await retraction.retract(itemID: id, channel: channel, by: by, at: Date())
                } catch {
                    switch error {
                    case .notFound(let message):
                        throw CLIError(code: "not-found", message: message, exit: Exit.notFound)
                    case .invalidState(let message):
                        throw CLIError(code: "invalid-state", message: message, exit: Exit.invalidState)
                    case .store(let underlying): throw session.storeError(underlying)
                    }
                }
                let done = outcome.retracted
                let failed = outcome.failed
                let skipped = outcome.skipped
                let failure =
                    failed.isEmpty
                    ? nil
                    : CLIError(
                        code: "retract-failed",
                        message: "không gỡ được bài \(id) trên \(failed.map(\.0.channel).joined(separator: ", "))",
                        exit: Exit.failure, alreadyReported: options.json)
                if options.json {
                    var answer: [String: Any] = [
                        "retracted": done.map { ItemJSON.delivery($0, attempts: [], session: session) },
                        "failed": failed.map { ["channel": $0.0.channel, "error": $0.1] },
                        "skipped": skipped.map { ["channel": $0.0.channel, "reason": $0.1] },
                    ]
                    if let failure { answer["error"] = ["code": failure.code, "message": failure.message] }
                    Output.printJSON(answer)
                } else {
                    for d in done { print("Đã gỡ bài trên \(d.channel)\(d.remoteID.map { " (mã \($0))" } ?? "").") }
                    for (d, why) in skipped { print("Không gỡ trên \(d.channel): \(why).") }
                    for (d, error) in failed { print("Không gỡ được trên \(d.channel): \(error)") }
                }
                if let failure { throw failure }
            }
        }
    }
}

/// Rejects or cancels an item: the store operation, then the wake-up and the answer.
private func closeItem(
    _ id: String, by: String, json: Bool, done: String,
    _ operation: @escaping (SQLiteStore, String) async throws -> ItemRecord
) async throws {
    try await perform(json: json) { () async throws(CLIError) in
        let by = try requireName(by)
        let session = try Session.open(json: json)
        let record: ItemRecord
        do { record = try await operation(session.store, by) } catch { throw session.storeError(error) }
        if json { Output.printJSON(ItemJSON.item(record, session: session)) } else { print(done) }
    }
}

/// The documented JSON shapes of `cchc item … --json` (docs/cli.md).
/// An item's full content as the approver reads it: everything that will go out.
enum ItemContentText {
    static func show(_ c: ItemContent) {
        print("  Kênh gửi: \(c.channels.joined(separator: ", "))")
        print("  Tác giả: \(c.author ?? "(không ghi)")")
        print("  Tóm tắt: \(c.summary ?? "(không có)")")
        if c.media.isEmpty {
            print("  Ảnh/tệp đính kèm: (không có)")
        } else {
            print("  Ảnh/tệp đính kèm:")
            for m in c.media {
                let caption = m.caption.map { " — \($0)" } ?? ""
                if let path = m.path {
                    let size = ItemJSON.fileSize(path).map { Self.size($0) } ?? "không còn tệp"
                    print("    - \(path) (\(size))\(caption)")
                } else if let url = m.url {
                    print("    - \(url) (liên kết)\(caption)")
                }
            }
        }
        if c.overrides.isEmpty {
            print("  Nội dung riêng theo kênh: (không có)")
        } else {
            print("  Nội dung riêng theo kênh:")
            for channel in c.overrides.keys.sorted() {
                for (field, value) in c.overrides[channel, default: [:]].sorted(by: { $0.key < $1.key }) {
                    let label = field == "lists" ? "lists (người nhận)" : field
                    print("    \(channel).\(label): \(Self.indented(value, by: 6))")
                }
            }
        }
        print("  Nội dung:")
        print("      " + Self.indented(c.body, by: 6))
    }

    static func indented(_ text: String, by n: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(
            separator: "\n" + String(repeating: " ", count: n))
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20
            ? String(format: "%.1f MB", Double(bytes) / 1_048_576)
            : bytes >= 1024 ? String(format: "%.0f KB", Double(bytes) / 1024) : "\(bytes) byte"
    }
}

enum ItemJSON {
    /// `body`, `media` (with each local file's size now, `null` when it is gone) and `overrides`: added to
    /// `item show`'s shape (additive).
    static func content(_ c: ItemContent) -> [String: Any] {
        [
            "body": c.body,
            "media": c.media.map { m in
                [
                    "path": m.path ?? NSNull(), "url": m.url ?? NSNull(), "caption": m.caption ?? NSNull(),
                    "size": m.path.flatMap(fileSize).map { $0 as Any } ?? NSNull(),
                ] as [String: Any]
            },
            "overrides": c.overrides,
        ]
    }

    static func fileSize(_ path: String) -> Int? {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    static func item(_ r: ItemRecord, session: Session) -> [String: Any] {
        let c = r.content
        return [
            "id": r.id, "status": r.status.rawValue, "title": c.title, "summary": c.summary ?? NSNull(),
            "topic": c.topic,
            "unit": c.unit, "author": c.author ?? NSNull(), "channels": c.channels, "priority": c.priority.rawValue,
            "publish_at": session.rfc3339(c.publishAt) ?? NSNull(),
            "expires_at": session.rfc3339(c.expiresAt) ?? NSNull(),
            "approved_by": r.approvedBy ?? NSNull(), "approved_at": session.rfc3339(r.approvedAt) ?? NSNull(),
            "content_hash": r.contentHash, "source": r.source, "created_at": session.rfc3339(r.createdAt)!,
            "updated_at": session.rfc3339(r.updatedAt)!, "status_reason": r.statusReason ?? NSNull(),
        ]
    }

    static func delivery(
        _ d: DeliveryRecord, attempts: [AttemptRecord], parts: [AttemptPartRecord] = [], session: Session
    ) -> [String: Any] {
        [
            "id": d.id, "channel": d.channel, "channel_type": d.channelType, "state": d.state.rawValue,
            "due_at": session.rfc3339(d.dueAt)!, "attempts": d.attempts, "after": d.after ?? NSNull(),
            "last_error_class": d.lastErrorClass ?? NSNull(), "last_error": d.lastError ?? NSNull(),
            "remote_id": d.remoteID ?? NSNull(), "url": d.url ?? NSNull(),
            "delivered_at": session.rfc3339(d.deliveredAt) ?? NSNull(),
            "retracted_at": session.rfc3339(d.retractedAt) ?? NSNull(), "retracted_by": d.retractedBy ?? NSNull(),
            "attempt_log": attempts.map { a in
                [
                    "number": a.number, "started_at": session.rfc3339(a.startedAt)!,
                    "finished_at": session.rfc3339(a.finishedAt)!,
                    "outcome": a.outcome.rawValue, "error_class": a.errorClass ?? NSNull(),
                    "message": a.message ?? NSNull(),
                    "code": a.code.map { $0 as Any } ?? NSNull(), "remote_id": a.remoteID ?? NSNull(),
                    "url": a.url ?? NSNull(),
                    "duration_ms": a.durationMilliseconds,
                    "parts": parts.filter { $0.attempt == a.number }.map { p in
                        [
                            "part": p.outcome.part, "state": p.outcome.state.rawValue,
                            "code": p.outcome.code.map { $0 as Any } ?? NSNull(),
                            "message": p.outcome.message ?? NSNull(), "remote_id": p.outcome.remoteID ?? NSNull(),
                        ] as [String: Any]
                    },
                ] as [String: Any]
            },
        ]
    }
}
