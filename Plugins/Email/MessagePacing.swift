import Foundation

/// The channel's own limits on its SMTP server: messages per minute and connections open at once.
/// Provincial mail servers throttle; these keep us under their limits.
///
/// The engine's `rate` and `max_concurrency` count deliveries; one email delivery is many messages,
/// so the pacing of messages inside a delivery is the channel's transport flow control (like the HTTP
/// client's connection limit), not a retry: waits end at once when the task is cancelled.
actor MessagePacing {
    private let interval: Duration?
    private var nextSlot: ContinuousClock.Instant = .now
    private let maxConnections: Int
    private var openConnections = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(messagesPerMinute: Int?, maxConnections: Int) {
        interval = messagesPerMinute.map { .nanoseconds(60_000_000_000 / Int64($0)) }
        self.maxConnections = maxConnections
    }

    /// Waits for the next message's turn (messages are spread evenly over the minute).
    /// - Throws: `CancellationError` when the task is cancelled while waiting.
    func nextMessage() async throws {
        guard let interval else { return }
        let now = ContinuousClock.now
        let slot = max(now, nextSlot)
        nextSlot = slot + interval
        if slot > now { try await Task.sleep(until: slot, clock: .continuous) }
    }

    /// Waits for a free connection place.
    func openConnection() async {
        if openConnections < maxConnections {
            openConnections += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Frees a connection place (handing it to the next waiting delivery).
    func closeConnection() {
        if waiting.isEmpty {
            openConnections -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
