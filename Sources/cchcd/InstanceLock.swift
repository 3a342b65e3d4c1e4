import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One daemon per state folder: an exclusive `flock` on `cchcd.lock`, held for the process's life.
/// Because only one process can hold it, the daemon may take back every lease at start.
final class InstanceLock {
    private let fd: Int32

    struct Held: Error, CustomStringConvertible {
        var path: String
        var description: String { "another cchcd is already running with this state folder (lock \(path) is held)" }
    }

    init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Held(path: path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw Held(path: path)
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
