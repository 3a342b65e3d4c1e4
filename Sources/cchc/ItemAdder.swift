import Config
import Foundation
import Intake
import Queue

/// `cchc item add` for one file: reads it, queues it, and says what an officer must know — the same
/// content already queued, an approved item sent back for approval, a publish time in the past.
struct ItemAdder {
    let session: Session
    let intake: ItemIntake
    let actor: String
    /// Front-matter lines for a Word file (`topic: tthc`, `unit: "…"`, `channels: [...]`), from the
    /// command line; what is missing makes the converted file a draft for the officer to complete.
    var wordFrontMatter: [String: String] = [:]

    func add(_ file: String) async throws(CLIError) -> (ItemIntake.Accepted, [String]) {
        var path = ConfigLoader.resolvePath(file, environment: [:])
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError(code: "not-found", message: "không tìm thấy tệp \(file)", exit: Exit.notFound)
        }
        var converted: [String] = []
        if path.lowercased().hasSuffix(".docx") {
            path = try convertWord(path)
            converted.append("đã chuyển \(file) thành \(path) (ảnh trong thư mục bên cạnh)")
        }
        let now = Date()
        // Read once ahead of queueing to compare with what the queue holds (the intake reads it again
        // and is the one that decides).
        let parsed: ParsedItem
        do throws(IntakeError) {
            parsed = try ItemFileReader(config: session.config).read(
                path: path, trusted: false, now: now, itemFolderHoldsMedia: true, followSymlink: true)
        } catch {
            throw CLIError(code: "invalid-item", message: error.description, exit: Exit.invalidItem)
        }
        var warnings: [String] = []
        var previous: ItemRecord?
        do {
            if let id = parsed.id { previous = try await session.store.item(id) }
            if parsed.id == nil {
                let recent = try await session.store.items(ItemFilter(limit: 5000))
                if let same = recent.first(where: {
                    $0.content.title == parsed.content.title && $0.content.body == parsed.content.body
                        && $0.status != .cancelled && $0.status != .rejected
                }) {
                    warnings.append(
                        "bài này giống hệt bài \(same.id) đã có trong hàng đợi [\(same.status.label)]: đây là bài thứ hai. "
                            + "Nếu thêm nhầm, hủy bài mới bằng: cchc item cancel MÃ-BÀI --by \"HỌ TÊN\"; "
                            + "muốn sửa bài cũ thì ghi id: \(same.id) vào tệp rồi thêm lại")
                }
            }
        } catch { throw session.storeError(error) }
        if let publishAt = parsed.content.publishAt, publishAt < now.addingTimeInterval(-60) {
            warnings.append(
                "publish_at \(session.display(publishAt)) đã qua: bài sẽ được gửi ngay khi duyệt. "
                    + "Muốn hẹn giờ khác, sửa publish_at rồi thêm lại tệp")
        }

        let result: ItemIntake.Accepted
        do throws(ItemIntake.Failure) {
            // Files given on the command line are never pre-approved: approval is its own step.
            result = try await intake.submit(
                path: path, trusted: false, source: "cli:\(path)", actor: actor, now: now, fromCommandLine: true)
        } catch {
            switch error {
            case .invalid(let e): throw CLIError(code: "invalid-item", message: e.description, exit: Exit.invalidItem)
            case .store(let e): throw session.storeError(e)
            }
        }
        warnings = converted + result.warnings + warnings
        if let previous, !result.created, previous.status != result.item.status {
            let loud = [.approved, .dispatching, .done, .partlyFailed, .failed].contains(previous.status)
            warnings.append(
                (loud ? "CHÚ Ý: " : "")
                    + "bài \(previous.id) đã có [\(previous.status.label)]; thêm lại tệp đã thay nội dung bài và đưa bài về "
                    + "[\(result.item.status.label)]"
                    + (loud
                        ? ". Bài KHÔNG được gửi tiếp cho đến khi duyệt lại: cchc item approve \(previous.id) --by \"HỌ TÊN\""
                        : ""))
        }
        return (result, warnings)
    }
}

