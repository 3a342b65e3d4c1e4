import ArgumentParser
import BenchKit
import ChannelRegistry
import Config
import Engine
import DeliveryLog
import Foundation
import Logging
import Queue
import Scheduling
import Transport

#if canImport(Glibc)
    import Glibc
#endif

/// Start to READY=1 and idle memory of the real `cchcd` (DESIGN.md §11: < 300 ms with 100,000 items in
/// the store; idle resident memory < 40 MB). Two stores, built in this run: an empty one (the
/// baseline) and one with N items whose deliveries were all dispatched (the history a province builds
/// up), plus 1 % still waiting for a future publish time. Each store's delivery log is caught up
/// before the measured starts. `cchcd` is started `--runs` times on each, playing systemd: a notify
/// socket receives READY=1, the clock stops there; then the daemon idles for `--idle` seconds and its
/// resident memory and CPU time are read from /proc before SIGTERM.
struct StartupBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "startup", abstract: "Measure cchcd's start to READY=1 and idle memory, empty store vs N items.")

    @Option(help: "Items in the full store.") var items = 100_000
    @Option(help: "Measured starts per store.") var runs = 5
    @Option(help: "Seconds to idle after READY before reading memory and CPU.") var idle = 3.0
    @Option(help: "Keep the stores in this folder and reuse them in later runs (default: a temporary folder).")
    var workspace: String?

    func run() async throws {
        let cchcd = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("cchcd").path
        guard FileManager.default.isExecutableFile(atPath: cchcd) else {
            throw ValidationError("no cchcd next to cchc-bench: swift build -c release --product cchcd")
        }
        let root = workspace ?? NSTemporaryDirectory() + "cchc-bench-startup-\(getpid())"
        if workspace == nil { try? FileManager.default.removeItem(atPath: root) }
        defer { if workspace == nil { try? FileManager.default.removeItem(atPath: root) } }

        print("filling the stores (empty, and \(items) items dispatched to a loopback sink) …")
        let empty = try await StartupStore.make(at: root + "/empty", items: 0)
        let full = try await StartupStore.make(at: root + "/full", items: items)

        var results: [(String, [StartRun])] = []
        for store in [empty, full] {
            // One unmeasured start: the log is caught up and the files are in the page cache, as on a
            // server that restarts the daemon.
            _ = try StartRun.measure(cchcd: cchcd, config: store.configPath, idle: 0)
            var measured: [StartRun] = []
            for _ in 0..<runs {
                measured.append(try StartRun.measure(cchcd: cchcd, config: store.configPath, idle: idle))
            }
            results.append((store.label, measured))
        }

        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        print("")
        print("cchc-bench startup: cchcd start to READY=1 (median of \(runs); min–max), idle \(idle) s after READY")
        var medians: [Double] = []
        for (label, runs) in results {
            let ready = runs.map(\.readyMilliseconds)
            let rss = runs.map(\.rssMegabytes)
            let anon = runs.map(\.anonymousMegabytes)
            let cpu = runs.map(\.idleCPUTicks)
            medians.append(median(ready))
            let name = label.padding(toLength: 16, withPad: " ", startingAt: 0)
            print(
                name
                    + String(
                        format:
                            " READY %6.1f ms (%.1f–%.1f)   idle RSS %5.1f MB (anonymous %4.1f MB)   CPU while idle %d ticks",
                        median(ready), ready.min()!, ready.max()!, median(rss), median(anon), cpu.max()!))
        }
        print(String(format: "ratio of READY times, full / empty: %.2f", medians[1] / medians[0]))
        print("  targets: READY < 300 ms with 100,000 items; idle RSS < 40 MB; no CPU while idle")
    }
}

/// A state folder with a store, a caught-up delivery log and a configuration for `cchcd`.
struct StartupStore {
    var label: String
    var configPath: String

