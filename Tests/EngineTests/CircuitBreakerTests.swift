import ChannelKit
import Config
import DeliveryLog
import Foundation
import Queue
import Scheduling
import Synchronization
import Testing
import TestSupport

@testable import Engine

@Suite("CircuitBreaker")
struct CircuitBreakerTests {
    let t = Date(timeIntervalSince1970: 1_800_000_000)
    let down = PublishOutcome.retry(ChannelError(.server, "503"))
    let ok = PublishOutcome.delivered(ChannelResult(remoteID: "1"))

    @Test("opens after N consecutive channel failures, probes once after the pause, doubles on a failed probe")
    func opensProbesAndBacksOff() {
        var c = CircuitBreaker(settings: CircuitSettings(failures: 3, pause: .seconds(30), maxPause: .seconds(100)))
        #expect(c.admit(now: t) == (nil, nil))
        c.record(down, now: t)
        c.record(down, now: t)
        #expect(c.state == .closed)
        #expect(c.record(down, now: t) == .open(until: t + 30))
        #expect(c.admit(now: t + 10) == (0, t + 30))
        // In-flight sends failing while open do not lengthen the pause.
        #expect(c.record(down, now: t + 11) == nil)
        #expect(c.state == .open(until: t + 30))
        // After the pause: one probe.
        #expect(c.admit(now: t + 30) == (1, nil))
        c.started(1, now: t + 30)
        #expect(c.state == .probing)
        #expect(c.admit(now: t + 31) == (0, nil))
        // The probe fails: 60 s, then capped at 100 s.
        #expect(c.record(down, now: t + 32) == .open(until: t + 92))
        c.started(1, now: t + 92)
        #expect(c.record(down, now: t + 93) == .open(until: t + 193))
        // A successful probe closes it and forgets the history.
        c.started(1, now: t + 193)
        #expect(c.record(ok, now: t + 194) == .closed)
        #expect(c.consecutiveFailures == 0)
        #expect(c.admit(now: t + 195) == (nil, nil))
    }

    @Test("an item's own rejection or a shutdown says nothing about the channel")
    func contentRejectionsDoNotCount() {
        var c = CircuitBreaker(settings: CircuitSettings(failures: 1))
        c.record(.failed(ChannelError(.rejected, "title too long")), now: t)
        c.record(.retry(ChannelError(.cancelled, "stopping")), now: t)
        #expect(c.state == .closed)
        c.record(.failed(ChannelError(.auth, "token expired")), now: t)
        #expect(c.state == .open(until: t + 30))
    }

    @Test("failures: 0 never opens")
    func disabled() {
        var c = CircuitBreaker(settings: CircuitSettings(failures: 0))
        for _ in 0..<50 { c.record(down, now: t) }
        #expect(c.state == .closed)
    }

    @Test("the gate holds a paused channel and lets the probe through alone")
    func gate() throws {
        var gate = ChannelGate(
            policy: ChannelPolicy(settings: try settings("circuit: { failures: 2, pause: 1m }"), timeZone: hcm))
        #expect(gate.capacity(now: t, batch: 10).count == 10)
        gate.started(2, now: t)
        gate.circuit.record(down, now: t)
        gate.finished(published: false, startedAt: t)
        gate.circuit.record(down, now: t)
        gate.finished(published: false, startedAt: t)
        let paused = gate.capacity(now: t + 1, batch: 10)
        #expect(paused.count == 0 && paused.notBefore == t + 60)
        #expect(gate.capacity(now: t + 60, batch: 10).count == 1)
    }
}

extension Date {
    fileprivate static func + (lhs: Date, rhs: Double) -> Date { lhs.addingTimeInterval(rhs) }
}

