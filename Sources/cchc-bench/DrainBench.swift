import ArgumentParser
import BenchKit
import CCurlRawLoad
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `cchc-bench drain`: the real `cchcd` draining a backlog, measured from the outside (issue 15).
///
/// In one run, on the same cores: an HTTP sink in another process (`cchc-bench sink`); raw libcurl
/// multi against it with the daemon's total concurrency (the ceiling); then a trusted inbox holding N
/// approved item files, each for 2 webhook channels pointing at the sink, and the real `cchcd` (built
/// next to this program) spawned on it. Measured: spawn → first delivery at the sink, intake files/s
/// (the delivery log's `item.approved` lines), steady deliveries/s (the middle 80 % of the drain at the
/// sink), deliveries/s from spawn to the last delivery, both as ratios to raw, the daemon's peak RSS
/// (VmHWM) and, once drained and idle, its RSS and anonymous RSS. Every delivery must reach the sink
/// exactly once (counted per item id and channel); otherwise the run exits non-zero.
struct DrainBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract:
            "Measure the real cchcd draining approved inbox files to a sink in another process, against raw libcurl.")

    @Option(help: "Approved item files waiting in the trusted inbox; each goes to both webhook channels.")
    var items = 5_000
    @Option(help: "Total concurrency: the two channels' max_concurrency together, and the raw libcurl load's.")
    var concurrency = 32
    @Option(help: "Requests of the raw libcurl load.") var rawRequests = 40_000
    @Option(help: "Seconds the drained daemon idles before its idle memory is read.") var idle = 3.0
    @Option(help: "Give up when no delivery has arrived for this many seconds.") var stall = 60.0
    @Option(help: "The sink's event-loop threads.") var sinkThreads = 1
    @Option(help: "Run in this new or empty folder and keep it (config, store, delivery log, outputs).")
    var workspace: String?

    static let channels = ["webhook-a", "webhook-b"]

    func validate() throws {
        guard items >= 1 else { throw ValidationError("--items: expected at least 1, found \(items)") }
        guard concurrency >= 2, concurrency % 2 == 0 else {
            throw ValidationError(
                "--concurrency: expected an even number ≥ 2 (split between 2 channels), found \(concurrency)")
        }
        guard rawRequests >= concurrency else {
            throw ValidationError(
                "--raw-requests: expected at least --concurrency (\(concurrency)), found \(rawRequests)")
        }
        guard idle >= 0, stall > 0, sinkThreads >= 1 else {
            throw ValidationError("--idle ≥ 0, --stall > 0 and --sink-threads ≥ 1 expected")
        }
    }

    func run() async throws {
        let bench = Self.ownExecutable()
        let cchcd = URL(fileURLWithPath: bench).deletingLastPathComponent().appendingPathComponent("cchcd").path
        guard FileManager.default.isExecutableFile(atPath: cchcd) else {
            throw ValidationError("no cchcd next to \(bench): swift build -c release --product cchcd")
        }
        let root = try Self.prepare(workspace: workspace)
        defer { if workspace == nil { try? FileManager.default.removeItem(atPath: root) } }

        let ids = (1...items).map { String(format: "bench-%06d", $0) }
        print("writing \(items) approved item files into the inbox …")
        let sampleBody = try Self.writeInbox(root + "/inbox", ids: ids)

        print("starting the sink in another process …")
        let sink = try SinkProcess(executable: bench, folder: root, threads: sinkThreads)
        print("raw libcurl multi: \(rawRequests) POSTs, concurrency \(concurrency) …")
        let raw = try await Self.rawLoad(
            url: sink.baseURL + "/raw", body: sampleBody, requests: rawRequests, concurrency: concurrency)
        let counted = try await sink.summary().requests
        guard counted == rawRequests else {
            throw BenchError("the sink counted \(counted) requests of the raw load's \(rawRequests)")
        }

        try Self.config(sinkURL: sink.baseURL, concurrency: concurrency).write(
            toFile: root + "/cchcd.yaml", atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "CCHCD_LOG_LEVEL"] {
            environment.removeValue(forKey: name)
        }
        let daemonLog = root + "/cchcd.log"
        print("spawning \(cchcd) on \(items) files × \(Self.channels.count) channels …")
        let spawnedWall = Date()
        let spawnedAt = MonotonicClock.nanoseconds()
        let daemon = try SpawnedProcess(
            executable: cchcd, arguments: ["--config", root + "/cchcd.yaml"], environment: environment,
            stdout: daemonLog, stderr: daemonLog)
        defer {
            if daemon.isRunning {
                daemon.signal(SIGKILL)
                daemon.waitUntilExit()
            }
        }

        let expected = items * Self.channels.count
        var stalled = false
        var seen = 0
        var lastProgress = MonotonicClock.nanoseconds()
        while true {
            guard daemon.isRunning else {
                throw BenchError(
                    "cchcd exited with status \(daemon.terminationStatus) before the drain ended: "
                        + outputTail(daemonLog))
            }
            let summary = try await sink.summary()
            if summary.deliveries >= expected { break }
            let now = MonotonicClock.nanoseconds()
            if summary.deliveries != seen {
                seen = summary.deliveries
                lastProgress = now
            } else if MonotonicClock.seconds(from: lastProgress, to: now) > stall {
                stalled = true
                print("no delivery for \(stall) s, \(seen) of \(expected) arrived: stopping")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // VmHWM is a high-water mark: read now, it is the peak over the whole drain.
        let peak = try ProcessMemory.read(pid: daemon.processIdentifier)
        try await Task.sleep(for: .seconds(idle))
        let idleMemory = try ProcessMemory.read(pid: daemon.processIdentifier)
        daemon.terminate()
        guard daemon.waitUntilExit(timeout: 60) else {
            throw BenchError("cchcd did not stop within 60 s of SIGTERM: " + outputTail(daemonLog))
        }
        guard daemon.terminationStatus == 0 else {
            throw BenchError(
                "cchcd exited with status \(daemon.terminationStatus) after SIGTERM: " + outputTail(daemonLog))
        }
        let report = try await sink.report()
        try sink.stop()

        let check = DeliveryCheck(deliveries: report.deliveries, items: ids, channels: Self.channels)
        let timeline = try DrainTimeline(arrivals: report.arrivals, spawnedAt: spawnedAt)
        let log = try DeliveryLogFigures(directory: root + "/log", itemPrefix: "bench-")
        var problems = check.problems()
        if stalled { problems.append("the drain stalled: no delivery for \(stall) s") }
        if log.approved != items {
            problems.append("the delivery log has \(log.approved) item.approved lines for \(items) inbox files")
        }
        let rejected = (try? FileManager.default.contentsOfDirectory(atPath: root + "/inbox/rejected")) ?? []
        if !rejected.isEmpty {
            problems.append(
                "the inbox rejected \(rejected.filter { !$0.hasSuffix(".error") }.count) files (inbox/rejected)")
        }
        let intakeSeconds = log.lastApproved.map { $0.timeIntervalSince(spawnedWall) }

        let result = DrainResult(
            items: items, channels: Self.channels.count, deliveries: expected, concurrency: concurrency,
            rawRequests: rawRequests, rawPerSecond: raw.rate, firstDeliveryS: timeline.firstDelivery,
            intakeS: intakeSeconds, intakeFilesPerSecond: intakeSeconds.map { Double(log.approved) / $0 },
            steadyPerSecond: timeline.steadyRate, endToEndPerSecond: timeline.endToEndRate,
            lastDeliveryS: timeline.lastDelivery, steadyRatio: timeline.steadyRate / raw.rate,
            endToEndRatio: timeline.endToEndRate / raw.rate,
            peakRSSMiB: ProcessMemory.mebibytes(peak.peakResidentKiB),
            idleRSSMiB: ProcessMemory.mebibytes(idleMemory.residentKiB),
            idleRSSAnonMiB: ProcessMemory.mebibytes(idleMemory.anonymousKiB),
            requestsAtSink: report.arrivals.count, missing: check.missing.count, duplicated: check.duplicated.count,
            unexpected: check.unexpected.count, deliveredInLog: log.delivered, ok: problems.isEmpty)
        Self.printTable(
            result, rawElapsed: raw.elapsed, rawBodyBytes: sampleBody.utf8.count,
            deliveryBodyBytes: report.arrivals.isEmpty ? 0 : report.deliveryBodyBytes / report.arrivals.count,
            sinkThreads: sinkThreads, idle: idle)
        print(try result.jsonLine())
        if workspace != nil { print("kept: \(root) (cchcd.yaml, state/, log/, cchcd.log, sink.log)") }
        if !problems.isEmpty {
            for problem in problems {
                FileHandle.standardError.write(Data(("cchc-bench drain: " + problem + "\n").utf8))
            }
            throw ExitCode.failure
        }
    }

    // MARK: - Set-up

    /// This program's path (cchcd is looked for beside it).
    static func ownExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The run's folder: `workspace` (created; must be empty) or a new temporary one.
    static func prepare(workspace: String?) throws -> String {
        guard let workspace else {
            let root = NSTemporaryDirectory() + "cchc-bench-drain-\(getpid())"
            try? FileManager.default.removeItem(atPath: root)
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            return root
        }
        let root = URL(fileURLWithPath: workspace).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let entries = try FileManager.default.contentsOfDirectory(atPath: root)
        guard entries.isEmpty else {
            throw ValidationError(
                "--workspace \(root) is not empty (\(entries.count) entries): give a new or empty folder")
        }
        return root
    }

    /// Writes one approved `.md` item file per id (both channels, approved an hour ago) and returns a
    /// JSON body shaped like the webhook channel's default payload for the first one, for the raw load.
    static func writeInbox(_ inbox: String, ids: [String]) throws -> String {
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let approvedAt = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-3600))
        for (n, id) in ids.enumerated() {
            let text = """
                ---
                id: \(id)
                title: "Bài số \(n + 1): Sơn La đẩy mạnh dịch vụ công trực tuyến toàn trình"
                summary: "Tỉnh tiếp nhận trực tuyến toàn bộ thủ tục hành chính đủ điều kiện."
                topic: tthc
                unit: "Sở Nội vụ"
                author: "Phòng Cải cách hành chính"
                channels: [\(channels.joined(separator: ", "))]
                approved_by: "Nguyễn Văn A"
                approved_at: \(approvedAt)
                ---
                Năm 2026, **100%** thủ tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình.

                - Bộ phận một cửa tiếp nhận hồ sơ.
                - Kết quả trả qua bưu chính công ích.

                """
            // Written beside the inbox, then renamed in: the inbox takes only complete files.
            let temporary = inbox + "/.\(id).md"
            try text.write(toFile: temporary, atomically: false, encoding: .utf8)
            guard rename(temporary, inbox + "/\(id).md") == 0 else {
                throw BenchError("cannot rename \(temporary) into the inbox: errno \(errno)")
            }
        }
        let item: [String: Any] = [
            "id": ids[0], "title": "Bài số 1: Sơn La đẩy mạnh dịch vụ công trực tuyến toàn trình",
            "summary": "Tỉnh tiếp nhận trực tuyến toàn bộ thủ tục hành chính đủ điều kiện.",
            "body":
                "Năm 2026, **100%** thủ tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình.\n\n- Bộ phận một cửa tiếp nhận hồ sơ.\n- Kết quả trả qua bưu chính công ích.\n",
            "body_html":
                "<p>Năm 2026, <strong>100%</strong> thủ tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình.</p><ul><li>Bộ phận một cửa tiếp nhận hồ sơ.</li><li>Kết quả trả qua bưu chính công ích.</li></ul>",
            "body_text":
                "Năm 2026, 100% thủ tục hành chính đủ điều kiện được cung cấp dịch vụ công trực tuyến toàn trình.\n\n- Bộ phận một cửa tiếp nhận hồ sơ.\n- Kết quả trả qua bưu chính công ích.",
            "topic": "tthc", "topic_label": "Cải cách thủ tục hành chính", "unit": "Sở Nội vụ",
            "author": "Phòng Cải cách hành chính", "priority": "thuong", "publish_at": NSNull(), "media": [Any](),
        ]
        let payload: [String: Any] = [
            "event": "cchc.item.published", "delivery_id": "\(ids[0])/\(channels[0])", "attempt": 1,
            "channel": channels[0], "item": item, "results": [String: Any](),
            "sent_at": "2026-11-25T08:00:03+07:00",
        ]
        let data = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// The daemon's configuration: a trusted inbox, 2 webhook channels on the sink sharing `concurrency`,
    /// and a per-host connection limit that lets both use it (they post to the same host). Everything
    /// else is the default an operator gets.
    static func config(sinkURL: String, concurrency: Int) -> String {
        var text = """
            timezone: Asia/Ho_Chi_Minh
            state_dir: state
            inbox: { path: inbox, trusted: true }
            delivery_log: { dir: log }
            network: { max_connections_per_host: \(concurrency) }
            channels:

            """
        for channel in channels {
            text +=
                "  \(channel): { type: webhook, url: \"\(sinkURL)/hook/\(channel)\", max_concurrency: \(concurrency / 2) }\n"
        }
        return text
    }

    /// Raw libcurl multi (C, no Swift in the loop) against the sink.
    static func rawLoad(url: String, body: String, requests: Int, concurrency: Int) async throws -> (
        rate: Double, elapsed: Double
    ) {
        // It blocks for the whole run: a thread of its own, not one of the cooperative pool's.
        let (rc, elapsed, failures) = await withCheckedContinuation {
            (c: CheckedContinuation<(Int32, Double, Int32), Never>) in
            Thread {
                var elapsed = 0.0
                var failures: Int32 = 0
                let rc = ccurl_raw_post_load(
                    url, body, body.utf8.count, Int32(requests), Int32(concurrency), &elapsed, &failures)
                c.resume(returning: (rc, elapsed, failures))
            }.start()
        }
        guard rc == 0, failures == 0, elapsed > 0 else {
            throw BenchError("the raw libcurl load against \(url) failed: rc \(rc), \(failures) failed requests")
        }
        return (Double(requests) / elapsed, elapsed)
    }

    // MARK: - Output

    static func printTable(
        _ r: DrainResult, rawElapsed: Double, rawBodyBytes: Int, deliveryBodyBytes: Int, sinkThreads: Int,
        idle: Double
    ) {
        func number(_ value: Double?, _ digits: Int = 0) -> String {
            guard let value, value.isFinite else { return "–" }
            return value.formatted(.number.precision(.fractionLength(digits)))
        }
        // Pads without cutting: `padding(toLength:)` would truncate a longer value.
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
        }
        func row(_ what: String, _ value: String, _ target: String = "", _ met: Bool? = nil) {
            print("  " + pad(what, 34) + pad(value, 44) + pad(target, 18) + (met.map { $0 ? "met" : "NOT met" } ?? ""))
        }
        print("")
        print(
            "cchc-bench drain: \(number(Double(r.items))) approved inbox files × \(r.channels) webhook channels = "
                + "\(number(Double(r.deliveries))) deliveries; concurrency \(r.concurrency) "
                + "(\(r.concurrency / 2) per channel); sink in another process (\(sinkThreads) event-loop thread)")
        row("", "measured", "target")
        row(
            "raw libcurl multi (C)",
            "\(number(r.rawPerSecond)) req/s (\(number(Double(r.rawRequests))) in \(number(rawElapsed, 2)) s)")
        row(
            "first delivery after spawn", "\(number(r.firstDeliveryS, 3)) s", "< 1 s",
            r.firstDeliveryS < 1)
        row(
            "intake (spawn → last approved)",
            "\(number(r.intakeFilesPerSecond)) files/s (\(number(r.intakeS, 2)) s)", "≥ 5,000 files/s",
            r.intakeFilesPerSecond.map { $0 >= 5000 })
        row(
            "steady (middle 80 %)", "\(number(r.steadyPerSecond)) /s = \(number(r.steadyRatio, 3)) × raw",
            "≥ 0.25 × raw", r.steadyRatio >= 0.25)
        row(
            "spawn → last delivery",
            "\(number(r.endToEndPerSecond)) /s = \(number(r.endToEndRatio, 3)) × raw (\(number(r.lastDeliveryS, 2)) s)",
            "≥ 0.15 × raw", r.endToEndRatio >= 0.15)
        row("peak RSS of cchcd (VmHWM)", "\(number(r.peakRSSMiB, 1)) MiB")
        row(
            "idle RSS, \(number(idle, 0)) s after the drain",
            "\(number(r.idleRSSMiB, 1)) MiB (anonymous \(number(r.idleRSSAnonMiB, 1)))",
            "< 40 MiB", r.idleRSSMiB < 40)
        row(
            "at the sink (item × channel)",
            "\(number(Double(r.requestsAtSink))) requests: \(r.missing) missing, \(r.duplicated) repeated, "
                + "\(r.unexpected) unexpected")
        row("request body", "raw \(rawBodyBytes) B; deliveries \(deliveryBodyBytes) B on average")
    }
}

