import Foundation
import TestSupport
import Testing

/// Runs the real `cchcd` and `cchc` binaries built by `swift build` (scripts/test.sh builds them
/// before `swift test`). They live beside the test bundle, or in `$CCHC_BIN_DIR`.
enum Binaries {
    static let directory: String = {
        if let dir = ProcessInfo.processInfo.environment["CCHC_BIN_DIR"] { return dir }
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The XCTest bundle on Linux is a file in .build/<triple>/debug; Swift Testing may run from a
        // helper inside it.
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("cchcd").path) && url.path != "/" {
            url = url.deletingLastPathComponent()
        }
        return url.path
    }()

    static var cchcd: String { directory + "/cchcd" }
    static var cchc: String { directory + "/cchc" }
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// A temporary folder with a config; removed at the end of the test.
final class Workspace {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "cchc-e2e-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var configPath: String { root + "/cchcd.yaml" }
    var inbox: String { root + "/inbox" }
    var logDir: String { root + "/log" }

    func write(_ relative: String, _ text: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Writes the config with the given channels section (YAML, indented under `channels:`).
    func writeConfig(
        channels: String, inboxTrusted: Bool = false, inboxEnabled: Bool = true, inboxExtra: String = "",
        http: String? = nil,
        retry: String = "{ initial: 1s, max: 5s, attempts: 5 }",
        extra: String = ""
    ) throws {
        try write(
            "cchcd.yaml",
            """
            timezone: Asia/Ho_Chi_Minh
            state_dir: state
            inbox: { path: inbox, trusted: \(inboxTrusted), enabled: \(inboxEnabled)\(inboxExtra) }
            delivery_log: { dir: log }
            retry: \(retry)
            engine: { shutdown_grace: 5s }
            \(http.map { "http: { listen: \"\($0)\" }" } ?? "")
            \(extra)
            channels:
            \(channels)
            """)
    }

    func cli(_ args: [String]) throws -> CommandResult {
        try run(Binaries.cchc, args + ["--config", configPath])
    }

    /// All delivery-log lines, parsed.
    func logLines() -> [[String: Any]] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: logDir)) ?? []).filter {
            $0.hasSuffix(".jsonl")
        }.sorted()
        var out: [[String: Any]] = []
        for f in files {
            let text = (try? String(contentsOfFile: logDir + "/" + f, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                if let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                    out.append(obj)
                }
            }
        }
        return out
    }

    func itemJSON(_ id: String) throws -> [String: Any] {
        let r = try cli(["item", "show", id, "--json"])
        guard r.status == 0, let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        else {
            throw HarnessError("item show \(id) failed: \(r.status) \(r.stderr) \(r.stdout)")
        }
        return obj
    }

    func deliveryStates(_ id: String) throws -> [String: String] {
        let obj = try itemJSON(id)
        var out: [String: String] = [:]
        for d in (obj["deliveries"] as? [[String: Any]]) ?? [] { out[d["channel"] as! String] = d["state"] as? String }
        return out
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func run(_ executable: String, _ args: [String]) throws -> CommandResult {
    let r = try runTool(executable, args)
    return CommandResult(status: r.status, stdout: r.stdout, stderr: r.stderr)
}

/// A running `cchcd`; its stderr goes to a file in the workspace.
final class Daemon {
    let process: SpawnedProcess
    let logPath: String

    init(_ ws: Workspace, name: String = "cchcd", environment: [String: String] = [:]) throws {
        logPath = ws.root + "/\(name)-\(UUID().uuidString.prefix(4)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = try SpawnedProcess(
            executable: Binaries.cchcd, arguments: ["--config", ws.configPath],
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, stdout: logPath,
            stderr: logPath)
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    func kill9() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Waits for a condition, checking every 50 ms, for at most `seconds`. Waiting for a state, not timing.
/// On time-out the error carries what the daemon said, to tell a slow machine from a bug.
func eventually(
    _ seconds: Double = 15, _ what: String, daemon: Daemon? = nil, _ condition: () async throws -> Bool
) async throws {
    // A failing check counts as "not yet"; the last one, after the time-out, says why it failed.
    if await TestSupport.eventually(limit: seconds, every: .milliseconds(50), { (try? await condition()) == true }) {
        return
    }
    if try await condition() { return }
    throw HarnessError(
        "timed out waiting for: \(what)" + (daemon.map { "\n--- cchcd said:\n\($0.output.suffix(4000))" } ?? ""))
}

/// A CCHC news item file, with the given channels and extra front-matter lines.
func itemFile(title: String, channels: [String], extra: String = "", body: String? = nil) -> String {
    """
    ---
    title: "\(title)"
    summary: "Tỉnh đẩy mạnh tiếp nhận hồ sơ trực tuyến."
    topic: tthc
    unit: "Sở Nội vụ"
    channels: [\(channels.joined(separator: ", "))]
    \(extra)
    ---
    \(body ?? "Năm 2026, **100%** thủ tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình.\n\n- Bộ phận một cửa tiếp nhận hồ sơ.\n- Kết quả trả qua bưu chính công ích.")
    """
}

/// A generic-preset portal channel section (indented for `channels:`).
/// A WordPress portal channel on a fake site; the site's application password goes to `wp-password`
/// in the workspace (write it with ``wordpressPassword(_:_:)``).
func wordpressPortal(_ name: String, site: FakeWordPress, extra: String = "") -> String {
    """
      \(name):
        type: portal
        preset: wordpress
        url: \(site.baseURL)
        username: \(site.username)
        password_file: wp-password
    \(extra)

    """
}

/// Writes the fake site's application password where ``wordpressPortal(_:site:extra:)`` reads it.
func wordpressPassword(_ ws: Workspace, _ site: FakeWordPress) throws {
    try ws.write("wp-password", site.applicationPassword + "\n")
}

/// A local day in Asia/Ho_Chi_Minh, `offset` days from today, as `YYYY-MM-DD` (for `cchc report --from/--to`).
func localDay(_ offset: Int) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
    let c = calendar.dateComponents(
        [.year, .month, .day], from: calendar.date(byAdding: .day, value: offset, to: Date())!)
    return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
}

/// Runs `cchc` on a thread of its own: a command that calls a fake living in the test process does not
/// hold one of the cooperative pool's threads while it waits.
func cliOffThePool(_ ws: Workspace, _ args: [String]) async throws -> CommandResult {
    let config = ws.configPath
    return try await offThePool { try run(Binaries.cchc, args + ["--config", config]) }
}

func genericPortal(_ name: String, url: String) -> String {
    """
      \(name):
        type: portal
        preset: generic
        url: \(url)

    """
}
