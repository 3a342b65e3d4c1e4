import ArgumentParser
import BenchKit
import CCurlRawLoad
import ChannelKit
import ChannelRegistry
import Config
import Engine
import DeliveryLog
import Foundation
import Logging
import Queue
import Scheduling
import Transport

/// The dispatch benchmark (DESIGN.md §11). In one run, against the same loopback sink and with the
/// same total concurrency, it measures:
/// 1. the raw libcurl rate: C code driving libcurl's multi interface, no Swift in the loop;
/// 2. cchcd's engine end to end: N approved items on 2 HTTP channels in a real SQLite store (durable
///    commits), dispatched through the real portal channel, outcomes recorded, delivery log written.
/// It prints both rates and their ratio, lateness (send start − due time) p50/p99, and peak RSS.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cchc-bench", abstract: "cchc-dispatch's benchmarks (release build; docs/performance.md).",
        subcommands: [
            DispatchBench.self, StartupBench.self, DrainBench.self, SinkCommand.self, ReportBenchCommand.self,
            ReadAloudBenchCommand.self,
        ],
        defaultSubcommand: DispatchBench.self)
}

struct ReportBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Measure a yearly report over a generated delivery log.")

    @Option(help: "Delivery-log lines to generate.") var lines = 1_000_000

    func run() throws { try ReportBench(lines: lines).run() }
}

struct ReadAloudBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readaloud", abstract: "Measure the read-aloud normaliser against tokenising the same text.")

    @Option(help: "The folder of .txt documents to normalise.") var corpus = "Tests/Fixtures"
    @Option(help: "Passes over the corpus.") var passes = 200

    func run() throws { try ReadAloudBench(corpus: corpus, passes: passes).run() }
}

