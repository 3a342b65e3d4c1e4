import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a delivery-log file line by line in fixed-size chunks: memory stays bounded whatever the
/// file's size (one chunk plus the longest line, itself capped).
public enum LogFileReader {
    /// Lines longer than this are reported as damaged and skipped (a real line is a few hundred bytes).
    public static let maximumLineLength = 1 << 20
    public static let chunkSize = 1 << 20

    public enum LineKind: Sendable {
        /// A whole line (its `\n` removed).
        case complete
        /// The file ends without `\n`: the writer was cut short (it rewrites the line on its next start).
        case truncated
        /// Longer than `maximumLineLength`; skipped.
        case tooLong
    }

    public struct ReadError: Error, CustomStringConvertible {
        public var path: String
        public var code: Int32
        public var description: String { "\(path): \(String(cString: strerror(code)))" }
    }

    /// Calls `body` with each line and its 1-based number.
    public static func forEachLine(
        path: String, _ body: (UnsafeBufferPointer<UInt8>, Int, LineKind) -> Void
    ) throws(ReadError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(path: path, code: errno) }
        defer { close(fd) }
        let capacity = chunkSize + maximumLineLength
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var filled = 0  // bytes in buffer[0..<filled]
        var lineNumber = 0
        var skippingLongLine = false
        while true {
            let room = capacity - filled
            let count = read(fd, buffer + filled, min(room, chunkSize))
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(path: path, code: errno)
            }
            if count == 0 {
                if filled > 0 {
                    lineNumber += 1
                    body(
                        UnsafeBufferPointer(start: buffer, count: filled), lineNumber,
                        skippingLongLine ? .tooLong : .truncated)
                }
                return
            }
            let end = filled + count
            var start = 0
            var scan = filled
            while scan < end {
                guard let hit = memchr(buffer + scan, 0x0A, end - scan) else { break }
                let newline = buffer.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                lineNumber += 1
                if skippingLongLine {
                    body(UnsafeBufferPointer(start: buffer + start, count: 0), lineNumber, .tooLong)
                    skippingLongLine = false
                } else {
                    body(UnsafeBufferPointer(start: buffer + start, count: newline - start), lineNumber, .complete)
                }
                start = newline + 1
                scan = start
            }
            // Keep the unfinished line at the front of the buffer.
            let rest = end - start
            if rest > maximumLineLength {
                // Drop it and skip to its end; the line is reported once, when its newline arrives.
                skippingLongLine = true
                filled = 0
            } else {
                if start > 0 && rest > 0 { memmove(buffer, buffer + start, rest) }
                filled = rest
            }
        }
    }
}
