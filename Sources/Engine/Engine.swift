import ChannelKit
import Config
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
/// channels within each channel's limits, records outcomes in group commits, and writes the delivery
/// log after each commit. It sleeps until the next due time or a wake-up; it never polls.
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
        store: any Store, channels: [EngineChannel], config: DaemonConfig, logWriter: DeliveryLogWriter?,
        owner: String, singleInstance: Bool, clock: any EngineClock = SystemClock(), sendJournal: SendJournal? = nil,
        logger: Logger
    ) {
        signal = WakeSignal()
        core = EngineCore(
            store: store, channels: channels, config: config, logWriter: logWriter, owner: owner,
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

    /// Whether the engine has recovered leases and caught the delivery log up (it is serving).
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
    }
}

/// The engine's state, owned by one actor so the loop, the sends and the recorder never race.
actor EngineCore {
    let store: any Store
    private(set) var setup: EngineSetup
    var channels: [EngineChannel] { setup.channels }
    var config: DaemonConfig { setup.config }
    let logWriter: DeliveryLogWriter?
    let owner: String
    let singleInstance: Bool
    let clock: any EngineClock
    let signal: WakeSignal
    let sendJournal: SendJournal?
    let logger: Logger

    private var gates: [String: ChannelGate] = [:]
    /// Channel → the next due time the store reported; dropped when something may have changed it.
    private var knownNextDue: [String: Date] = [:]
    private let stale = Mutex(false)
    private let stopping = Mutex(false)
    private var pending: [DeliveryOutcome] = []
    private var lastExpirySweep: Date = .distantPast
    /// Recording channels (``ChannelKit/RecordingChannel``): when to ask each for its records next
    /// (absent: ask now), and those being asked.
    private var recordCheck: [String: Date?] = [:]
    private var recordsInFlight: Set<String> = []
    /// Recording channels that delivered while being asked: ask again when the answer is in.
    private var recordsDirty: Set<String> = []
    /// Records were stored since the log was last written.
    private var recordsToLog = false

    init(
        store: any Store, channels: [EngineChannel], config: DaemonConfig, logWriter: DeliveryLogWriter?,
        owner: String, singleInstance: Bool, clock: any EngineClock, signal: WakeSignal, sendJournal: SendJournal?,
        logger: Logger
    ) {
        self.sendJournal = sendJournal
        self.store = store
        let setup = EngineSetup(channels: channels, config: config)
        self.setup = setup
        self.logWriter = logWriter
        self.owner = owner
        self.singleInstance = singleInstance
        self.clock = clock
        self.signal = signal
        self.logger = logger
        for (name, policy) in setup.policies { gates[name] = ChannelGate(policy: policy) }
    }

    /// Replaces the channels and settings (a reload). A channel that stays keeps its runtime state —
    /// sends in flight, the day's count, its circuit — under its new rules; a removed channel's waiting
    /// deliveries stay waiting in the store (orphaned) until it comes back.
    func reconfigure(channels: [EngineChannel], config: DaemonConfig) {
        let next = EngineSetup(channels: channels, config: config)
        var nextGates: [String: ChannelGate] = [:]
        for (name, policy) in next.policies {
            var gate = ChannelGate(policy: policy)
            if let old = gates[name] {
                gate.inFlight = old.inFlight
                gate.lastStart = old.lastStart
                gate.publishedToday = old.publishedToday
                gate.day = old.day
                gate.holdUntil = old.holdUntil
                // A halted channel was just built again from the (fixed) configuration: it may try again.
                let halted = if case .halted = old.circuit.state { true } else { false }
                if old.policy.settings.circuit == policy.settings.circuit && !halted { gate.circuit = old.circuit }
                if halted { logger.info("halted channel resumes after the reload", metadata: ["channel": "\(name)"]) }
            }
            nextGates[name] = gate
        }
        // Channels removed while sends were in flight keep a gate until those finish.
        for (name, gate) in gates where nextGates[name] == nil && gate.inFlight > 0 { nextGates[name] = gate }
        gates = nextGates
        setup = next
        knownNextDue.removeAll()
        signal.notify()
    }

    nonisolated func invalidate() { stale.withLock { $0 = true } }
    nonisolated func requestStop() { stopping.withLock { $0 = true } }
    private nonisolated var isStopping: Bool { stopping.withLock { $0 } }

    func inFlightCounts() -> [String: Int] { gates.mapValues(\.inFlight) }

    private(set) var figures = EngineFigures()
    private var outcomesSeen: [String: (success: Date?, failure: Date?, error: String?)] = [:]

    func channelHealth() -> [String: ChannelHealth] {
        var out: [String: ChannelHealth] = [:]
        for entry in channels {
            guard let gate = gates[entry.name] else { continue }
            let seen = outcomesSeen[entry.name]
            var circuit = "closed"
            var pausedUntil: Date?
            var haltReason: String?
            switch gate.circuit.state {
            case .closed: break
            case .probing: circuit = "probing"
            case .open(let until):
                circuit = "open"
                pausedUntil = until
            case .halted(let reason):
                circuit = "halted"
                haltReason = reason
            }
            let held = gate.holdUntil.flatMap { $0 > clock.now() ? $0 : nil }
            out[entry.name] = ChannelHealth(
                lastSuccess: seen?.success, lastFailure: seen?.failure, lastError: seen?.error,
                consecutiveFailures: gate.circuit.consecutiveFailures, circuit: circuit, pausedUntil: pausedUntil,
                haltReason: haltReason, heldUntil: held, inFlight: gate.inFlight)
        }
        return out
    }
    private(set) var started = false
    /// The store's installation id, read at start (``ChannelKit/PublishRequest/installationID``).
    private(set) var installationID = ""
    private var roundStartedAt: ContinuousClock.Instant?

    func roundAge() -> Duration? { roundStartedAt.map { ContinuousClock.now - $0 } }

    func run() async throws {
        let start = clock.now()
        installationID = try await store.installationID()
        let journals = sendJournal.map { SendJournal.evidence(in: $0.directory, exceptOwner: $0.owner) }
        let recovered = try await store.recoverLeases(
            before: singleInstance ? .distantFuture : start, idempotentChannels: setup.idempotent,
            evidence: journals?.0 ?? SendEvidence(), at: start)
        // With several instances, another live one may still be writing its journal: keep them all.
        if singleInstance, let files = journals?.files { SendJournal.remove(files) }
        if recovered.requeued + recovered.uncertain > 0 {
            logger.warning(
                "recovered deliveries interrupted by the last stop",
                metadata: ["requeued": "\(recovered.requeued)", "uncertain": "\(recovered.uncertain)"])
        }
        let today = try await store.deliveredCounts(
            since: ChannelPolicy(settings: .init(), timeZone: config.timeZone).startOfDay(start))
        for (name, count) in today where gates[name] != nil {
            _ = gates[name]!.capacity(now: start, batch: 0)
            gates[name]!.publishedToday = count
        }
        try await writeLog()
        logger.info(
            "engine started",
            metadata: ["channels": "\(channels.map(\.name).joined(separator: ","))", "owner": "\(owner)"])
        started = true

        await withDiscardingTaskGroup { group in
            if channels.contains(where: { $0.channel is any InterruptionLookup }) {
                group.addTask { await self.resolveInterrupted() }
            }
            while !isStopping && !Task.isCancelled {
                let wake: Date?
                roundStartedAt = .now
                do {
                    wake = try await round(group: &group)
                } catch {
                    logger.error("engine round failed; trying again shortly", metadata: ["error": "\(error)"])
                    wake = clock.now().addingTimeInterval(1)
                }
                roundStartedAt = nil
                if isStopping { break }
                await signal.wait(until: wake, clock: clock)
            }
            // Graceful stop: give in-flight sends their grace period, then cancel what is left (it stays
            // leased and is recovered at the next start).
            if gates.values.contains(where: { $0.inFlight > 0 }) {
                let grace = config.engine.shutdownGrace
                logger.info(
                    "stopping: waiting for sends in flight", metadata: ["grace": "\(DurationText.format(grace))"])
                let deadline = clock.now().addingTimeInterval(grace.seconds)
                while gates.values.contains(where: { $0.inFlight > 0 }) && clock.now() < deadline {
                    await signal.wait(until: deadline, clock: clock)
                    // Commit what finished meanwhile: a stop that overruns systemd's timeout loses nothing known.
                    await flushNow()
                }
                if gates.values.contains(where: { $0.inFlight > 0 }) {
                    logger.warning("stopping: abandoning sends still in flight; they are recovered at the next start")
                    group.cancelAll()
                }
            }
        }
        await flushNow()
        try? await writeLog()
        logger.info("engine stopped")
    }

    /// One pass: commit the outcomes that came in and claim what is due and may start, in one
    /// transaction (group commit: sends that finish while it commits go into the next one). Returns
    /// when to look again (nil: only when woken).
    private func round(group: inout DiscardingTaskGroup) async throws -> Date? {
        await wedgeForTests()
        var now = clock.now()
        if stale.withLock({
            let s = $0; $0 = false; return s
        }) {
            knownNextDue.removeAll()
            // Woken by another writer of the store (`cchc`, the inbox, webhooks): append the log lines it
            // committed, even when no delivery follows (a rejection, a retraction, an inbound event).
            do { try await writeLog() } catch {
                logger.error("writing the delivery log failed", metadata: ["error": "\(error)"])
            }
        }
        if now.timeIntervalSince(lastExpirySweep) >= 30 {
            lastExpirySweep = now
            let expired = try await store.expire(now: now)
            if expired > 0 {
                logger.info("deliveries expired", metadata: ["count": "\(expired)"])
                try await writeLog()
            }
        }
        var wake: Date? = now.addingTimeInterval(3600)  // hourly: expiry sweep of idle queues
        if recordsToLog {
            recordsToLog = false
            do { try await writeLog() } catch {
                logger.error("writing the delivery log failed", metadata: ["error": "\(error)"])
            }
        }
        for entry in channels where setup.recording.contains(entry.name) {
            guard let recording = entry.channel as? any RecordingChannel, !recordsInFlight.contains(entry.name) else {
                continue
            }
            let due: Date? = recordCheck[entry.name] ?? now
            guard let due else { continue }
            if due > now {
                wake = earliest(wake, due)
                continue
            }
            recordsInFlight.insert(entry.name)
            let type = entry.config.type
            let name = entry.name
            let asked = now
            group.addTask { await self.collectRecords(recording, name: name, type: type, now: asked) }
        }
        var claims: [(channel: String, limit: Int)] = []
        for entry in channels {
            let name = entry.name
            if let due = knownNextDue[name], due > now {
                wake = earliest(wake, due)
                continue
            }
            let maxConcurrency = entry.config.settings.maxConcurrency
            let (capacity, notBefore) = gates[name]!.capacity(now: now, batch: config.engine.batchSize)
            if capacity == 0 {
                if let notBefore { wake = earliest(wake, notBefore) }
                continue
            }
            // Claim in batches: with sends in flight, wait until a quarter of the places are free, so one
            // transaction claims many deliveries instead of one each.
            let headroom = maxConcurrency - gates[name]!.inFlight
            if gates[name]!.inFlight > 0 && headroom < max(1, maxConcurrency / 4) && headroom < config.engine.batchSize
            {
                continue
            }
            claims.append((name, capacity))
        }
        let outcomes = pending
        pending.removeAll(keepingCapacity: true)
        guard !claims.isEmpty || !outcomes.isEmpty else { return wake }
        let claimed: [String: [ClaimedDelivery]]
        let transactionStart = ContinuousClock.now
        defer {
            figures.transactions += 1
            figures.outcomesCommitted += outcomes.count
            figures.transactionTime += ContinuousClock.now - transactionStart
        }
        do {
            claimed = try await store.recordAndClaim(
                outcomes, recordedAt: now, claims: claims, now: now, owner: owner,
                leaseUntil: now.addingTimeInterval(config.engine.lease.seconds))
        } catch {
            // Nothing of it happened: the outcomes are committed with the next round.
            pending.insert(contentsOf: outcomes, at: 0)
            throw error
        }
        now = clock.now()
        if !outcomes.isEmpty {
            // Retries were scheduled: the next round asks the store for due times again.
            knownNextDue.removeAll()
            wake = now
            do { try await writeLog() } catch {
                logger.error("writing the delivery log failed", metadata: ["error": "\(error)"])
            }
        }
        var drained: [String] = []
        for (name, limit) in claims {
            let got = claimed[name] ?? []
            if got.count < limit { drained.append(name) }
            guard !got.isEmpty else { continue }
            knownNextDue[name] = nil
            gates[name]!.started(got.count, now: now)
            let lateness = Metrics.Timer(label: "cchc_dispatch_lateness_seconds", dimensions: [("channel", name)])
            for delivery in got { lateness.record(max(0, now.timeIntervalSince(delivery.delivery.dueAt))) }
            let entry = channels.first { $0.name == name }!
            let setup = self.setup
            let installation = installationID
            for delivery in got {
                let startedAt = now
                group.addTask {
                    await self.send(
                        delivery, via: entry, setup: setup, startedAt: startedAt, installation: installation)
                }
            }
        }
        if !drained.isEmpty {
            let next = try await store.nextDue(now: now)
            for name in drained {
                guard let due = next[name] else { continue }
                knownNextDue[name] = due
                wake = earliest(wake, due)
            }
        }
        return wake
    }

    /// Test hook for the watchdog and /healthz tests: with `CCHCD_TEST_WEDGE_FILE` set in the
    /// environment, a round does not proceed while that file exists — as if the store hung.
    /// Without the variable this does nothing.
    private nonisolated func wedgeForTests() async {
        guard let file = Self.wedgeFile else { return }
        while FileManager.default.fileExists(atPath: file) { try? await Task.sleep(for: .milliseconds(50)) }
    }

    private static let wedgeFile = ProcessInfo.processInfo.environment["CCHCD_TEST_WEDGE_FILE"]

    private func earliest(_ a: Date?, _ b: Date) -> Date { a.map { min($0, b) } ?? b }

    /// Publishes one delivery. Runs off the actor (building the request, the send, the outcome and its
    /// log line are per-delivery work that both cores can share); only the bookkeeping hops back.
    private nonisolated func send(
        _ claimed: ClaimedDelivery, via entry: EngineChannel, setup: EngineSetup, startedAt: Date,
        installation: String
    ) async {
        let delivery = claimed.delivery
        var requestLogger = logger
        requestLogger[metadataKey: "delivery"] = "\(delivery.id)"
        var request = PublishRequest(
            deliveryID: delivery.id, attempt: delivery.attempts,
            previousAttemptInterrupted: delivery.interrupted,
            item: claimed.item.channelItem(for: entry.name, topicLabel: setup.config.topicLabel),
            earlierResults: claimed.earlierResults, finishedParts: claimed.finishedParts, logger: requestLogger)
        request.installationID = installation
        let sendStart = ContinuousClock.now
        let parted: PartedOutcome
        if let journal = sendJournal {
            let id = delivery.id
            let attempt = delivery.attempts
            if setup.reportsSends.contains(entry.name) {
                // The transport notes the moment it hands the first request that can change something to
                // the network; look-ups before it leave no mark.
                parted = await Self.publish(
                    request, on: entry.channel, observer: { journal.sent(id, attempt: attempt) })
            } else {
                journal.sent(id, attempt: attempt)
                parted = await entry.channel.publishInParts(request)
            }
        } else {
            parted = await entry.channel.publishInParts(request)
        }
        var outcome = parted.outcome
        if case .failed(let error) = outcome, error.haltsChannel, !(await halt(entry.name, error)) {
            // Already halted by another delivery's identical failure: this one waits, unburnt, for the fix.
            outcome = .retry(error, after: nil)
        }
        let finishedAt = clock.now()
        Metrics.Timer(label: "cchc_send_duration_seconds", dimensions: [("channel_type", entry.config.type)])
            .record(duration: ContinuousClock.now - sendStart)
        if Task.isCancelled, parted.parts.isEmpty, case .retry(let error, _) = outcome, error.errorClass == .cancelled {
            // Abandoned at shutdown: the delivery stays leased and is recovered on the next start. (Parts
            // already sent are recorded instead: a retry must not send them again.)
            await finished(nil, channel: entry.name, startedAt: startedAt)
            return
        }
        var record = outcomeRecord(
            claimed, entry: entry, setup: setup, outcome: outcome, startedAt: startedAt, finishedAt: finishedAt)
        record.parts = parted.parts
        logOutcome(record, logger: requestLogger)
        await finished(
            record, outcome: outcome, channel: entry.name, startedAt: startedAt, hold: parted.holdChannel)
    }

    /// Publishes with `observer` bound as ``Transport/SendObserver/current``.
    private nonisolated static func publish(
        _ request: PublishRequest, on channel: any Channel, observer: @escaping @Sendable () -> Void
    ) async -> PartedOutcome {
        await SendObserver.$current.withValue(SendObserver(observer)) {
            await channel.publishInParts(request)
        }
    }

    /// Asks the channels that can look for what an interrupted send published about their `uncertain`
    /// deliveries, and resolves those the channel is sure of (once, at start; off the actor: the look-ups
    /// are network calls). The others stay for a person (`cchc delivery resolve`).
    private nonisolated func resolveInterrupted() async {
        let setup = await self.setup
        var lookups: [String: any InterruptionLookup] = [:]
        for entry in setup.channels {
            if let lookup = entry.channel as? any InterruptionLookup { lookups[entry.name] = lookup }
        }
        let uncertain: [DeliveryRecord]
        do {
            uncertain = try await store.uncertainDeliveries().filter { lookups[$0.channel] != nil }
        } catch {
            logger.error("cannot read the uncertain deliveries to look them up", metadata: ["error": "\(error)"])
            return
        }
        var resolved = 0
        for delivery in uncertain {
            if Task.isCancelled || isStopping { break }
            guard let lookup = lookups[delivery.channel] else { continue }
            var requestLogger = logger
            requestLogger[metadataKey: "delivery"] = "\(delivery.id)"
            do {
                guard let item = try await store.item(delivery.itemID) else { continue }
                var earlier: [String: ChannelResult] = [:]
                for other in try await store.deliveries(itemID: delivery.itemID) where other.state == .delivered {
                    earlier[other.channel] = ChannelResult(remoteID: other.remoteID, url: other.url)
                }
                var request = PublishRequest(
                    deliveryID: delivery.id, attempt: delivery.attempts, previousAttemptInterrupted: true,
                    item: item.channelItem(for: delivery.channel, topicLabel: setup.config.topicLabel),
                    earlierResults: earlier, logger: requestLogger)
                request.installationID = await self.installationID
                switch await lookup.lookUpInterrupted(request) {
                case .found(let result, let detail):
                    _ = try await store.resolve(
                        deliveryID: delivery.id, .delivered(result), by: "cchcd", at: clock.now())
                    requestLogger.notice(
                        "interrupted send was published after all; resolved as delivered",
                        metadata: ["detail": "\(detail)", "url": "\(result.url ?? "-")"])
                    resolved += 1
                case .notPublished(let detail):
                    _ = try await store.resolve(deliveryID: delivery.id, .resend, by: "cchcd", at: clock.now())
                    requestLogger.notice(
                        "interrupted send was not published; sending it again", metadata: ["detail": "\(detail)"])
                    resolved += 1
                case .undecided(let reason):
                    requestLogger.warning(
                        "interrupted send left uncertain for a person (cchc delivery resolve)",
                        metadata: ["reason": "\(reason)"])
                }
            } catch {
                requestLogger.error("resolving the interrupted send failed", metadata: ["error": "\(error)"])
            }
        }
        if resolved > 0 { invalidate(); signal.notify() }
    }

    /// Asks a recording channel for its records and stores them (off the actor; the bookkeeping hops back).
    private nonisolated func collectRecords(_ channel: any RecordingChannel, name: String, type: String, now: Date)
        async
    {
        let (records, next) = await channel.records(upTo: now)
        var retryAt: Date? = next
        var stored = 0
        if !records.isEmpty {
            do {
                stored = try await store.recordChannelRecords(
                    channel: name, channelType: type, records: records, at: clock.now()
                ).stored
            } catch {
                logger.error(
                    "storing the channel's records failed; asking again in a minute",
                    metadata: ["channel": "\(name)", "error": "\(error)"])
                retryAt = now.addingTimeInterval(60)
            }
        }
        if stored > 0 { logger.info("channel records stored", metadata: ["channel": "\(name)", "count": "\(stored)"]) }
        await recordsCollected(name, next: retryAt, stored: stored)
    }

    private func recordsCollected(_ name: String, next: Date?, stored: Int) {
        recordsInFlight.remove(name)
        // A delivery that finished meanwhile may have changed the records: look again at once.
        recordCheck[name] = .some(recordsDirty.remove(name) != nil ? clock.now() : next)
        if stored > 0 { recordsToLog = true }
        signal.notify()
    }

    /// Halts a channel that met an error only an operator can fix. Returns true when this call halted it.
    private func halt(_ channel: String, _ error: ChannelError) -> Bool {
        guard gates[channel]?.circuit.halt(error) == true else { return false }
        logger.critical(
            "channel halted until an operator acts and reloads the configuration",
            metadata: ["channel": "\(channel)", "reason": "\(error.message)", "error_class": "\(error.errorClass)"])
        return true
    }

    /// A send ended: free its place, and queue its outcome for the next round's commit (nil: abandoned).
    private func finished(
        _ record: DeliveryOutcome?, outcome: PublishOutcome? = nil, channel: String, startedAt: Date,
        hold: Duration? = nil
    ) {
        if let hold, hold > .zero {
            gates[channel]!.hold(hold, now: clock.now())
            logger.notice(
                "channel slows down: the platform asked for a pause",
                metadata: ["channel": "\(channel)", "pause": "\(DurationText.format(hold))"])
        }
        if let outcome {
            let now = clock.now()
            let word: String
            switch outcome {
            case .delivered:
                word = "delivered"
                outcomesSeen[channel, default: (nil, nil, nil)].success = now
            case .retry(let error, _), .failed(let error):
                if case .retry = outcome { word = "retry" } else { word = "failed" }
                outcomesSeen[channel, default: (nil, nil, nil)].failure = now
                outcomesSeen[channel, default: (nil, nil, nil)].error = error.description
            }
            Counter(label: "cchc_attempts_total", dimensions: [("channel", channel), ("outcome", word)]).increment()
        }
        if let outcome, let changed = gates[channel]!.circuit.record(outcome, now: clock.now()) {
            switch changed {
            case .open(let until):
                logger.warning(
                    "channel paused after failures (circuit open)",
                    metadata: [
                        "channel": "\(channel)", "failures": "\(gates[channel]!.circuit.consecutiveFailures)",
                        "until": "\(LogClock(timeZone: config.timeZone).format(until))",
                    ])
            case .closed:
                logger.info("channel works again (circuit closed)", metadata: ["channel": "\(channel)"])
            case .probing, .halted:
                break
            }
        }
        // A recording channel's records may have changed with this delivery (a new bulletin).
        if setup.recording.contains(channel) {
            if recordsInFlight.contains(channel) {
                recordsDirty.insert(channel)
            } else {
                recordCheck[channel] = .some(clock.now())
            }
        }
        var published = true
        if let record {
            if case .delivered = record.next {
                figures.lastDelivery = record.attempt.finishedAt
            } else {
                published = false
            }
            if case .retry = record.next { knownNextDue[channel] = nil }
            pending.append(record)
        }
        gates[channel]!.finished(published: published, startedAt: startedAt)
        signal.notify()
    }

    private nonisolated func logOutcome(_ record: DeliveryOutcome, logger: Logger) {
        let line = record.logLine
        switch record.next {
        case .delivered:
            logger.info("delivered", metadata: ["attempt": "\(line.attempt ?? 0)", "url": "\(line.url ?? "-")"])
        case .retry:
            logger.warning(
                "attempt failed; will retry",
                metadata: [
                    "attempt": "\(line.attempt ?? 0)", "error_class": "\(line.error_class ?? "-")",
                    "error": "\(line.error ?? "")",
                    "retry_at": "\(line.retry_at ?? "-")",
                ])
        case .uncertain:
            logger.error(
                "delivery uncertain: the answer was lost; a person decides (cchc delivery resolve)",
                metadata: ["attempt": "\(line.attempt ?? 0)", "error": "\(line.error ?? "")"])
        case .failed:
            logger.error(
                "delivery failed",
                metadata: [
                    "attempt": "\(line.attempt ?? 0)", "error_class": "\(line.error_class ?? "-")",
                    "error": "\(line.error ?? "")",
                    "detail": "\(line.detail ?? "")",
                ])
        }
    }

    /// Commits the outcomes still waiting when the loop has stopped, then appends the delivery log.
    private func flushNow() async {
        var tries = 0
        while !pending.isEmpty {
            do {
                try await store.record(pending, at: clock.now())
                pending.removeAll()
            } catch {
                tries += 1
                if tries >= 5 {
                    // The deliveries stay leased in the store; the next start recovers them.
                    logger.critical(
                        "cannot record outcomes; they will be recovered at the next start",
                        metadata: ["count": "\(pending.count)", "error": "\(error)"])
                    return
                }
                logger.error("recording outcomes failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(200 * tries))
            }
        }
        do { try await writeLog() } catch {
            logger.error("writing the delivery log failed", metadata: ["error": "\(error)"])
        }
    }

    private func writeLog() async throws {
        guard let logWriter else { return }
        try await logWriter.catchUp()
    }

    private nonisolated func outcomeRecord(
        _ claimed: ClaimedDelivery, entry: EngineChannel, setup: EngineSetup, outcome: PublishOutcome, startedAt: Date,
        finishedAt: Date
    ) -> DeliveryOutcome {
        let delivery = claimed.delivery
        let item = claimed.item
        let logClock = LogClock(timeZone: setup.config.timeZone)
        var line = LogLine(
            ts: logClock.format(finishedAt), event: "", item_id: item.id, item_title: item.content.title,
            unit: item.content.unit, topic: item.content.topic, channel: entry.name, channel_type: entry.config.type,
            delivery_id: delivery.id, attempt: delivery.attempts,
            duration_ms: Int((finishedAt.timeIntervalSince(startedAt) * 1000).rounded()), actor: "cchcd")
        var attempt = AttemptRecord(
            deliveryID: delivery.id, number: delivery.attempts, startedAt: startedAt, finishedAt: finishedAt,
            outcome: .delivered)
        let next: DeliveryOutcome.Next
        switch outcome {
        case .delivered(let result, let detail):
            next = .delivered
            attempt.remoteID = result.remoteID
            attempt.url = result.url
            attempt.message = detail
            line.event = "delivery.delivered"
            line.state = DeliveryState.delivered.rawValue
            line.remote_id = result.remoteID
            line.url = result.url
            line.detail = detail
        case .retry(let error, let after):
            let policy = setup.retryPolicies[entry.name]!
            let made = delivery.attempts - delivery.attemptBase
            let lost = error.errorClass == .uncertain
            attempt.errorClass = error.errorClass.rawValue
            attempt.message = error.message
            attempt.code = error.code
            line.error_class = error.errorClass.rawValue
            line.error = error.message
            line.code = error.code
            if lost && (!setup.canLookUp.contains(entry.name) || !policy.allowsAnother(afterAttempt: made)) {
                // Sent, answer lost, and nothing will look for what it did: a person decides.
                next = .uncertain
                attempt.outcome = .interrupted
                line.event = "delivery.uncertain"
                line.state = DeliveryState.uncertain.rawValue
                line.detail =
                    setup.canLookUp.contains(entry.name)
                    ? "the answer was lost and no attempts are left: a person decides"
                    : "the answer was lost and the channel cannot look for what the send did: a person decides"
            } else if policy.allowsAnother(afterAttempt: made) {
                var delay = policy.delay(afterAttempt: made, retryAfter: after)
                if lost {
                    // The lost send may still land: the next attempt (and its look-up) waits until it has settled.
                    let settle = entry.config.settings.settle
                    if delay < settle { delay = settle }
                    line.detail = "the answer was lost: the next attempt looks for what this one did first"
                }
                let at = setup.policies[entry.name]!.fit(finishedAt.addingTimeInterval(delay.seconds))
                next = .retry(at: at)
                attempt.outcome = .retry
                line.event = "delivery.retry"
                line.state = DeliveryState.retryWait.rawValue
                line.retry_at = logClock.format(at)
            } else {
                next = .failed
                attempt.outcome = .failed
                line.event = "delivery.failed"
                line.state = DeliveryState.failed.rawValue
                line.detail = "attempts exhausted (\(made))"
            }
        case .failed(let error):
            next = .failed
            attempt.outcome = .failed
            attempt.errorClass = error.errorClass.rawValue
            attempt.message = error.message
            attempt.code = error.code
            line.event = "delivery.failed"
            line.state = DeliveryState.failed.rawValue
            line.error_class = error.errorClass.rawValue
            line.error = error.message
            line.code = error.code
        }
        return DeliveryOutcome(deliveryID: delivery.id, attempt: attempt, next: next, logLine: line, leaseOwner: owner)
    }
}