    static func make(at dir: String, items: Int) async throws -> StartupStore {
        let made = StartupStore(
            label: items == 0 ? "empty store" : "\(items.formatted()) items", configPath: dir + "/cchcd.yaml")
        // A kept workspace from an earlier run (--workspace) is used as it is.
        if FileManager.default.fileExists(atPath: dir + "/ready") { return made }
        let sink = try await BenchSink.start()
        defer { Task { try? await sink.shutdown() } }
        try FileManager.default.createDirectory(atPath: dir + "/inbox", withIntermediateDirectories: true)
        // The same channel the daemon will have; while filling it points at the sink.
        func yaml(url: String) -> String {
            """
            timezone: Asia/Ho_Chi_Minh
            state_dir: state
            inbox: { path: inbox }
            delivery_log: { dir: log }
            channels:
              portal-tinh: { type: portal, preset: generic, url: "\(url)", id_pointer: /id, url_pointer: /link, max_concurrency: 64 }
            """
        }
        try yaml(url: sink.baseURL + "/api/articles").write(
            toFile: dir + "/cchcd.yaml", atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: dir + "/cchcd.yaml")
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        do {
            // Not durable while filling: a throwaway store, filled in seconds instead of minutes.
            let store = try SQLiteStore(path: config.databasePath, timeZone: config.timeZone, durable: false)
            let planner = DeliveryPlanner(config: config)
            let now = Date()
            let month = LogClock(timeZone: config.timeZone).month(now)
            let waiting = items / 100
            for i in 0..<items {
                let future = i < waiting
                let content = ItemContent(
                    title: "Bài số \(i): cải cách thủ tục hành chính", summary: "Tóm tắt",
                    body: "Nội dung **bài** số \(i) về dịch vụ công trực tuyến toàn trình.",
                    topic: "tthc", unit: "Sở Nội vụ", channels: ["portal-tinh"],
                    publishAt: future ? now.addingTimeInterval(30 * 86400) : nil)
                _ = try await store.addItem(
                    NewItem(
                        id: nil, idMonth: month, content: content, source: "bench", actor: "bench",
                        approval: Approval(by: "bench", at: now)),
                    at: now, plan: { planner.plan($0) })
            }
            let http = try HTTPClient(configuration: config.httpClientConfiguration)
            let channels = try BuiltinChannels.build(config, http: http, logger: logger)
            let writer = DeliveryLogWriter(directory: config.deliveryLogDirectory, store: store, logger: logger)
            let engine = Engine(
                store: store,
                channels: config.channels.map { EngineChannel(channel: channels[$0.name]!, config: $0) },
                config: config, owner: "bench", singleInstance: true, logger: logger)
            let task = Task { try await engine.run() }
            while true {
                let stats = try await store.stats()
                if (stats.deliveriesByState["delivered"] ?? 0) + (stats.deliveriesByState["failed"] ?? 0)
                    >= items - waiting
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            engine.stop()
            try await task.value
            http.shutdown()
            try await writer.catchUp()
        }
        // The daemon's channel now points nowhere: nothing is due at start, nothing is sent.
        try yaml(url: "http://127.0.0.1:9/api/articles").write(
            toFile: dir + "/cchcd.yaml", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: dir + "/ready", contents: nil)
        return made
    }
}

/// One start of the real daemon, timed from spawn to READY=1 on a notify socket this process binds.
struct StartRun {
    var readyMilliseconds: Double
    var rssMegabytes: Double
    /// Heap and stacks: what the process itself holds, as opposed to mapped pages of its program and
    /// libraries (file-backed, in the page cache, counted in RSS once touched).
    var anonymousMegabytes: Double
    var idleCPUTicks: Int

    static func measure(cchcd: String, config: String, idle: Double) throws -> StartRun {
        let socketPath = NSTemporaryDirectory() + "cchc-bench-notify-\(getpid())"
        unlink(socketPath)
        let sock = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard sock >= 0 else { throw ValidationError("socket: errno \(errno)") }
        defer {
            close(sock)
            unlink(socketPath)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, length) }
        }
        guard rc == 0 else { throw ValidationError("bind \(socketPath): errno \(errno)") }

        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = socketPath
        environment.removeValue(forKey: "WATCHDOG_USEC")
        let start = DispatchTime.now()
        // posix_spawn, not Foundation's Process (it crashes intermittently in this toolchain: SpawnedProcess).
        let process = try SpawnedProcess(
            executable: cchcd, arguments: ["--config", config], environment: environment, stdout: "/dev/null",
            stderr: "/dev/null")
        defer {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var ready: DispatchTime?
        while ready == nil {
            var pfd = pollfd(fd: sock, events: Int16(POLLIN), revents: 0)
            let waited = poll(&pfd, 1, 30_000)
            guard waited > 0 else { throw ValidationError("no READY=1 from cchcd within 30 s") }
            let n = buffer.withUnsafeMutableBytes { recv(sock, $0.baseAddress, $0.count, 0) }
            if n > 0, String(decoding: buffer[..<n], as: UTF8.self).split(separator: "\n").contains("READY=1") {
                ready = DispatchTime.now()
            }
        }
        let readyMilliseconds = Double(ready!.uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
        let ticksAtReady = cpuTicks(process.processIdentifier)
        Thread.sleep(forTimeInterval: idle)
        let memory = try ProcessMemory.read(pid: process.processIdentifier)
        let rss = ProcessMemory.mebibytes(memory.residentKiB)
        let anonymous = ProcessMemory.mebibytes(memory.anonymousKiB)
        let idleTicks = cpuTicks(process.processIdentifier) - ticksAtReady
        process.terminate()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("cchcd exited with \(process.terminationStatus) after SIGTERM")
        }
        return StartRun(
            readyMilliseconds: readyMilliseconds, rssMegabytes: rss, anonymousMegabytes: anonymous,
            idleCPUTicks: idleTicks)
    }

    /// utime + stime from /proc/PID/stat, in clock ticks.
    static func cpuTicks(_ pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
        guard fields.count > 13 else { return 0 }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }
}
