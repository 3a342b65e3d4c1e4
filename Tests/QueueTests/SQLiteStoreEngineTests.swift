import ChannelKit
import Foundation
import Queue
import Testing

@Suite("SQLiteStore: engine")
struct SQLiteStoreEngineTests {
    @Test("claims in order of due time, priority, item id, up to the limit, only when due")
    func claimOrder() async throws {
        let f = try StoreFixture()
        let one = ["portal"]
        try await f.store.addApproved(id: "d-late", content("Muộn", channels: one), plan: planner(due: t0 + 10))
        try await f.store.addApproved(id: "b", content("B", channels: one), plan: planner(due: t0))
        try await f.store.addApproved(id: "c", content("C", channels: one, priority: .high), plan: planner(due: t0))
        try await f.store.addApproved(id: "a", content("A", channels: one), plan: planner(due: t0))
        try await f.store.addApproved(
            id: "e", content("E", channels: one, priority: .emergency), plan: planner(due: t0 - 1))

        let first = try await f.store.claim("portal", limit: 3)
        #expect(first.map(\.item.id) == ["e", "c", "a"])
        let claimed = first[1]
        #expect(claimed.delivery.state == .leased && claimed.delivery.attempts == 1)
        #expect(claimed.delivery.leaseOwner == engineOwner && claimed.delivery.leaseExpiresAt == t0 + 60)
        #expect(claimed.item.status == .dispatching && claimed.item.content.priority == .high)
        #expect(claimed.earlierResults.isEmpty)
        #expect(try await f.store.delivery("c/portal") == claimed.delivery)
        #expect(try await f.store.item("c")?.status == .dispatching)

        #expect(try await f.store.claim("portal").map(\.item.id) == ["b"])
        #expect(try await f.store.claim("portal").isEmpty)
        #expect(try await f.store.claim("fb", now: t0 + 100).isEmpty)
        #expect(try await f.store.claim("portal", now: t0 + 9.999).isEmpty)
        #expect(try await f.store.claim("portal", now: t0 + 10, limit: 0).isEmpty)
        #expect(try await f.store.claim("portal", now: t0 + 10).map(\.item.id) == ["d-late"])
        #expect(try await f.store.stats().deliveriesByState == ["leased": 5])
    }

    @Test("an item with several deliveries on one channel… and several items: each decoded once")
    func claimManyItems() async throws {
        let f = try StoreFixture()
        for n in 0..<5 { try await f.store.addApproved(id: "tin-\(n)") }
        let claimed = try await f.store.claim("fb")
        #expect(claimed.map(\.delivery.id) == (0..<5).map { "tin-\($0)/fb" })
        #expect(claimed.allSatisfy { $0.item.id == $0.delivery.itemID && $0.item.status == .dispatching })
    }

    @Test("never claimed: unapproved, expired, approval of other content")
    func notClaimable() async throws {
        let f = try StoreFixture()
        _ = try await f.store.addItem(newItem(id: "submitted"), at: t0, plan: noPlan)
        try await f.store.addApproved(id: "expired", content("Hết hạn", expiresAt: t0))
        try await f.store.addApproved(id: "tampered")
        try await f.store.addApproved(id: "ok")
        try tamperContentHash(path: f.path, itemID: "tampered")

        #expect(try await f.store.claim("portal").map(\.item.id) == ["ok"])
        #expect(try await f.store.claim("portal", now: t0 - 1).isEmpty)
        // The expired item's deliveries are not claimable even before `expire` runs.
        #expect(try await f.store.delivery("expired/portal")?.state == .pending)
        #expect(try await f.store.nextDue(now: Date()) == ["fb": t0])
    }

    @Test("`after:` waits for the sibling; its result reaches the dependent")
    func dependency() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(plan: planner(after: ["fb": "portal"]))
        #expect(try await f.store.claim("fb").isEmpty)
        #expect(try await f.store.nextDue(now: Date()) == ["portal": t0])

        let portal = try #require(try await f.store.claim("portal").first)
        #expect(try await f.store.nextDue(now: Date()).isEmpty)
        #expect(try await f.store.claim("fb").isEmpty)
        let result = ChannelResult(remoteID: "42", url: "https://cchc.example.gov.vn/tin/42")
        try await f.store.record([outcome(portal, .delivered, result: result)], at: t0 + 1)
        #expect(try await f.store.item(id)?.status == .dispatching)
        #expect(try await f.store.nextDue(now: Date()) == ["fb": t0])

