/// Polls `condition` until it holds, for at most `limit` seconds of real time, and says whether it did.
/// Waiting for a state, not timing: the bound is generous because the whole suite runs in parallel on
/// 2 shared cores, where a store's fsync can take seconds.
///
/// - Parameters:
///   - limit: how long to keep trying, seconds.
///   - every: the pause between tries.
public func eventually(
    limit: Double = 20, every interval: Duration = .milliseconds(10), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(limit * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
