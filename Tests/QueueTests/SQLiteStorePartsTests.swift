import ChannelKit
import Foundation
import Queue
import Testing

/// Deliveries sent in parts (one email per recipient): each part's outcome is stored with its attempt,
/// logged as a `delivery.part` line in the same transaction, and handed back at the next claim so a
/// retry never sends an accepted part again.
@Suite("Store: deliveries sent in parts")
struct SQLiteStorePartsTests {
    func part(_ key: String, _ state: PartOutcome.State, _ code: Int) -> PartOutcome {
        PartOutcome(part: key, state: state, code: code, message: "\(code) reply for \(key)", remoteID: "<m.\(key)>")
    }

    @Test("parts are recorded with the attempt, logged before the delivery's line, and come back at the next claim")
    func partsRecordedAndReturned() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(content(channels: ["email"]))
        let first = try #require(try await f.store.claim("email").first)
        #expect(first.finishedParts.isEmpty)
        var o1 = outcome(first, .retry(at: t0.addingTimeInterval(60)), errorClass: "rejected", error: "1 deferred")
        o1.parts = [
            part("a@x.vn", .delivered, 250), part("b@x.vn", .failed, 550), part("c@x.vn", .retry, 451),
        ]
        let before = try await f.store.lastLogSeq()
        try await f.store.record([o1], at: t0.addingTimeInterval(1))
        let lines = try await f.store.logEvents(after: before, limit: 100).map { try decodeLine($0.json) }
        #expect(lines.map(\.event) == ["delivery.part", "delivery.part", "delivery.part", "delivery.retry"])
        #expect(lines.prefix(3).map(\.part) == ["a@x.vn", "b@x.vn", "c@x.vn"])
        #expect(lines.prefix(3).map(\.part_state) == ["delivered", "failed", "retry"])
        #expect(lines.prefix(3).map(\.code) == [250, 550, 451])
        #expect(lines[0].detail == "250 reply for a@x.vn" && lines[0].error == nil)
        #expect(lines[1].error == "550 reply for b@x.vn" && lines[1].detail == nil)
        #expect(lines[1].remote_id == "<m.b@x.vn>")
        #expect(lines.allSatisfy { $0.state == "retry-wait" && $0.attempt == 1 && $0.delivery_id == "\(id)/email" })
        #expect(lines[0].retry_at == nil && lines[0].duration_ms == nil)
        try await f.store.expectGapFreeLog()

        let stored = try await f.store.attemptParts(deliveryID: "\(id)/email")
        #expect(stored.map(\.outcome.part) == ["a@x.vn", "b@x.vn", "c@x.vn"])
        #expect(stored.allSatisfy { $0.attempt == 1 })

        // The retry: a and b are finished (delivered, failed), c is open.
        let second = try #require(try await f.store.claim("email", now: t0.addingTimeInterval(61)).first)
        #expect(second.delivery.attempts == 2)
        #expect(Set(second.finishedParts.keys) == ["a@x.vn", "b@x.vn"])
        #expect(second.finishedParts["a@x.vn"]?.state == .delivered)
        #expect(second.finishedParts["b@x.vn"]?.state == .failed)
        var o2 = outcome(second, .failed, at: t0.addingTimeInterval(62), errorClass: "rejected", error: "1 refused")
        o2.parts = [part("c@x.vn", .delivered, 250)]
        try await f.store.record([o2], at: t0.addingTimeInterval(62))
        #expect(try await f.store.delivery("\(id)/email")?.state == .failed)
        #expect(try await f.store.item(id)?.status == .partlyFailed)

        // A person re-queues it: the refused part gets another chance, the accepted ones never.
        _ = try await f.store.retry(itemID: id, channel: "email", by: officer, at: t0.addingTimeInterval(100))
        let third = try #require(try await f.store.claim("email", now: t0.addingTimeInterval(101)).first)
        #expect(Set(third.finishedParts.keys) == ["a@x.vn", "c@x.vn"])
        #expect(third.finishedParts.values.allSatisfy { $0.state == .delivered })
        try await f.store.expectGapFreeLog()
    }

    @Test("a first attempt has no finished parts; attempt parts are append-only")
    func appendOnly() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(content(channels: ["email"]))
        let claimed = try #require(try await f.store.claim("email").first)
        var o = outcome(claimed, .delivered)
        o.parts = [part("a@x.vn", .delivered, 250)]
        try await f.store.record([o], at: t0.addingTimeInterval(1))
        #expect(try await f.store.delivery("\(id)/email")?.state == .delivered)
        #expect(try await f.store.item(id)?.status == .done)
        #expect(throws: (any Error).self) { try execute(path: f.path, "DELETE FROM attempt_parts") }
        #expect(throws: (any Error).self) {
            try execute(path: f.path, "UPDATE attempt_parts SET outcome = 'failed'")
        }
        #expect(throws: (any Error).self) {
            try execute(
                path: f.path,
                "INSERT INTO attempt_parts (delivery_id, attempt, part, outcome, at) VALUES (?, 1, 'x', 'maybe', 0)",
                ["\(id)/email"])
        }
        // The same insert with a valid outcome works: the refusals above are the schema's checks.
        try execute(
            path: f.path,
            "INSERT INTO attempt_parts (delivery_id, attempt, part, outcome, at) VALUES (?, 1, 'x', 'failed', 0)",
            ["\(id)/email"])
    }

    @Test("a late outcome of a lost lease still stores its parts: what was sent is never forgotten")
    func lateOutcomeKeepsParts() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(content(channels: ["email"]))
        let claimed = try #require(try await f.store.claim("email").first)
        _ = try await f.store.recoverLeases(
            before: .distantFuture, idempotentChannels: [], at: t0.addingTimeInterval(1))
        var o = outcome(claimed, .delivered)
        o.leaseOwner = engineOwner
        o.parts = [part("a@x.vn", .delivered, 250)]
        try await f.store.record([o], at: t0.addingTimeInterval(2))
        #expect(try await f.store.delivery("\(id)/email")?.state == .uncertain)
        #expect(try await f.store.attemptParts(deliveryID: "\(id)/email").map(\.outcome.part) == ["a@x.vn"])
    }
}