        let fb = try #require(try await f.store.claim("fb", now: t0 + 2).first)
        #expect(fb.earlierResults == ["portal": result])
        try await f.store.record([outcome(fb, .delivered, result: ChannelResult(remoteID: "p_1"))], at: t0 + 3)
        #expect(try await f.store.item(id)?.status == .done)
        let names = try await f.store.eventNames()
        #expect(names.suffix(2) == ["delivery.delivered", "delivery.delivered"])
        try await f.store.expectGapFreeLog()
    }

    @Test("record: delivered, retry, failed")
    func recordTransitions() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(content(channels: ["portal", "fb", "email"]))
        let portal = try #require(try await f.store.claim("portal").first)
        let fb = try #require(try await f.store.claim("fb").first)
        let email = try #require(try await f.store.claim("email").first)
        let retryAt = t0 + 30
        let seqBefore = try await f.store.lastLogSeq()
        try await f.store.record(
            [
                outcome(portal, .delivered, result: ChannelResult(remoteID: "7", url: "https://p/7")),
                outcome(fb, .retry(at: retryAt), errorClass: "rate-limited", error: "HTTP 429"),
                outcome(email, .failed, errorClass: "auth", error: "535 bad credentials"),
            ], at: t0 + 1)
        #expect(
            try await f.store.eventNames(after: seqBefore) == [
                "delivery.delivered", "delivery.retry", "delivery.failed",
            ])

        let p = try #require(try await f.store.delivery("\(id)/portal"))
        #expect(p.state == .delivered && p.remoteID == "7" && p.url == "https://p/7")
        #expect(p.deliveredAt == t0 + 1 && p.leaseOwner == nil && p.leaseExpiresAt == nil)
        let r = try #require(try await f.store.delivery("\(id)/fb"))
        #expect(
            r.state == .retryWait && r.dueAt == retryAt && r.lastErrorClass == "rate-limited"
                && r.lastError == "HTTP 429")
        let e = try #require(try await f.store.delivery("\(id)/email"))
        #expect(e.state == .failed && e.lastErrorClass == "auth")
        #expect(try await f.store.item(id)?.status == .dispatching)

        let attempts = try await f.store.attempts(deliveryID: "\(id)/fb")
        #expect(attempts.count == 1)
        #expect(attempts.first?.outcome == .retry && attempts.first?.number == 1 && attempts.first?.code == 503)
        #expect(attempts.first?.durationMilliseconds == 250)

        #expect(try await f.store.claim("fb", now: retryAt - 1).isEmpty)
        #expect(try await f.store.nextDue(now: Date()) == ["fb": retryAt])
        let again = try #require(try await f.store.claim("fb", now: retryAt).first)
        #expect(again.delivery.attempts == 2 && again.delivery.lastError == "HTTP 429")
        #expect(again.earlierResults == ["portal": ChannelResult(remoteID: "7", url: "https://p/7")])
        try await f.store.record([outcome(again, .delivered, at: retryAt + 1)], at: retryAt + 1)
        let done = try #require(try await f.store.delivery("\(id)/fb"))
        #expect(done.state == .delivered && done.lastError == nil && done.lastErrorClass == nil)
        #expect(try await f.store.item(id)?.status == .partlyFailed)
        #expect(try await f.store.deliveredCounts(since: t0) == ["portal": 1, "fb": 1])
        #expect(try await f.store.deliveredCounts(since: t0 + 2) == ["fb": 1])
        try await f.store.expectGapFreeLog()

        let missing = await storeError { () async throws(StoreError) in
            try await f.store.record(
                [outcome(again, .delivered)].map {
                    var o = $0; o.deliveryID = "x/y"; return o
                }, at: t0)
        }
        #expect(missing?.kind == .notFound)
        #expect(try await f.store.attempts(deliveryID: "\(id)/fb").count == 2)
    }

    @Test("a failed delivery fails its dependents, transitively")
    func failedDependents() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(
            content(channels: ["portal", "fb", "zalo", "email"]), plan: planner(after: ["fb": "portal", "zalo": "fb"]))
        let portal = try #require(try await f.store.claim("portal").first)
        let email = try #require(try await f.store.claim("email").first)
        let seq = try await f.store.lastLogSeq()
        try await f.store.record(
            [outcome(portal, .failed, errorClass: "rejected", error: "422"), outcome(email, .delivered)], at: t0 + 1)
        let deliveries = try await f.store.deliveries(itemID: id)
        #expect(deliveries.map(\.state) == [.failed, .failed, .failed, .delivered])
        #expect(deliveries[1].lastErrorClass == "dependency" && deliveries[2].lastErrorClass == "dependency")
        let lines = Array(try await f.store.logLines().dropFirst(Int(seq)))
        #expect(
            lines.map(\.event) == [
                "delivery.failed", "delivery.delivered", "delivery.failed", "delivery.failed",
            ])
        #expect(lines[2].channel == "fb" && lines[2].error_class == "dependency" && lines[2].state == "failed")
        #expect(lines[3].channel == "zalo" && lines[3].actor == "cchcd")
        #expect(try await f.store.item(id)?.status == .partlyFailed)
        try await f.store.expectGapFreeLog()
    }

    @Test("recovering leases: idempotent channels go again, the others become uncertain")
    func recoverLeases() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved()
        _ = try await f.store.claim("portal", leaseFor: 60)
        _ = try await f.store.claim("fb", leaseFor: 60)
        // Leases still valid: nothing to take back.
        #expect(try await f.store.recoverLeases(before: t0 + 30, idempotentChannels: ["portal"], at: t0 + 30) == (0, 0))

        let at = t0 + 100
        #expect(
            try await f.store.recoverLeases(before: .distantFuture, idempotentChannels: ["portal"], at: at) == (1, 1))
        #expect(
            try await f.store.recoverLeases(before: .distantFuture, idempotentChannels: ["portal"], at: at) == (0, 0))
        let portal = try #require(try await f.store.delivery("\(id)/portal"))
        #expect(portal.state == .pending && portal.interrupted && portal.dueAt == at && portal.leaseOwner == nil)
        let fb = try #require(try await f.store.delivery("\(id)/fb"))
        #expect(fb.state == .uncertain && fb.interrupted)
        #expect(try await f.store.attempts(deliveryID: "\(id)/fb").map(\.outcome) == [.interrupted])
        #expect(try await f.store.attempts(deliveryID: "\(id)/portal").first?.finishedAt == at)
        // In order of lease expiry, then delivery id.
        #expect(try await f.store.eventNames().suffix(2) == ["delivery.uncertain", "delivery.recovered"])
        #expect(try await f.store.nextDue(now: Date()) == ["portal": at])

        let again = try #require(try await f.store.claim("portal", now: at).first)
        #expect(again.delivery.interrupted && again.delivery.attempts == 2)
        try await f.store.record([outcome(again, .delivered, at: at + 1)], at: at + 1)
        #expect(try await f.store.delivery("\(id)/portal")?.interrupted == false)
        #expect(try await f.store.item(id)?.status == .dispatching)  // fb is uncertain: not final
        try await f.store.expectGapFreeLog()
    }

    @Test("expire: waiting deliveries and the item, unless something is in flight")
    func expire() async throws {
        let f = try StoreFixture()
        let quiet = try await f.store.addApproved(id: "quiet", content(expiresAt: t0 + 100))
        let busy = try await f.store.addApproved(id: "busy", content(expiresAt: t0 + 100))
        _ = try await f.store.addItem(newItem(id: "draft", content(expiresAt: t0 + 100)), at: t0, plan: noPlan)
        try await f.store.addApproved(id: "forever")
        #expect(try await f.store.claim("portal", limit: 1).map(\.item.id) == ["busy"])  // b < f < q

        #expect(try await f.store.expire(now: t0 + 99) == 0)
        let seq = try await f.store.lastLogSeq()
        #expect(try await f.store.expire(now: t0 + 100) == 3)
        #expect(try await f.store.expire(now: t0 + 200) == 0)
        #expect(try await f.store.item(quiet)?.status == .expired)
        #expect(try await f.store.item(busy)?.status == .dispatching)
        #expect(try await f.store.item("draft")?.status == .expired)
        #expect(try await f.store.item("forever")?.status == .approved)
        #expect(try await f.store.deliveries(itemID: busy).map(\.state) == [.leased, .expired])
        #expect(try await f.store.deliveries(itemID: quiet).map(\.state) == [.expired, .expired])
        #expect(
            try await f.store.eventNames(after: seq) == [
                "delivery.expired", "item.expired", "delivery.expired", "delivery.expired", "item.expired",
            ])
        try await f.store.expectGapFreeLog()
    }

    @Test("nextDue: per channel, only what can be claimed")
    func nextDue() async throws {
        let f = try StoreFixture()
        #expect(try await f.store.nextDue(now: Date()).isEmpty)
        try await f.store.addApproved(
            id: "blocked", plan: planner(dues: ["portal": t0 + 100, "fb": t0], after: ["fb": "portal"]))
        try await f.store.addApproved(id: "later", content(channels: ["email"]), plan: planner(due: t0 + 500))
        try await f.store.addApproved(id: "sooner", content(channels: ["email"]), plan: planner(due: t0 + 50))
        try await f.store.addApproved(
            id: "gone", content(channels: ["email", "zalo"], expiresAt: Date().addingTimeInterval(-60)),
            plan: planner(due: t0))
        _ = try await f.store.addItem(newItem(id: "waiting", content(channels: ["radio"])), at: t0, plan: noPlan)
        #expect(try await f.store.nextDue(now: Date()) == ["portal": t0 + 100, "email": t0 + 50])
    }

    @Test("retry re-queues failed deliveries with a fresh budget")
    func retry() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(plan: planner(after: ["fb": "portal"]))
        let portal = try #require(try await f.store.claim("portal").first)
        try await f.store.record([outcome(portal, .failed, errorClass: "auth", error: "401")], at: t0 + 1)
        // fb waited for portal and failed with it: nothing went out.
        #expect(try await f.store.item(id)?.status == .failed)

        let wrongChannel = await storeError { () async throws(StoreError) in
            try await f.store.retry(itemID: id, channel: "email", by: officer, at: t0)
        }
        #expect(wrongChannel?.kind == .notFound)

        let at = t0 + 600
        let requeued = try await f.store.retry(itemID: id, channel: nil, by: officer, at: at)
        #expect(requeued.map(\.channel) == ["portal", "fb"])
        let p = try #require(try await f.store.delivery("\(id)/portal"))
        #expect(p.state == .pending && p.dueAt == at && p.attempts == 1 && p.attemptBase == 1)
        #expect(p.lastError == "401" && p.lastErrorClass == "auth")
        #expect(requeued.first == p)
        #expect(try await f.store.item(id)?.status == .dispatching)
        #expect(try await f.store.eventNames().suffix(2) == ["delivery.requeued", "delivery.requeued"])
        #expect(try await f.store.logLines().last?.actor == officer)

        let again = try #require(try await f.store.claim("portal", now: at).first)
        #expect(again.delivery.attempts == 2 && again.delivery.attemptBase == 1)
        try await f.store.record([outcome(again, .delivered, at: at + 1)], at: at + 1)
        let notFailed = await storeError { () async throws(StoreError) in
            try await f.store.retry(itemID: id, channel: "portal", by: officer, at: at)
        }
        #expect(notFailed?.kind == .invalidState && notFailed?.currentState == "delivered")
        #expect(try await f.store.retry(itemID: id, channel: nil, by: officer, at: at).isEmpty)
        try await f.store.expectGapFreeLog()
    }

    @Test("an item whose every delivery failed is failed, not partly failed; a retry brings it back")
    func failedIsFailed() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(content(channels: ["portal", "fb"]))
        let portal = try #require(try await f.store.claim("portal").first)
        try await f.store.record([outcome(portal, .failed, errorClass: "auth", error: "401")], at: t0 + 1)
        #expect(try await f.store.item(id)?.status == .dispatching)
        let fb = try #require(try await f.store.claim("fb").first)
        try await f.store.record([outcome(fb, .failed, errorClass: "rejected", error: "422")], at: t0 + 2)
        #expect(try await f.store.item(id)?.status == .failed)
        #expect(ItemStatus.failed.isFinal && ItemStatus.failed.label == "gửi thất bại")

        _ = try await f.store.retry(itemID: id, channel: "fb", by: officer, at: t0 + 10)
        #expect(try await f.store.item(id)?.status == .dispatching)
        let again = try #require(try await f.store.claim("fb", now: t0 + 10).first)
        try await f.store.record([outcome(again, .delivered, at: t0 + 11)], at: t0 + 11)
        #expect(try await f.store.item(id)?.status == .partlyFailed)
        #expect(try await f.store.items(ItemFilter(statuses: [.failed])).isEmpty)
    }

    @Test("resolve: delivered after all, send again, failed")
    func resolve() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(
            content(channels: ["a", "b", "c", "d"]), plan: planner(after: ["d": "c"]))
        for channel in ["a", "b", "c"] { _ = try await f.store.claim(channel) }
        #expect(try await f.store.recoverLeases(before: .distantFuture, idempotentChannels: [], at: t0 + 5) == (0, 3))

        let notUncertain = await storeError { () async throws(StoreError) in
            try await f.store.resolve(deliveryID: "\(id)/d", .resend, by: officer, at: t0)
        }
        #expect(notUncertain?.kind == .invalidState && notUncertain?.currentState == "pending")
        let missing = await storeError { () async throws(StoreError) in
            try await f.store.resolve(deliveryID: "\(id)/zzz", .resend, by: officer, at: t0)
        }
        #expect(missing?.kind == .notFound)

        let at = t0 + 60
        let result = ChannelResult(remoteID: "99", url: "https://p/99")
        let a = try await f.store.resolve(deliveryID: "\(id)/a", .delivered(result), by: officer, at: at)
        #expect(a.state == .delivered && a.remoteID == "99" && a.url == "https://p/99" && a.deliveredAt == at)
        let b = try await f.store.resolve(deliveryID: "\(id)/b", .resend, by: officer, at: at)
        #expect(b.state == .pending && b.dueAt == at && b.interrupted)
        #expect(try await f.store.claim("b", now: at).first?.delivery.interrupted == true)
        let c = try await f.store.resolve(deliveryID: "\(id)/c", .failed, by: officer, at: at)
        #expect(c.state == .failed)
        #expect(try await f.store.delivery("\(id)/d")?.state == .failed)  // waited for c

        let lines = try await f.store.logLines()
        let resolved = lines.filter { $0.event == "delivery.resolved" }
        #expect(resolved.map(\.state) == ["delivered", "pending", "failed"])
        #expect(resolved.allSatisfy { $0.actor == officer })
        #expect(resolved.first?.url == "https://p/99")
        #expect(try await f.store.item(id)?.status == .dispatching)  // b is leased
        try await f.store.expectGapFreeLog()
    }

    @Test("2,000 deliveries claimed and recorded in batches of 200")
    func manyDeliveries() async throws {
        let f = try StoreFixture()
        let channels = ["portal", "fb", "zalo", "email", "webhook"]
        for n in 0..<400 {
            let approval = Approval(by: "Lãnh đạo", at: t0)
            _ = try await f.store.addItem(
                newItem(content("Tin \(n)", channels: channels), approval: approval), at: t0,
                plan: planner(dues: ["portal": t0 + Double(n % 7)]))
        }
        var recorded = 0
        var sawItems = Set<String>()
        for channel in channels {
            while true {
                let batch = try await f.store.claim(channel, now: t0 + 10, limit: 200)
                if batch.isEmpty { break }
                #expect(batch.count == 200)
                // Within a batch: due order, then item id.
                let keys = batch.map { ($0.delivery.dueAt, $0.item.id) }
                #expect(zip(keys, keys.dropFirst()).allSatisfy { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) })
                for claimed in batch { sawItems.insert(claimed.item.id) }
                try await f.store.record(
                    batch.map { outcome($0, .delivered, at: t0 + 11, result: ChannelResult(remoteID: $0.delivery.id)) },
                    at: t0 + 11)
                recorded += batch.count
            }
        }
        #expect(recorded == 2000 && sawItems.count == 400)
        let stats = try await f.store.stats()
        #expect(stats.deliveriesByState == ["delivered": 2000])
        #expect(stats.itemsByStatus == ["done": 400])
        // Per item: submitted, approved, 5 planned, 5 delivered.
        #expect(try await f.store.lastLogSeq() == 400 * 12)
        try await f.store.expectGapFreeLog()
    }
}

