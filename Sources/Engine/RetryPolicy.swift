import Config
import Foundation

/// When to try again: exponential backoff with jitter, or what the remote side asked for.
public struct RetryPolicy: Sendable {
    public var settings: RetrySettings

    public init(settings: RetrySettings) { self.settings = settings }

    /// The delay before attempt `attempt + 1`, after `attempt` attempts failed (counted from the last
    /// re-queue). `retryAfter` (from Retry-After or a throttling signal) wins when given, up to a day.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?, random: Double = Double.random(in: 0...1))
        -> Duration
    {
        if let retryAfter { return min(max(retryAfter, .zero), .seconds(86400)) }
        let base = settings.initial.seconds * pow(2, Double(max(0, attempt - 1)))
        let capped = min(base, settings.max.seconds)
        // "Equal jitter": half fixed, half random, so retries of many deliveries spread out but never
        // come sooner than half the backoff.
        let seconds = capped / 2 + capped / 2 * random
        return .milliseconds(Int64(seconds * 1000))
    }

    /// Whether another attempt is allowed after `attempt` attempts.
    public func allowsAnother(afterAttempt attempt: Int) -> Bool { attempt < settings.attempts }
}
