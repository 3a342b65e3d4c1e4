import ChannelConfig
import ChannelKit
import Foundation
import Rendering
import Transport

/// The `email` channel: sends an item to distribution lists over SMTP (libcurl), one message per
/// recipient, and reports every recipient's outcome as a part of the delivery (Plugins/Email/README.md).
///
/// A recipient accepted in an earlier attempt is never sent to again; a 4xx reply defers only that
/// recipient to the next attempt; a 5xx reply fails only that recipient.
public struct EmailChannel: Channel {
    public let name: String
    public let type = "email"
    /// Not idempotent: a stop in the middle of a delivery leaves recipients whose messages went out but
    /// whose outcome was not recorded yet, so the delivery becomes `uncertain` for a person to resolve.
    public let traits = ChannelTraits(idempotent: false)

    let smtp: SMTPConfiguration
    let composer: MailComposer
    let lists: DistributionLists
    /// `allow_item_addresses`: an item's `lists` override may name single addresses too (default: only the
    /// configured lists, so an item file cannot send the item, and its attachments, anywhere else).
    let allowItemAddresses: Bool
    let defaultLists: [String]
    let subject: ChannelTemplate
    let textBody: ChannelTemplate
    let htmlBody: ChannelTemplate
    let signature: String?
    let maxAttachmentBytes: Int
    let pacing: MessagePacing
    /// How long to wait after a 421 or "too many connections" before the next attempt.
    let throttleBackoff: Duration

    /// Reads the channel's keys from its configuration section (Plugins/Email/README.md lists them).
    ///
    /// - Throws: ``ConfigError`` naming the key path (and the CSV file's line for list files).
    public init(name: String, section: ConfigSection, context: ChannelContext) throws(ConfigError) {
        self.name = name
        let url = try section.requireString("smtp")
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", parsed.host?.isEmpty == false, parsed.query == nil
        else {
            throw section.error(
                "smtp", "expected smtps://host:465 or smtp://host:587 (STARTTLS is then required), found \"\(url)\"")
        }
        guard parsed.user == nil, parsed.password == nil else {
            throw section.error("smtp", "no user or password in the URL: use username and password_file")
        }
        var smtp = SMTPConfiguration(url: url)
        smtp.username = try section.string("username")
        let password = try section.secret("password")
        if smtp.username != nil && password == nil {
            throw section.error(
                "password", "is required with username (as password_file, password_credential or password_env)")
        }
        if password != nil && smtp.username == nil { throw section.error("username", "is required with a password") }
        smtp.password = password?.reveal()
        if let caFile = try section.path("ca_file") {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw section.error("ca_file", "cannot read \(caFile)")
            }
            smtp.caFile = caFile
        }
        smtp.connectTimeout = try section.duration("connect_timeout") ?? .seconds(30)
        smtp.timeout = try section.duration("timeout") ?? .seconds(120)
        self.smtp = smtp

        func address(_ key: String) throws(ConfigError) -> MailAddress? {
            guard let text = try section.string(key) else { return nil }
            guard text.count <= 300 else { throw section.error(key, "longer than 300 characters") }
            do throws(AddressError) { return try MailAddress.parse(text) } catch {
                throw section.error(key, error.message)
            }
        }
        guard let from = try address("from") else {
            throw section.error("from", "is required (\"Tên đơn vị <dia-chi@…>\")")
        }
        let replyTo = try address("reply_to")
        var listID: (String?, String)?
        if let id = try section.string("list_id") {
            guard MIMEEncoding.isPlainHeaderText(id), !id.contains(" "), id.contains("."), !id.contains("<"),
                id.count <= 255
            else {
                throw section.error("list_id", "expected a dotted id like cchc.example.gov.vn, found \"\(id)\"")
            }
            listID = (try section.string("list_name"), id)
        } else if section.has("list_name") {
            throw section.error("list_name", "needs list_id")
        }
        var unsubscribe: String?
        if let u = try section.string("list_unsubscribe") {
            let targets = u.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard MIMEEncoding.isPlainHeaderText(u), u.count <= 900,
                targets.allSatisfy({ $0.hasPrefix("<") && $0.hasSuffix(">") && $0.count > 2 })
            else {
                throw section.error(
                    "list_unsubscribe", "expected <mailto:…> and/or <https://…> in angle brackets, found \"\(u)\"")
            }
            unsubscribe = targets.joined(separator: ", ")
        }
        composer = MailComposer(
            from: from, replyTo: replyTo, listID: listID, listUnsubscribe: unsubscribe, timeZone: context.timeZone)

