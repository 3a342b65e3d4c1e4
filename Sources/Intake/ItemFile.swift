import ChannelConfig
import ChannelKit
import Config
import Foundation
import Queue

#if canImport(Glibc)
    import Glibc
#endif

/// A problem with an item file or an item, in the officer's words (Vietnamese), naming the file,
/// the line and the field.
public struct IntakeError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var field: String?
    public var message: String

    public init(file: String, line: Int? = nil, field: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if let field { s += "trường \"\(field)\": " }
        return s + message
    }
}

/// An item read from a file, checked, ready for the store.
public struct ParsedItem: Sendable {
    public var id: String?
    public var content: ItemContent
    /// Set only when the source is trusted and the file carries `approved_by` and `approved_at`.
    public var approval: Approval?
    /// Things the officer should know that did not stop the item (an approval that was ignored).
    public var warnings: [String]
}

/// Reads item files (DESIGN.md §13): Markdown with YAML front matter, or YAML with a `body:` key.
public struct ItemFileReader: Sendable {
    public var config: DaemonConfig

    public init(config: DaemonConfig) { self.config = config }

    static let keys: Set<String> = [
        "id", "title", "summary", "topic", "unit", "author", "channels", "publish_at", "expires_at", "priority",
        "media",
        "overrides", "approved_by", "approved_at", "body",
    ]

    /// Reads and checks the file at `path`. `trusted`: the file's approval fields are honoured.
    /// `itemFolderHoldsMedia`: media may also come from the item file's own folder (`cchc item add`, run
    /// with the officer's own rights); the inbox passes false, its media come from the media roots only.
    /// `followSymlink`: the inbox never follows a symlink to an item file; `cchc item add` may.
    public func read(
        path: String, trusted: Bool, now: Date = Date(), itemFolderHoldsMedia: Bool = false,
        followSymlink: Bool = true
    ) throws(IntakeError) -> ParsedItem {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let data = try Self.readCapped(
            path: path, name: name, maxBytes: config.inbox.maxItemBytes, followSymlink: followSymlink)
        let text = try Self.decodeText(data, fileName: name)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(
            text: text, fileName: name, directory: directory, trusted: trusted, now: now,
            itemFolderHoldsMedia: itemFolderHoldsMedia)
    }

