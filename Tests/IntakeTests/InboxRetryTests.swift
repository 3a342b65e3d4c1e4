import ChannelKit
import Foundation
import Logging
import Queue
import Synchronization
import Testing
import TestSupport

@testable import Intake

@Suite("Inbox retry")
struct InboxRetryTests {
    /// Another process holds the store's write lock (SQLite answers "database is locked" after its busy
    /// timeout): the file stays, the failure is logged, and the retry timer takes the file in once the lock
    /// is gone, with no new file event.
    @Test func aStoreFailureIsLoggedAndRetriedOnATimer() async throws {
        let f = try InboxFixture()
        let log = LogCapture(level: .info)
        let watcher = InboxWatcher(
            intake: f.watcher.intake, settings: f.folder.config.inbox,
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
        #expect(await eventually(limit: 10, every: .milliseconds(20)) { FileManager.default.fileExists(atPath: ready) })
        try f.drop("tin.md", inboxItem(title: "Chờ cơ sở dữ liệu"))
        let task = Task { try await watcher.run() }
        defer { task.cancel() }
        // The lock is held until the watcher has said the store failed (and the file stayed).
        #expect(
            await eventually(limit: 60, every: .milliseconds(20)) {
                log.lines.contains {
                    $0.contains("the store failed; the file stays in the inbox and the scan is retried")
                }
            })
        #expect(f.list("/accepted").isEmpty)
        #expect(FileManager.default.createFile(atPath: release, contents: nil))
        #expect(await eventually(limit: 60, every: .milliseconds(20)) { f.list("/accepted") == ["tin.md"] })
        #expect(log.lines.contains { $0.contains("scanning again after an earlier failure") })
        #expect(f.list("/rejected").isEmpty)
        #expect(try await f.store.items(ItemFilter()).map(\.content.title) == ["Chờ cơ sở dữ liệu"])
    }
}