@Suite("Engine with a circuit breaker")
struct EngineCircuitTests {
    @Test("after 2 failures the channel pauses: the third item waits for the pause, not its own retries")
    func pausedChannelHoldsItsDeliveries() async throws {
        let server = ChannelError(.server, "503 bảo trì", code: 503)
        let portal = ScriptedChannel(
            name: "portal",
            script: [.outcome(.retry(server, after: .seconds(1))), .outcome(.retry(server, after: .seconds(1)))])
        let f = try EngineFixture(
            start: monday8,
            channelsYAML: "  portal: { type: portal, max_concurrency: 1, circuit: { failures: 2, pause: 1m } }",
            extra: "", channels: [portal])
        try await f.addApproved(id: "tin-1", channels: ["portal"])
        try await f.addApproved(id: "tin-2", channels: ["portal"])
        try await f.addApproved(id: "tin-3", channels: ["portal"])
        f.start()
        // Two sends fail; the circuit opens for a minute: nothing more is sent until then.
        #expect(try await f.waitForState("tin-1", "portal", .retryWait))
        #expect(try await f.waitForState("tin-2", "portal", .retryWait))
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(60)))
        #expect(portal.requests.count == 2)
        #expect(try await f.state("tin-3", "portal") == .pending)
        // The pause ends: one probe, it succeeds, and the rest follow.
        f.clock.advance(by: 60)
        #expect(try await f.waitForState("tin-3", "portal", .delivered))
        #expect(try await f.waitForState("tin-1", "portal", .delivered))
        #expect(try await f.waitForState("tin-2", "portal", .delivered))
        #expect(await f.stop())
    }
}

@Suite("Engine: a channel halted for an operator, a channel asked to slow down")
struct EngineHaltAndHoldTests {
    static let expired = ChannelError(
        .auth, "page token expired — replace the secret and reload", code: 190, haltsChannel: true)

    @Test("a halting error fails that delivery only; the others wait, unburnt, until a reload")
    func haltedUntilReload() async throws {
        let fb = ScriptedChannel(name: "fb", idempotent: false, script: [.outcome(.failed(Self.expired))])
        let f = try EngineFixture(
            start: monday8, channelsYAML: "  fb: { type: facebook, max_concurrency: 1 }", channels: [fb])
        try await f.addApproved(id: "tin-1", channels: ["fb"])
        try await f.addApproved(id: "tin-2", channels: ["fb"])
        try await f.addApproved(id: "tin-3", channels: ["fb"])
        f.start()
        #expect(try await f.waitForState("tin-1", "fb", .failed))
        let health = try #require(await f.engine!.channelHealth()["fb"])
        #expect(health.circuit == "halted")
        #expect(health.haltReason == "page token expired — replace the secret and reload")
        // Hours pass: nothing is sent, nothing is burnt.
        f.clock.advance(by: 6 * 3600)
        f.engine!.wake()
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(7 * 3600)))
        #expect(fb.requests.count == 1)
        #expect(try await f.state("tin-2", "fb") == .pending)
        #expect(try await f.delivery("tin-2", "fb")?.attempts == 0)
        // The operator replaces the secret and reloads: the channel works again.
        await f.engine!.reconfigure(
            channels: [EngineChannel(channel: fb, config: f.config.channels[0])], config: f.config)
        #expect(try await f.waitForState("tin-2", "fb", .delivered))
        #expect(try await f.waitForState("tin-3", "fb", .delivered))
        #expect(await f.engine!.channelHealth()["fb"]?.circuit == "closed")
        #expect(try await f.state("tin-1", "fb") == .failed)
        #expect(await f.stop())
    }

    @Test("sends in flight that meet the same error after the halt go back to waiting instead of failing")
    func concurrentHaltingFailures() async throws {
        let fb = ScriptedChannel(name: "fb", idempotent: false, script: [.hold, .hold])
        let f = try EngineFixture(
            start: monday8, channelsYAML: "  fb: { type: facebook, max_concurrency: 2 }", channels: [fb])
        try await f.addApproved(id: "tin-1", channels: ["fb"])
        try await f.addApproved(id: "tin-2", channels: ["fb"])
        f.start()
        #expect(await eventually { fb.heldCount == 2 })
        fb.release(.failed(Self.expired))
        #expect(
            try await eventually {
                let states = [try await f.state("tin-1", "fb"), try await f.state("tin-2", "fb")]
                return states.contains(.failed)
            })
        fb.release(.failed(Self.expired))
        #expect(
            try await eventually {
                let states = [try await f.state("tin-1", "fb"), try await f.state("tin-2", "fb")]
                return states.contains(.failed) && states.contains(.retryWait)
            })
        #expect(fb.requests.count == 2)
        #expect(await f.stop())
    }

    @Test("holdChannel: no other send starts on the channel until the pause the platform asked for is over")
    func holdSlowsTheChannel() async throws {
        let delivered = PublishOutcome.delivered(ChannelResult(remoteID: "1", url: "https://fb.example/1"))
        let fb = ScriptedChannel(
            name: "fb", script: [.outcomeHolding(delivered, hold: .seconds(90)), .outcome(delivered)])
        let other = ScriptedChannel(name: "portal")
        let f = try EngineFixture(
            start: monday8,
            channelsYAML: """
                  fb: { type: facebook, max_concurrency: 1 }
                  portal: { type: portal }
                """, channels: [fb, other])
        try await f.addApproved(id: "tin-1", channels: ["fb"])
        try await f.addApproved(id: "tin-2", channels: ["fb", "portal"])
        f.start()
        #expect(try await f.waitForState("tin-1", "fb", .delivered))
        // Other channels are not held.
        #expect(try await f.waitForState("tin-2", "portal", .delivered))
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(90)))
        #expect(try await f.state("tin-2", "fb") == .pending)
        #expect(await f.engine!.channelHealth()["fb"]?.heldUntil == monday8.addingTimeInterval(90))
        f.clock.advance(by: 89)
        f.engine!.wake()
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(90)))
        #expect(try await f.state("tin-2", "fb") == .pending)
        f.clock.advance(by: 1)
        #expect(try await f.waitForState("tin-2", "fb", .delivered))
        #expect(fb.requests.map(\.item.id) == ["tin-1", "tin-2"])
        #expect(await f.stop())
    }
}

