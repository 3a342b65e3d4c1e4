import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What the inbox does with one entry of its folder. ``classify(name:in:)`` is the one place that
/// decides it: every kind of file an officer may drop in has its answer here.
public enum InboxEntry: Sendable, Equatable {
    /// Left alone: dot-files, files still being written (`*.tmp`, `*.part`), the inbox's own folders.
    case ignored
    /// A regular `*.md`, `*.yaml` or `*.yml` file: read as an item; or a regular `*.docx` (any case of the
    /// extension): converted to an item (``ItemFileReader/readWord(path:trusted:now:)``).
    case item
    /// Moved to `rejected/` with this reason (Vietnamese, saying what to do) in its `.error` file. The
    /// reason never quotes the entry's content: it may be anything (a symlink to a secret, a binary).
    case rejected(String)

    /// Sub-folders the inbox keeps for itself.
    public static let ownFolders: Set<String> = ["accepted", "rejected", "media"]

    /// Decides what `name` in the inbox folder `directory` is, without following symlinks.
    public static func classify(name: String, in directory: String) -> InboxEntry {
        if name.hasPrefix(".") || name.hasSuffix(".tmp") || name.hasSuffix(".part") { return .ignored }
        var st = stat()
        guard lstat(directory + "/" + name, &st) == 0 else { return .ignored }  // gone meanwhile
        let type = st.st_mode & S_IFMT
        if ownFolders.contains(name) && type == S_IFDIR { return .ignored }
        let ext = (name as NSString).pathExtension
        switch type {
        case S_IFLNK:
            var target = stat()
            if stat(directory + "/" + name, &target) != 0 {
                return .rejected(
                    "đây là một liên kết tượng trưng (symlink) trỏ tới tệp không tồn tại; hãy chép chính tệp bài viết vào hộp thư"
                )
            }
            return .rejected(
                "hộp thư không nhận liên kết tượng trưng (symlink); hãy chép chính tệp bài viết (.md, .yaml) vào hộp thư"
            )
        case S_IFDIR:
            return .rejected(
                "đây là một thư mục; hộp thư chỉ nhận tệp bài viết .md, .yaml hoặc .yml (ảnh và tệp đính kèm để trong thư mục media/ của hộp thư)"
            )
        case S_IFREG:
            break
        default:
            return .rejected("không phải một tệp thông thường; hãy chép tệp bài viết .md, .yaml hoặc .yml vào hộp thư")
        }
        if ext == "md" || ext == "yaml" || ext == "yml" || ext.lowercased() == "docx" { return .item }
        switch ext.lowercased() {
        case "md", "yaml", "yml", "markdown":
            return .rejected(
                "đuôi tệp \".\(ext)\" chưa đúng; hãy đổi tên tệp thành .md (hoặc .yaml) viết thường rồi thả lại vào hộp thư"
            )
        case "doc", "odt", "rtf":
            return .rejected(
                "hộp thư chưa đọc được tệp .\(ext); hãy mở bằng Word và lưu thành .docx (Word Document), hoặc lưu thành Markdown/văn bản UTF-8 (.md, bắt đầu bằng phần thông tin giữa hai dòng ---), rồi thả lại vào hộp thư"
            )
        case "txt":
            return .rejected(
                "tệp .txt không được đọc từ hộp thư; hãy thêm phần thông tin (giữa hai dòng ---) và đổi tên thành .md, hoặc dùng lệnh cchc item add"
            )
        case "pdf":
            return .rejected(
                "hộp thư không đọc được tệp PDF; hãy viết bài thành tệp .md (văn bản UTF-8), tệp PDF để trong media/ và ghi vào media: của bài"
            )
        case "jpg", "jpeg", "png", "gif", "webp", "mp3", "mp4", "wav":
            return .rejected(
                "ảnh, âm thanh và video để trong thư mục media/ của hộp thư, rồi ghi vào media: của bài viết (ví dụ - path: media/\(name))"
            )
        default:
            return .rejected(
                "hộp thư chỉ nhận tệp bài viết .md, .yaml, .yml (văn bản UTF-8) hoặc tệp Word .docx; tệp này không được đọc"
            )
        }
    }
}
