import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads an item's local media file at publish time the way intake checked it (issue 14): without following
/// a symlink, a regular file with a single link. Intake confines media to the media roots; this stops a file
/// swapped for a symlink (or a hard link to a secret) between intake and publishing.
public enum LocalMedia {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func read(_ path: String, maxBytes: Int = 1 << 30) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_nlink == 1 else {
            throw Failure(description: "\(path) is not a regular file with a single link")
        }
        guard Int(st.st_size) <= maxBytes else {
            throw Failure(description: "\(path) is larger than \(maxBytes) bytes")
        }
        var out = [UInt8]()
        out.reserveCapacity(Int(st.st_size))
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while out.count <= maxBytes {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        guard out.count <= maxBytes else { throw Failure(description: "\(path) is larger than \(maxBytes) bytes") }
        return out
    }
}
