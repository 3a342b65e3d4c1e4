import ChannelKit
import DeliveryLog
import Foundation
import Queue
import Synchronization
import Testing
import TestSupport

@testable import Engine

/// A channel that sends in parts (like email: one message per recipient), answering each attempt from
/// a script and recording what the engine handed it.
final class PartedChannel: Channel {
    let name: String
    let type = "test-parts"
    let traits = ChannelTraits(idempotent: false)
    private let state: Mutex<(requests: [PublishRequest], script: [PartedOutcome])>

    init(name: String, script: [PartedOutcome]) {
        self.name = name
        state = Mutex(([], script))
    }

    var requests: [PublishRequest] { state.withLock { $0.requests } }

    func publish(_ request: PublishRequest) async -> PublishOutcome {
        Issue.record("the engine must call publishInParts")
        return .failed(ChannelError(.unsupported, "publish"))
    }

    func publishInParts(_ request: PublishRequest) async -> PartedOutcome {
        state.withLock { s in
            s.requests.append(request)
            return s.script.isEmpty ? PartedOutcome(.failed(ChannelError(.local, "no script"))) : s.script.removeFirst()
        }
    }
}

@Suite("Engine: deliveries sent in parts")
struct EnginePartsTests {
    func part(_ key: String, _ state: PartOutcome.State, _ code: Int) -> PartOutcome {
        PartOutcome(part: key, state: state, code: code, message: "\(code) for \(key)", remoteID: "<\(key)>")
    }

    @Test("parts reach the store and the log; the retry gets the finished parts; the item ends partly-failed")
    func partsAcrossAttempts() async throws {
        let email = PartedChannel(
            name: "email",
            script: [
                PartedOutcome(
                    .retry(ChannelError(.rejected, "1 of 3 recipients deferred", code: 451)),
                    parts: [part("a@x.vn", .delivered, 250), part("b@x.vn", .retry, 451), part("c@x.vn", .failed, 550)]),
                PartedOutcome(
                    .failed(ChannelError(.rejected, "1 of 3 recipients refused", code: 550)),
                    parts: [part("b@x.vn", .delivered, 250)]),
            ])
        let f = try EngineFixture(
            start: monday8, channelsYAML: "  email: { type: test-parts }", channels: [ScriptedChannel(name: "unused")])
        f.startExporter()
        let engine = Engine(
            store: f.store, channels: f.config.channels.map { EngineChannel(channel: email, config: $0) },
            config: f.config, owner: f.owner, singleInstance: true, clock: f.clock, logger: f.logger)
        try await f.addApproved(id: "tin-1", channels: ["email"])
        let run = Task { try await engine.run() }
        defer { run.cancel() }

        #expect(try await f.waitForState("tin-1", "email", .retryWait))
        #expect(email.requests.first?.finishedParts.isEmpty == true)
        f.clock.advance(by: 2)
        engine.wake()
        #expect(try await f.waitForState("tin-1", "email", .failed))
        let second = try #require(email.requests.last)
        #expect(email.requests.count == 2)
        #expect(second.attempt == 2)
        #expect(Set(second.finishedParts.keys) == ["a@x.vn", "c@x.vn"])
        #expect(second.finishedParts["a@x.vn"]?.remoteID == "<a@x.vn>")
        #expect(try await eventually { try await f.store.item("tin-1")?.status == .partlyFailed })

        let parts = try await f.store.attemptParts(deliveryID: "tin-1/email")
        #expect(parts.map(\.attempt) == [1, 1, 1, 2])
        #expect(parts.map(\.outcome.part) == ["a@x.vn", "b@x.vn", "c@x.vn", "b@x.vn"])

        engine.stop()
        _ = try? await run.value
        let lines = try await f.logLinesFromFiles().map(\.line).filter { $0.delivery_id == "tin-1/email" }
        #expect(
            lines.map(\.event) == [
                "delivery.planned", "delivery.part", "delivery.part", "delivery.part", "delivery.retry",
                "delivery.part", "delivery.failed",
            ])
        let partLines = lines.filter { $0.event == "delivery.part" }
        #expect(partLines.map(\.part_state) == ["delivered", "retry", "failed", "delivered"])
        #expect(partLines.map(\.attempt) == [1, 1, 1, 2])
        #expect(partLines.last?.state == "failed")
    }
}