        lists = try DistributionLists.read(section)
        let defaults = try section.stringList("default_lists") ?? []
        for list in defaults where lists.lists[list] == nil {
            throw section.error("default_lists", "no list named \"\(list)\" in lists or list_files")
        }
        defaultLists = defaults
        allowItemAddresses = try section.bool("allow_item_addresses") ?? false

        subject = try section.template("subject", escaping: .text) ?? Self.template(Self.defaultSubject, .text)
        textBody = try section.template("text_body", escaping: .text) ?? Self.template(Self.defaultText, .text)
        htmlBody = try section.template("html_body", escaping: .html) ?? Self.template(Self.defaultHTML, .html)
        signature = try section.string("signature")
        maxAttachmentBytes = (try section.int("max_attachment_mb", range: 0...100) ?? 10) * 1_048_576
        pacing = MessagePacing(
            messagesPerMinute: try section.int("messages_per_minute", range: 1...100_000),
            maxConnections: try section.int("max_connections", range: 1...64) ?? 2)
        throttleBackoff = try section.duration("throttle_backoff") ?? .seconds(120)
    }

    private static func template(_ source: String, _ escaping: ChannelTemplate.Escaping) -> ChannelTemplate {
        // The built-in templates are tested: they always compile.
        try! ChannelTemplate(source, escaping: escaping)
    }

    // MARK: Recipients

    /// The item's recipients: the lists (and addresses) named in its `lists` override for this channel,
    /// else the channel's `default_lists`; duplicates removed without regard to case.
    func recipients(for item: ChannelItem) throws(AddressError) -> [Recipient] {
        guard let named = item.override["lists"] else { return lists.recipients(of: defaultLists) }
        var names: [String] = []
        var direct: [Recipient] = []
        for entry in Self.splitList(named) {
            if entry.contains("@") {
                guard allowItemAddresses else {
                    let known = lists.lists.keys.sorted().joined(separator: ", ")
                    throw AddressError(
                        "chỉ ghi tên danh sách đã cấu hình (có: \(known)), không ghi địa chỉ riêng \"\(entry)\" (kênh không bật allow_item_addresses)"
                    )
                }
                direct.append(Recipient(address: try MailAddress.parse(entry)))
            } else if lists.lists[entry] != nil {
                names.append(entry)
            } else {
                let known = lists.lists.keys.sorted().joined(separator: ", ")
                throw AddressError("không có danh sách \"\(entry)\" (có: \(known))")
            }
        }
        return lists.recipients(of: names, extra: direct)
    }

    static func splitList(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\n" }).map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }

    // MARK: Validation at intake

    public func validate(_ item: ChannelItem) -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        do throws(AddressError) {
            if try recipients(for: item).isEmpty {
                problems.append(
                    ValidationProblem(
                        field: "overrides.\(name).lists",
                        message: "kênh \(name) không có người nhận: ghi lists cho bài hoặc default_lists trong cấu hình"
                    ))
            }
        } catch {
            problems.append(ValidationProblem(field: "overrides.\(name).lists", message: error.message))
        }
        if item.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems.append(ValidationProblem(field: "title", message: "tiêu đề trống"))
        }
        var total = 0
        for (i, media) in item.media.enumerated() {
            guard let path = media.path else { continue }
            guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
                FileManager.default.isReadableFile(atPath: path)
            else {
                problems.append(ValidationProblem(field: "media[\(i)]", message: "không đọc được tệp \(path)"))
                continue
            }
            total += size
        }
        if total > maxAttachmentBytes {
            problems.append(
                ValidationProblem(
                    field: "media",
                    message:
                        "tệp đính kèm tổng cộng \(total / 1_048_576) MB, vượt giới hạn \(maxAttachmentBytes / 1_048_576) MB"
                ))
        }
        return problems
    }

    // MARK: Publishing

    public func publish(_ request: PublishRequest) async -> PublishOutcome {
        await publishInParts(request).outcome
    }

    /// What one delivery sends: rendered once, then one message per open recipient.
    struct Prepared {
        var subject: String
        var body: MailBody
        var recipients: [Recipient]
    }

    func prepare(_ request: PublishRequest) throws(ChannelError) -> Prepared {
        let item = request.item
        let recipients: [Recipient]
        do throws(AddressError) {
            recipients = try self.recipients(for: item)
        } catch {
            throw ChannelError(.config, error.message)
        }
        guard !recipients.isEmpty else { throw ChannelError(.config, "no recipients: the lists are empty") }
        let sig = signature ?? item.unit
        var extra = ["channel": name, "signature": sig]
        extra["signature_html"] = sig.split(separator: "\n", omittingEmptySubsequences: false).map {
            TextEscaping.html(String($0))
        }.joined(separator: "<br>")
        let values = TemplateContext.values(for: request, extra: extra, timeZone: composer.timeZone)
        let subject = self.subject.render(values).trimmingCharacters(in: .whitespacesAndNewlines)
        let text = textBody.render(values)
        let html = htmlBody.render(values)
        var attachments: [MailAttachment] = []
        for (i, media) in item.media.enumerated() {
            guard let path = media.path else { continue }
            let data: [UInt8]
            do {
                data = try LocalMedia.read(path)
            } catch {
                throw ChannelError(.local, "media[\(i)]: \(error)")
            }
            let fileName = (path as NSString).lastPathComponent
            attachments.append(
                MailAttachment(
                    fileName: fileName, contentType: MIMEEncoding.mediaType(forFileName: fileName), bytes: data
                ))
        }
        let body = composer.body(
            text: text, html: html, attachments: attachments, seed: "\(request.deliveryID)\n\(item.contentHash)")
        return Prepared(subject: subject, body: body, recipients: recipients)
    }

    public func publishInParts(_ request: PublishRequest) async -> PartedOutcome {
        if Task.isCancelled { return PartedOutcome(.retry(ChannelError(.cancelled, "cancelled before sending"))) }
        let prepared: Prepared
        do {
            prepared = try prepare(request)
        } catch {
            return PartedOutcome(.failed(error))
        }
        let open = prepared.recipients.filter { request.finishedParts[$0.key] == nil }
        var parts: [PartOutcome] = []
        var stop: PublishOutcome?
        if !open.isEmpty {
            await pacing.openConnection()
            let connection: SMTPConnection
            do throws(SMTPFailure) {
                connection = try SMTPConnection(configuration: smtp)
            } catch {
                await pacing.closeConnection()
                return PartedOutcome(.retry(ChannelError(.local, error.message)))
            }
            for recipient in open {
                do {
                    try await pacing.nextMessage()
                } catch {
                    stop = .retry(ChannelError(.cancelled, "cancelled while pacing messages"))
                    break
                }
                if Task.isCancelled {
                    stop = .retry(ChannelError(.cancelled, "cancelled between messages"))
                    break
                }
                let messageID = composer.messageID(
                    itemID: request.item.id, channel: name, recipient: recipient.address.address)
                let bytes = composer.message(
                    to: recipient, subject: prepared.subject, body: prepared.body, messageID: messageID, date: Date(),
                    extraHeaders: [("X-CCHC-Delivery", request.deliveryID)])
                do throws(SMTPFailure) {
                    let reply = try await connection.send(
                        from: composer.from.address, to: recipient.address.address, message: bytes)
                    parts.append(
                        PartOutcome(
                            part: recipient.key, state: .delivered, code: reply.code, message: reply.text,
                            remoteID: messageID))
                } catch {
                    switch Self.classify(error, throttleBackoff: throttleBackoff) {
                    case .recipient(let state):
                        parts.append(
                            PartOutcome(
                                part: recipient.key, state: state, code: error.reply?.code,
                                message: error.reply?.description ?? error.message, remoteID: messageID))
                    case .stop(let outcome):
                        stop = outcome
                    }
                }
                if stop != nil { break }
            }
            connection.close()
            await pacing.closeConnection()
        }
        if let stop { return PartedOutcome(stop, parts: parts) }
        return PartedOutcome(
            Self.outcome(all: prepared.recipients, finished: request.finishedParts, now: parts), parts: parts)
    }

    enum FailureScope: Equatable {
        /// The refusal concerns this recipient only.
        case recipient(PartOutcome.State)
        /// The connection, the login or the server failed: stop this attempt.
        case stop(PublishOutcome)
    }

    /// Decides from the SMTP reply code (libcurl's code does not tell temporary from permanent).
    static func classify(_ failure: SMTPFailure, throttleBackoff: Duration) -> FailureScope {
        let code = failure.reply?.code
        let text = (failure.reply?.text ?? "").lowercased()
        let said = failure.reply.map { " (server: \($0.description))" } ?? ""
        if code == 421 || text.contains("too many connections") || text.contains("too many messages") {
            return .stop(
                .retry(
                    ChannelError(
                        .throttled, "the server asks us to slow down at \(failure.step.rawValue)\(said)", code: code),
                    after: throttleBackoff))
        }
        switch failure.kind {
        case .refused where failure.step == .rcpt || failure.step == .data:
            return .recipient(code.map { $0 >= 500 } == true ? .failed : .retry)
        case .refused:
            let error = ChannelError(.server, "\(failure.step.rawValue) refused\(said)", code: code)
            return .stop(code.map { $0 >= 500 } == true ? .failed(error) : .retry(error))
        case .auth:
            return .stop(.failed(ChannelError(.auth, "login refused\(said)", code: code)))
        case .tls:
            return .stop(.retry(ChannelError(.tls, "\(failure.step.rawValue): \(failure.message)")))
        case .timeout:
            return .stop(.retry(ChannelError(.timeout, failure.description)))
        case .network:
            return .stop(.retry(ChannelError(.network, failure.description)))
        case .cancelled:
            return .stop(.retry(ChannelError(.cancelled, "cancelled during sending")))
        case .local:
            return .stop(.retry(ChannelError(.local, failure.description)))
        }
    }

    /// The delivery's outcome once every open recipient was tried: delivered when all are; retry while
    /// some were deferred (4xx); failed when all are final and some were refused (5xx).
    static func outcome(all: [Recipient], finished: [String: PartOutcome], now: [PartOutcome]) -> PublishOutcome {
        var latest = finished
        for part in now { latest[part.part] = part }
        let states = all.map { latest[$0.key] }
        let deferred = now.filter { $0.state == .retry }
        let refused = all.compactMap { latest[$0.key] }.filter { $0.state == .failed }
        let accepted = states.filter { $0?.state == .delivered }.count
        func list(_ parts: [PartOutcome]) -> String {
            parts.prefix(5).map { "\($0.part) (\($0.message ?? "\($0.code ?? 0)"))" }.joined(separator: "; ")
                + (parts.count > 5 ? "; …" : "")
        }
        if !deferred.isEmpty {
            return .retry(
                ChannelError(
                    .rejected, "\(deferred.count) of \(all.count) recipients deferred: \(list(deferred))",
                    code: deferred.first?.code))
        }
        if !refused.isEmpty {
            return .failed(
                ChannelError(
                    .rejected,
                    "\(refused.count) of \(all.count) recipients refused (\(accepted) accepted): \(list(refused))",
                    code: refused.first?.code))
        }
        return .delivered(ChannelResult(), detail: "\(accepted) of \(all.count) recipients accepted")
    }

    // MARK: Check

    public func check() async throws(ChannelError) -> String {
        let connection: SMTPConnection
        do throws(SMTPFailure) {
            connection = try SMTPConnection(configuration: smtp)
        } catch {
            throw ChannelError(.local, error.message)
        }
        defer { connection.close() }
        do throws(SMTPFailure) {
            let report = try await connection.check()
            var steps = ["kết nối", "EHLO"]
            if smtp.url.lowercased().hasPrefix("smtps:") {
                steps.insert("TLS", at: 1)
            } else {
                steps.append("STARTTLS")
            }
            if let auth = report.auth { steps.append("đăng nhập (\(auth.code))") }
            return "máy chủ SMTP \(Self.redactedURL(smtp.url)): " + steps.joined(separator: ", ") + " đều thành công"
        } catch {
            let cls: ChannelError.Class =
                switch error.kind {
                case .auth: .auth
                case .tls: .tls
                case .timeout: .timeout
                case .network: .network
                case .refused: .server
                case .cancelled: .cancelled
                case .local: .local
                }
            throw ChannelError(
                cls, "bước \(Self.stepName(error.step)) thất bại: \(error.reply?.description ?? error.message)",
                code: error.reply?.code)
        }
    }

    static func stepName(_ step: SMTPFailure.Step) -> String {
        switch step {
        case .connect: "kết nối (connect)"
        case .greeting: "lời chào của máy chủ (greeting)"
        case .ehlo: "EHLO"
        case .starttls: "STARTTLS"
        case .tls: "TLS (chứng chỉ/bắt tay)"
        case .auth: "đăng nhập (AUTH)"
        case .mailFrom: "MAIL FROM"
        case .rcpt: "RCPT TO"
        case .data: "DATA"
        case .other: "SMTP"
        }
    }

    static func redactedURL(_ url: String) -> String {
        // A URL with user:password@ would show the password.
        guard var c = URLComponents(string: url) else { return url }
        c.password = nil
        c.user = nil
        return c.string ?? url
    }
}