extension ItemAdder {
    static let requiredForWord = ["topic", "unit", "channels"]

    /// Converts a Word file into `<name>.md` beside it (images into `<name>-anh/`) and returns the new
    /// file's path. Never overwrites: a `.md` of the same name is probably an earlier conversion the
    /// officer has edited.
    func convertWord(_ path: String) throws(CLIError) -> String {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        let stem = url.deletingPathExtension().lastPathComponent
        let folder = url.deletingLastPathComponent()
        let itemPath = folder.appendingPathComponent(stem + ".md").path
        guard !FileManager.default.fileExists(atPath: itemPath) else {
            throw CLIError(
                code: "usage",
                message:
                    "đã có tệp \(itemPath) (chuyển từ \(name) lần trước?): thêm tệp đó bằng cchc item add \(itemPath), "
                    + "hoặc xóa nó để chuyển lại",
                exit: 64)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(code: "not-found", message: "không đọc được tệp \(path)", exit: Exit.notFound)
        }
        let document: WordDocument
        do throws(IntakeError) { document = try WordImport.convert(data, fileName: name) } catch {
            throw CLIError(code: "invalid-item", message: error.description, exit: Exit.invalidItem)
        }
        let imageFolder = stem + "-anh"
        do {
            if !document.images.isEmpty {
                let dir = folder.appendingPathComponent(imageFolder)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                for image in document.images { try image.data.write(to: dir.appendingPathComponent(image.name)) }
            }
            let missing = Self.requiredForWord.filter { wordFrontMatter[$0] == nil }
            var lines = Self.requiredForWord.compactMap { key in wordFrontMatter[key].map { "\(key): \($0)" } }
            for key in missing {
                lines.append(
                    "# \(key): …   # ĐIỀN: "
                        + (key == "topic"
                            ? "lĩnh vực (tthc, the-che, bo-may, cong-vu, tai-chinh-cong, chinh-quyen-so, chi-so, khac)"
                            : key == "unit" ? "đơn vị ban hành" : "kênh đăng, ví dụ [portal-tinh]")
                        + ", bỏ dấu # ở đầu dòng")
            }
            try WordImport.itemText(document, frontMatter: lines, imageFolder: imageFolder)
                .write(toFile: itemPath, atomically: true, encoding: .utf8)
            if !missing.isEmpty {
                throw CLIError(
                    code: "invalid-item",
                    message:
                        "đã chuyển \(name) thành \(itemPath), nhưng tệp Word không có \(missing.joined(separator: ", ")): "
                        + "mở \(itemPath), điền các dòng \"ĐIỀN\" rồi chạy cchc item add \(itemPath) "
                        + "(hoặc thêm ngay bằng --topic, --unit, --channel)",
                    exit: Exit.invalidItem)
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(code: "failure", message: "không ghi được \(itemPath): \(error)", exit: Exit.failure)
        }
        return itemPath
    }
}

/// `--search`: words found in the title, summary or body, ignoring case and diacritics.
enum ItemSearch {
    static func fold(_ text: String) -> String {
        text.lowercased().replacingOccurrences(of: "đ", with: "d").folding(
            options: [.diacriticInsensitive], locale: nil)
    }

    static func matches(_ item: ItemRecord, _ query: String) -> Bool {
        let haystack = fold(item.content.title + "\n" + (item.content.summary ?? "") + "\n" + item.content.body)
        return fold(query).split(separator: " ").allSatisfy { haystack.contains($0) }
    }
}

/// Columns padded to their widest cell, for officers reading a terminal.
enum TextTable {
    static func print(_ rows: [[String]]) {
        guard let first = rows.first else { return }
        var widths = Array(repeating: 0, count: first.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 2)
            }
            Swift.print(line)
        }
    }
}
