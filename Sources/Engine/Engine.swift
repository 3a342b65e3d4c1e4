import ChannelConfig
import ChannelKit
import Config
import DeliveryLog
import Foundation
import Logging
import Metrics
import Queue
import Scheduling
import ServiceLifecycle
import Synchronization
import Transport

/// Counters of the engine's work, for the benchmark, status lines and metrics.
public struct EngineFigures: Sendable {
    /// Store transactions that recorded outcomes and claimed deliveries (one per round with work).
    public var transactions = 0
    public var outcomesCommitted = 0
    /// Time spent waiting for those transactions.
    public var transactionTime: Duration = .zero
    /// When the last delivery was published.
    public var lastDelivery: Date?
}

/// How a channel is doing, for `/status` and operators.
public struct ChannelHealth: Sendable, Codable, Equatable {
    public var lastSuccess: Date?
    public var lastFailure: Date?
    /// The last failure's error class and message.
    public var lastError: String?
    public var consecutiveFailures: Int
    /// `closed`, `open` (paused), `probing`, or `halted` (until an operator fixes it and reloads).
    public var circuit: String
    public var pausedUntil: Date?
    /// Why the channel is halted: what the operator must do.
    public var haltReason: String?
    /// The platform asked us to slow down: no send starts before this time.
    public var heldUntil: Date?
    public var inFlight: Int
}

/// A configured channel as the engine drives it.
public struct EngineChannel: Sendable {
    public var channel: any Channel
    public var config: ChannelConfig

    public init(channel: any Channel, config: ChannelConfig) {
        self.channel = channel
        self.config = config
    }

    public var name: String { config.name }
}

/// The dispatcher (DESIGN.md §5): claims due deliveries in batches, publishes them through their
/// channels within each channel's limits, and records outcomes in group commits (the delivery log follows
/// the commits: ``DeliveryLog/DeliveryLogExporter``). It sleeps until the next due time or a wake-up; it
/// never polls.
///
/// Pipelined: the store commits (outcomes of the sends that finished, claims of the next deliveries)
/// run beside the sends, one commit at a time, and channels limited only by concurrency are claimed a
/// window ahead, so a finished send is followed by the next at once instead of after the next commit.
/// A delivery is sent only after its claim is durable; its outcome is durable before its log line.
///
/// The parts: ``EngineCore`` (state, the loop, commits), `EngineCore+Send` (one delivery: request,
/// send, outcome), `EngineCore+Lookups` (interrupted sends, channel records).
///
/// A `Service`: on graceful shutdown it stops claiming, lets in-flight sends finish for up to
/// `engine.shutdown_grace`, then cancels the rest and leaves them leased, so the next start recovers
/// them (`pending` again on idempotent channels, `uncertain` on the others).
public final class Engine: Service, Sendable {
    private let core: EngineCore
    private let signal: WakeSignal

    /// - Parameter sendJournal: where this process notes the sends it hands to the network (see
    ///   ``SendJournal``); at start, the journals that earlier processes left in its folder tell which of
    ///   their leased deliveries never left. Nil: no journal (every send in flight at a crash counts as sent).
    public init(
        store: any Store, channels: [EngineChannel], config: DaemonConfig,
        owner: String, singleInstance: Bool, clock: any EngineClock = SystemClock(), sendJournal: SendJournal? = nil,
        logger: Logger
    ) {
        signal = WakeSignal()
        core = EngineCore(
            store: store, channels: channels, config: config, owner: owner,
            singleInstance: singleInstance, clock: clock, signal: signal, sendJournal: sendJournal, logger: logger)
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await core.run()
        } onGracefulShutdown: {
            self.stop()
        }
    }

    /// Applies a reloaded configuration: new, changed and removed channels (see
    /// ``EngineCore/reconfigure(channels:config:)``). Sends in flight finish with the setup they began with.
    public func reconfigure(channels: [EngineChannel], config: DaemonConfig) async {
        await core.reconfigure(channels: channels, config: config)
    }

    /// Look at the queue now (a new or approved item, a changed delivery).
    public func wake() {
        core.invalidate()
        signal.notify()
    }

    /// Stop claiming and finish (see the type's documentation). `run()` returns when done.
    public func stop() {
        core.requestStop()
        signal.notify()
    }

    /// Figures for status lines: deliveries in flight per channel.
    public func inFlight() async -> [String: Int] { await core.inFlightCounts() }

    /// Counters of the engine's store transactions since it started.
    public func figures() async -> EngineFigures { await core.figures }

    /// Each configured channel's health.
    public func channelHealth() async -> [String: ChannelHealth] { await core.channelHealth() }

    /// Whether the engine has recovered leases (it is serving).
    public func isStarted() async -> Bool { await core.started }

    /// How long the current round has been running (nil between rounds). The actor answering at all
    /// shows it is not blocked; a round that runs for long shows the store or the loop is stuck.
    public func roundAge() async -> Duration? { await core.roundAge() }
}

