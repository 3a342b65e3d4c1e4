import ChannelConfig
import ChannelKit
import Config
import Foundation
import Queue
import Testing
import TestSupport

@testable import Engine

/// Never twice, never blind (issue 13): a send whose answer was lost is an unknown outcome; a crash
/// flags only the deliveries that may really have left.
@Suite("Lost answers and the send journal")
struct LostAnswerTests {
    static let lost = PublishOutcome.retry(
        ChannelError(.uncertain, "creating the post: answer lost — the request was sent; it may have taken effect"))

    @Test("a lost answer on a channel that cannot look for its post makes the delivery uncertain, not a retry")
    func lostAnswerWithoutLookupIsUncertain() async throws {
        let hook = ScriptedChannel(name: "hook", idempotent: false, script: [.outcome(Self.lost)])
        let f = try EngineFixture(start: monday8, channelsYAML: "  hook: { type: webhook }", channels: [hook])
        try await f.addApproved(id: "tin-1", channels: ["hook"])
        f.start()
        #expect(try await f.waitForState("tin-1", "hook", .uncertain))
        // Never sent again by the engine: a person decides.
        f.clock.advance(by: 3600)
        f.engine?.wake()
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(7200)))
        #expect(hook.requests.count == 1)
        let attempts = try await f.store.attempts(deliveryID: "tin-1/hook")
        #expect(attempts.map(\.outcome) == [.interrupted])
        #expect(attempts.first?.errorClass == "uncertain")
        #expect(try await f.store.uncertainDeliveries().map(\.id) == ["tin-1/hook"])
        #expect(await f.stop())
        let line = try #require(try await f.logLinesFromFiles().last { $0.line.event == "delivery.uncertain" }?.line)
        #expect(line.state == "uncertain")
        #expect(line.error_class == "uncertain")
        #expect(line.detail?.contains("a person decides") == true)
    }

    @Test("a lost answer on an idempotent channel is retried only after the channel's settle time")
    func lostAnswerWaitsForSettle() async throws {
        let portal = ScriptedChannel(name: "portal", idempotent: true, script: [.outcome(Self.lost)])
        let f = try EngineFixture(
            start: monday8, channelsYAML: "  portal: { type: portal, settle: 90s }", channels: [portal])
        try await f.addApproved(id: "tin-1", channels: ["portal"])
        f.start()
        #expect(try await f.waitForState("tin-1", "portal", .retryWait))
        // The retry policy alone would try again after 1 s; the lost send may still land for 90 s.
        let waiting = try #require(try await f.delivery("tin-1", "portal"))
        #expect(waiting.dueAt == monday8.addingTimeInterval(90))
        #expect(await f.waitForSleep(until: monday8.addingTimeInterval(90)))
        f.clock.advance(by: 90)
        #expect(try await f.waitForState("tin-1", "portal", .delivered))
        #expect(portal.requests.map(\.attempt) == [1, 2])
        #expect(await f.stop())
        let retry = try #require(try await f.logLinesFromFiles().first { $0.line.event == "delivery.retry" }?.line)
        #expect(retry.error_class == "uncertain")
        #expect(retry.detail?.contains("looks for what this one did") == true)
    }

    @Test("the default settle time is 60 s, longer than PHP's 30 s limit")
    func defaultSettle() throws {
        #expect(ChannelSettings.defaultSettle == .seconds(60))
        let folder = try ConfigFolder(
            """
            state_dir: state
            channels:
              a: { type: webhook }
              b: { type: webhook, settle: 2m }
            """)
        #expect(folder.config.channels.first { $0.name == "a" }?.settings.settle == .seconds(60))
        #expect(folder.config.channels.first { $0.name == "b" }?.settings.settle == .seconds(120))
        #expect(throws: ConfigError.self) {
            _ = try ConfigFolder("state_dir: state\nchannels:\n  a: { type: webhook, settle: 0s }\n")
        }
    }

    /// Two deliveries left leased by a killed process on a non-idempotent channel; its journal says it
    /// handed only the first to the network.
    private func killedProcess(journalBoot: String?) async throws -> (EngineFixture, ScriptedChannel) {
        let hook = ScriptedChannel(name: "hook", idempotent: false)
        let f = try EngineFixture(start: monday8, channelsYAML: "  hook: { type: webhook }", channels: [hook])
        try await f.addApproved(id: "tin-1", channels: ["hook"])
        try await f.addApproved(id: "tin-2", channels: ["hook"])
        let claimed = try await f.store.claimDue(
            channel: "hook", now: monday8, limit: 10, owner: "cchcd-killed", leaseUntil: monday8.addingTimeInterval(300)
        )
        #expect(claimed.map(\.delivery.id) == ["tin-1/hook", "tin-2/hook"])
        let directory = f.config.sendJournalDirectory
        if let journalBoot {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let text = "boot \(journalBoot) owner cchcd-killed\nS 1 tin-1/hook\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/cchcd-killed.sent"))
        } else {
            // The real journal, as the killed process wrote it.
            let journal = try SendJournal(directory: directory, owner: "cchcd-killed")
            journal.sent("tin-1/hook", attempt: 1)
        }
        return (f, hook)
    }

    @Test("after a crash, only deliveries the journal shows were handed to the network become uncertain")
    func journalTellsSentFromClaimed() async throws {
        let (f, hook) = try await killedProcess(journalBoot: nil)
        let journal = try SendJournal(directory: f.config.sendJournalDirectory, owner: f.owner)
        f.start(sendJournal: journal)
        #expect(try await f.waitForState("tin-1", "hook", .uncertain))
        #expect(try await f.waitForState("tin-2", "hook", .delivered))
        #expect(hook.requests.map(\.item.id) == ["tin-2"])
        #expect(hook.requests.first?.previousAttemptInterrupted == true)
        #expect(await f.stop())
        let recovered = try await f.logLinesFromFiles().filter { $0.line.event == "delivery.recovered" }.map(\.line)
        #expect(recovered.map(\.delivery_id) == ["tin-2/hook"])
        #expect(recovered.first?.detail == "interrupted before it was handed to the network: sent again")
        // The killed process's journal is gone once recovery committed; this process keeps its own,
        // which noted the send of tin-2.
        let files = try FileManager.default.contentsOfDirectory(atPath: f.config.sendJournalDirectory)
        #expect(files == [SendJournal.fileName(f.owner)])
        let own = try String(
            contentsOfFile: f.config.sendJournalDirectory + "/" + SendJournal.fileName(f.owner), encoding: .utf8)
        #expect(own.hasSuffix("S 2 tin-2/hook\n"))
    }

    @Test("a journal from another boot (a power loss) proves nothing: every send in flight is uncertain")
    func journalOfAnotherBoot() async throws {
        let (f, hook) = try await killedProcess(journalBoot: "00000000-0000-0000-0000-000000000000")
        let journal = try SendJournal(directory: f.config.sendJournalDirectory, owner: f.owner)
        f.start(sendJournal: journal)
        #expect(try await f.waitForState("tin-1", "hook", .uncertain))
        #expect(try await f.waitForState("tin-2", "hook", .uncertain))
        #expect(hook.requests.isEmpty)
        #expect(await f.stop())
    }

    @Test("without a journal (an older cchcd was killed) every send in flight is uncertain, as before")
    func noJournal() async throws {
        let hook = ScriptedChannel(name: "hook", idempotent: false)
        let f = try EngineFixture(start: monday8, channelsYAML: "  hook: { type: webhook }", channels: [hook])
        try await f.addApproved(id: "tin-1", channels: ["hook"])
        _ = try await f.store.claimDue(
            channel: "hook", now: monday8, limit: 10, owner: "cchcd-old", leaseUntil: monday8.addingTimeInterval(300))
        let journal = try SendJournal(directory: f.config.sendJournalDirectory, owner: f.owner)
        f.start(sendJournal: journal)
        #expect(try await f.waitForState("tin-1", "hook", .uncertain))
        #expect(hook.requests.isEmpty)
        #expect(await f.stop())
    }
}
