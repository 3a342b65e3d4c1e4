import Logging
import ServiceLifecycle
import Synchronization

/// The daemon's delivery-log writer as a `Service`: appends whatever the store has committed to the
/// files (``DeliveryLogWriter``), woken whenever anyone commits.
///
/// Who wakes it: the store's ``LogEventSource/commitHints()`` — a hint after each commit in this
/// process, and one when another process (`cchc`) commits — and ``wake()`` for anyone else. So no
/// writer of the store has to know the log exists, and the engine never waits for the file: a round
/// commits and goes on; the lines follow.
///
/// The rules of DESIGN §7 hold: a line is appended only after its transaction committed (the store
/// hands out committed events only); at start, and at the end of a graceful stop, everything the
/// files are missing is appended. While nothing is committed it sleeps (no timer; one retry timer
/// only while a write is failing).
public final class DeliveryLogExporter: Service, Sendable {
    public let writer: DeliveryLogWriter
    private let source: any LogEventSource
    private let logger: Logger
    private let wakes: AsyncStream<Void>
    private let feed: AsyncStream<Void>.Continuation
    private let caughtUp = Mutex(false)
    /// How long after a failed write the exporter tries again, when no commit wakes it sooner.
    let retryAfter: Duration

    public init(
        directory: String, source: any LogEventSource, logger: Logger, retryAfter: Duration = .seconds(1)
    ) {
        self.writer = DeliveryLogWriter(directory: directory, store: source, logger: logger)
        self.source = source
        self.logger = logger
        self.retryAfter = retryAfter
        // One pending wake is enough: a catch-up appends everything committed before it starts.
        (wakes, feed) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Append what was committed, soon. Never blocks.
    public func wake() { feed.yield() }

    /// Stop outside a service group (the benchmark, tests): `run()` appends what is left and returns.
    /// Cancelling `run()`'s task would stop it too, but the last append would then be cancelled with it.
    public func finish() { feed.finish() }

    /// True once the start-up catch-up is done: the files hold every event the store had then.
    public var isCaughtUp: Bool { caughtUp.withLock { $0 } }

    public func run() async throws {
        // At start: the files get everything they are missing (a crash, `cchc` while the daemon was
        // stopped). A store older than the files stops the daemon here, as it always has.
        try await writer.catchUp()
        caughtUp.withLock { $0 = true }
        let hints = source.commitHints()
        await withDiscardingTaskGroup { group in
            group.addTask { [feed] in
                for await _ in hints { feed.yield() }
            }
            var failing = false
            for await _ in wakes.cancelOnGracefulShutdown() {
                failing = await append()
                if failing {
                    let feed = self.feed
                    let retryAfter = self.retryAfter
                    group.addTask {
                        try? await Task.sleep(for: retryAfter)
                        feed.yield()
                    }
                }
            }
            group.cancelAll()
        }
        // Stopping: the services that commit stopped before this one (it is started first), so this
        // appends their last lines.
        if await append() {
            logger.error("delivery log: the last lines could not be written; they are written at the next start")
        }
    }

    /// Appends what is new; true when it failed (the lines stay in the store and come with the next try).
    private func append() async -> Bool {
        do {
            try await writer.catchUp()
            return false
        } catch {
            logger.error("writing the delivery log failed", metadata: ["error": "\(error)"])
            return true
        }
    }
}
