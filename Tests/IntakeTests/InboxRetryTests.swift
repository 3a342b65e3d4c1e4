import ChannelKit
import Foundation
import Logging
import Queue
import Synchronization
import TestSupport
import Testing

@testable import Intake

/// Log records kept in memory, to check what the watcher said.
final class RecordedLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }

    struct Handler: LogHandler {
        let log: RecordedLog
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: Logging.LogEvent) { log.append("\(event.level) \(event.message)") }
    }

    var logger: Logger { Logger(label: "inbox-retry") { _ in Handler(log: self) } }
}

@Suite("Inbox retry")
struct InboxRetryTests {
    /// Another process holds the store's write lock (SQLite answers "database is locked" after its busy
    /// timeout): the file stays, the failure is logged, and the retry timer takes the file in once the lock
    /// is gone, with no new file event.
    @Test func aStoreFailureIsLoggedAndRetriedOnATimer() async throws {
        let f = try InboxFixture()
        let log = RecordedLog()
        let watcher = InboxWatcher(
            intake: f.watcher.intake, settings: f.folder.config.inbox, wakeFile: f.folder.config.wakeFilePath,
            logger: log.logger, retryInterval: .milliseconds(300), onChange: {})
        let ready = f.folder.path + "/locked"
        let release = f.folder.path + "/release"
        let arguments = [
            "python3", "-c",
            """
            import os, sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
            c.execute("BEGIN EXCLUSIVE")
            open(sys.argv[2], "w").close()
            deadline = time.time() + 60
            while not os.path.exists(sys.argv[3]) and time.time() < deadline:
                time.sleep(0.05)
            c.execute("ROLLBACK")
            """,
            f.folder.config.databasePath, ready, release,
        ]
        let locker = try SpawnedProcess(
            executable: "/usr/bin/env", arguments: arguments, stdout: "/dev/null", stderr: "/dev/null")
        defer {
            if locker.isRunning { locker.terminate() }
            locker.waitUntilExit()
        }
        #expect(await waitFor(limit: 10) { FileManager.default.fileExists(atPath: ready) })
        try f.drop("tin.md", inboxItem(title: "Chờ cơ sở dữ liệu"))
        let task = Task { try await watcher.run() }
        defer { task.cancel() }
        // The lock is held until the watcher has said the store failed (and the file stayed).
        #expect(
            await waitFor(limit: 60) {
                log.all.contains {
                    $0.contains("the store failed; the file stays in the inbox and the scan is retried")
                }
            })
        #expect(f.list("/accepted").isEmpty)
        _ = FileManager.default.createFile(atPath: release, contents: nil)
        #expect(await waitFor(limit: 60) { f.list("/accepted") == ["tin.md"] })
        #expect(log.all.contains { $0.contains("scanning again after an earlier failure") })
        #expect(f.list("/rejected").isEmpty)
        #expect(try await f.store.items(ItemFilter()).map(\.content.title) == ["Chờ cơ sở dữ liệu"])
    }
}
