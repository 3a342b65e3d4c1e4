import Config
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A Word file (`.docx`) dropped in the inbox, taken in under the inbox's rules for item files: capped at
/// `inbox.max_item_size` before it is read, unpacked within limits (no zip bomb), its pictures written
/// to the first media root and checked there like any media, the rest of its front matter from
/// `inbox.word_defaults`. The converted text is then parsed exactly as an `.md` file from the inbox
/// would be (approval fields honoured only from a trusted inbox — a Word file has none, so its item
/// always waits for approval).
extension ItemFileReader {
    public func readWord(path: String, trusted: Bool, now: Date = Date()) throws(IntakeError) -> ParsedItem {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let inbox = config.inbox
        guard let defaults = inbox.wordDefaults else {
            throw IntakeError(
                file: name,
                "hộp thư chưa được cấu hình để nhận tệp Word (thiếu inbox.word_defaults: đơn vị, lĩnh vực, kênh đăng); "
                    + "hãy thêm bằng lệnh: cchc item add \(name) --topic LĨNH-VỰC --unit \"ĐƠN VỊ\" --channel KÊNH, "
                    + "hoặc lưu bài thành tệp .md rồi thả lại vào hộp thư")
        }
        let data = try Self.readCapped(path: path, name: name, maxBytes: inbox.maxItemBytes, followSymlink: false)
        var document = try WordImport.convert(
            data, fileName: name, limits: .inbox(maxMediaBytes: inbox.maxMediaBytes))
        var folder: String?
        if !document.images.isEmpty {
            let root = inbox.effectiveMediaRoots[0]
            let written = try Self.writePictures(&document, fileName: name, root: root)
            folder = written
        }
        let frontMatter = [
            "topic: \(WordImport.quoted(defaults.topic))",
            "unit: \(WordImport.quoted(defaults.unit))",
            "channels: [\(defaults.channels.map(WordImport.quoted).joined(separator: ", "))]",
        ]
        let text = WordImport.itemText(document, frontMatter: frontMatter, imageFolder: folder ?? "")
        do {
            return try parse(text: text, fileName: name, directory: inbox.path, trusted: trusted, now: now)
        } catch {
            // Refused: its pictures must not stay behind in the media folder.
            if let folder { try? FileManager.default.removeItem(atPath: folder) }
            throw error
        }
    }

    /// Writes the pictures into a new folder under `root` (`word-STEM-XXXXXXXX/anh-1.png`…) and renames them
    /// in `document` accordingly. Names come from us, never from the package (a hostile `.docx` may name a
    /// part `../x`); the folder is made with `mkdir` (never follows a link) and each file with
    /// `O_CREAT | O_EXCL | O_NOFOLLOW`, so nothing an officer placed in the media folder is written through.
    static func writePictures(_ document: inout WordDocument, fileName: String, root: String) throws(IntakeError)
        -> String
    {
        // `Bài có ảnh.docx` → `bai-co-anh`: ASCII letters and digits only, so no name can climb out.
        let folded = (fileName as NSString).deletingPathExtension.lowercased().replacingOccurrences(of: "đ", with: "d")
            .folding(options: [.diacriticInsensitive], locale: nil)
        let stem = folded.unicodeScalars.split { !($0.isASCII && CharacterSet.alphanumerics.contains($0)) }
            .map { String(String.UnicodeScalarView($0)) }.joined(separator: "-").prefix(40)
        var folder = ""
        var made = false
        for _ in 0..<20 {
            let suffix = UUID().uuidString.prefix(8).lowercased()
            folder = root + "/word-\(stem)-\(suffix)"
            if mkdir(folder, 0o755) == 0 {
                made = true
                break
            }
            if errno != EEXIST {
                throw IntakeError(
                    file: fileName,
                    "không ghi được ảnh của tệp Word vào thư mục \(root): \(String(cString: strerror(errno)))")
            }
        }
        guard made else {
            throw IntakeError(file: fileName, "không tạo được thư mục cho ảnh của tệp Word trong \(root)")
        }
        for index in document.images.indices {
            let original = document.images[index].name
            let ext = (original as NSString).pathExtension.lowercased()
            let safeExt = ext.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } && ext.count <= 5 ? ext : ""
            let name = "anh-\(index + 1)" + (safeExt.isEmpty ? "" : "." + safeExt)
            let fd = open(folder + "/" + name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            var ok = fd >= 0
            if ok {
                let bytes = document.images[index].data
                let written = bytes.withUnsafeBytes { buffer -> Int in
                    guard let base = buffer.baseAddress else { return 0 }
                    var done = 0
                    while done < buffer.count {
                        let n = Glibc.write(fd, base + done, buffer.count - done)
                        if n < 0 {
                            if errno == EINTR { continue }
                            return -1
                        }
                        done += n
                    }
                    return done
                }
                let closed = close(fd) == 0
                ok = written == bytes.count && closed
            }
            guard ok else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: folder)
                throw IntakeError(file: fileName, "không ghi được ảnh \(original) của tệp Word: \(reason)")
            }
            document.images[index].name = name
        }
        return folder
    }
}
