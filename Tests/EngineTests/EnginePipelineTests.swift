import ChannelKit
import Config
import Foundation
import Queue
import TestSupport
import Testing
import TestSupport

@testable import Engine

/// The pipelined engine: it claims a window ahead of its sends on channels limited only by concurrency,
/// sends only what is durably claimed, and gives back what it claimed but did not start.
@Suite("Engine pipeline")
struct EnginePipelineTests {
    let start = local(2026, 11, 23, 8)

    /// Counts the deliveries of `items` on `channel` in each state.
    func states(_ f: EngineFixture, _ items: [String], _ channel: String) async throws -> [DeliveryState: Int] {
        var counts: [DeliveryState: Int] = [:]
        for item in items {
            if let state = try await f.state(item, channel) { counts[state, default: 0] += 1 }
        }
        return counts
    }

    @Test("a channel limited only by concurrency is claimed a window ahead; every send's claim is durable first")
    func claimsAhead() async throws {
        let portal = ScriptedChannel(name: "portal", script: Array(repeating: .hold, count: 10))
        let f = try EngineFixture(
            start: start, channelsYAML: "  portal: { type: portal, max_concurrency: 2 }", channels: [portal])
        let items = (1...10).map { String(format: "tin-%02d", $0) }
        for id in items { try await f.addApproved(id: id, channels: ["portal"]) }
        f.start()
        #expect(await eventually { portal.heldCount == 2 })
        // Two in flight and a window of two more claimed, durably, waiting to start.
        #expect(try await eventually { try await self.states(f, items, "portal")[.leased] == 4 })
        #expect(try await states(f, items, "portal")[.pending] == 6)
        // Each request the channel saw was of a delivery leased in the store.
        for request in portal.requests {
            #expect(try await f.store.delivery(request.deliveryID)?.state == .leased)
        }
        // A finished send is followed by the next one without waiting for anything else.
        portal.release(ScriptedChannel.delivered(portal.requests[0], channel: "portal"))
        #expect(await eventually { portal.requests.count == 3 })
        // Nine more sends, each released as it is held.
        for _ in 0..<9 {
            guard await eventually({ portal.heldCount > 0 }), let request = portal.requests.last else { break }
            portal.release(ScriptedChannel.delivered(request, channel: "portal"))
        }
        #expect(try await eventually { try await self.states(f, items, "portal")[.delivered] == 10 })
        #expect(Set(portal.requests.map(\.item.id)) == Set(items))
        #expect(portal.requests.count == 10)
        #expect(await f.stop())
    }

    @Test("a channel with a rate is claimed only as far as it may start now")
    func rateLimitedNotAhead() async throws {
        let sms = ScriptedChannel(name: "sms", script: Array(repeating: .hold, count: 6))
        let f = try EngineFixture(
            start: start, channelsYAML: "  sms: { type: portal, max_concurrency: 4, rate: 2/m }", channels: [sms])
        let items = (1...6).map { "tin-\($0)" }
        for id in items { try await f.addApproved(id: id, channels: ["sms"]) }
        f.start()
        #expect(await eventually { sms.heldCount == 2 })
        #expect(try await states(f, items, "sms")[.leased] == 2)
        #expect(try await states(f, items, "sms")[.pending] == 4)
        while sms.heldCount > 0 { sms.release(.retry(ChannelError(.cancelled, "test over"))) }
        #expect(await f.stop())
    }

    @Test("at stop, claims that never started go back as they were: no attempt, no log line, tried again next start")
    func stopGivesBack() async throws {
        let portal = ScriptedChannel(name: "portal", script: [.hold, .hold])
        let f = try EngineFixture(
            start: start, channelsYAML: "  portal: { type: portal, max_concurrency: 2 }", channels: [portal])
        let items = (1...4).map { "tin-\($0)" }
        for id in items { try await f.addApproved(id: id, channels: ["portal"]) }
        f.start()
        #expect(await eventually { portal.heldCount == 2 })
        #expect(try await eventually { try await self.states(f, items, "portal")[.leased] == 4 })
        let sent = Set(portal.requests.map(\.item.id))
        let stopped = Task { await f.stop() }
        // The two in flight finish within the grace period.
        for request in portal.requests { portal.release(ScriptedChannel.delivered(request, channel: "portal")) }
        #expect(await stopped.value)

        for id in items {
            let delivery = try #require(try await f.delivery(id, "portal"))
            if sent.contains(id) {
                #expect(delivery.state == .delivered)
            } else {
                #expect(delivery.state == .pending)
                #expect(delivery.attempts == 0)
                #expect(delivery.leaseOwner == nil)
                #expect(try await f.store.attempts(deliveryID: delivery.id).isEmpty)
            }
        }
        let lines = try await f.logLinesFromFiles().map(\.line)
        let unsent = Set(items).subtracting(sent)
        #expect(
            !lines.contains {
                unsent.contains($0.item_id) && $0.event.hasPrefix("delivery.") && $0.event != "delivery.planned"
            })

        // The next start sends them, once each.
        f.start()
        #expect(try await eventually { try await self.states(f, items, "portal")[.delivered] == 4 })
        #expect(portal.requests.count == 4)
        #expect(await f.stop())
    }

    @Test("a reload that removes a channel gives back its claims; they wait for it to come back")
    func reloadGivesBack() async throws {
        let portal = ScriptedChannel(name: "portal", script: [.hold, .hold])
        let email = ScriptedChannel(name: "email")
        let f = try EngineFixture(
            start: start,
            channelsYAML: """
                  portal: { type: portal, max_concurrency: 2 }
                  email: { type: portal }
                """, channels: [portal, email])
        let items = (1...4).map { "tin-\($0)" }
        for id in items { try await f.addApproved(id: id, channels: ["portal"]) }
        f.start()
        #expect(await eventually { portal.heldCount == 2 })
        #expect(try await eventually { try await self.states(f, items, "portal")[.leased] == 4 })
        let engine = try #require(f.engine)
        let emailOnly = f.config.channels.filter { $0.name == "email" }.map {
            EngineChannel(channel: email, config: $0)
        }
        await engine.reconfigure(channels: emailOnly, config: f.config)
        #expect(try await eventually { try await self.states(f, items, "portal")[.pending] == 2 })
        for request in portal.requests { portal.release(ScriptedChannel.delivered(request, channel: "portal")) }
        #expect(try await eventually { try await self.states(f, items, "portal")[.delivered] == 2 })
        #expect(portal.requests.count == 2)
        #expect(await f.stop())
    }
}
