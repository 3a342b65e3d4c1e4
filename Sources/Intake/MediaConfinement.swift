import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where an item's local media may come from (issue 14): the daemon reads media with its own rights and
/// sends the bytes out, so a path an officer writes must not reach the daemon's secrets.
///
/// A path is resolved with `realpath` (every symlink and `..` gone) and must then lie inside one of the
/// roots (themselves resolved); the file is opened with `O_NOFOLLOW` and must be a regular file with a
/// single link (a hard link could name a secret), no larger than the cap.
public struct MediaConfinement: Sendable {
    /// Allowed folders, as configured (resolved when checking).
    public var roots: [String]
    public var maxBytes: Int

    public init(roots: [String], maxBytes: Int) {
        self.roots = roots
        self.maxBytes = maxBytes
    }

    /// A checked media file: its resolved path and size.
    public struct Checked: Sendable, Hashable {
        public var path: String
        public var size: Int
    }

    /// Why a path was refused, in the officer's words (Vietnamese); `written` is the path as written.
    public struct Refusal: Error, Sendable {
        public var message: String
    }

    /// Resolves `written` (relative to `directory`) and checks it.
    public func check(_ written: String, relativeTo directory: String) throws(Refusal) -> Checked {
        let joined =
            written.hasPrefix("/")
            ? written : URL(fileURLWithPath: directory).appendingPathComponent(written).path
        guard let resolved = Self.realPath(joined) else {
            throw Refusal(message: "không tìm thấy tệp \(written)")
        }
        let resolvedRoots = roots.compactMap(Self.realPath)
        guard resolvedRoots.contains(where: { resolved.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) else {
            throw Refusal(
                message:
                    "tệp \(written) nằm ngoài các thư mục được phép lấy ảnh/tệp đính kèm (\(roots.joined(separator: ", "))); hãy chép tệp vào đó"
            )
        }
        let fd = open(resolved, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ELOOP {
                throw Refusal(message: "tệp \(written) là liên kết tượng trưng (symlink); hãy chép tệp thật vào")
            }
            throw Refusal(message: "không đọc được tệp \(written): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw Refusal(message: "không đọc được tệp \(written): \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw Refusal(message: "\(written) không phải một tệp thông thường (thư mục, thiết bị hoặc ống dẫn)")
        }
        guard st.st_nlink == 1 else {
            throw Refusal(message: "tệp \(written) có nhiều liên kết cứng (hard link); hãy chép thành một tệp riêng")
        }
        guard Int(st.st_size) <= maxBytes else {
            throw Refusal(
                message:
                    "tệp \(written) quá lớn (\(Self.megabytes(Int(st.st_size))); tối đa \(Self.megabytes(maxBytes)))")
        }
        return Checked(path: resolved, size: Int(st.st_size))
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func megabytes(_ bytes: Int) -> String {
        bytes >= 1 << 20
            ? String(format: "%.1f MB", Double(bytes) / 1_048_576) : String(format: "%.0f KB", Double(bytes) / 1024)
    }
}