@Suite struct LeaseOwnerTests {
    /// With several workers (a future PostgreSQL store), an outcome that arrives after the lease passed
    /// to another worker is kept as an attempt but does not change the delivery.
    @Test func anOutcomeFromAWorkerThatLostTheLeaseDoesNotChangeTheDelivery() async throws {
        let f = try StoreFixture()
        try await f.store.addApproved(content(channels: ["portal"]))
        let claimed = try #require(try await f.store.claim("portal").first)
        var stale = outcome(claimed, .delivered, result: ChannelResult(remoteID: "1", url: "https://a.vn/1"))
        stale.leaseOwner = "another-worker"
        try await f.store.record([stale], at: t0.addingTimeInterval(1))
        let after = try #require(try await f.store.delivery(claimed.delivery.id))
        #expect(after.state == .leased)
        #expect(after.leaseOwner == engineOwner)
        #expect(try await f.store.attempts(deliveryID: claimed.delivery.id).count == 1)

        var mine = outcome(claimed, .delivered, result: ChannelResult(remoteID: "1", url: "https://a.vn/1"))
        mine.leaseOwner = engineOwner
        try await f.store.record([mine], at: t0.addingTimeInterval(2))
        #expect(try await f.store.delivery(claimed.delivery.id)?.state == .delivered)
        try await f.store.expectGapFreeLog()
    }
}