struct DispatchBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch", abstract: "Measure dispatch throughput against raw libcurl.")

    @Option(help: "Items to queue; each goes to both channels.") var items = 20_000
    @Option(help: "Total concurrency (split between the 2 channels), the same for both measurements.") var concurrency =
        128
    @Option(help: "Sink event-loop threads.") var sinkThreads = 1

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = .warning
            return h
        }
        let logger = Logger(label: "bench")
        let sink = try await BenchSink.start(eventLoopThreads: sinkThreads)
        let deliveries = items * 2
        let url = sink.baseURL + "/api/articles"

        // 1. Raw libcurl.
        let body = #"{"title":"Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến","content":"<p>Nội dung</p>"}"#
        // It blocks for the whole run: give it a thread of its own, not one of the cooperative pool's
        // (the sink's handlers run there).
        let (rc, elapsed, failures) = await withCheckedContinuation {
            (c: CheckedContinuation<(Int32, Double, Int32), Never>) in
            let n = Int32(deliveries)
            let conc = Int32(concurrency)
            Thread {
                var elapsed = 0.0
                var failures: Int32 = 0
                let rc = ccurl_raw_post_load(url, body, body.utf8.count, n, conc, &elapsed, &failures)
                c.resume(returning: (rc, elapsed, failures))
            }.start()
        }
        guard rc == 0, failures == 0 else { throw ValidationError("raw load failed: rc \(rc), failures \(failures)") }
        let rawRate = Double(deliveries) / elapsed

        // 2. The engine, end to end, as shipped; 3. the same without the send journal and without the
        // transport's guard against re-sends (issue 13), to show what those cost.
        let shipped = try await measureEngine(url: url, sink: sink, safety: true, logger: logger)
        let bare = try await measureEngine(url: url, sink: sink, safety: false, logger: logger)
        let (engineRate, engineElapsed, delivered, sinkSaw, figures, lateness) = (
            shipped.rate, shipped.elapsed, shipped.delivered, shipped.sinkSaw, shipped.figures, shipped.lateness
        )
        func pct(_ p: Double) -> Double {
            lateness.isEmpty ? .nan : lateness[min(lateness.count - 1, Int(Double(lateness.count) * p))]
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        try await sink.shutdown()

        print("")
        print(
            "cchc-bench: \(items) items × 2 channels = \(deliveries) deliveries, concurrency \(concurrency), loopback sink"
        )
        print(String(format: "  raw libcurl (C, multi):   %8.0f requests/s  (%.2f s)", rawRate, elapsed))
        print(
            String(
                format: "  cchcd engine end to end:  %8.0f deliveries/s  (%.2f s, %d delivered, sink saw %d)",
                engineRate, engineElapsed, delivered, sinkSaw))
        print(String(format: "  ratio engine / raw:       %8.2f", engineRate / rawRate))
        print(
            String(
                format:
                    "  without send journal and re-send guard: %8.0f deliveries/s; shipped / without: %.3f",
                bare.rate, engineRate / bare.rate))
        print(
            String(
                format: "  lateness (start − due, measured from engine start): p50 %.3f s, p99 %.3f s", pct(0.5),
                pct(0.99)))
        print(
            String(
                format: "  engine store transactions: %d (%.1f outcomes each, %.2f ms each, %.0f%% of the run)",
                figures.transactions, Double(figures.outcomesCommitted) / Double(max(1, figures.transactions)),
                figures.transactionTime.seconds * 1000 / Double(max(1, figures.transactions)),
                figures.transactionTime.seconds / engineElapsed * 100))
        print("  peak RSS of this process (sink + engine + store): \(usage.ru_maxrss / 1024) MB")
        print("  targets: ≥ 2000 deliveries/s and ratio ≥ 0.5")
        if delivered != deliveries { throw ValidationError("only \(delivered) of \(deliveries) delivered") }
        if bare.delivered != deliveries { throw ValidationError("only \(bare.delivered) of \(deliveries) delivered") }
    }

    struct EngineRun {
        var rate: Double
        var elapsed: Double
        var delivered: Int
        var sinkSaw: Int
        var figures: EngineFigures
        var lateness: [Double]
    }

    /// Queues `items` approved items × 2 channels in a fresh store and times the engine draining them.
    /// - Parameter safety: with the send journal and the transport's re-send guard, as `cchcd` runs.
    func measureEngine(url: String, sink: BenchSink, safety: Bool, logger: Logger) async throws -> EngineRun {
        let deliveries = items * 2
        let dir = NSTemporaryDirectory() + "cchc-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let perChannel = max(1, concurrency / 2)
        let yaml = """
            timezone: Asia/Ho_Chi_Minh
            state_dir: state
            delivery_log: { dir: log }
            channels:
              portal-a: { type: portal, preset: generic, url: "\(url)", id_pointer: /id, url_pointer: /link, max_concurrency: \(perChannel) }
              portal-b: { type: portal, preset: generic, url: "\(url)", id_pointer: /id, url_pointer: /link, max_concurrency: \(perChannel) }
            """
        try yaml.write(toFile: dir + "/cchcd.yaml", atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: dir + "/cchcd.yaml")
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: config.databasePath, timeZone: config.timeZone)
        let planner = DeliveryPlanner(config: config)
        let due = Date()
        let month = LogClock(timeZone: config.timeZone).month(due)
        print("queueing \(items) approved items × 2 channels …")
        for i in 0..<items {
            let content = ItemContent(
                title: "Bài số \(i): cải cách thủ tục hành chính", summary: "Tóm tắt",
                body: "Nội dung **bài** số \(i).",
                topic: "tthc", unit: "Sở Nội vụ", channels: ["portal-a", "portal-b"])
            _ = try await store.addItem(
                NewItem(
                    id: nil, idMonth: month, content: content, source: "bench", actor: "bench",
                    approval: Approval(by: "bench", at: due)),
                at: due, plan: { planner.plan($0) })
        }
        var httpConfiguration = config.httpClientConfiguration
        httpConfiguration.refusesResends = safety
        let http = try HTTPClient(configuration: httpConfiguration)
        let journal = safety ? try SendJournal(directory: config.sendJournalDirectory, owner: "bench") : nil
        let channels = try BuiltinChannels.build(config, http: http, logger: logger)
        let exporter = DeliveryLogExporter(
            directory: config.deliveryLogDirectory, source: store, logger: logger)
        try await exporter.writer.catchUp()  // the queueing events, outside the measurement
        let engine = Engine(
            store: store, channels: config.channels.map { EngineChannel(channel: channels[$0.name]!, config: $0) },
            config: config, owner: "bench", singleInstance: true, sendJournal: journal, logger: logger)
        print(safety ? "dispatching …" : "dispatching again without the send journal and the re-send guard …")
        let requestsBefore = sink.requestCount
        let start = Date()
        // The log is written as in the daemon: by the exporter, beside the engine, after each commit.
        let exporting = Task { try await exporter.run() }
        let task = Task { try await engine.run() }
        while true {
            let stats = try await store.stats()
            if (stats.deliveriesByState["delivered"] ?? 0) + (stats.deliveriesByState["failed"] ?? 0) >= deliveries {
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let engineElapsed = Date().timeIntervalSince(start)
        let figures = await engine.figures()
        engine.stop()
        try await task.value
        exporter.finish()
        try await exporting.value
        http.shutdown()
        let stats = try await store.stats()
        let delivered = stats.deliveriesByState["delivered"] ?? 0
        let engineRate = Double(delivered) / engineElapsed

        // Lateness from the delivery log: start of the send (ts − duration) minus the due time.
        var lateness: [Double] = []
        lateness.reserveCapacity(deliveries)
        for file in try FileManager.default.contentsOfDirectory(atPath: config.deliveryLogDirectory).sorted() {
            let text = try String(contentsOfFile: config.deliveryLogDirectory + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.contains("\"event\":\"delivery.delivered\"") {
                let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                let ts = obj["ts"] as! String
                let finished = try Date(
                    ts,
                    strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(
                        separator: .omitted))
                let startedAt = finished.addingTimeInterval(-Double(obj["duration_ms"] as! Int) / 1000)
                lateness.append(max(0, startedAt.timeIntervalSince(start)))
            }
        }
        lateness.sort()
        return EngineRun(
            rate: engineRate, elapsed: engineElapsed, delivered: delivered, sinkSaw: sink.requestCount - requestsBefore,
            figures: figures, lateness: lateness)
    }
}