    /// The file's bytes, refused before reading when it is not a regular file or is larger than `maxBytes`.
    static func readCapped(path: String, name: String, maxBytes: Int, followSymlink: Bool) throws(IntakeError) -> Data {
        var flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC
        if !followSymlink { flags |= O_NOFOLLOW }
        let fd = open(path, flags)
        guard fd >= 0 else {
            if errno == ELOOP {
                throw IntakeError(file: name, "tệp là liên kết tượng trưng (symlink); hãy chép tệp thật vào")
            }
            throw IntakeError(file: name, "không đọc được tệp: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw IntakeError(file: name, "không phải một tệp thông thường")
        }
        guard Int(st.st_size) <= maxBytes else {
            throw IntakeError(
                file: name,
                "tệp quá lớn (\(MediaConfinement.megabytes(Int(st.st_size))); tối đa \(MediaConfinement.megabytes(maxBytes))); hãy rút gọn bài hoặc đưa ảnh vào media:"
            )
        }
        // Read at most one byte past the cap: a file that grows while being read is still refused.
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while data.count <= maxBytes {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IntakeError(file: name, "không đọc được tệp: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        guard data.count <= maxBytes else {
            throw IntakeError(file: name, "tệp quá lớn (tối đa \(MediaConfinement.megabytes(maxBytes)))")
        }
        return data
    }

    /// The text of an item file: UTF-8 (with or without a byte-order mark), or UTF-16 with its
    /// byte-order mark (Notepad's "Unicode"). Anything else — Windows-1258, TCVN3/VNI, UTF-16 without a
    /// mark — is refused with how to save the file as UTF-8.
    public static func decodeText(_ data: Data, fileName: String) throws(IntakeError) -> String {
        let bytes = [UInt8](data.prefix(2))
        if bytes == [0xFF, 0xFE] || bytes == [0xFE, 0xFF] {
            let encoding: String.Encoding = bytes == [0xFF, 0xFE] ? .utf16LittleEndian : .utf16BigEndian
            if data.count % 2 == 0, let text = String(data: data.dropFirst(2), encoding: encoding) { return text }
            throw IntakeError(file: fileName, "tệp ghi là UTF-16 nhưng bị hỏng; \(saveAsUTF8)")
        }
        if let text = String(data: data, encoding: .utf8) { return text }
        // Where the first byte that is not UTF-8 stands: the officer can find the word.
        var line = 1
        var index = 0
        let all = [UInt8](data)
        while index < all.count {
            let b = all[index]
            let length = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
            let valid =
                length > 0 && index + length <= all.count
                && all[(index + 1)..<(index + length)].allSatisfy { $0 >> 6 == 0b10 }
            if !valid { break }
            if b == 0x0A { line += 1 }
            index += length
        }
        throw IntakeError(
            file: fileName, line: line,
            "tệp không phải UTF-8 (có lẽ là bảng mã Windows-1258, TCVN3 hay VNI, nên chữ có dấu không đọc được); "
                + saveAsUTF8)
    }

    static let saveAsUTF8 =
        "hãy mở tệp bằng Notepad, chọn Tệp → Lưu thành (File → Save As), ở ô Mã hóa (Encoding) chọn UTF-8 rồi lưu lại "
        + "(hoặc dùng Unikey: Công cụ → chuyển mã sang Unicode)"

    public func parse(
        text rawText: String, fileName: String, directory: String, trusted: Bool, now: Date = Date(),
        itemFolderHoldsMedia: Bool = false
    ) throws(IntakeError) -> ParsedItem {
        if let nul = rawText.utf8.firstIndex(of: 0) {
            let line = rawText.utf8[..<nul].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            throw IntakeError(
                file: fileName, line: line,
                "tệp chứa ký tự NUL (byte 0): không phải văn bản thuần; hãy lưu lại thành Markdown/văn bản UTF-8")
        }
        var text = rawText.replacingOccurrences(of: "\r\n", with: "\n")
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let isMarkdown = !(fileName.hasSuffix(".yaml") || fileName.hasSuffix(".yml"))
        var yamlText = text
        var body: String?
        var lineOffset = 0
        if isMarkdown {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.first?.trimmingCharacters(in: .whitespaces) == "---" else {
                throw IntakeError(
                    file: fileName, line: 1,
                    "tệp .md phải bắt đầu bằng dòng \"---\" rồi đến phần thông tin (front matter)")
            }
            guard let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" })
            else {
                throw IntakeError(file: fileName, line: 1, "thiếu dòng \"---\" đóng phần thông tin (front matter)")
            }
            yamlText = lines[1..<end].joined(separator: "\n")
            body = lines[(end + 1)...].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            lineOffset = 1
        }
        do {
            try YAMLShape.check(yamlText, limits: .itemFile)
        } catch {
            let message =
                switch error {
                case .anchor: "không dùng neo YAML (&tên); hãy viết đầy đủ giá trị"
                case .alias: "không dùng bí danh YAML (*tên); hãy viết đầy đủ giá trị"
                case .tooManyNodes(let limit, _): "phần thông tin có quá nhiều giá trị (tối đa \(limit))"
                case .tooDeep(let limit, _): "phần thông tin lồng quá sâu (tối đa \(limit) cấp)"
                }
            throw IntakeError(file: fileName, line: error.line + lineOffset, message)
        }
        let root: ConfigValue
        do {
            root = try YAMLDocument.parse(yamlText, file: fileName, lineOffset: lineOffset, limits: .itemFile)
        } catch {
            // The most common mistake: a value with ": " in it and no quotes (`title: Sơn La: 100% …`).
            if error.message.contains("mapping values are not allowed") {
                throw IntakeError(
                    file: fileName, line: error.location.line, field: error.path.isEmpty ? nil : error.path,
                    "giá trị có dấu hai chấm (:) phải đặt trong ngoặc kép, ví dụ title: \"Sơn La: 100% hồ sơ trực tuyến\" "
                        + "(chi tiết YAML: \(error.message))")
            }
            throw IntakeError(
                file: fileName, line: error.location.line, field: error.path.isEmpty ? nil : error.path,
                "YAML không hợp lệ: \(error.message)")
        }
        guard case .map(let entries, _) = root else {
            throw IntakeError(file: fileName, line: 1 + lineOffset, "phần thông tin phải là các dòng \"khóa: giá trị\"")
        }
        var fields: [String: (value: ConfigValue, line: Int?)] = [:]
        for entry in entries {
            guard Self.keys.contains(entry.key) else {
                throw IntakeError(
                    file: fileName, line: entry.location.line, field: entry.key,
                    "khóa không được hỗ trợ (các khóa hợp lệ: \(Self.keys.sorted().joined(separator: ", ")))")
            }
            fields[entry.key] = (entry.value, entry.location.line)
        }
        let reader = FieldReader(fileName: fileName, fields: fields)

        if isMarkdown, fields["body"] != nil {
            throw IntakeError(
                file: fileName, line: fields["body"]?.line, field: "body",
                "tệp .md ghi nội dung sau phần thông tin, không dùng khóa body")
        }
        if !isMarkdown { body = try reader.string("body") }

        let id = try reader.string("id")
        if let id, !Self.isValidID(id) {
            throw reader.error(
                "id", "mã bài chỉ gồm chữ không dấu, số, '.', '_' và '-' (tối đa 40 ký tự), ví dụ 2026-11-0042")
        }
        guard let title = try reader.string("title"), !title.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw reader.error("title", "thiếu tiêu đề (title)")
        }
        guard let body, !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw IntakeError(file: fileName, field: "body", "bài viết chưa có nội dung")
        }
        guard let topic = try reader.string("topic") else {
            throw reader.error(
                "topic", "thiếu lĩnh vực (topic); chọn một trong: \(config.topics.map(\.key).joined(separator: ", "))")
        }
        guard config.topics.contains(where: { $0.key == topic }) else {
            throw reader.error(
                "topic",
                "lĩnh vực \"\(topic)\" không có; chọn một trong: \(config.topics.map(\.key).joined(separator: ", "))")
        }
        guard let unit = try reader.string("unit"), !unit.isEmpty else {
            throw reader.error("unit", "thiếu đơn vị (unit)")
        }
        guard let channels = try reader.stringList("channels"), !channels.isEmpty else {
            throw reader.error("channels", "chưa chọn kênh nào (channels)")
        }
        var seenChannels: Set<String> = []
        for channel in channels {
            guard config.channel(named: channel) != nil else {
                throw reader.error(
                    "channels",
                    "kênh \"\(channel)\" không có trong cấu hình; các kênh: \(config.channels.map(\.name).joined(separator: ", "))"
                )
            }
            guard seenChannels.insert(channel).inserted else {
                throw reader.error("channels", "kênh \"\(channel)\" ghi hai lần")
            }
        }

        let publishAt = try reader.date("publish_at", zone: config.timeZone, bare: .startOfDay)
        let expiresAt = try reader.date("expires_at", zone: config.timeZone, bare: .endOfDay)
        if let expiresAt {
            if let publishAt, expiresAt <= publishAt {
                throw reader.error("expires_at", "thời hạn (expires_at) phải sau thời điểm đăng (publish_at)")
            }
            if expiresAt <= now { throw reader.error("expires_at", "thời hạn (expires_at) đã qua") }
        }
        var priority = Priority.normal
        if let p = try reader.string("priority") {
            guard let parsed = Priority(rawValue: p) else {
                throw reader.error("priority", "mức ưu tiên \"\(p)\" không hợp lệ; dùng thuong, uu-tien hoặc khan-cap")
            }
            priority = parsed
        }
        var confinement = MediaConfinement(
            roots: config.inbox.effectiveMediaRoots, maxBytes: config.inbox.maxMediaBytes)
        if itemFolderHoldsMedia { confinement.roots.append(directory) }
        let media = try readMedia(reader, directory: directory, confinement: confinement)
        let overrides = try readOverrides(reader, channels: channels)

        var warnings: [String] = []
        var approval: Approval?
        let approvedBy = try reader.string("approved_by")
        let approvedAt = try reader.date("approved_at", zone: config.timeZone, bare: .startOfDay)
        if approvedBy != nil || approvedAt != nil {
            if trusted {
                guard let approvedBy, !approvedBy.isEmpty else {
                    throw reader.error("approved_by", "có approved_at thì phải có người duyệt (approved_by)")
                }
                guard let approvedAt else {
                    throw reader.error("approved_at", "có approved_by thì phải có thời điểm duyệt (approved_at)")
                }
                approval = Approval(by: approvedBy, at: approvedAt)
            } else {
                warnings.append(
                    "bỏ qua approved_by/approved_at: nguồn này không được tin cậy, bài vào trạng thái chờ duyệt")
            }
        }

        let content = ItemContent(
            title: title.trimmingCharacters(in: .whitespaces), summary: try reader.string("summary"), body: body,
            topic: topic, unit: unit, author: try reader.string("author"), channels: channels, publishAt: publishAt,
            expiresAt: expiresAt, priority: priority, media: media, overrides: overrides)
        return ParsedItem(id: id, content: content, approval: approval, warnings: warnings)
    }

