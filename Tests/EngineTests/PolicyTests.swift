import ChannelKit
import Config
import Foundation
import Queue
import Scheduling
import Testing

@testable import Engine

@Suite("ChannelPolicy.fit")
struct ChannelPolicyTests {
    let twoSlots = ChannelPolicy(
        settings: ChannelSettings(slots: [Slot("06:00/15m")!, Slot("17:00/15m")!]), timeZone: hcm)
    let quiet = ChannelPolicy(settings: ChannelSettings(quietHours: QuietHours("22:00-06:00")!), timeZone: hcm)

    @Test("no rules: the date itself")
    func noRules() {
        let p = ChannelPolicy(settings: ChannelSettings(), timeZone: hcm)
        let d = local(2026, 11, 23, 3, 17, 42)
        #expect(p.fit(d) == d)
    }

    @Test(
        "slots: before the first, inside a window, between, after the last",
        arguments: [
            (local(2026, 11, 23, 5, 0), local(2026, 11, 23, 6, 0)),
            (local(2026, 11, 23, 0, 0), local(2026, 11, 23, 6, 0)),
            (local(2026, 11, 23, 6, 0), local(2026, 11, 23, 6, 0)),
            (local(2026, 11, 23, 6, 5), local(2026, 11, 23, 6, 5)),
            (local(2026, 11, 23, 6, 14, 59), local(2026, 11, 23, 6, 14, 59)),
            (local(2026, 11, 23, 6, 15), local(2026, 11, 23, 17, 0)),
            (local(2026, 11, 23, 12, 0), local(2026, 11, 23, 17, 0)),
            (local(2026, 11, 23, 17, 10), local(2026, 11, 23, 17, 10)),
            (local(2026, 11, 23, 17, 20), local(2026, 11, 24, 6, 0)),
            (local(2026, 11, 23, 23, 59), local(2026, 11, 24, 6, 0)),
            (local(2026, 11, 30, 18, 0), local(2026, 12, 1, 6, 0)),
            (local(2026, 12, 31, 18, 0), local(2027, 1, 1, 6, 0)),
        ])
    func slots(date: Date, expected: Date) {
        #expect(twoSlots.fit(date) == expected)
    }

    @Test("a slot open across midnight is still open after it")
    func slotAcrossMidnight() {
        let p = ChannelPolicy(settings: ChannelSettings(slots: [Slot("23:50/30m")!]), timeZone: hcm)
        #expect(p.fit(local(2026, 11, 24, 0, 10)) == local(2026, 11, 24, 0, 10))
        #expect(p.fit(local(2026, 11, 24, 0, 20)) == local(2026, 11, 24, 23, 50))
        #expect(p.fit(local(2026, 11, 23, 23, 55)) == local(2026, 11, 23, 23, 55))
    }

    @Test(
        "quiet hours 22:00-06:00: inside before midnight, after midnight, at the edges, outside",
        arguments: [
            (local(2026, 11, 23, 23, 0), local(2026, 11, 24, 6, 0)),
            (local(2026, 11, 23, 22, 0), local(2026, 11, 24, 6, 0)),
            (local(2026, 11, 24, 2, 0), local(2026, 11, 24, 6, 0)),
            (local(2026, 11, 24, 5, 59), local(2026, 11, 24, 6, 0)),
            (local(2026, 11, 24, 6, 0), local(2026, 11, 24, 6, 0)),
            (local(2026, 11, 23, 21, 59), local(2026, 11, 23, 21, 59)),
            (local(2026, 11, 23, 12, 0), local(2026, 11, 23, 12, 0)),
        ])
    func quietHours(date: Date, expected: Date) {
        #expect(quiet.fit(date) == expected)
        #expect(quiet.leavingQuietHours(date) == expected)
    }

    @Test("quiet hours within a day (12:00-13:30)")
    func quietWithinDay() {
        let p = ChannelPolicy(settings: ChannelSettings(quietHours: QuietHours("12:00-13:30")!), timeZone: hcm)
        #expect(p.fit(local(2026, 11, 23, 12, 45)) == local(2026, 11, 23, 13, 30))
        #expect(p.fit(local(2026, 11, 23, 13, 30)) == local(2026, 11, 23, 13, 30))
        #expect(p.fit(local(2026, 11, 23, 11, 59)) == local(2026, 11, 23, 11, 59))
    }

