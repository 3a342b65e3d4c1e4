import ChannelKit
import Config
import DeliveryLog
import Foundation
import Queue
import Testing
import TestSupport

@testable import Engine

/// Monday 2026-11-23 08:00 in Hà Nội.
let monday8 = local(2026, 11, 23, 8, 0)

@Suite("Engine with a real store")
struct EngineTests {
    @Test("an approved item due now is delivered, the item is done, and the delivery log has every line")
    func deliversDueNow() async throws {
        let portal = ScriptedChannel(name: "portal")
        let f = try EngineFixture(start: monday8, channelsYAML: "  portal: { type: portal }", channels: [portal])
        try await f.addApproved(id: "tin-1", channels: ["portal"])
        f.start()

        #expect(try await f.waitForState("tin-1", "portal", .delivered))
        #expect(portal.requests.count == 1)
        let request = try #require(portal.requests.first)
        #expect(request.deliveryID == "tin-1/portal")
        #expect(request.attempt == 1)
        #expect(!request.previousAttemptInterrupted)
        #expect(request.item.id == "tin-1")
        #expect(request.item.title == "Tin tin-1: cải cách thủ tục hành chính")
        #expect(request.item.topic.label == "Cải cách thủ tục hành chính")
        #expect(request.item.approvedBy == "Trần Thị B")
        #expect(request.earlierResults.isEmpty)

        let delivery = try #require(try await f.delivery("tin-1", "portal"))
        #expect(delivery.remoteID == "portal-tin-1")
        #expect(delivery.url == "https://portal.example.gov.vn/tin/tin-1")
        #expect(delivery.attempts == 1)
        #expect(delivery.leaseOwner == nil)
        #expect(try await eventually { try await f.store.item("tin-1")?.status == .done })
        let attempts = try await f.store.attempts(deliveryID: "tin-1/portal")
        #expect(attempts.map(\.outcome) == [.delivered])
        #expect(attempts.first?.startedAt == monday8)

        // The log files catch up with the store: consecutive sequence numbers, nothing twice.
        let last = try await f.store.lastLogSeq()
        #expect(await eventually { (try? await f.logLinesFromFiles())?.last?.seq == last })
        let lines = try await f.logLinesFromFiles()
        #expect(lines.map(\.seq) == Array(1...last))
        #expect(
            Array(lines.map(\.line.event).prefix(4)) == [
                "item.submitted", "item.approved", "delivery.planned", "delivery.delivered",
            ])
        // The files are exactly the store's events.
        #expect(await f.logFileLines() == (try await f.store.logEvents(after: 0, limit: 1000).map(\.line)))
        let delivered = try #require(lines.first { $0.line.event == "delivery.delivered" }?.line)
        #expect(delivered.channel == "portal")
        #expect(delivered.channel_type == "portal")
        #expect(delivered.attempt == 1)
        #expect(delivered.url == "https://portal.example.gov.vn/tin/tin-1")
        #expect(delivered.ts == "2026-11-23T08:00:00.000+07:00")
        #expect(f.logFiles() == ["delivery-2026-11.jsonl"])
        #expect(await f.stop())
    }

    @Test("the delivery log writer cuts a partial last line and writes it again from the store")
    func partialLogLine() async throws {
        let portal = ScriptedChannel(name: "portal")
        let f = try EngineFixture(start: monday8, channelsYAML: "  portal: { type: portal }", channels: [portal])
        for i in 1...3 { try await f.addApproved(id: "tin-\(i)", channels: ["portal"]) }
        f.start()
        #expect(try await eventually { try await f.store.item("tin-3")?.status == .done })
        #expect(await f.stop())
        let last = try await f.store.lastLogSeq()
        #expect(try await f.logLinesFromFiles().map(\.seq) == Array(1...last))

        // A crash cut the file in the middle of a line: keep 5 whole lines and half of the sixth.
        let path = f.logDirectory + "/" + f.logFiles()[0]
        let whole = await f.logFileLines()
        let cut = whole[0..<5].joined(separator: "\n") + "\n" + String(whole[5].prefix(20))
        try Data(cut.utf8).write(to: URL(fileURLWithPath: path))

        let writer = DeliveryLogWriter(directory: f.logDirectory, store: f.store, logger: f.logger)
        #expect(try await writer.lastSequenceInFiles() == 5)
        let written = try await writer.catchUp()
        #expect(written == Int(last) - 5)
        #expect(await f.logFileLines() == whole)
        #expect(try await writer.catchUp() == 0)

        // Garbage with no newline after complete lines: removed, and nothing is written twice.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"seq\":99,\"v\":1,\"ts\":\"2026-1".utf8))
        try handle.close()
        let again = DeliveryLogWriter(directory: f.logDirectory, store: f.store, logger: f.logger)
        #expect(try await again.catchUp() == 0)
        #expect(await f.logFileLines() == whole)
        let text = String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self)
        #expect(text.hasSuffix("}\n"))
    }

    @Test("an item whose publish time is in the future waits for it")
    func futurePublish() async throws {
        let portal = ScriptedChannel(name: "portal")
        let f = try EngineFixture(start: monday8, channelsYAML: "  portal: { type: portal }", channels: [portal])
        let publishAt = monday8.addingTimeInterval(30 * 60)
        try await f.addApproved(id: "tin-1", channels: ["portal"], publishAt: publishAt)
        f.start()
        #expect(await f.waitForSleep(until: publishAt))
        #expect(portal.requests.isEmpty)

        f.clock.advance(by: 29 * 60)
        #expect(await f.waitForSleep(until: publishAt))
        #expect(portal.requests.isEmpty)
        #expect(try await f.state("tin-1", "portal") == .pending)

        f.clock.advance(to: publishAt)
        #expect(try await f.waitForState("tin-1", "portal", .delivered))
        #expect(portal.requests.count == 1)
        #expect(try await f.store.attempts(deliveryID: "tin-1/portal").first?.startedAt == publishAt)
        #expect(await f.stop())
    }

    @Test("unapproved, rejected and cancelled items are never sent")
    func onlyApproved() async throws {
        let portal = ScriptedChannel(name: "portal")
        let f = try EngineFixture(start: monday8, channelsYAML: "  portal: { type: portal }", channels: [portal])
        try await f.addSubmitted(id: "cho-duyet", channels: ["portal"])
        try await f.addApproved(id: "bi-tu-choi", channels: ["portal"])
        _ = try await f.store.reject(itemID: "bi-tu-choi", by: "A", reason: "sai số liệu", at: monday8)
        try await f.addApproved(id: "da-huy", channels: ["portal"])
        _ = try await f.store.cancel(itemID: "da-huy", by: "A", reason: nil, at: monday8)
        try await f.addApproved(id: "z-duoc-duyet", channels: ["portal"])
        f.start()

        #expect(try await f.waitForState("z-duoc-duyet", "portal", .delivered))
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(3600)))
        #expect(portal.requests.map(\.item.id) == ["z-duoc-duyet"])
        #expect(try await f.state("bi-tu-choi", "portal") == .cancelled)
        #expect(try await f.state("da-huy", "portal") == .cancelled)
        #expect(try await f.store.deliveries(itemID: "cho-duyet").isEmpty)
        #expect(try await f.store.item("cho-duyet")?.status == .submitted)

        // Time passing changes nothing.
        f.clock.advance(by: 3600)
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(7200)))
        #expect(portal.requests.count == 1)
        #expect(await f.stop())
    }

    @Test("a retry with Retry-After is not sent before it, and is delivered on attempt 2")
    func retryAfter() async throws {
        let portal = ScriptedChannel(
            name: "portal",
            script: [.outcome(.retry(ChannelError(.throttled, "quá nhiều yêu cầu", code: 429), after: .seconds(2)))])
        // Outcomes are committed a little after the send ends (group commit): the engine must still
        // notice the retry's due time once it is committed.
        let f = try EngineFixture(
            start: monday8, channelsYAML: "  portal: { type: portal }",
            engine: "{ shutdown_grace: 20s }", channels: [portal])
        try await f.addApproved(id: "tin-1", channels: ["portal"])
        f.start()

        #expect(try await f.waitForState("tin-1", "portal", .retryWait))
        let waiting = try #require(try await f.delivery("tin-1", "portal"))
        let retryAt = monday8.addingTimeInterval(2)
        #expect(waiting.dueAt == retryAt)
        #expect(waiting.lastErrorClass == "throttled")
        #expect(waiting.lastError == "quá nhiều yêu cầu")
        #expect(await f.waitForSleep(until: retryAt))
        #expect(portal.requests.count == 1)

        f.clock.advance(by: 1)
        #expect(await f.waitForSleep(until: retryAt))
        #expect(portal.requests.count == 1)

        f.clock.advance(by: 1)
        #expect(try await f.waitForState("tin-1", "portal", .delivered))
        #expect(portal.requests.map(\.attempt) == [1, 2])
        let attempts = try await f.store.attempts(deliveryID: "tin-1/portal")
        #expect(attempts.map(\.outcome) == [.retry, .delivered])
        #expect(attempts.first?.code == 429)
        #expect(attempts.last?.startedAt == retryAt)
        #expect(await f.stop())
        let retryLine = try await f.logLinesFromFiles().first { $0.line.event == "delivery.retry" }?.line
        #expect(retryLine?.retry_at == "2026-11-23T08:00:02.000+07:00")
        #expect(retryLine?.error_class == "throttled")
    }

    @Test("a permanent failure fails at once, with no retry")
    func permanentFailure() async throws {
        let portal = ScriptedChannel(
            name: "portal", script: [.outcome(.failed(ChannelError(.auth, "sai mật khẩu", code: 401)))])
        let f = try EngineFixture(start: monday8, channelsYAML: "  portal: { type: portal }", channels: [portal])
        try await f.addApproved(id: "tin-1", channels: ["portal"])
        f.start()
        #expect(try await f.waitForState("tin-1", "portal", .failed))
        let delivery = try #require(try await f.delivery("tin-1", "portal"))
        #expect(delivery.attempts == 1)
        #expect(delivery.lastErrorClass == "auth")
        // Its only channel failed: the item failed (not "partly").
        #expect(try await eventually { try await f.store.item("tin-1")?.status == .failed })
        f.clock.advance(by: 86400)
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(86400 + 3600)))
        #expect(portal.requests.count == 1)
        #expect(await f.stop())
    }

    @Test("when the attempts are used up the delivery fails")
    func attemptsExhausted() async throws {
        let busy = PublishOutcome.retry(ChannelError(.server, "lỗi máy chủ", code: 503))
        let portal = ScriptedChannel(name: "portal", script: [.outcome(busy), .outcome(busy), .outcome(busy)])
        let f = try EngineFixture(
            start: monday8, channelsYAML: "  portal: { type: portal, retry: { initial: 1s, max: 4s, attempts: 2 } }",
            channels: [portal])
        try await f.addApproved(id: "tin-1", channels: ["portal"])
        f.start()
        #expect(try await f.waitForState("tin-1", "portal", .retryWait))
        let due = try #require(try await f.delivery("tin-1", "portal")).dueAt
        // Jitter: between half the backoff and the whole of it.
        #expect(due >= monday8.addingTimeInterval(0.5) && due <= monday8.addingTimeInterval(1))
        #expect(await f.waitForSleep(until: due))
        f.clock.advance(to: due)
        #expect(try await f.waitForState("tin-1", "portal", .failed))
        #expect(portal.requests.map(\.attempt) == [1, 2])
        #expect(await f.stop())
        let failed = try await f.logLinesFromFiles().first { $0.line.event == "delivery.failed" }?.line
        #expect(failed?.detail == "attempts exhausted (2)")
        #expect(failed?.error_class == "server")
    }

    @Test("after: the dependent channel waits and receives the earlier channel's URL")
    func afterDependency() async throws {
        let portal = ScriptedChannel(name: "portal", script: [.hold])
        let fb = ScriptedChannel(name: "fb")
        let f = try EngineFixture(
            start: monday8, channelsYAML: "  fb: { type: facebook, after: portal }\n  portal: { type: portal }",
            channels: [portal, fb])
        try await f.addApproved(id: "tin-1", channels: ["fb", "portal"])
        f.start()
        #expect(await eventually { portal.heldCount == 1 })
        #expect(fb.requests.isEmpty)
        #expect(try await f.state("tin-1", "fb") == .pending)

        portal.release(.delivered(ChannelResult(remoteID: "42", url: "https://cchc.example.gov.vn/?p=42")))
        #expect(try await f.waitForState("tin-1", "fb", .delivered))
        let request = try #require(fb.requests.first)
        #expect(
            request.earlierResults["portal"] == ChannelResult(remoteID: "42", url: "https://cchc.example.gov.vn/?p=42"))
        #expect(try await eventually { try await f.store.item("tin-1")?.status == .done })
        #expect(await f.stop())
    }

    @Test("after: a failed dependency fails the dependent without sending it")
    func afterDependencyFails() async throws {
        let portal = ScriptedChannel(
            name: "portal", script: [.outcome(.failed(ChannelError(.rejected, "nội dung bị từ chối")))])
        let fb = ScriptedChannel(name: "fb")
        let f = try EngineFixture(
            start: monday8, channelsYAML: "  portal: { type: portal }\n  fb: { type: facebook, after: portal }",
            channels: [portal, fb])
        try await f.addApproved(id: "tin-1", channels: ["portal", "fb"])
        f.start()
        #expect(try await f.waitForState("tin-1", "fb", .failed))
        #expect(try await f.delivery("tin-1", "fb")?.lastErrorClass == "dependency")
        #expect(fb.requests.isEmpty)
        #expect(await f.stop())
    }

    @Test("slots: a radio-like channel sends only at its slot")
    func slots() async throws {
        let radio = ScriptedChannel(name: "radio", idempotent: false)
        let f = try EngineFixture(
            start: monday8, channelsYAML: "  radio: { type: loa, slots: [\"06:00/15m\", \"17:00/15m\"] }",
            channels: [radio])
        try await f.addApproved(id: "tin-1", channels: ["radio"])
        let slot = local(2026, 11, 23, 17, 0)
        #expect(try await f.delivery("tin-1", "radio")?.dueAt == slot)
        f.start()
        // Idle, the engine looks again every hour (expiry sweep) or at the next due time.
        #expect(await f.waitForSleep(until: local(2026, 11, 23, 9, 0)))
        f.clock.advance(to: local(2026, 11, 23, 16, 59, 59))
        #expect(await f.waitForSleep(until: slot))
        #expect(radio.requests.isEmpty)
        f.clock.advance(to: slot)
        #expect(try await f.waitForState("tin-1", "radio", .delivered))
        #expect(try await f.store.attempts(deliveryID: "tin-1/radio").first?.startedAt == slot)
        #expect(await f.stop())
    }

    @Test("quiet hours: planned around them, and enforced at send time after downtime")
    func quietHours() async throws {
        let zalo = ScriptedChannel(name: "zalo")
        let lateEvening = local(2026, 11, 23, 21, 0)
        let f = try EngineFixture(
            start: lateEvening,
            channelsYAML: "  zalo: { type: zalo, quiet_hours: \"22:00-06:00\", max_concurrency: 1 }", channels: [zalo])
        // Planned at 21:00 (due then), but the daemon only starts at 22:30.
        try await f.addApproved(id: "truoc", channels: ["zalo"])
        f.clock.advance(to: local(2026, 11, 23, 22, 30))
        // Approved during the quiet hours: planned for 06:00.
        try await f.addApproved(id: "trong", channels: ["zalo"])
        let morning = local(2026, 11, 24, 6, 0)
        #expect(try await f.delivery("trong", "zalo")?.dueAt == morning)
        f.start()
        #expect(await f.waitForSleep(until: local(2026, 11, 23, 23, 30)))
        #expect(zalo.requests.isEmpty)
        f.clock.advance(to: local(2026, 11, 24, 5, 59))
        #expect(await f.waitForSleep(until: morning))
        #expect(zalo.requests.isEmpty)
        f.clock.advance(to: morning)
        #expect(try await f.waitForState("truoc", "zalo", .delivered))
        #expect(try await f.waitForState("trong", "zalo", .delivered))
        // Order within a channel: due time first.
        #expect(zalo.requests.map(\.item.id) == ["truoc", "trong"])
        #expect(await f.stop())
    }

    @Test("max_per_day: the third send of a day with a cap of 2 waits for the next day")
    func maxPerDay() async throws {
        let portal = ScriptedChannel(name: "portal")
        let f = try EngineFixture(
            start: monday8, channelsYAML: "  portal: { type: portal, max_per_day: 2 }", channels: [portal])
        for (i, priority) in [Priority.normal, .emergency, .high].enumerated() {
            try await f.addApproved(id: "tin-\(i + 1)", channels: ["portal"], priority: priority)
        }
        f.start()
        #expect(try await f.waitForState("tin-2", "portal", .delivered))
        #expect(try await f.waitForState("tin-3", "portal", .delivered))
        let midnight = local(2026, 11, 24)
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(3600)))
        #expect(try await f.state("tin-1", "portal") == .pending)
        #expect(portal.requests.count == 2)
        // Order: priority, highest first.
        #expect(Set(portal.requests.map(\.item.id)) == ["tin-2", "tin-3"])

        f.clock.advance(to: local(2026, 11, 23, 23, 59, 59))
        #expect(await f.waitForSleep(until: midnight))
        #expect(portal.requests.count == 2)
        f.clock.advance(to: midnight)
        #expect(try await f.waitForState("tin-1", "portal", .delivered))
        #expect(await f.stop())
    }

    @Test("max_per_day counts what was delivered today before a restart")
    func maxPerDayAcrossRestart() async throws {
        let portal = ScriptedChannel(name: "portal")
        let f = try EngineFixture(
            start: monday8, channelsYAML: "  portal: { type: portal, max_per_day: 1 }", channels: [portal])
        try await f.addApproved(id: "tin-1", channels: ["portal"])
        f.start()
        #expect(try await f.waitForState("tin-1", "portal", .delivered))
        #expect(await f.stop())
        try await f.addApproved(id: "tin-2", channels: ["portal"])
        f.start()
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(3600)))
        #expect(try await f.state("tin-2", "portal") == .pending)
        f.clock.advance(to: local(2026, 11, 23, 23, 30))
        #expect(await f.waitForSleep(until: local(2026, 11, 24)))
        #expect(portal.requests.count == 1)
        #expect(await f.stop())
    }

    @Test("an item past its expiry is not sent and its deliveries expire")
    func expiry() async throws {
        let portal = ScriptedChannel(name: "portal")
        let f = try EngineFixture(start: monday8, channelsYAML: "  portal: { type: portal }", channels: [portal])
        let publishAt = monday8.addingTimeInterval(120)
        try await f.addApproved(
            id: "tin-1", channels: ["portal"], publishAt: publishAt, expiresAt: monday8.addingTimeInterval(60))
        f.start()
        #expect(await f.waitForSleep(until: publishAt))
        f.clock.advance(by: 200)
        #expect(try await f.waitForState("tin-1", "portal", .expired))
        #expect(try await eventually { try await f.store.item("tin-1")?.status == .expired })
        #expect(portal.requests.isEmpty)
        #expect(await f.stop())
        #expect(try await f.logLinesFromFiles().map(\.line.event).suffix(2) == ["delivery.expired", "item.expired"])
    }

    @Test("recovery: a delivery left leased goes back to pending on an idempotent channel")
    func recoveryIdempotent() async throws {
        let portal = ScriptedChannel(name: "portal", idempotent: true)
        let f = try EngineFixture(start: monday8, channelsYAML: "  portal: { type: portal }", channels: [portal])
        try await f.addApproved(id: "tin-1", channels: ["portal"])
        let claimed = try await f.store.claimDue(
            channel: "portal", now: monday8, limit: 10, owner: "cchcd-old", leaseUntil: monday8.addingTimeInterval(300))
        #expect(claimed.count == 1)
        f.clock.advance(by: 10)
        f.start(singleInstance: true)
        #expect(try await f.waitForState("tin-1", "portal", .delivered))
        let request = try #require(portal.requests.first)
        #expect(request.previousAttemptInterrupted)
        #expect(request.attempt == 2)
        let attempts = try await f.store.attempts(deliveryID: "tin-1/portal")
        #expect(attempts.map(\.outcome) == [.interrupted, .delivered])
        #expect(await f.stop())
        #expect(try await f.logLinesFromFiles().map(\.line.event).contains("delivery.recovered"))
    }

    @Test("recovery: a delivery left leased becomes uncertain on a non-idempotent channel")
    func recoveryNotIdempotent() async throws {
        let radio = ScriptedChannel(name: "radio", idempotent: false)
        let f = try EngineFixture(start: monday8, channelsYAML: "  radio: { type: radio }", channels: [radio])
        try await f.addApproved(id: "tin-1", channels: ["radio"])
        _ = try await f.store.claimDue(
            channel: "radio", now: monday8, limit: 10, owner: "cchcd-old", leaseUntil: monday8.addingTimeInterval(300))
        f.start(singleInstance: true)
        #expect(try await f.waitForState("tin-1", "radio", .uncertain))
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(3600)))
        #expect(radio.requests.isEmpty)
        #expect(await f.stop())
    }

    @Test("without the single-instance lock, only expired leases are recovered")
    func recoveryWithoutLock() async throws {
        let portal = ScriptedChannel(name: "portal")
        let f = try EngineFixture(start: monday8, channelsYAML: "  portal: { type: portal }", channels: [portal])
        try await f.addApproved(id: "tin-1", channels: ["portal"])
        _ = try await f.store.claimDue(
            channel: "portal", now: monday8, limit: 10, owner: "other-host", leaseUntil: monday8.addingTimeInterval(300)
        )
        f.start(singleInstance: false)
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(3600)))
        #expect(try await f.state("tin-1", "portal") == .leased)
        #expect(portal.requests.isEmpty)
        #expect(await f.stop())
    }

    @Test("graceful stop waits for a send in flight")
    func stopWaitsForSend() async throws {
        let portal = ScriptedChannel(name: "portal", script: [.hold])
        let f = try EngineFixture(start: monday8, channelsYAML: "  portal: { type: portal }", channels: [portal])
        try await f.addApproved(id: "tin-1", channels: ["portal"])
        f.start()
        #expect(await eventually { portal.heldCount == 1 })
        f.engine?.stop()
        // The engine waits out the grace period (20 s by its clock) for the send.
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(20)))
        #expect(try await f.state("tin-1", "portal") == .leased)
        #expect(await f.engine?.inFlight() == ["portal": 1])
        portal.release(.delivered(ChannelResult(remoteID: "1", url: "https://x/1")))
        #expect(await f.runFinished())
        #expect(try await f.state("tin-1", "portal") == .delivered)
        #expect(portal.cancelledSends == 0)
        let last = try await f.store.lastLogSeq()
        #expect(try await f.logLinesFromFiles().last?.seq == last)
    }

    @Test("graceful stop abandons a send that outlives the grace period; the delivery stays leased")
    func stopAbandonsSend() async throws {
        let portal = ScriptedChannel(name: "portal", script: [.hangUntilCancelled])
        let f = try EngineFixture(
            start: monday8, channelsYAML: "  portal: { type: portal }",
            engine: "{ shutdown_grace: 10ms }",
            channels: [portal])
        try await f.addApproved(id: "tin-1", channels: ["portal"])
        f.start()
        #expect(await eventually { portal.requests.count == 1 })
        f.engine?.stop()
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(0.01)))
        f.clock.advance(by: 1)
        #expect(await f.runFinished())
        #expect(portal.cancelledSends == 1)
        let delivery = try #require(try await f.delivery("tin-1", "portal"))
        #expect(delivery.state == .leased)
        #expect(delivery.leaseOwner == f.owner)
        #expect(try await f.store.attempts(deliveryID: "tin-1/portal").isEmpty)

        // The next start recovers it (idempotent channel: sent again, marked interrupted).
        portal.setScript([])
        f.start(singleInstance: true)
        #expect(try await f.waitForState("tin-1", "portal", .delivered))
        #expect(portal.requests.last?.previousAttemptInterrupted == true)
        #expect(await f.stop())
    }

    @Test("a new item approved while the engine sleeps is sent after wake()")
    func wakeUp() async throws {
        let portal = ScriptedChannel(name: "portal")
        let f = try EngineFixture(start: monday8, channelsYAML: "  portal: { type: portal }", channels: [portal])
        f.start()
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(3600)))
        try await f.addApproved(id: "tin-1", channels: ["portal"])
        #expect(try await f.waitForState("tin-1", "portal", .delivered))
        #expect(await f.stop())
    }
}