    private func readMedia(_ reader: FieldReader, directory: String, confinement: MediaConfinement)
        throws(IntakeError) -> [MediaRef]
    {
        guard let (value, line) = reader.fields["media"] else { return [] }
        guard case .list(let entries, _) = value else { throw reader.error("media", "phải là một danh sách") }
        var out: [MediaRef] = []
        for (i, entry) in entries.enumerated() {
            let field = "media[\(i)]"
            var ref = MediaRef()
            switch entry {
            case .scalar(let s):
                if s.hasPrefix("http://") || s.hasPrefix("https://") { ref.url = s } else { ref.path = s }
            case .map(let kv, _):
                for (key, v, loc) in kv {
                    guard case .scalar(let s) = v else {
                        throw IntakeError(
                            file: reader.fileName, line: loc.line, field: "\(field).\(key)", "phải là văn bản")
                    }
                    switch key {
                    case "path": ref.path = s
                    case "url": ref.url = s
                    case "caption": ref.caption = s
                    default:
                        throw IntakeError(
                            file: reader.fileName, line: loc.line, field: "\(field).\(key)",
                            "khóa không được hỗ trợ (path, url, caption)")
                    }
                }
            default:
                throw IntakeError(file: reader.fileName, line: line, field: field, "mỗi tệp đính kèm là path hoặc url")
            }
            if (ref.path == nil) == (ref.url == nil) {
                throw IntakeError(
                    file: reader.fileName, line: line, field: field,
                    "ghi đúng một trong path (tệp) hoặc url (đường dẫn)")
            }
            if let url = ref.url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
                throw IntakeError(
                    file: reader.fileName, line: line, field: field, "url phải bắt đầu bằng http:// hoặc https://")
            }
            if let p = ref.path {
                // Resolved now, before the file moves to accepted/, and confined to the media roots.
                do {
                    ref.path = try confinement.check(p, relativeTo: directory).path
                } catch {
                    throw IntakeError(file: reader.fileName, line: line, field: field, error.message)
                }
            }
            out.append(ref)
        }
        return out
    }

    /// `lists`: the email channel's distribution lists (and addresses) for this item, comma-separated.
    /// `link`: the URL a Facebook post links to, when no `after:` channel gives one.
    static let overrideFields: Set<String> = ["text", "script", "title", "summary", "body", "lists", "link"]

    private func readOverrides(_ reader: FieldReader, channels: [String]) throws(IntakeError) -> [String: [String:
        String]]
    {
        guard let (value, line) = reader.fields["overrides"] else { return [:] }
        guard case .map(let perChannel, _) = value else {
            throw reader.error("overrides", "phải là các dòng \"tên-kênh: { text: … }\"")
        }
        var out: [String: [String: String]] = [:]
        for (channel, v, loc) in perChannel {
            guard channels.contains(channel) else {
                throw IntakeError(
                    file: reader.fileName, line: loc.line, field: "overrides.\(channel)",
                    "kênh này không nằm trong channels của bài")
            }
            guard case .map(let kv, _) = v else {
                throw IntakeError(
                    file: reader.fileName, line: loc.line ?? line, field: "overrides.\(channel)",
                    "phải có dạng { text: \"…\" }")
            }
            var fields: [String: String] = [:]
            for (key, fv, floc) in kv {
                guard Self.overrideFields.contains(key) else {
                    throw IntakeError(
                        file: reader.fileName, line: floc.line, field: "overrides.\(channel).\(key)",
                        "khóa không được hỗ trợ (\(Self.overrideFields.sorted().joined(separator: ", ")))")
                }
                guard case .scalar(let s) = fv else {
                    throw IntakeError(
                        file: reader.fileName, line: floc.line, field: "overrides.\(channel).\(key)", "phải là văn bản")
                }
                fields[key] = s
            }
            out[channel] = fields
        }
        return out
    }

    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 40
            && id.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
                    || $0 == "_" || $0 == "."
            }
    }
}