/// One run's figures, printed as one JSON line (snake_case keys; absent figures are null).
struct DrainResult: Encodable {
    var bench = "drain"
    var items: Int
    var channels: Int
    var deliveries: Int
    var concurrency: Int
    var rawRequests: Int
    var rawPerSecond: Double
    var firstDeliveryS: Double
    var intakeS: Double?
    var intakeFilesPerSecond: Double?
    var steadyPerSecond: Double
    var endToEndPerSecond: Double
    var lastDeliveryS: Double
    var steadyRatio: Double
    var endToEndRatio: Double
    var peakRSSMiB: Double
    var idleRSSMiB: Double
    var idleRSSAnonMiB: Double
    var requestsAtSink: Int
    var missing: Int
    var duplicated: Int
    var unexpected: Int
    var deliveredInLog: Int
    var ok: Bool

    enum CodingKeys: String, CodingKey {
        case bench, items, channels, deliveries, concurrency, ok, missing, duplicated, unexpected
        case rawRequests = "raw_requests", rawPerSecond = "raw_per_s", firstDeliveryS = "first_delivery_s"
        case intakeS = "intake_s", intakeFilesPerSecond = "intake_files_per_s", steadyPerSecond = "steady_per_s"
        case endToEndPerSecond = "end_to_end_per_s", lastDeliveryS = "last_delivery_s", steadyRatio = "steady_ratio"
        case endToEndRatio = "end_to_end_ratio", peakRSSMiB = "peak_rss_mib", idleRSSMiB = "idle_rss_mib"
        case idleRSSAnonMiB = "idle_rss_anon_mib", requestsAtSink = "requests_at_sink"
        case deliveredInLog = "delivered_in_log"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        // Rounded to what the measurement can tell; NaN and infinity (a run too small to have a middle)
        // become null, which JSON can carry.
        func put(_ value: Double?, _ key: CodingKeys, _ digits: Int) throws {
            guard let value, value.isFinite else { return try c.encodeNil(forKey: key) }
            let scale = pow(10, Double(digits))
            try c.encode((value * scale).rounded() / scale, forKey: key)
        }
        try c.encode(bench, forKey: .bench)
        try c.encode(items, forKey: .items)
        try c.encode(channels, forKey: .channels)
        try c.encode(deliveries, forKey: .deliveries)
        try c.encode(concurrency, forKey: .concurrency)
        try c.encode(rawRequests, forKey: .rawRequests)
        try put(rawPerSecond, .rawPerSecond, 0)
        try put(firstDeliveryS, .firstDeliveryS, 3)
        try put(intakeS, .intakeS, 3)
        try put(intakeFilesPerSecond, .intakeFilesPerSecond, 0)
        try put(steadyPerSecond, .steadyPerSecond, 0)
        try put(endToEndPerSecond, .endToEndPerSecond, 0)
        try put(lastDeliveryS, .lastDeliveryS, 3)
        try put(steadyRatio, .steadyRatio, 4)
        try put(endToEndRatio, .endToEndRatio, 4)
        try put(peakRSSMiB, .peakRSSMiB, 1)
        try put(idleRSSMiB, .idleRSSMiB, 1)
        try put(idleRSSAnonMiB, .idleRSSAnonMiB, 1)
        try c.encode(requestsAtSink, forKey: .requestsAtSink)
        try c.encode(missing, forKey: .missing)
        try c.encode(duplicated, forKey: .duplicated)
        try c.encode(unexpected, forKey: .unexpected)
        try c.encode(deliveredInLog, forKey: .deliveredInLog)
        try c.encode(ok, forKey: .ok)
    }

