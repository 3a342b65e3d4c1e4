import ChannelConfig
import ChannelKit
import Config
import Foundation
import Logging
import Queue
import Synchronization
import Testing

@testable import Engine

let hcm = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
let utc = TimeZone(identifier: "UTC")!

/// A date in a zone (Asia/Ho_Chi_Minh unless given).
func local(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0, zone: TimeZone = hcm) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    return calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
}

// MARK: - A channel the test scripts

/// A channel implementation for tests: records every request and answers with scripted outcomes
/// (delivered, by default). It can also hold a send until the test releases it, or until cancelled.
final class ScriptedChannel: Channel {
    enum Step: Sendable {
        case outcome(PublishOutcome)
        /// The outcome, with the platform's request to pause the channel (``PartedOutcome/holdChannel``).
        case outcomeHolding(PublishOutcome, hold: Duration)
        /// Waits for ``release(_:)``, then returns the outcome.
        case hold
        /// Returns only when the task is cancelled (with a retryable "cancelled").
        case hangUntilCancelled
    }

    private struct State {
        var requests: [PublishRequest] = []
        var script: [Step] = []
        var held: [CheckedContinuation<PublishOutcome, Never>] = []
        var cancelledSends = 0
    }

    let name: String
    let type: String
    let traits: ChannelTraits
    private let state = Mutex(State())

    init(name: String, type: String = "test", idempotent: Bool = true, script: [Step] = []) {
        self.name = name
        self.type = type
        self.traits = ChannelTraits(idempotent: idempotent)
        state.withLock { $0.script = script }
    }

    var requests: [PublishRequest] { state.withLock { $0.requests } }
    var heldCount: Int { state.withLock { $0.held.count } }
    var cancelledSends: Int { state.withLock { $0.cancelledSends } }

    func setScript(_ steps: [Step]) { state.withLock { $0.script = steps } }

    /// Lets the oldest held send finish with `outcome`.
    func release(_ outcome: PublishOutcome) {
        let c = state.withLock { s in s.held.isEmpty ? nil : s.held.removeFirst() }
        c?.resume(returning: outcome)
    }

    static func delivered(_ request: PublishRequest, channel: String) -> PublishOutcome {
        .delivered(
            ChannelResult(
                remoteID: "\(channel)-\(request.item.id)",
                url: "https://\(channel).example.gov.vn/tin/\(request.item.id)"))
    }

    func publish(_ request: PublishRequest) async -> PublishOutcome {
        await publishInParts(request).outcome
    }

    func publishInParts(_ request: PublishRequest) async -> PartedOutcome {
        let step: Step = state.withLock { s in
            s.requests.append(request)
            return s.script.isEmpty ? .outcome(Self.delivered(request, channel: name)) : s.script.removeFirst()
        }
        if case .outcomeHolding(let outcome, let hold) = step { return PartedOutcome(outcome, holdChannel: hold) }
        return PartedOutcome(await run(step))
    }

    private func run(_ step: Step) async -> PublishOutcome {
        switch step {
        case .outcome(let outcome), .outcomeHolding(let outcome, _):
            return outcome
        case .hold:
            return await withCheckedContinuation { c in state.withLock { $0.held.append(c) } }
        case .hangUntilCancelled:
            let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let resumeNow = gate.withLock { g in
                        if Task.isCancelled { return true }
                        g = c
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            } onCancel: {
                gate.withLock { g in
                    g?.resume()
                    g = nil
                }
            }
            state.withLock { $0.cancelledSends += 1 }
            return .retry(ChannelError(.cancelled, "cancelled"))
        }
    }
}

// MARK: - Configuration

/// A configuration loaded from `yaml` written in a fresh folder (kept alive by the returned folder).
final class ConfigFolder: @unchecked Sendable {
    let path: String
    let config: DaemonConfig

    init(_ yaml: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("engine-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let configPath = path + "/cchcd.yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: configPath))
        config = try ConfigLoader.load(
            path: configPath, secrets: SecretStore(credentialsDirectory: nil, environment: [:]))
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Settings for a channel, from the text of its config section (`slots: [...]`, `quiet_hours: …`).
func settings(_ lines: String) throws -> ChannelSettings {
    let folder = try ConfigFolder(
        "channels:\n  c:\n    type: test\n" + lines.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n"))
    return folder.config.channels[0].settings
}