/// Reads typed fields from the front matter, with errors that name the field and its line.
struct FieldReader {
    let fileName: String
    let fields: [String: (value: ConfigValue, line: Int?)]

    func error(_ field: String, _ message: String) -> IntakeError {
        IntakeError(file: fileName, line: fields[field]?.line, field: field, message)
    }

    func string(_ field: String) throws(IntakeError) -> String? {
        guard let (value, _) = fields[field] else { return nil }
        switch value {
        case .null: return nil
        case .scalar(let s): return s
        default: throw error(field, "phải là một giá trị văn bản, không phải \(value.kindDescription)")
        }
    }

    func stringList(_ field: String) throws(IntakeError) -> [String]? {
        guard let (value, _) = fields[field] else { return nil }
        switch value {
        case .null: return nil
        case .scalar(let s):
            return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case .list(let items, _):
            var out: [String] = []
            for item in items {
                guard case .scalar(let s) = item else { throw error(field, "mỗi phần tử phải là một tên") }
                out.append(s)
            }
            return out
        default: throw error(field, "phải là một danh sách, ví dụ [portal-tinh, webhook-tonghop]")
        }
    }

    func date(_ field: String, zone: TimeZone, bare: DateText.BareDate) throws(IntakeError) -> Date? {
        guard let s = try string(field) else { return nil }
        guard let date = DateText.parse(s, timeZone: zone, bareDate: bare) else {
            throw error(field, "ngày giờ \"\(s)\" không hợp lệ; viết như 2026-11-25 08:00 hoặc 2026-11-25")
        }
        return date
    }
}
