import ChannelConfig
import ChannelKit
import Config
import DeliveryLog
import Foundation
import Logging
import Queue
import Scheduling
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The engine's state, owned by one actor so the loop, the sends, the commits and the recorder never race.
///
/// The loop (``run()``) never waits for the store: each pass starts the claimed deliveries their channels
/// allow, and hands the store work — the outcomes that came in, the claims that refill each channel's
/// window, the claims to give back — to one commit task at a time (``commit(_:)``). Sends that finish
/// while it commits go into the next one (group commit). See ``Engine`` for the rules this keeps.
actor EngineCore {
    let store: any Store
    private(set) var setup: EngineSetup
    var channels: [EngineChannel] { setup.channels }
    var config: DaemonConfig { setup.config }
    let owner: String
    let singleInstance: Bool
    let clock: any EngineClock
    let signal: WakeSignal
    let sendJournal: SendJournal?
    let logger: Logger

    var gates: [String: ChannelGate] = [:]
    /// Claimed (the claim is committed) but not started yet, per channel, oldest first.
    private var ready: [String: ReadyQueue] = [:]
    /// Claims to give back with the next commit (a channel that can no longer start them soon).
    private var toRelease: [String] = []
    /// Channel → the next due time the store reported (`distantFuture`: nothing waiting); dropped when
    /// something may have changed it.
    var knownNextDue: [String: Date] = [:]
    private let stale = Mutex(false)
    private let stopping = Mutex(false)
    var pending: [DeliveryOutcome] = []
    private var lastExpirySweep: Date = .distantPast
    private var commitStartedAt: ContinuousClock.Instant?
    /// After a failed commit, the next one waits until this time.
    private var commitRetryAt: Date?
    /// Recording channels (``ChannelKit/RecordingChannel``): when to ask each for its records next
    /// (absent: ask now), and those being asked.
    var recordCheck: [String: Date?] = [:]
    var recordsInFlight: Set<String> = []
    /// Recording channels that delivered while being asked: ask again when the answer is in.
    var recordsDirty: Set<String> = []

    init(
        store: any Store, channels: [EngineChannel], config: DaemonConfig,
        owner: String, singleInstance: Bool, clock: any EngineClock, signal: WakeSignal, sendJournal: SendJournal?,
        logger: Logger
    ) {
        self.sendJournal = sendJournal
        self.store = store
        let setup = EngineSetup(channels: channels, config: config)
        self.setup = setup
        self.owner = owner
        self.singleInstance = singleInstance
        self.clock = clock
        self.signal = signal
        self.logger = logger
        for (name, policy) in setup.policies { gates[name] = ChannelGate(policy: policy) }
    }

    /// Replaces the channels and settings (a reload). A channel that stays keeps its runtime state —
    /// sends in flight, the day's count, its circuit — under its new rules; a removed channel's waiting
    /// deliveries stay waiting in the store (orphaned) until it comes back, and those it had claimed are
    /// given back with the next commit.
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
    nonisolated var isStopping: Bool { stopping.withLock { $0 } }

    func inFlightCounts() -> [String: Int] { gates.mapValues(\.inFlight) }

    var figures = EngineFigures()
    var outcomesSeen: [String: (success: Date?, failure: Date?, error: String?)] = [:]

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

    /// How long the current pass of the loop, or the store commit in flight, has been running (the longer).
    func roundAge() -> Duration? {
        let now = ContinuousClock.now
        let ages = [roundStartedAt, commitStartedAt].compactMap { $0.map { now - $0 } }
        return ages.max()
    }

    private var anyInFlight: Bool { gates.values.contains { $0.inFlight > 0 } }

    /// Deliveries were recorded since the heap was last trimmed.
    private var workedSinceTrim = false

    /// After a burst of work, once nothing is in flight, claimed or being committed: gives the heap's free
    /// pages back to the system (glibc keeps them in its per-thread arenas otherwise, so a daemon that
    /// drained a backlog would idle at its peak size). Once per burst; it takes a few milliseconds.
    private func giveBackMemoryWhenIdle() {
        guard workedSinceTrim, !anyInFlight, ready.isEmpty, commitStartedAt == nil, pending.isEmpty else { return }
        workedSinceTrim = false
        _ = Self.mallocTrim?(0)
    }

    /// glibc's `malloc_trim`, looked up at run time: Swift's Glibc module does not import `<malloc.h>`.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
            guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
            return nil
        #endif
    }()

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
            _ = gates[name]?.capacity(now: start, batch: 0)
            gates[name]?.publishedToday = count
        }
        logger.info(
            "engine started",
            metadata: ["channels": "\(channels.map(\.name).joined(separator: ","))", "owner": "\(owner)"])
        started = true

        await withDiscardingTaskGroup { group in
            if channels.contains(where: { $0.channel is any InterruptionLookup }) {
                group.addTask { await self.resolveInterrupted() }
            }
            while !isStopping && !Task.isCancelled {
                roundStartedAt = .now
                let wake = pass(group: &group)
                roundStartedAt = nil
                if isStopping { break }
                giveBackMemoryWhenIdle()
                await signal.wait(until: wake, clock: clock)
            }
            // Graceful stop. Claims not started go back; sends in flight get their grace period, then what
            // is left is cancelled (it stays leased and is recovered at the next start).
            for queue in ready.values { toRelease += queue.remainingIDs }
            ready.removeAll()
            if anyInFlight {
                let grace = config.engine.shutdownGrace
                logger.info(
                    "stopping: waiting for sends in flight", metadata: ["grace": "\(DurationText.format(grace))"])
                let deadline = clock.now().addingTimeInterval(grace.seconds)
                while anyInFlight && clock.now() < deadline {
                    await signal.wait(until: deadline, clock: clock)
                    // Commit what finished meanwhile: a stop that overruns systemd's timeout loses nothing known.
                    if commitStartedAt == nil { await flushNow() }
                }
                if anyInFlight {
                    logger.warning("stopping: abandoning sends still in flight; they are recovered at the next start")
                    group.cancelAll()
                }
            }
        }
        await flushNow()
        logger.info("engine stopped")
    }

    /// One pass of the loop: start what the channels allow, and hand the store its next commit if none is
    /// running. Never waits. Returns when to look again (nil: only when woken).
    private func pass(group: inout DiscardingTaskGroup) -> Date? {
        let now = clock.now()
        if stale.withLock({
            let s = $0
            $0 = false
            return s
        }) {
            knownNextDue.removeAll()
        }
        var wake: Date? = now.addingTimeInterval(3600)  // hourly: expiry sweep of idle queues
        askForRecords(now: now, wake: &wake, group: &group)

        // Start what is claimed, as far as each channel's limits allow now.
        for name in ready.keys.sorted() {
            if let notBefore = startReady(name, now: now, group: &group) { wake = earliest(wake, notBefore) }
        }

        // The next commit, unless one is running. While one runs the loop waits for it (or a send) to end
        // rather than for a time: the commit may change every channel's next due time.
        if commitStartedAt != nil { return nil }
        if let retryAt = commitRetryAt, retryAt > now { return earliest(wake, retryAt) }
        var work = CommitWork(now: now, leaseUntil: now.addingTimeInterval(config.engine.lease.seconds))
        work.sweepExpired = now.timeIntervalSince(lastExpirySweep) >= 30
        let known = Set(channels.map(\.name))
        for (name, queue) in ready where !known.contains(name) {
            // The channel was removed or disabled by a reload: give its claims back.
            toRelease += queue.remainingIDs
            ready[name] = nil
        }
        for entry in channels {
            let name = entry.name
            if let due = knownNextDue[name], due > now {
                if due < .distantFuture { wake = earliest(wake, due) }
                continue
            }
            guard var gate = gates[name] else { continue }
            let waiting = ready[name]?.count ?? 0
            let maxConcurrency = entry.config.settings.maxConcurrency
            let (capacity, notBefore) = gate.capacity(now: now, batch: config.engine.batchSize)
            let flows = gate.flowsFreely(now: now)
            let want: Int
            if setup.claimsAhead.contains(name) && flows {
                // A window ahead of the sends: they go on while the next commit runs.
                want = min(config.engine.batchSize, 2 * maxConcurrency - gate.inFlight - waiting)
            } else {
                want = capacity - waiting
                if capacity == 0 {
                    if let notBefore { wake = earliest(wake, notBefore) }
                    // Paused, halted, probing, held, or limited for more than a moment: what was claimed would
                    // wait leased (and counted as an attempt) meanwhile, so it goes back until the channel flows.
                    let stalled = notBefore.map { $0.timeIntervalSince(now) > 1 } ?? !flows
                    if waiting > 0, stalled, let queue = ready.removeValue(forKey: name) {
                        toRelease += queue.remainingIDs
                    }
                }
            }
            gates[name] = gate
            if want > 0 { work.claims.append((name, want)) }
        }
        work.outcomes = pending
        work.releasing = toRelease
        guard !work.claims.isEmpty || !work.outcomes.isEmpty || !work.releasing.isEmpty || work.sweepExpired else {
            return wake
        }
        pending.removeAll(keepingCapacity: true)
        toRelease.removeAll()
        if work.sweepExpired { lastExpirySweep = now }
        commitStartedAt = .now
        group.addTask { await self.commit(work) }
        return nil
    }

    /// Starts claimed deliveries of one channel as far as its limits allow. Returns the earliest time
    /// more may start when none can now (nil: when a send finishes, or nothing waits).
    private func startReady(_ name: String, now: Date, group: inout DiscardingTaskGroup) -> Date? {
        guard var queue = ready[name], !queue.isEmpty, let entry = channels.first(where: { $0.name == name }),
            var gate = gates[name]
        else { return nil }
        let (count, notBefore) = gate.capacity(now: now, batch: queue.count)
        guard count > 0 else {
            gates[name] = gate
            return notBefore
        }
        let batch = queue.take(count)
        ready[name] = queue.isEmpty ? nil : queue
        gate.started(batch.count, now: now)
        gates[name] = gate
        let setup = self.setup
        let installation = installationID
        let lateness = setup.meters[name]?.lateness
        for delivery in batch {
            lateness?.record(max(0, now.timeIntervalSince(delivery.delivery.dueAt)))
            group.addTask {
                await self.send(delivery, via: entry, setup: setup, startedAt: now, installation: installation)
            }
        }
        return nil
    }

    /// What one commit does; built by the loop, carried out off the actor.
    struct CommitWork: Sendable {
        let now: Date
        let leaseUntil: Date
        var outcomes: [DeliveryOutcome] = []
        var releasing: [String] = []
        var claims: [(channel: String, limit: Int)] = []
        var sweepExpired = false
    }

    /// Records outcomes, gives claims back and claims the next deliveries in one store transaction; then
    /// finds when the channels that ran dry have work again.
    private nonisolated func commit(_ work: CommitWork) async {
        await wedgeForTests()
        let started = ContinuousClock.now
        var expired = 0
        if work.sweepExpired {
            do {
                expired = try await store.expire(now: work.now)
            } catch {
                logger.error("expiring items failed; trying again later", metadata: ["error": "\(error)"])
            }
            if expired > 0 { logger.info("deliveries expired", metadata: ["count": "\(expired)"]) }
        }
        let claimed: [String: [ClaimedDelivery]]
        do {
            claimed = try await store.recordAndClaim(
                work.outcomes, recordedAt: work.now, releasing: work.releasing, claims: work.claims, now: work.now,
                owner: owner, leaseUntil: work.leaseUntil)
        } catch {
            logger.error("engine commit failed; trying again shortly", metadata: ["error": "\(error)"])
            await committed(work, claimed: nil, nextDue: [:], expired: expired, took: ContinuousClock.now - started)
            return
        }
        let took = ContinuousClock.now - started
        let drained = work.claims.filter { (claimed[$0.channel]?.count ?? 0) < $0.limit }
        var next: [String: Date]? = [:]
        if !drained.isEmpty {
            do {
                next = try await store.nextDue(now: work.now)
            } catch {
                // The claims are committed and are kept; only the sleep time is unknown: ask again next pass.
                logger.error("reading the next due times failed", metadata: ["error": "\(error)"])
                next = nil
            }
        }
        await committed(work, claimed: claimed, nextDue: next, expired: expired, took: took)
    }

    /// A commit ended (`claimed` nil: it failed, nothing of it happened).
    private func committed(
        _ work: CommitWork, claimed: [String: [ClaimedDelivery]]?, nextDue: [String: Date]?, expired: Int,
        took: Duration
    ) {
        commitStartedAt = nil
        figures.transactions += 1
        figures.transactionTime += took
        defer { signal.notify() }
        guard let claimed else {
            // The outcomes are committed with the next try, before anything that came in since.
            pending.insert(contentsOf: work.outcomes, at: 0)
            toRelease += work.releasing
            commitRetryAt = clock.now().addingTimeInterval(1)
            return
        }
        commitRetryAt = nil
        figures.outcomesCommitted += work.outcomes.count
        if !work.outcomes.isEmpty { workedSinceTrim = true }
        if !work.outcomes.isEmpty {
            // Outcomes schedule retries and free `after:` dependants: ask the store for due times again.
            knownNextDue.removeAll()
        }
        for (name, limit) in work.claims {
            let got = claimed[name] ?? []
            if !got.isEmpty {
                if isStopping || gates[name] == nil {
                    toRelease += got.map(\.delivery.id)
                } else {
                    ready[name, default: ReadyQueue()].append(got)
                }
            }
            if got.count < limit, let nextDue { knownNextDue[name] = nextDue[name] ?? .distantFuture }
        }
    }

    /// Test hook for the watchdog and /healthz tests: with `CCHCD_TEST_WEDGE_FILE` set in the
    /// environment, a commit does not proceed while that file exists — as if the store hung.
    /// Without the variable this does nothing.
    private nonisolated func wedgeForTests() async {
        guard let file = Self.wedgeFile else { return }
        while FileManager.default.fileExists(atPath: file) { try? await Task.sleep(for: .milliseconds(50)) }
    }

    private static let wedgeFile = ProcessInfo.processInfo.environment["CCHCD_TEST_WEDGE_FILE"]

    func earliest(_ a: Date?, _ b: Date) -> Date { a.map { min($0, b) } ?? b }

    /// Commits the outcomes still waiting and gives back unstarted claims when the loop has stopped.
    private func flushNow() async {
        var tries = 0
        while !pending.isEmpty || !toRelease.isEmpty {
            let outcomes = pending
            let releasing = toRelease
            do {
                _ = try await store.recordAndClaim(
                    outcomes, recordedAt: clock.now(), releasing: releasing, claims: [], now: clock.now(), owner: owner,
                    leaseUntil: clock.now())
                pending.removeFirst(outcomes.count)
                toRelease.removeFirst(releasing.count)
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
    }
}

/// Claimed deliveries of one channel waiting to start, oldest first.
struct ReadyQueue {
    private var items: [ClaimedDelivery] = []
    private var head = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { count == 0 }
    var remainingIDs: [String] { items[head...].map(\.delivery.id) }

    mutating func append(_ more: [ClaimedDelivery]) {
        if head > 0 && head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        items.append(contentsOf: more)
    }

    mutating func take(_ n: Int) -> [ClaimedDelivery] {
        let end = min(items.count, head + n)
        let taken = Array(items[head..<end])
        head = end
        if head > 256 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return taken
    }
}