    @Test("slots and quiet hours together")
    func slotsAndQuiet() {
        let p = ChannelPolicy(
            settings: ChannelSettings(
                slots: [Slot("05:30/15m")!, Slot("17:00/15m")!, Slot("21:00/2h")!],
                quietHours: QuietHours("22:00-06:00")!),
            timeZone: hcm)
        // In the quiet hours: out at 06:00, and the 05:30 slot is gone: 17:00.
        #expect(p.fit(local(2026, 11, 23, 23, 0)) == local(2026, 11, 24, 17, 0))
        #expect(p.fit(local(2026, 11, 24, 4, 0)) == local(2026, 11, 24, 17, 0))
        // In a slot, before the quiet hours.
        #expect(p.fit(local(2026, 11, 23, 21, 30)) == local(2026, 11, 23, 21, 30))
        // In the long slot but in the quiet hours: the next slot after them.
        #expect(p.fit(local(2026, 11, 23, 22, 30)) == local(2026, 11, 24, 17, 0))
        #expect(p.fit(local(2026, 11, 23, 12, 0)) == local(2026, 11, 23, 17, 0))
    }

    @Test("a configuration that never settles still returns")
    func neverSettles() {
        let p = ChannelPolicy(
            settings: ChannelSettings(slots: [Slot("23:00/15m")!], quietHours: QuietHours("22:00-06:00")!),
            timeZone: hcm)
        let d = local(2026, 11, 23, 12, 0)
        #expect(p.fit(d) > d)
    }

    @Test("the time zone decides the day: Asia/Ho_Chi_Minh vs UTC")
    func timeZones() {
        let settings = ChannelSettings(slots: [Slot("06:00")!], quietHours: QuietHours("22:00-06:00")!)
        let inHCM = ChannelPolicy(settings: settings, timeZone: hcm)
        let inUTC = ChannelPolicy(settings: settings, timeZone: utc)
        // 2026-11-23 00:00 UTC = 07:00 in Hà Nội.
        let d = local(2026, 11, 23, 0, 0, zone: utc)
        #expect(inHCM.fit(d) == local(2026, 11, 24, 6, 0))
        #expect(inUTC.fit(d) == local(2026, 11, 23, 6, 0, zone: utc))
        #expect(inHCM.fit(d) == local(2026, 11, 23, 23, 0, zone: utc))
        // 23:30 UTC is in UTC's quiet hours but 06:30 in Hà Nội, after its quiet hours and its slot.
        let late = local(2026, 11, 23, 23, 30, zone: utc)
        #expect(inUTC.fit(late) == local(2026, 11, 24, 6, 0, zone: utc))
        #expect(inHCM.fit(late) == local(2026, 11, 25, 6, 0))
        #expect(inHCM.startOfDay(d) == local(2026, 11, 23))
        #expect(inHCM.startOfNextDay(d) == local(2026, 11, 24))
        #expect(inUTC.startOfDay(d) == d)
    }
}

@Suite("ChannelGate")
struct ChannelGateTests {
    func gate(_ settings: ChannelSettings) -> ChannelGate {
        ChannelGate(policy: ChannelPolicy(settings: settings, timeZone: hcm))
    }

    let noon = local(2026, 11, 23, 12, 0)

    @Test("max_concurrency bounds the sends in flight")
    func concurrency() {
        var g = gate(ChannelSettings(maxConcurrency: 2))
        #expect(g.capacity(now: noon, batch: 10) == (2, nil))
        #expect(g.capacity(now: noon, batch: 1) == (1, nil))
        g.started(2, now: noon)
        #expect(g.capacity(now: noon, batch: 10) == (0, nil))
        g.finished(published: true, startedAt: noon)
        #expect(g.capacity(now: noon, batch: 10) == (1, nil))
        #expect(g.inFlight == 1)
    }

    @Test("rate: a token bucket with bursts up to the count, then one token per interval")
    func rate() {
        var g = gate(ChannelSettings(rate: RateLimit("2/10s")!))
        #expect(g.capacity(now: noon, batch: 10) == (2, nil))
        g.started(2, now: noon)
        g.finished(published: true, startedAt: noon)
        g.finished(published: true, startedAt: noon)
        // Empty bucket: one token every 5 s.
        #expect(g.capacity(now: noon, batch: 10) == (0, noon.addingTimeInterval(5)))
        let half = g.capacity(now: noon.addingTimeInterval(2.5), batch: 10)
        #expect(half.count == 0)
        #expect(abs(half.notBefore!.timeIntervalSince(noon.addingTimeInterval(5))) < 0.001)
        #expect(g.capacity(now: noon.addingTimeInterval(5), batch: 10) == (1, nil))
        // Never more than the bucket holds, however long it waited.
        #expect(g.capacity(now: noon.addingTimeInterval(3600), batch: 10) == (2, nil))
    }

