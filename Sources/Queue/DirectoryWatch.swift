import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Change notifications for folders, from Linux inotify, as an `AsyncStream`.
///
/// Written by hand because no package in the project's set wraps inotify. One thread blocks in
/// `poll()` on the inotify descriptor and a pipe used to stop it, so an idle daemon uses no CPU.
/// Reported by default: files closed after writing, renamed in, and attribute changes (touch) — what
/// the inbox needs; the store's commit hints ask for every write (`modified`).
/// Used by the inbox (Intake) and the SQLite store's commit hints.
public final class DirectoryWatch: Sendable {
    public struct Event: Sendable {
        public var directory: String
        public var name: String
    }

    /// What to report.
    public enum Changes: Sendable {
        /// Files closed after writing, renamed in, touched.
        case completedFiles
        /// Every write to a file, and its close after writing (inotify's `IN_MODIFY`, `IN_CLOSE_WRITE`).
        case modified
    }

    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let fd: Int32
    private let stopPipe: (read: Int32, write: Int32)
    private let closed = Mutex(false)

    public init(directories: [String], changes: Changes = .completedFiles) throws {
        fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw WatchError(message: "inotify_init1: \(String(cString: strerror(errno)))") }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else {
            let message = "pipe: \(String(cString: strerror(errno)))"
            Glibc.close(fd)
            throw WatchError(message: message)
        }
        // pipe2() is not visible from Swift here; close-on-exec so exec'd programs do not inherit it.
        for d in pipeFDs { _ = fcntl(d, F_SETFD, FD_CLOEXEC) }
        stopPipe = (pipeFDs[0], pipeFDs[1])
        var map: [Int32: String] = [:]
        let mask =
            switch changes {
            case .completedFiles: UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_ATTRIB)
            case .modified: UInt32(IN_MODIFY) | UInt32(IN_CLOSE_WRITE)
            }
        for dir in Set(directories) {
            let wd = inotify_add_watch(fd, dir, mask)
            guard wd >= 0 else {
                let message = "cannot watch \(dir): \(String(cString: strerror(errno)))"
                for d in [fd, pipeFDs[0], pipeFDs[1]] { Glibc.close(d) }
                throw WatchError(message: message)
            }
            map[wd] = dir
        }
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(1024))
        let fd = self.fd
        let stopRead = stopPipe.read
        let continuation = self.continuation
        let watches = map
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            var fds = [
                pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0),
            ]
            while true {
                let r = poll(&fds, 2, -1)
                if r < 0 {
                    if errno == EINTR { continue }
                    break
                }
                if fds[1].revents != 0 { break }
                guard fds[0].revents != 0 else { continue }
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    break
                }
                var offset = 0
                let headerSize = MemoryLayout<inotify_event>.size
                while offset + headerSize <= n {
                    let (wd, length) = buffer.withUnsafeBytes { raw -> (Int32, Int) in
                        let e = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                        return (e.wd, Int(e.len))
                    }
                    let nameStart = offset + headerSize
                    let nameBytes = buffer[nameStart..<min(nameStart + length, n)].prefix { $0 != 0 }
                    if let dir = watches[wd] {
                        continuation.yield(Event(directory: dir, name: String(decoding: nameBytes, as: UTF8.self)))
                    }
                    offset = nameStart + length
                }
            }
            Glibc.close(fd)
            Glibc.close(stopRead)
            continuation.finish()
        }
        thread.name = "cchcd-inotify"
        thread.start()
    }

    /// Stops the watching thread and ends the event stream. Idempotent.
    public func close() {
        let first = closed.withLock { c in
            defer { c = true }
            return !c
        }
        guard first else { return }
        var one: UInt8 = 1
        _ = write(stopPipe.write, &one, 1)
        Glibc.close(stopPipe.write)
        // The thread closes the inotify descriptor and the pipe's read end when it exits: closing them
        // under its poll() would race.
    }

    public struct WatchError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
