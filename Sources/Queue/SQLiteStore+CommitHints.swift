import DeliveryLog
import Foundation
import GRDB
import Synchronization

/// ``Store/commitHints()`` for SQLite.
///
/// - This process: ``SQLiteStore/write(_:_:)`` tells the hub after each commit (a lock and a
///   non-blocking `yield` per subscriber; nothing when nobody listens).
/// - Other processes: every commit by any process appends to the database's `-wal` file, so an inotify
///   watch on the store's folder (SQLite deletes and recreates the file) sees each one, with no
///   polling; a process that exits (`cchc`) also closes the file. Writes come in bursts (several per
///   commit, and this process's own commits too); they are told apart with SQLite's
///   `PRAGMA data_version` on the writer connection, which changes only when another connection —
///   here, another process — committed. A write is seen before its commit is visible (the fsync and
///   the WAL index come after), so the version is looked at every ``recheckInterval`` until the WAL
///   has been quiet for ``quietPeriod``: a bounded look after activity, never while idle. A
///   PostgreSQL store gives the same hints with LISTEN/NOTIFY.
///
/// The watch runs only while someone listens (the daemon); `cchc` never starts it.
final class CommitHintHub: Sendable {
    private struct State {
        var subscribers: [Int: AsyncStream<CommitHint>.Continuation] = [:]
        var nextID = 0
        var watch: DirectoryWatch?
        var follower: Task<Void, Never>?
    }

    private let state = Mutex(State())
    private let databasePath: String
    private let pool: DatabasePool
    /// While the WAL is being written: how often to look for another process's commit.
    static let recheckInterval: Duration = .milliseconds(10)
    /// How long after the last WAL write to keep looking (a slow fsync delays the commit's visibility).
    static let quietPeriod: Duration = .seconds(1)

    init(databasePath: String, pool: DatabasePool) {
        self.databasePath = databasePath
        self.pool = pool
    }

    deinit { stopWatching(state.withLock { ($0.watch, $0.follower) }) }

    func committedHere() { broadcast(.here) }

    private func broadcast(_ hint: CommitHint) {
        state.withLock { state in
            for continuation in state.subscribers.values { continuation.yield(hint) }
        }
    }

    func subscribe() -> AsyncStream<CommitHint> {
        let (stream, continuation) = AsyncStream.makeStream(of: CommitHint.self, bufferingPolicy: .bufferingNewest(2))
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        startWatching()
        return stream
    }

    private func unsubscribe(_ id: Int) {
        let stopped: (DirectoryWatch?, Task<Void, Never>?) = state.withLock { state in
            state.subscribers[id] = nil
            guard state.subscribers.isEmpty else { return (nil, nil) }
            defer {
                state.watch = nil
                state.follower = nil
            }
            return (state.watch, state.follower)
        }
        stopWatching(stopped)
    }

    private func stopWatching(_ parts: (DirectoryWatch?, Task<Void, Never>?)) {
        parts.0?.close()
        parts.1?.cancel()
    }

    private func startWatching() {
        let url = URL(fileURLWithPath: databasePath)
        let folder = url.deletingLastPathComponent().path
        let walName = url.lastPathComponent + "-wal"
        let started: DirectoryWatch? = state.withLock { state in
            guard state.watch == nil, !state.subscribers.isEmpty else { return nil }
            // Without a watch, hints from this process still come; another process's commits are then
            // seen at this process's next commit or wake-up. Not fatal: the folder exists (the store is in it).
            guard let watch = try? DirectoryWatch(directories: [folder], changes: .modified) else { return nil }
            state.watch = watch
            return watch
        }
        guard let watch = started else { return }
        let pool = self.pool
        let follower = Task { [weak self] in
            var known = try? await Self.dataVersion(pool)
            let (writes, feed) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            let lastWrite = LastWrite()
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await event in watch.events where event.name == walName {
                        lastWrite.now()
                        feed.yield()
                    }
                    feed.finish()
                }
                for await _ in writes {
                    repeat {
                        try? await Task.sleep(for: Self.recheckInterval)
                        if Task.isCancelled { return }
                        if let version = try? await Self.dataVersion(pool), version != known {
                            known = version
                            self?.broadcast(.elsewhere)
                        }
                    } while lastWrite.age < Self.quietPeriod
                }
                group.cancelAll()
            }
        }
        state.withLock { $0.follower = follower }
    }

    /// SQLite's count of commits by other connections, as the writer connection sees it.
    private static func dataVersion(_ pool: DatabasePool) async throws -> Int? {
        try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA data_version") }
    }
}

/// When the WAL was last written, shared by the watch's reader and the follower.
private final class LastWrite: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    func now() { instant.withLock { $0 = .now } }
    var age: Duration { ContinuousClock.now - instant.withLock { $0 } }
}