    @Test("min_gap: one at a time, spaced")
    func minGap() {
        var g = gate(ChannelSettings(minGap: .seconds(60)))
        #expect(g.capacity(now: noon, batch: 10) == (1, nil))
        g.started(1, now: noon)
        g.finished(published: true, startedAt: noon)
        #expect(g.capacity(now: noon.addingTimeInterval(10), batch: 10) == (0, noon.addingTimeInterval(60)))
        #expect(g.capacity(now: noon.addingTimeInterval(60), batch: 10) == (1, nil))
    }

    @Test("max_per_day: a cap per local day; unpublished sends give their place back")
    func maxPerDay() {
        var g = gate(ChannelSettings(maxPerDay: 2))
        #expect(g.capacity(now: noon, batch: 10) == (2, nil))
        g.started(2, now: noon)
        let midnight = local(2026, 11, 24)
        #expect(g.capacity(now: noon, batch: 10) == (0, midnight))
        g.finished(published: true, startedAt: noon)
        g.finished(published: false, startedAt: noon)
        #expect(g.capacity(now: noon.addingTimeInterval(60), batch: 10) == (1, nil))
        g.started(1, now: noon.addingTimeInterval(60))
        g.finished(published: true, startedAt: noon.addingTimeInterval(60))
        #expect(g.capacity(now: local(2026, 11, 23, 23, 59, 59), batch: 10) == (0, midnight))
        // The day ends at local midnight (17:00 UTC), not at UTC midnight.
        #expect(g.capacity(now: local(2026, 11, 23, 16, 59, 59, zone: utc), batch: 10).count == 0)
        #expect(g.capacity(now: midnight, batch: 10) == (2, nil))
    }

    @Test("a send started yesterday that ends unpublished today does not free today's place")
    func unpublishedAcrossMidnight() {
        var g = gate(ChannelSettings(maxPerDay: 1))
        let lateNight = local(2026, 11, 23, 23, 59)
        _ = g.capacity(now: lateNight, batch: 1)
        g.started(1, now: lateNight)
        let morning = local(2026, 11, 24, 0, 1)
        #expect(g.capacity(now: morning, batch: 1) == (1, nil))
        g.started(1, now: morning)
        g.finished(published: false, startedAt: lateNight)
        #expect(g.capacity(now: morning, batch: 1) == (0, local(2026, 11, 25)))
    }

    @Test("quiet hours at send time")
    func quietAtSendTime() {
        var g = gate(ChannelSettings(quietHours: QuietHours("22:00-06:00")!))
        #expect(g.capacity(now: local(2026, 11, 23, 23, 0), batch: 5) == (0, local(2026, 11, 24, 6, 0)))
        #expect(g.capacity(now: local(2026, 11, 24, 3, 0), batch: 5) == (0, local(2026, 11, 24, 6, 0)))
        #expect(g.capacity(now: local(2026, 11, 24, 6, 0), batch: 5) == (5, nil))
    }

    @Test("the limits combine: the tightest wins")
    func combined() {
        var g = gate(ChannelSettings(maxPerDay: 3, rate: RateLimit("10/s")!, maxConcurrency: 4))
        #expect(g.capacity(now: noon, batch: 100) == (3, nil))
        g.started(3, now: noon)
        #expect(g.capacity(now: noon, batch: 100) == (0, local(2026, 11, 24)))
    }
}

@Suite("RetryPolicy")
struct RetryPolicyTests {
    let policy = RetryPolicy(settings: RetrySettings(initial: .seconds(30), max: .seconds(3600), attempts: 4))

    @Test("exponential growth, capped at max")
    func growth() {
        let full = (1...9).map { policy.delay(afterAttempt: $0, retryAfter: nil, random: 1) }
        #expect(full == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600].map { Duration.seconds($0) })
        #expect(policy.delay(afterAttempt: 0, retryAfter: nil, random: 1) == .seconds(30))
        #expect(policy.delay(afterAttempt: 10_000, retryAfter: nil, random: 1) == .seconds(3600))
    }

