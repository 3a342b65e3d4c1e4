import DeliveryLog
import Foundation
import Reports

#if canImport(Glibc)
    import Glibc
#endif

/// `cchc-bench report`: generates a year of delivery log (statutory year 2026, 15/12/2025 –
/// 14/12/2026) and measures, on the same files in the same run:
/// 1. baseline A — reading the files and splitting lines (the floor any reader pays);
/// 2. baseline B — decoding every line with Foundation's JSONSerialization (what a naive reader does);
/// 3. the yearly report: `ReportBuilder.build` plus rendering JSON, Markdown, HTML, CSV and DOCX.
/// It prints each time and the report's ratio to both baselines, and the peak RSS.
struct ReportBench {
    var lines: Int

    func run() throws {
        let dir = NSTemporaryDirectory() + "cchc-report-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        let (bytes, items) = try generate(into: dir)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted().map { dir + "/" + $0 }
        print("report benchmark: \(lines) lines, \(bytes / 1_000_000) MB in \(files.count) files, \(items) items")

        // Baseline A: read and split.
        var counted = 0
        let split = time {
            for f in files {
                let fd = open(f, O_RDONLY)
                defer { close(fd) }
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
                defer { buffer.deallocate() }
                while true {
                    let n = read(fd, buffer, 1 << 20)
                    if n <= 0 { break }
                    var p = buffer
                    var left = n
                    while left > 0, let hit = memchr(p, 0x0A, left) {
                        counted += 1
                        let used = p.distance(to: hit) + 1
                        p = hit + 1
                        left -= used
                    }
                }
            }
        }
        let splitCPU = ReportBench.lastCPU
        guard counted == lines else { throw BenchError("split \(counted) lines, expected \(lines)") }

        // The report.
        var report: Report?
        let zone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        // Reset the peak-RSS mark (Linux: "5" > /proc/self/clear_refs) so it shows the report reader's own peak.
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let build = try time {
            report = try ReportBuilder.build(
                ReportOptions(directory: dir, period: .year(2026, calendar: false), timeZone: zone))
        }
        guard let report else { throw BenchError("no report") }
        guard report.input.lines == lines, report.input.corrupt == 0, report.total("items") == Double(items) else {
            throw BenchError("report read \(report.input.lines) lines, \(report.total("items")) items")
        }
        let buildCPU = ReportBench.lastCPU
        let buildPeak = peakRSS()
        // Baseline B: JSONSerialization on every line.
        var decoded = 0
        let json = try time {
            for f in files {
                let data = try Data(contentsOf: URL(fileURLWithPath: f), options: .alwaysMapped)
                var start = data.startIndex
                while let nl = data[start...].firstIndex(of: 0x0A) {
                    if (try? JSONSerialization.jsonObject(with: data[start..<nl])) is [String: Any] { decoded += 1 }
                    start = nl + 1
                }
            }
        }
        let jsonCPU = ReportBench.lastCPU
        guard decoded == lines else { throw BenchError("decoded \(decoded) lines, expected \(lines)") }

        var sizes: [String] = []
        var renderTimes: [String] = []
        var renderTotal = 0.0
        for format in ReportFormat.allCases {
            var size = 0
            let t = try time { size = try format.render(report).count }
            renderTotal += t
            renderTimes.append(
                "\(format.rawValue) \(String(format: "%.2f", t)) s (cpu \(String(format: "%.2f", ReportBench.lastCPU)))"
            )
            sizes.append("\(format.rawValue) \(size / 1000) kB")
        }
        let total = build + renderTotal
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func line(_ label: String, _ wall: Double, _ cpu: Double) {
            print("  " + label + String(format: " %.2f s wall, %.2f s cpu", wall, cpu))
        }
        line("baseline A, read + split lines:     ", split, splitCPU)
        line("baseline B, JSONSerialization:      ", json, jsonCPU)
        line("report: read + count (build):       ", build, buildCPU)
        print("  report: render \(renderTimes.joined(separator: ", "))")
        print("  output sizes: \(sizes.joined(separator: ", "))")
        print(String(format: "  yearly report in all 5 formats:      %.2f s wall", total))
        print(String(format: "  ratio build / baseline A: %.1f× wall, %.1f× cpu", build / split, buildCPU / splitCPU))
        print(String(format: "  ratio build / baseline B: %.3f× wall, %.3f× cpu", build / json, buildCPU / jsonCPU))
        print("  peak RSS while the report read the log: \(buildPeak) MB; whole run: \(usage.ru_maxrss / 1024) MB")
    }