/// What the engine is configured with; replaced whole on reload. Sends capture the one they started
/// with, so a reload never disturbs a delivery in flight.
struct EngineSetup: Sendable {
    let config: DaemonConfig
    /// The enabled channels.
    let channels: [EngineChannel]
    let retryPolicies: [String: RetryPolicy]
    let policies: [String: ChannelPolicy]
    let idempotent: Set<String>
    /// Channels that can find out what a send whose answer was lost did: idempotent ones, and those with an
    /// ``ChannelKit/InterruptionLookup``. A lost answer elsewhere makes the delivery `uncertain`.
    let canLookUp: Set<String>
    /// Channels that report when a send is handed to the network (``ChannelKit/ChannelTraits/reportsSends``).
    let reportsSends: Set<String>
    /// Channels with records of their own (``ChannelKit/RecordingChannel``).
    let recording: Set<String>
    /// Channels whose only limit is `max_concurrency`: the engine claims a window ahead of their sends, so
    /// sends go on while the store commits. Channels with a rate, gap, daily cap, slots or quiet hours are
    /// claimed only as far as they may start now (a claimed delivery must not wait long leased).
    let claimsAhead: Set<String>
    /// Each channel's metrics, made once per setup rather than per attempt.
    let meters: [String: ChannelMeters]

    init(channels: [EngineChannel], config: DaemonConfig) {
        self.config = config
        self.channels = channels.filter { $0.config.enabled }
        var retries: [String: RetryPolicy] = [:]
        var policies: [String: ChannelPolicy] = [:]
        for c in channels {
            policies[c.name] = ChannelPolicy(settings: c.config.settings, timeZone: config.timeZone)
            retries[c.name] = RetryPolicy(settings: c.config.settings.retry ?? config.retry)
        }
        retryPolicies = retries
        self.policies = policies
        idempotent = Set(channels.filter { $0.channel.traits.idempotent }.map(\.name))
        canLookUp = idempotent.union(channels.filter { $0.channel is any InterruptionLookup }.map(\.name))
        reportsSends = Set(channels.filter { $0.channel.traits.reportsSends }.map(\.name))
        recording = Set(channels.filter { $0.channel is any RecordingChannel }.map(\.name))
        claimsAhead = Set(
            channels.filter {
                let s = $0.config.settings
                return s.rate == nil && s.minGap == nil && s.maxPerDay == nil && s.quietHours == nil && s.slots.isEmpty
            }.map(\.name))
        var meters: [String: ChannelMeters] = [:]
        for c in channels { meters[c.name] = ChannelMeters(channel: c.name, type: c.config.type) }
        self.meters = meters
    }
}

/// The metrics of one channel's sends (swift-metrics handles, looked up once).
struct ChannelMeters: Sendable {
    let sendDuration: Metrics.Timer
    let lateness: Metrics.Timer
    let delivered: Counter
    let retry: Counter
    let failed: Counter

    init(channel: String, type: String) {
        sendDuration = Metrics.Timer(label: "cchc_send_duration_seconds", dimensions: [("channel_type", type)])
        lateness = Metrics.Timer(label: "cchc_dispatch_lateness_seconds", dimensions: [("channel", channel)])
        delivered = Counter(label: "cchc_attempts_total", dimensions: [("channel", channel), ("outcome", "delivered")])
        retry = Counter(label: "cchc_attempts_total", dimensions: [("channel", channel), ("outcome", "retry")])
        failed = Counter(label: "cchc_attempts_total", dimensions: [("channel", channel), ("outcome", "failed")])
    }
}
