/// Delivery rates from the arrival times of a drain at the sink, measured from the daemon's spawn.
///
/// All times are ``MonotonicClock`` nanoseconds.
public struct DrainTimeline: Sendable, Equatable {
    /// Deliveries that arrived (repeats included: each is a request the daemon made).
    public var deliveries: Int
    /// Seconds from spawn to the first delivery's arrival.
    public var firstDelivery: Double
    /// Seconds from spawn to the last delivery's arrival.
    public var lastDelivery: Double
    /// Deliveries per second over the middle 80 % of the drain: from the arrival at the 10th percentile
    /// to the one at the 90th, so neither start-up nor the tail of the last round counts.
    public var steadyRate: Double
    /// Deliveries per second from spawn to the last delivery: what an operator waits for.
    public var endToEndRate: Double

    /// - Parameters:
    ///   - arrivals: Arrival times of the deliveries, in any order; at least one.
    ///   - spawnedAt: When the daemon was spawned.
    public init(arrivals: [UInt64], spawnedAt: UInt64) throws {
        guard !arrivals.isEmpty else { throw BenchError("no delivery reached the sink") }
        let sorted = arrivals.sorted()
        let n = sorted.count
        deliveries = n
        firstDelivery = MonotonicClock.seconds(from: spawnedAt, to: sorted[0])
        lastDelivery = MonotonicClock.seconds(from: spawnedAt, to: sorted[n - 1])
        endToEndRate = lastDelivery > 0 ? Double(n) / lastDelivery : .infinity
        // The deliveries after the one at index `low`, up to and including the one at `high`, arrived
        // in the window between them.
        let low = n / 10
        let high = n - 1 - n / 10
        let window = MonotonicClock.seconds(from: sorted[low], to: sorted[high])
        steadyRate = high > low && window > 0 ? Double(high - low) / window : .nan
    }
}
