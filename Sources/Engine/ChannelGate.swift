import Config
import Foundation
import Scheduling

/// The runtime limits of one channel: concurrency, rate (token bucket), minimum gap, daily cap and
/// quiet hours at send time. Owned by the engine's loop; not thread-safe.
struct ChannelGate {
    let policy: ChannelPolicy
    var inFlight = 0
    var lastStart: Date?
    var tokens: Double
    var tokensAt: Date?
    /// Sends counted against `max_per_day` on `day` (claims, less those that ended unpublished).
    var publishedToday = 0
    var day: Date?
    var circuit: CircuitBreaker
    /// No send starts before this time: the platform asked us to slow down (``PartedOutcome/holdChannel``).
    var holdUntil: Date?

    init(policy: ChannelPolicy) {
        self.policy = policy
        tokens = Double(policy.settings.rate?.count ?? 0)
        circuit = CircuitBreaker(settings: policy.settings.circuit)
    }

    /// How many deliveries may start now, and if none, the earliest time one may (nil: when a send finishes).
    mutating func capacity(now: Date, batch: Int) -> (count: Int, notBefore: Date?) {
        let s = policy.settings
        rollDay(now)
        if s.quietHours != nil || !s.slots.isEmpty {
            // Slots and quiet hours hold at send time too: a delivery held back by a daily cap, a rate or
            // a stop of the daemon goes out at the next permitted time, not outside it.
            let allowed = policy.fit(now)
            if allowed > now { return (0, allowed) }
        }
        if let holdUntil, now < holdUntil { return (0, holdUntil) }
        var count = min(batch, s.maxConcurrency - inFlight)
        if count <= 0 { return (0, nil) }
        let (probeLimit, pausedUntil) = circuit.admit(now: now)
        if let probeLimit {
            if probeLimit == 0 { return (0, pausedUntil) }
            count = min(count, probeLimit)
        }
        if let cap = s.maxPerDay {
            let left = cap - publishedToday
            if left <= 0 { return (0, policy.startOfNextDay(now)) }
            count = min(count, left)
        }
        if let gap = s.minGap {
            if let last = lastStart, now < last.addingTimeInterval(gap.seconds) {
                return (0, last.addingTimeInterval(gap.seconds))
            }
            count = min(count, 1)
        }
        if let rate = s.rate {
            refill(now, rate)
            let whole = Int(tokens.rounded(.down))
            if whole < 1 {
                let perToken = rate.per.seconds / Double(rate.count)
                return (0, now.addingTimeInterval((1 - tokens) * perToken))
            }
            count = min(count, whole)
        }
        return (count, nil)
    }

    /// Nothing but concurrency holds the channel back now: its circuit is closed and no pause was asked for.
    func flowsFreely(now: Date) -> Bool {
        guard circuit.state == .closed else { return false }
        return holdUntil.map { now >= $0 } ?? true
    }

    /// Records that `n` deliveries started at `now`.
    mutating func started(_ n: Int, now: Date) {
        guard n > 0 else { return }
        inFlight += n
        lastStart = now
        circuit.started(n, now: now)
        publishedToday += n
        if policy.settings.rate != nil { tokens -= Double(n) }
    }

    /// The platform asked for a pause of `hold` from `now`; a longer pause already asked for stays.
    mutating func hold(_ hold: Duration, now: Date) {
        let until = now.addingTimeInterval(hold.seconds)
        if holdUntil.map({ $0 < until }) ?? true { holdUntil = until }
    }

    /// Records that a send ended; `published` false gives its place in the daily cap back.
    mutating func finished(published: Bool, startedAt: Date) {
        inFlight -= 1
        if !published, let day, startedAt >= day { publishedToday = max(0, publishedToday - 1) }
    }

    private mutating func rollDay(_ now: Date) {
        let today = policy.startOfDay(now)
        if day != today {
            day = today
            publishedToday = 0
        }
    }

    private mutating func refill(_ now: Date, _ rate: RateLimit) {
        if let at = tokensAt {
            let elapsed = max(0, now.timeIntervalSince(at))
            tokens = min(Double(rate.count), tokens + elapsed * Double(rate.count) / rate.per.seconds)
        }
        tokensAt = now
    }
}