/// A channel with records of its own: one at 09:00, reported from then on.
final class RecordingScriptedChannel: RecordingChannel {
    let inner: ScriptedChannel
    let at: Date
    private let asked = Mutex<[Date]>([])
    init(at: Date) {
        inner = ScriptedChannel(name: "radio", type: "radio")
        self.at = at
    }
    var name: String { inner.name }
    var type: String { inner.type }
    var traits: ChannelTraits { inner.traits }
    var askedAt: [Date] { asked.withLock { $0 } }
    func publish(_ request: PublishRequest) async -> PublishOutcome { await inner.publish(request) }
    func records(upTo now: Date) async -> (records: [ChannelRecord], next: Date?) {
        asked.withLock { $0.append(now) }
        guard now >= at else { return ([], at) }
        return (
            [
                ChannelRecord(
                    event: "radio.bulletin", key: "tan-lap/0900", occurredAt: at, unit: "UBND xã Tân Lập",
                    durationSeconds: 300, reference: "0900")
            ], nil
        )
    }
}

@Suite("Engine: channels' own records")
struct EngineRecordTests {
    @Test(
        "the engine asks at start, at the time the channel names and after its deliveries; each record is logged once")
    func recordsCollected() async throws {
        let channel = RecordingScriptedChannel(at: monday8.addingTimeInterval(3600))
        let f = try EngineFixture(start: monday8, channelsYAML: "  radio: { type: radio }", channels: [])
        let entries = f.config.channels.map { EngineChannel(channel: channel, config: $0) }
        f.startExporter()
        let engine = Engine(
            store: f.store, channels: entries, config: f.config, owner: f.owner,
            singleInstance: true,
            clock: f.clock, logger: f.logger)
        let run = Task { try await engine.run() }
        #expect(await eventually { channel.askedAt == [monday8] })
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(3600)))
        f.clock.advance(by: 3600)
        #expect(try await eventually { try await f.store.lastLogSeq() == 1 })
        #expect(await eventually { await f.logFileLines().contains { $0.contains(#""event":"radio.bulletin""#) } })
        // A delivery on the channel makes the engine ask again; the record is not logged twice.
        try await f.addApproved(id: "tin-1", channels: ["radio"])
        engine.wake()
        #expect(try await f.waitForState("tin-1", "radio", .delivered))
        #expect(await eventually { channel.askedAt.count >= 3 })
        try await Task.sleep(for: .milliseconds(100))
        let lines = try await f.store.logEvents(after: 0, limit: 100).map(\.json)
        #expect(lines.filter { $0.contains("radio.bulletin") }.count == 1)
        engine.stop()
        _ = try await run.value
    }
}

