import BenchKit
import Foundation
import Testing
import Transport

/// The pieces of `cchc-bench drain`: the sink as a child process (the real `cchc-bench sink`), its
/// counting per channel and item, the delivery check, the daemon's memory figures, the rates.
@Suite struct BenchSinkTests {
    /// The `cchc-bench` built beside this test bundle (`swift build --build-tests` builds it).
    static let bench: String = {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("cchc-bench").path) && url.path != "/"
        {
            url = url.deletingLastPathComponent()
        }
        return url.appendingPathComponent("cchc-bench").path
    }()

    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "cchc-benchkit-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func post(_ http: HTTPClient, _ url: String, delivery: String?, body: String) async throws -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        if let delivery { headers.replaceOrAdd(name: "X-CCHC-Delivery", value: delivery) }
        return try await http.execute(HTTPRequest(method: "POST", url: url, headers: headers, body: Array(body.utf8)))
    }

    @Test func theSinkChildCountsEachDeliveryByChannelAndItemAndTheCheckFindsWhatIsWrong() async throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sink = try SinkProcess(executable: Self.bench, folder: dir)
        let http = try HTTPClient()
        defer { http.shutdown() }
        let before = MonotonicClock.nanoseconds()
        let sent: [(path: String, delivery: String?)] = [
            ("/hook/webhook-a", "bai-1/webhook-a"),
            ("/hook/webhook-b", "bai-1/webhook-b"),
            ("/hook/webhook-a", "bai-2/webhook-a"),
            ("/hook/webhook-a", "bai-2/webhook-a"),  // sent twice
            // bai-2 never reaches webhook-b
            ("/hook/webhook-a", "bai-3/webhook-b"),  // the header names another channel than the path
            ("/hook/webhook-b", nil),  // no X-CCHC-Delivery at all
        ]
        var bodyBytes = 0
        for (n, request) in sent.enumerated() {
            let body = #"{"n":\#(n),"title":"Cải cách hành chính"}"#
            bodyBytes += body.utf8.count
            let response = try await post(http, sink.baseURL + request.path, delivery: request.delivery, body: body)
            #expect(response.status == 201)
            #expect(response.bodyText == BenchSink.answerBody)
        }
        let raw = try await post(http, sink.baseURL + "/raw", delivery: nil, body: "{}")
        #expect(raw.status == 201)
        let after = MonotonicClock.nanoseconds()

        let summary = try await sink.summary()
        #expect(summary.requests == 7)
        #expect(summary.deliveries == 6)
        let report = try await sink.report()
        #expect(report.requests == 7)
        #expect(report.deliveryBodyBytes == bodyBytes)
        #expect(report.arrivals.count == 6)
        // The child's clock is this process's clock: every arrival lies between the first send and the last answer.
        #expect(report.arrivals.allSatisfy { $0 >= before && $0 <= after })
        #expect(report.arrivals == report.arrivals.sorted())
        #expect(summary.firstArrival == report.arrivals.first && summary.lastArrival == report.arrivals.last)
        #expect(
            Set(report.deliveries) == [
                SinkDelivery(channel: "webhook-a", deliveryID: "bai-1/webhook-a", count: 1),
                SinkDelivery(channel: "webhook-b", deliveryID: "bai-1/webhook-b", count: 1),
                SinkDelivery(channel: "webhook-a", deliveryID: "bai-2/webhook-a", count: 2),
                SinkDelivery(channel: "webhook-a", deliveryID: "bai-3/webhook-b", count: 1),
                SinkDelivery(channel: "webhook-b", deliveryID: "", count: 1),
            ])

        let check = DeliveryCheck(
            deliveries: report.deliveries, items: ["bai-1", "bai-2"], channels: ["webhook-a", "webhook-b"])
        #expect(!check.isClean)
        #expect(check.expected == 4)
        #expect(check.received == 3)
        #expect(check.missing == ["bai-2/webhook-b"])
        #expect(check.duplicated == [SinkDelivery(channel: "webhook-a", deliveryID: "bai-2/webhook-a", count: 2)])
        #expect(
            check.unexpected == [
                SinkDelivery(channel: "webhook-b", deliveryID: "", count: 1),
                SinkDelivery(channel: "webhook-a", deliveryID: "bai-3/webhook-b", count: 1),
            ])
        let problems = check.problems()
        #expect(problems.count == 3)
        #expect(problems[0].contains("bai-2/webhook-b"))
        #expect(problems[1].contains("bai-2/webhook-a ×2"))
        #expect(problems[2].contains(#"/hook/webhook-a with X-CCHC-Delivery "bai-3/webhook-b""#))

        // Its memory, as the drain reads the daemon's.
        let memory = try ProcessMemory.read(pid: sink.process.processIdentifier)
        #expect(memory.residentKiB > 0)
        #expect(memory.peakResidentKiB >= memory.residentKiB)
        #expect(memory.anonymousKiB > 0 && memory.anonymousKiB <= memory.residentKiB)

        let pid = sink.process.processIdentifier
        try sink.stop()
        #expect(!sink.process.isRunning)
        #expect(sink.process.terminationStatus == 0)
        #expect(throws: BenchError.self) { try ProcessMemory.read(pid: pid) }
    }

    @Test func everyDeliveryOnceIsClean() {
        let deliveries = ["a", "b"].flatMap { item in
            ["webhook-a", "webhook-b"].map { SinkDelivery(channel: $0, deliveryID: "\(item)/\($0)", count: 1) }
        }
        let check = DeliveryCheck(deliveries: deliveries, items: ["a", "b"], channels: ["webhook-a", "webhook-b"])
        #expect(check.isClean)
        #expect(check.received == 4 && check.expected == 4)
        #expect(check.problems().isEmpty)
        // Nothing at all arrived: all four missing.
        let nothing = DeliveryCheck(deliveries: [], items: ["a", "b"], channels: ["webhook-a", "webhook-b"])
        #expect(nothing.missing == ["a/webhook-a", "a/webhook-b", "b/webhook-a", "b/webhook-b"])
    }

    @Test func memoryFiguresComeFromProcStatusAndBadTextIsNamed() throws {
        let status = """
            Name:\tcchcd
            VmPeak:\t  412340 kB
            VmHWM:\t   66560 kB
            VmRSS:\t   47104 kB
            RssAnon:\t    8192 kB
            RssFile:\t   38912 kB
            """
        let memory = try ProcessMemory(status: status, source: "/proc/42/status")
        #expect(memory == ProcessMemory(peakResidentKiB: 66560, residentKiB: 47104, anonymousKiB: 8192))
        #expect(ProcessMemory.mebibytes(memory.peakResidentKiB) == 65)

        let noAnon = status.replacingOccurrences(of: "RssAnon:", with: "RssShmem:")
        let error = #expect(throws: BenchError.self) { try ProcessMemory(status: noAnon, source: "/proc/42/status") }
        #expect(error?.description == "/proc/42/status: no RssAnon line")
        let notKB = status.replacingOccurrences(of: "47104 kB", with: "47104 pages")
        let error2 = #expect(throws: BenchError.self) { try ProcessMemory(status: notKB, source: "/proc/42/status") }
        #expect(error2?.description.hasPrefix("/proc/42/status: VmRSS is not") == true)

        // This process, read for real.
        let own = try ProcessMemory.read(pid: getpid())
        #expect(own.peakResidentKiB >= own.residentKiB && own.residentKiB > 0)
    }

    @Test func ratesComeFromArrivalTimesMeasuredFromSpawn() throws {
        let spawn: UInt64 = 5_000_000_000
        // 101 deliveries, one every 10 ms, the first 2 s after spawn; handed over out of order.
        let arrivals = (0...100).map { spawn + 2_000_000_000 + UInt64($0) * 10_000_000 }.reversed()
        let timeline = try DrainTimeline(arrivals: Array(arrivals), spawnedAt: spawn)
        #expect(timeline.deliveries == 101)
        #expect(abs(timeline.firstDelivery - 2.0) < 1e-9)
        #expect(abs(timeline.lastDelivery - 3.0) < 1e-9)
        // The middle 80 %: from the 11th arrival to the 91st, 80 deliveries in 0.8 s.
        #expect(abs(timeline.steadyRate - 100) < 1e-6)
        #expect(abs(timeline.endToEndRate - 101 / 3.0) < 1e-6)
        #expect(throws: BenchError.self) { try DrainTimeline(arrivals: [], spawnedAt: spawn) }
    }
}
