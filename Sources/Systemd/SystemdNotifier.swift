import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The sd_notify protocol (READY=1, STATUS=, WATCHDOG=1, STOPPING=1, RELOADING=1) over
/// `$NOTIFY_SOCKET`, without libsystemd: one datagram per message to a Unix socket, given as a path
/// or, with a leading `@`, in the abstract namespace.
///
/// Written by hand because the protocol is a few lines and no package in the project's set speaks it;
/// linking libsystemd for this would add a dependency to every install.
public final class SystemdNotifier: Sendable {
    private let socketPath: String?
    /// The watchdog interval systemd expects pings within (`WATCHDOG_USEC`), when it asked for them.
    public let watchdogInterval: Duration?
    private let fd: Mutex<Int32>

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`. Without a socket
    /// every call does nothing (the daemon runs in a terminal or under another supervisor).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        var interval: Duration?
        if let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            // WATCHDOG_PID, when set, names the process the watchdog is for.
            if let pid = environment["WATCHDOG_PID"].flatMap(Int32.init), pid != getpid() {
                interval = nil
            } else {
                interval = .microseconds(usec)
            }
        }
        watchdogInterval = interval
        fd = Mutex(path == nil ? -1 : socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0))
    }

    deinit {
        let descriptor = fd.withLock { $0 }
        if descriptor >= 0 { close(descriptor) }
    }

    public var isActive: Bool { socketPath != nil }

    /// Sends one message (lines `KEY=value`). Failures are returned, not thrown: the daemon must keep
    /// running when the supervisor's socket is gone.
    @discardableResult
    public func notify(_ message: String) -> Bool {
        guard let socketPath else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        // Abstract addresses are exactly as long as the name; path addresses include the NUL.
        let length = MemoryLayout<sa_family_t>.size + pathBytes.count + (abstract ? 0 : 1)
        let bytes = Array(message.utf8)
        return fd.withLock { descriptor in
            guard descriptor >= 0 else { return false }
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    bytes.withUnsafeBytes {
                        sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, socklen_t(length))
                    }
                }
            }
            return sent == bytes.count
        }
    }

    public func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    public func status(_ text: String) { notify("STATUS=\(text)") }
    public func stopping(status: String) { notify("STOPPING=1\nSTATUS=\(status)") }
    public func watchdog() { notify("WATCHDOG=1") }

    /// RELOADING=1 with the CLOCK_MONOTONIC time systemd uses to match it (systemd ≥ 253 requires it).
    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
        notify("RELOADING=1\nMONOTONIC_USEC=\(usec)")
    }
}