/// A non-idempotent channel that answers look-ups of interrupted sends from a script, by item id.
final class LookupChannel: InterruptionLookup {
    let inner = ScriptedChannel(name: "fb", type: "facebook", idempotent: false)
    let answers: [String: InterruptedLookup]
    private let asked = Mutex<[String]>([])
    init(answers: [String: InterruptedLookup]) { self.answers = answers }
    var name: String { inner.name }
    var type: String { inner.type }
    var traits: ChannelTraits { inner.traits }
    var lookedUp: [String] { asked.withLock { $0 } }
    func publish(_ request: PublishRequest) async -> PublishOutcome { await inner.publish(request) }
    func lookUpInterrupted(_ request: PublishRequest) async -> InterruptedLookup {
        asked.withLock { $0.append(request.item.id) }
        #expect(request.previousAttemptInterrupted)
        return answers[request.item.id] ?? .undecided(reason: "no script")
    }
}

@Suite("Engine: interrupted sends looked up at start")
struct EngineInterruptionLookupTests {
    @Test("found: delivered; certainly not published: sent again once; undecided: left for a person")
    func lookedUpAtStart() async throws {
        let found = ChannelResult(remoteID: "123_1", url: "https://www.facebook.com/123/posts/1")
        let channel = LookupChannel(answers: [
            "tin-1": .found(found, detail: "found by marker"), "tin-2": .notPublished(detail: "no marker"),
            "tin-3": .undecided(reason: "Graph unreachable"),
        ])
        let f = try EngineFixture(start: monday8, channelsYAML: "  fb: { type: facebook }", channels: [])
        for id in ["tin-1", "tin-2", "tin-3"] { try await f.addApproved(id: id, channels: ["fb"]) }
        // A daemon that stopped mid-send left them leased.
        let leased = try await f.store.claimDue(
            channel: "fb", now: monday8, limit: 10, owner: "killed", leaseUntil: monday8.addingTimeInterval(60))
        #expect(leased.count == 3)
        let entries = f.config.channels.map { EngineChannel(channel: channel, config: $0) }
        f.startExporter()
        let engine = Engine(
            store: f.store, channels: entries, config: f.config, owner: f.owner,
            singleInstance: true,
            clock: f.clock, logger: f.logger)
        let run = Task { try await engine.run() }
        #expect(try await f.waitForState("tin-1", "fb", .delivered))
        #expect(try await f.waitForState("tin-2", "fb", .delivered))
        #expect(try await f.delivery("tin-1", "fb")?.remoteID == "123_1")
        #expect(try await f.state("tin-3", "fb") == .uncertain)
        #expect(Set(channel.lookedUp) == ["tin-1", "tin-2", "tin-3"])
        // Only the one certainly not published was sent again.
        #expect(channel.inner.requests.map(\.item.id) == ["tin-2"])
        let lines = try await f.store.logEvents(after: 0, limit: 1000).map {
            try JSONDecoder().decode(LogLine.self, from: Data($0.json.utf8))
        }
        let resolved = lines.filter { $0.event == "delivery.resolved" }
        #expect(resolved.map(\.item_id).sorted() == ["tin-1", "tin-2"])
        #expect(resolved.allSatisfy { $0.actor == "cchcd" })
        engine.stop()
        _ = try await run.value
    }
}
