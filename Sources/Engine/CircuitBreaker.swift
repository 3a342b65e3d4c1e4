import ChannelKit
import Config
import Foundation

/// A channel's circuit breaker: after `failures` consecutive failed attempts the channel pauses, then
/// lets one delivery through as a probe; a success closes the circuit, a failure pauses it again for
/// twice as long (up to `maxPause`). While paused, deliveries wait instead of each spending its own
/// retry budget against a channel that is down. Pure state: the engine feeds it times and outcomes.
public struct CircuitBreaker: Sendable {
    public enum State: Sendable, Equatable {
        case closed
        /// Paused until this time; then one probe may go.
        case open(until: Date)
        /// The probe is in flight.
        case probing
        /// Stopped until an operator acts and reloads the configuration (an error with
        /// ``ChannelKit/ChannelError/haltsChannel``); `reason` is the error's message.
        case halted(reason: String)
    }

    public let settings: CircuitSettings
    public private(set) var state: State = .closed
    public private(set) var consecutiveFailures = 0
    /// How many times in a row the circuit opened: the pause doubles each time.
    private var openings = 0

    public init(settings: CircuitSettings) { self.settings = settings }

    /// How many deliveries may start now: nil for no limit, 0 with the time to look again.
    public mutating func admit(now: Date) -> (limit: Int?, notBefore: Date?) {
        switch state {
        case .closed: return (nil, nil)
        case .probing: return (0, nil)  // the probe's outcome decides
        case .halted: return (0, nil)  // until a reload builds the channel again
        case .open(let until): return now < until ? (0, until) : (1, nil)
        }
    }

    /// Deliveries started; the first after a pause is the probe.
    public mutating func started(_ n: Int, now: Date) {
        if n > 0, case .open(let until) = state, now >= until { state = .probing }
    }

    /// The outcome of an attempt. Returns the new state when it changed (for a log line).
    @discardableResult
    public mutating func record(_ outcome: PublishOutcome, now: Date) -> State? {
        let before = state
        if case .halted = state {
            // Sends that were in flight report in; only a reload ends the halt.
            if case .retry(let error, _) = outcome, Self.isChannelFailure(error) { consecutiveFailures += 1 }
            if case .failed(let error) = outcome, Self.isChannelFailure(error) { consecutiveFailures += 1 }
            return nil
        }
        switch outcome {
        case .delivered:
            consecutiveFailures = 0
            openings = 0
            state = .closed
        case .retry(let error, _), .failed(let error):
            guard Self.isChannelFailure(error) else {
                // The item's own problem (content refused) or a shutdown: says nothing about the channel.
                if state == .probing { state = .closed }
                return state == before ? nil : state
            }
            consecutiveFailures += 1
            if error.haltsChannel {
                state = .halted(reason: error.message)
                return state
            }
            // Sends that were in flight when the circuit opened report in while it is open: they do not
            // lengthen the pause; only a failed probe does.
            if case .open = state { return nil }
            if state == .probing || (settings.failures > 0 && consecutiveFailures >= settings.failures) {
                let pause = min(settings.pause.seconds * pow(2, Double(openings)), settings.maxPause.seconds)
                openings += 1
                state = .open(until: now.addingTimeInterval(pause))
            }
        }
        return state == before ? nil : state
    }

    /// Marks the circuit halted by `error` unless it already is. Returns true when this call halted it
    /// (the engine fails that delivery; others failing the same way afterwards only wait).
    public mutating func halt(_ error: ChannelError) -> Bool {
        if case .halted = state { return false }
        state = .halted(reason: error.message)
        return true
    }

    /// Failures that say the channel (its server, network or credentials) is in trouble.
    static func isChannelFailure(_ error: ChannelError) -> Bool {
        ![ChannelError.Class.rejected, .cancelled, .unsupported, .quietHours].contains(error.errorClass)
    }
}