    func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// What the daemon's delivery log says about the run's items: how many were approved (and when the
/// last was) and how many deliveries were delivered.
struct DeliveryLogFigures {
    var approved = 0
    var lastApproved: Date?
    var delivered = 0

    /// Reads every `delivery-*.jsonl` file in `directory`, counting lines whose `item_id` starts with `itemPrefix`.
    init(directory: String, itemPrefix: String) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix("delivery-") && $0.hasSuffix(".jsonl") }.sorted()
        let timestamps = ISO8601DateFormatter()
        timestamps.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for file in files {
            let path = directory + "/" + file
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for (number, line) in text.split(separator: "\n").enumerated() {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    throw BenchError("\(path):\(number + 1): not a JSON object")
                }
                guard (object["item_id"] as? String)?.hasPrefix(itemPrefix) == true else { continue }
                switch object["event"] as? String {
                case "item.approved":
                    approved += 1
                    guard let ts = object["ts"] as? String, let date = timestamps.date(from: ts) else {
                        throw BenchError("\(path):\(number + 1): ts is not an RFC 3339 time with milliseconds")
                    }
                    if lastApproved == nil || date > lastApproved! { lastApproved = date }
                case "delivery.delivered":
                    delivered += 1
                default:
                    break
                }
            }
        }
    }
}