    /// VmHWM from /proc/self/status, in MB.
    func peakRSS() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return -1 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }

    /// Wall-clock seconds of `body`; its CPU seconds (this process) are kept in `cpu` by label: the
    /// machine is shared, and CPU time says what the code costs when the wall clock also counts waiting.
    func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        let cpuStart = cpuSeconds()
        try body()
        ReportBench.lastCPU = cpuSeconds() - cpuStart
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    nonisolated(unsafe) static var lastCPU = 0.0

    func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// A province-like mix per item (about 45 lines): submitted, approved, 6 × planned, 6 × delivered
    /// (portal, webhook, exec, email, radio, facebook; 1 in 20 fails instead), 25 `delivery.part`
    /// lines (one per address on the list), 3 citizen comments, and a radio bulletin for one item in
    /// four. Lines are spread evenly over the year, keys sorted as the writer writes them.
    func generate(into dir: String) throws -> (bytes: Int, items: Int) {
        let units = ["Sở Nội vụ", "UBND huyện Mộc Châu", "UBND huyện Mai Sơn", "UBND xã Chiềng Sơn", "Sở Tư pháp"]
        let topics = ["tthc", "chinh-quyen-so", "the-che", "bo-may", "cong-vu", "tai-chinh-cong", "chi-so", "khac"]
        // Six channels per item; the email channel logs one line per recipient (25 on its list).
        let channels = [
            ("portal-tinh", "portal"), ("webhook-tonghop", "webhook"), ("exec-zalo", "exec"),
            ("email-lanh-dao", "email"), ("radio-chieng-son", "radio"), ("fb-sonla", "facebook"),
        ]
        let start = Int64(1_765_731_600)  // 2025-12-15T00:00:00+07:00
        let span = Int64(365 * 86400)
        var written = 0
        var bytes = 0
        var item = 0
        var seq = 0
        var handles: [String: FileHandle] = [:]
        var buffers: [String: String] = [:]
        var rng: UInt64 = 42
        func next(_ n: Int) -> Int {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((rng >> 33) % UInt64(n))
        }
        func emit(_ second: Int64, _ fields: String) throws {
            seq += 1
            let local = second + 7 * 3600
            let days = Int(local / 86400)
            let date = CivilDate.date(dayNumber: days)
            let sod = Int(local % 86400)
            let month = String(format: "%04d-%02d", date.0, date.1)
            let ts =
                month
                + String(
                    format: "-%02dT%02d:%02d:%02d.%03d+07:00", date.2, sod / 3600, sod / 60 % 60, sod % 60, seq % 1000)
            let line = "{\"seq\":\(seq),\(fields),\"ts\":\"\(ts)\",\"v\":1}\n"
            buffers[month, default: ""] += line
            bytes += line.utf8.count
            written += 1
            if buffers[month]!.utf8.count > 1 << 20 { try flush(month) }
        }
        func flush(_ month: String) throws {
            if handles[month] == nil {
                let path = dir + "/delivery-\(month).jsonl"
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                handles[month] = FileHandle(forWritingAtPath: path)
            }
            try handles[month]!.write(contentsOf: Data(buffers[month]!.utf8))
            buffers[month] = ""
        }
        while written < lines {
            item += 1
            let t = start + Int64(Double(span) * Double(written) / Double(lines))
            let id = String(format: "2026-%06d", item)
            let unit = units[next(units.count)]
            let topic = topics[next(topics.count)]
            let common =
                "\"item_id\":\"\(id)\",\"item_title\":\"Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến (\(item))\",\"topic\":\"\(topic)\",\"unit\":\"\(unit)\""
            let plan: [String] =
                [
                    "\"actor\":\"inbox\",\"event\":\"item.submitted\",\(common)",
                    "\"actor\":\"Nguyễn Văn A\",\"event\":\"item.approved\",\(common)",
                ]
                + channels.map { c in
                    "\"actor\":\"cchcd\",\"channel\":\"\(c.0)\",\"channel_type\":\"\(c.1)\",\"delivery_id\":\"\(id)/\(c.0)\",\"due_at\":\"2026-01-01T00:00:00.000+07:00\",\"event\":\"delivery.planned\",\(common),\"state\":\"pending\""
                }
                + channels.map { c in
                    if next(20) == 0 {
                        return
                            "\"actor\":\"cchcd\",\"attempt\":1,\"channel\":\"\(c.0)\",\"channel_type\":\"\(c.1)\",\"delivery_id\":\"\(id)/\(c.0)\",\"duration_ms\":84,\"error\":\"HTTP 401 Unauthorized\",\"error_class\":\"auth\",\"event\":\"delivery.failed\",\(common),\"state\":\"failed\""
                    }
                    return
                        "\"actor\":\"cchcd\",\"attempt\":1,\"channel\":\"\(c.0)\",\"channel_type\":\"\(c.1)\",\"delivery_id\":\"\(id)/\(c.0)\",\"duration_ms\":84,\"event\":\"delivery.delivered\",\(common),\"remote_id\":\"\(item)\",\"state\":\"delivered\",\"url\":\"https://cchc.sonla.gov.vn/tin-tuc/\(item)\""
                }
                + (0..<25).map { r in
                    "\"channel\":\"email-lanh-dao\",\"channel_type\":\"email\",\"code\":250,\"delivery_id\":\"\(id)/email-lanh-dao\",\"event\":\"delivery.part\",\(common),\"part\":\"can-bo-\(r)@sonla.gov.vn\",\"part_state\":\"delivered\",\"state\":\"delivered\""
                }
                + (0..<3).map { _ in
                    "\"channel\":\"fb-sonla\",\"channel_type\":\"facebook\",\"event\":\"inbound.comment\",\"item_id\":\"\(id)\",\"kind\":\"comment\""
                }
                + (next(4) == 0
                    ? [
                        "\"channel\":\"radio-chieng-son\",\"channel_type\":\"radio\",\"duration_s\":420,\"event\":\"radio.bulletin\",\(common)"
                    ]
                    : [])
                + (next(4) == 0
                    ? [
                        "\"channel\":\"fb-sonla\",\"channel_type\":\"facebook\",\"event\":\"inbound.comment\",\"kind\":\"comment\""
                    ] : [])
            for fields in plan where written < lines { try emit(t, fields) }
        }
        for month in buffers.keys where !(buffers[month]!.isEmpty) { try flush(month) }
        for h in handles.values { try h.close() }
        // Items whose delivered line made it in before the cut.
        return (bytes, try countItems(dir))
    }

    /// Distinct item ids with a delivered line (the generator's own count, from the files).
    func countItems(_ dir: String) throws -> Int {
        var ids = Set<Substring>()
        for f in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let text = try String(contentsOfFile: dir + "/" + f, encoding: .utf8)
            for line in text.split(separator: "\n") where line.contains("\"event\":\"delivery.delivered\"") {
                guard let r = line.range(of: "\"item_id\":\"") else { continue }
                let rest = line[r.upperBound...]
                ids.insert(rest[..<rest.firstIndex(of: "\"")!])
            }
        }
        return ids.count
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