    @Test("jitter: between half the backoff and the whole of it")
    func jitter() {
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, random: 0) == .seconds(15))
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, random: 0) == .seconds(60))
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, random: 0.5) == .seconds(90))
        #expect(policy.delay(afterAttempt: 20, retryAfter: nil, random: 0) == .seconds(1800))
        for _ in 0..<200 {
            let d = policy.delay(afterAttempt: 2, retryAfter: nil)
            #expect(d >= .seconds(30) && d <= .seconds(60))
        }
    }

    @Test("Retry-After wins, within zero and a day")
    func retryAfter() {
        #expect(policy.delay(afterAttempt: 5, retryAfter: .seconds(2), random: 0) == .seconds(2))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(7200), random: 1) == .seconds(7200))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(-5), random: 1) == .zero)
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(3 * 86400), random: 1) == .seconds(86400))
    }

    @Test("the attempts budget counts the first attempt")
    func budget() {
        #expect((0...5).map { policy.allowsAnother(afterAttempt: $0) } == [true, true, true, true, false, false])
        let once = RetryPolicy(settings: RetrySettings(initial: .seconds(1), max: .seconds(1), attempts: 1))
        #expect(!once.allowsAnother(afterAttempt: 1))
    }
}

@Suite("DeliveryPlanner")
struct DeliveryPlannerTests {
    static let yaml = """
        timezone: Asia/Ho_Chi_Minh
        channels:
          portal: { type: portal }
          fb: { type: facebook, after: portal }
          radio: { type: loa, slots: ["06:00", "17:00"] }
          zalo: { type: zalo, quiet_hours: "22:00-06:00", after: radio }
        """

    func item(channels: [String], publishAt: Date?, approvedAt: Date?) -> ItemRecord {
        let content = ItemContent(
            title: "Tin", body: "Nội dung", topic: "tthc", unit: "Sở Nội vụ", channels: channels, publishAt: publishAt)
        return ItemRecord(
            id: "2026-11-0001", content: content, contentHash: content.contentHash, status: .approved, approvedBy: "A",
            approvedAt: approvedAt, approvedHash: content.contentHash, source: "test", createdAt: local(2026, 11, 23),
            updatedAt: local(2026, 11, 23))
    }

    @Test("due = max(publish_at, approval), fitted to each channel")
    func due() throws {
        let folder = try ConfigFolder(Self.yaml)
        let planner = DeliveryPlanner(config: folder.config)
        let approved = local(2026, 11, 23, 10, 0)

        let early = planner.plan(
            item(channels: ["portal", "radio"], publishAt: local(2026, 11, 23, 8, 0), approvedAt: approved))
        #expect(early.map(\.channel) == ["portal", "radio"])
        #expect(early.map(\.channelType) == ["portal", "loa"])
        #expect(early.map(\.dueAt) == [approved, local(2026, 11, 23, 17, 0)])

        let later = planner.plan(
            item(channels: ["portal", "zalo"], publishAt: local(2026, 11, 23, 23, 0), approvedAt: approved))
        #expect(later.map(\.dueAt) == [local(2026, 11, 23, 23, 0), local(2026, 11, 24, 6, 0)])

        let noPublish = planner.plan(item(channels: ["portal"], publishAt: nil, approvedAt: approved))
        #expect(noPublish.map(\.dueAt) == [approved])
    }

    @Test("after: only when the item also targets that channel; unknown channels are skipped")
    func after() throws {
        let folder = try ConfigFolder(Self.yaml)
        let planner = DeliveryPlanner(config: folder.config)
        let at = local(2026, 11, 23, 10, 0)
        let both = planner.plan(item(channels: ["fb", "portal"], publishAt: nil, approvedAt: at))
        #expect(both.map(\.after) == ["portal", nil])
        let alone = planner.plan(item(channels: ["fb", "zalo"], publishAt: nil, approvedAt: at))
        #expect(alone.map(\.after) == [nil, nil])
        let unknown = planner.plan(item(channels: ["portal", "khong-co"], publishAt: nil, approvedAt: at))
        #expect(unknown.map(\.channel) == ["portal"])
    }
}

@Suite("ChannelGate: slots at send time")
struct GateSlotTests {
    @Test("a delivery held past its slot (daily cap, downtime) waits for the next slot, not the first free minute")
    func slotsHoldAtSendTime() throws {
        var gate = ChannelGate(
            policy: ChannelPolicy(settings: try settings("slots: [\"06:00/15m\", \"17:00/15m\"]"), timeZone: hcm))
        // Inside a slot: may send.
        #expect(gate.capacity(now: local(2026, 11, 25, 6, 5), batch: 10).count > 0)
        // Midnight after a daily cap reset, or a restart at 09:00: wait for the next slot.
        let atMidnight = gate.capacity(now: local(2026, 11, 26, 0, 0), batch: 10)
        #expect(atMidnight.count == 0)
        #expect(atMidnight.notBefore == local(2026, 11, 26, 6, 0))
        let morning = gate.capacity(now: local(2026, 11, 25, 9, 0), batch: 10)
        #expect(morning.count == 0)
        #expect(morning.notBefore == local(2026, 11, 25, 17, 0))
    }
}
