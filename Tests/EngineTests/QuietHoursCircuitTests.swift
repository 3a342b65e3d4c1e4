import ChannelKit
import Config
import Foundation
import Testing

@testable import Engine

@Suite("CircuitBreaker and quiet hours")
struct QuietHoursCircuitTests {
    /// Zalo at 23:00: every article is created and its broadcast waits for 06:00. Those retries say
    /// nothing about the channel's health, so the articles of the night keep going out.
    @Test func retriesWaitingForQuietHoursNeverOpenTheCircuit() {
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        var c = CircuitBreaker(settings: CircuitSettings(failures: 2, pause: .seconds(30), maxPause: .seconds(60)))
        let waiting = PublishOutcome.retry(
            ChannelError(.quietHours, "the broadcast waits for 06:00"), after: .seconds(25200))
        for i in 0..<10 { c.record(waiting, now: t + Double(i)) }
        #expect(c.state == .closed)
        #expect(c.consecutiveFailures == 0)
        // A real failure still counts.
        c.record(.retry(ChannelError(.server, "503")), now: t + 20)
        #expect(c.record(.retry(ChannelError(.server, "503")), now: t + 21) == .open(until: t + 51))
    }
}
