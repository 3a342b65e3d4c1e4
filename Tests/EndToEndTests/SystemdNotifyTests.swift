import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Plays systemd's part: a notify socket that records what cchcd sends (sd_notify protocol).
final class NotifySocket: Sendable {
    private final class State: Sendable {
        let received = Mutex<[(at: Date, message: String)]>([])
        let closed = Mutex(false)
    }

    let address: String
    private let state = State()

    /// `abstract`: an address in the abstract namespace, given to the daemon as `@name`.
    init(path: String, abstract: Bool = false) throws {
        let sock = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard sock >= 0 else { throw HarnessError("socket: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if abstract { bytes.insert(0, at: 0) }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, length) }
        }
        guard rc == 0 else {
            close(sock)
            throw HarnessError("bind \(path): \(errno)")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.address = abstract ? "@" + path : path
        let state = self.state
        Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !state.closed.withLock({ $0 }) {
                let n = buffer.withUnsafeMutableBytes { recv(sock, $0.baseAddress, $0.count, 0) }
                if n > 0 {
                    let message = String(decoding: buffer[..<n], as: UTF8.self)
                    state.received.withLock { $0.append((Date(), message)) }
                }
            }
            close(sock)
        }.start()
    }

    deinit { state.closed.withLock { $0 = true } }

    var messages: [(at: Date, message: String)] { state.received.withLock { $0 } }
    func count(_ line: String) -> Int {
        messages.filter { $0.message.split(separator: "\n").contains(Substring(line)) }.count
    }
    func first(containing line: String) -> (at: Date, message: String)? {
        messages.first { $0.message.split(separator: "\n").contains(Substring(line)) }
    }
}

@Suite(.serialized)
struct SystemdNotifyTests {
    @Test func readyWatchdogStatusAndStoppingAsSystemdExpects() async throws {
        let portal = try await portalSink()
        defer { Task { try? await portal.shutdown() } }
        let ws = try Workspace()
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "\(portal.baseURL)/api/articles"))
        let systemd = try NotifySocket(path: ws.root + "/notify.sock")
        let daemon = try Daemon(ws, environment: ["NOTIFY_SOCKET": systemd.address, "WATCHDOG_USEC": "400000"])
        defer { daemon.terminate() }

        try await eventually(10, "READY=1", daemon: daemon) { systemd.count("READY=1") == 1 }
        // READY comes after the store, its migrations and the inbox are in place.
        #expect(FileManager.default.fileExists(atPath: ws.root + "/state/cchcd.sqlite"))
        #expect(FileManager.default.fileExists(atPath: ws.inbox + "/accepted"))
        let ready = try #require(systemd.first(containing: "READY=1"))
        #expect(ready.message.contains("STATUS=0 waiting, 0 retrying, 0 sending, 0 uncertain"))

        // Pings at half of WATCHDOG_USEC (every 0.2 s): several within two seconds.
        try await eventually(5, "watchdog pings", daemon: daemon) { systemd.count("WATCHDOG=1") >= 4 }
        let pings = systemd.messages.filter { $0.message == "WATCHDOG=1" }.map(\.at)
        #expect(pings.first! >= ready.at)

        // STATUS follows the queue.
        try ws.write("items/a.md", itemFile(title: "Bài có trạng thái", channels: ["portal-tinh"]))
        let id = try ws.cli(["item", "add", ws.root + "/items/a.md"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)
        try await eventually(10, "STATUS with the last delivery", daemon: daemon) {
            systemd.messages.contains { $0.message.hasPrefix("STATUS=") && $0.message.contains("last delivery") }
        }

        // SIGTERM: STOPPING=1, then a clean exit.
        daemon.terminate()
        #expect(daemon.process.terminationStatus == 0, "\(daemon.output)")
        #expect(systemd.count("STOPPING=1") == 1)
    }

    @Test func theAbstractSocketFormWorksAndNoWatchdogMeansNoPings() async throws {
        let ws = try Workspace()
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/x"))
        let systemd = try NotifySocket(path: "cchc-test-" + UUID().uuidString, abstract: true)
        let daemon = try Daemon(ws, environment: ["NOTIFY_SOCKET": systemd.address])
        defer { daemon.terminate() }
        try await eventually(10, "READY=1 on an abstract socket", daemon: daemon) { systemd.count("READY=1") == 1 }
        try await Task.sleep(for: .milliseconds(600))
        #expect(systemd.count("WATCHDOG=1") == 0)
        daemon.terminate()
        #expect(daemon.process.terminationStatus == 0)
        #expect(systemd.count("STOPPING=1") == 1)
    }
}

@Suite(.serialized)
struct ReloadTests {
    @Test func sighupAppliesAGoodConfigAndRefusesABadOne() async throws {
        let portal = try await portalSink()
        let hook = try await LoopbackHTTPServer.start { _ in .json(200, #"{"ok":true}"#) }
        defer {
            Task {
                try? await portal.shutdown(); try? await hook.shutdown()
            }
        }
        let ws = try Workspace()
        let portalSection = genericPortal("portal-tinh", url: "\(portal.baseURL)/api/articles")
        try ws.writeConfig(channels: portalSection)
        let systemd = try NotifySocket(path: ws.root + "/notify.sock")
        let daemon = try Daemon(ws, environment: ["NOTIFY_SOCKET": systemd.address])
        defer { daemon.terminate() }
        try await eventually(10, "READY=1", daemon: daemon) { systemd.count("READY=1") == 1 }

        // A good new configuration: a webhook channel appears.
        try ws.writeConfig(channels: portalSection + "  hook:\n    type: webhook\n    url: \(hook.baseURL)/hooks\n")
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually(10, "RELOADING=1 then READY=1", daemon: daemon) { systemd.count("READY=1") == 2 }
        let reloading = try #require(systemd.first(containing: "RELOADING=1"))
        #expect(reloading.message.contains("MONOTONIC_USEC="))
        try ws.write("items/hook.md", itemFile(title: "Qua kênh mới", channels: ["hook"]))
        let hookItem = try ws.cli(["item", "add", ws.root + "/items/hook.md"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", hookItem, "--by", "Nguyễn Văn A"]).status == 0)
        try await eventually(10, "the new channel delivers", daemon: daemon) {
            try ws.deliveryStates(hookItem)["hook"] == "delivered"
        }

        // A broken one: refused, with the reason; the running configuration keeps working.
        let good = try String(contentsOfFile: ws.configPath, encoding: .utf8)
        try (good + "khong_co_khoa_nay: 1\n").write(toFile: ws.configPath, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually(10, "READY=1 after the refused reload", daemon: daemon) { systemd.count("READY=1") == 3 }
        #expect(daemon.output.contains("reload refused"))
        #expect(daemon.output.contains("khong_co_khoa_nay"))
        try good.write(toFile: ws.configPath, atomically: true, encoding: .utf8)  // for cchc
        try ws.write("items/portal.md", itemFile(title: "Vẫn gửi được", channels: ["portal-tinh", "hook"]))
        let item = try ws.cli(["item", "add", ws.root + "/items/portal.md"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", item, "--by", "Nguyễn Văn A"]).status == 0)
        try await eventually(10, "still delivering after the refused reload", daemon: daemon) {
            try ws.deliveryStates(item) == ["portal-tinh": "delivered", "hook": "delivered"]
        }
        #expect(daemon.process.isRunning)
        daemon.terminate()
        #expect(daemon.process.terminationStatus == 0)
    }
}
