import Config
import Crypto
import Foundation
import Logging
import Metrics
import Queue
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Watches the inbox folder (unless disabled) and takes each complete item file in.
///
/// Only complete files are read: the watcher reacts to files closed after writing or renamed into the
/// folder, and ignores dot-files and `*.tmp`/`*.part`, so write-then-rename is safe. An accepted file
/// moves to `accepted/`; a bad one to `rejected/` with a sibling `.error` file saying what and where.
/// One bad file never blocks the others.
public final class InboxWatcher: Service, Sendable {
    private let currentIntake: Mutex<ItemIntake>
    /// How items are checked and stored; replaced on reload.
    public var intake: ItemIntake { currentIntake.withLock { $0 } }

    /// Uses a reloaded configuration's channels and rules for the next files.
    public func update(intake: ItemIntake) { currentIntake.withLock { $0 = intake } }
    let settings: InboxSettings
    let onChange: @Sendable () -> Void
    let logger: Logger
    private let watching = Mutex(false)

    /// True once the watcher is set up (and, with the inbox enabled, the first scan is done).
    public var isWatching: Bool { watching.withLock { $0 } }

    /// - Parameters:
    ///   - onChange: called after an item was taken in.
    public init(
        intake: ItemIntake, settings: InboxSettings, logger: Logger,
        retryInterval: Duration = .seconds(5), onChange: @escaping @Sendable () -> Void
    ) {
        self.retryInterval = retryInterval
        self.currentIntake = Mutex(intake)
        self.settings = settings
        self.logger = logger
        self.onChange = onChange
    }

    /// How long after a failed scan (the folder unreadable, the store not answering) the inbox is scanned again.
    public let retryInterval: Duration
    /// Set when a scan could not finish its work; the retry timer scans again.
    private let needsRetry = Mutex(false)

    public func run() async throws {
        guard settings.enabled else {
            // `cchc`'s changes reach the engine and the delivery log through the store's commit hints.
            logger.info("the inbox is disabled")
            watching.withLock { $0 = true }
            try? await gracefulShutdown()
            return
        }
        try FileManager.default.createDirectory(atPath: settings.path, withIntermediateDirectories: true)
        ensureOwnFolders()
        let watch = try DirectoryWatch(directories: [settings.path])
        defer { watch.close() }
        logger.info("watching the inbox", metadata: ["path": "\(settings.path)", "trusted": "\(settings.trusted)"])
        await scan()
        watching.withLock { $0 = true }
        // File events and the retry timer feed one loop, so scans never run side by side.
        enum Trigger { case event(DirectoryWatch.Event), retry }
        let (triggers, feed) = AsyncStream.makeStream(of: Trigger.self, bufferingPolicy: .bufferingNewest(1024))
        let retryInterval = self.retryInterval
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await event in watch.events { feed.yield(.event(event)) }
                    feed.finish()
                }
                group.addTask { [self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: retryInterval)
                        if self.needsRetry.withLock({ $0 }) { feed.yield(.retry) }
                    }
                }
                for await trigger in triggers.cancelOnGracefulShutdown() {
                    switch trigger {
                    case .event:
                        await scan()
                    case .retry:
                        logger.info("inbox: scanning again after an earlier failure")
                        await scan()
                    }
                }
                group.cancelAll()
            }
        } onCancel: {
            watch.close()
            feed.finish()
        }
    }

    /// `accepted/`, `rejected/` and `media/` must be real folders: an officer could replace one with a
    /// symlink (the inbox is group-writable) to make the daemon write, or read media, elsewhere.
    func ensureOwnFolders() {
        for sub in InboxEntry.ownFolders.sorted() {
            let path = settings.path + "/" + sub
            var st = stat()
            if lstat(path, &st) == 0 {
                if (st.st_mode & S_IFMT) == S_IFDIR { continue }
                logger.error(
                    "inbox: \(sub) is not a folder (a symlink or a file); replacing it with an empty folder",
                    metadata: ["path": "\(path)"])
                if unlink(path) != 0 {
                    logger.error("inbox: cannot remove it", metadata: ["path": "\(path)", "error": "\(errnoText())"])
                    continue
                }
            }
            // 2770 like the state folder: officers in the group put media in, files keep the group.
            if mkdir(path, 0o2770) != 0 && errno != EEXIST {
                logger.error(
                    "inbox: cannot create the folder", metadata: ["path": "\(path)", "error": "\(errnoText())"])
            } else {
                chmod(path, 0o2770)
            }
        }
    }

    /// Takes in every complete item file in the inbox, and moves every entry it cannot take to `rejected/`.
    /// Returns (accepted, rejected). A failure that is not the file's fault (the folder cannot be listed,
    /// the store does not answer) is logged and the scan is repeated on a timer.
    @discardableResult
    public func scan() async -> (Int, Int) {
        needsRetry.withLock { $0 = false }
        ensureOwnFolders()
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: settings.path)
        } catch {
            logger.error(
                "inbox: cannot list the folder; retrying",
                metadata: ["path": "\(settings.path)", "error": "\(error)", "retry_in": "\(retryInterval)"])
            needsRetry.withLock { $0 = true }
            return (0, 0)
        }
        var accepted = 0
        var rejected = 0
        let intake = self.intake
        // Files are taken in in batches, one store commit each; the engine hears of each batch at once,
        // so a backlog starts going out while the rest of it is still being read. The first batch is
        // small to get there sooner.
        var batch: [(name: String, path: String, source: String)] = []
        var batchLimit = Self.firstBatch
        for name in names.sorted() {
            let path = settings.path + "/" + name
            switch InboxEntry.classify(name: name, in: settings.path) {
            case .ignored:
                continue
            case .rejected(let reason):
                rejected += 1
                reject(path, name: name, reason: "\(name): \(reason)")
                continue
            case .item:
                break
            }
            // The source names the file and its content: if the daemon stopped after storing the item
            // but before moving the file, the next scan finds the item and only moves the file.
            let source = "inbox:\(name)#\(Self.fingerprint(path, maxBytes: intake.config.inbox.maxItemBytes))"
            batch.append((name, path, source))
            if batch.count >= batchLimit {
                let (a, r) = await takeIn(batch, intake: intake)
                accepted += a
                rejected += r
                batch.removeAll(keepingCapacity: true)
                batchLimit = Self.batch
            }
        }
        if !batch.isEmpty {
            let (a, r) = await takeIn(batch, intake: intake)
            accepted += a
            rejected += r
        }
        if accepted > 0 {
            Counter(label: "cchc_inbox_files_total", dimensions: [("result", "accepted")]).increment(by: accepted)
        }
        if rejected > 0 {
            Counter(label: "cchc_inbox_files_total", dimensions: [("result", "rejected")]).increment(by: rejected)
        }
        return (accepted, rejected)
    }

    /// Files per store commit: the first batch of a scan, and the others.
    static let firstBatch = 32
    static let batch = 512

    /// Stores one batch of item files and moves each to `accepted/` or `rejected/`; files the store could
    /// not take (not their fault) stay for the retry. Wakes the engine when some were accepted.
    private func takeIn(
        _ batch: [(name: String, path: String, source: String)], intake: ItemIntake
    ) async -> (accepted: Int, rejected: Int) {
        var accepted = 0
        var rejected = 0
        let results = await intake.submit(
            files: batch.map { ($0.path, $0.source) }, trusted: settings.trusted, actor: "inbox")
        for (file, result) in zip(batch, results) {
            let name = file.name
            switch result {
            case .alreadyTaken(let existing):
                logger.info(
                    "inbox: file already taken in; moving it", metadata: ["file": "\(name)", "item": "\(existing.id)"])
                move(file.path, into: "accepted", name: name)
            case .accepted(let result):
                for warning in result.warnings {
                    logger.warning("inbox: \(warning)", metadata: ["file": "\(name)", "item": "\(result.item.id)"])
                }
                move(file.path, into: "accepted", name: name)
                accepted += 1
                logger.info(
                    "inbox: item taken in",
                    metadata: [
                        "file": "\(name)", "item": "\(result.item.id)", "status": "\(result.item.status.rawValue)",
                    ])
            case .failed(.invalid(let error)):
                rejected += 1
                reject(file.path, name: name, reason: error.description)
            case .failed(.store(let error)) where error.kind == .database:
                // Not the file's fault: leave it for the retry.
                logger.error(
                    "inbox: the store failed; the file stays in the inbox and the scan is retried",
                    metadata: ["file": "\(name)", "error": "\(error)"])
                needsRetry.withLock { $0 = true }
            case .failed(.store(let error)):
                rejected += 1
                reject(file.path, name: name, reason: "\(name): \(StoreMessages.vietnamese(error))")
            }
        }
        if accepted > 0 { onChange() }
        return (accepted, rejected)
    }

    /// SHA-256 of the file's bytes, hex, read in blocks without following a symlink (empty when unreadable or
    /// larger than `maxBytes`: the submit then reports the problem).
    static func fingerprint(_ path: String, maxBytes: Int) -> String {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) <= maxBytes else { return "" }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            total += n
            if total > maxBytes { return "" }
            hasher.update(data: buffer[0..<n])
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private func reject(_ path: String, name: String, reason: String) {
        logger.warning("inbox: file rejected", metadata: ["file": "\(name)", "reason": "\(reason)"])
        // The reason is in place, complete (written atomically), before the file appears in rejected/,
        // so whoever watches rejected/ never finds a file without its reason.
        let target = freeTarget(in: "rejected", name: name)
        do {
            try Data((reason + "\n").utf8).write(to: URL(fileURLWithPath: target + ".error"), options: .atomic)
        } catch {
            logger.error("inbox: cannot write the reason file", metadata: ["file": "\(name)", "error": "\(error)"])
        }
        move(path, to: target, name: name)
    }

    /// A path in a sub-folder that neither an earlier file nor an earlier reason file uses.
    private func freeTarget(in folder: String, name: String) -> String {
        func exists(_ path: String) -> Bool {
            var st = stat()
            return lstat(path, &st) == 0
        }
        var target = "\(settings.path)/\(folder)/\(name)"
        var n = 1
        while exists(target) || exists(target + ".error") {
            n += 1
            let url = URL(fileURLWithPath: name)
            target =
                "\(settings.path)/\(folder)/\(url.deletingPathExtension().lastPathComponent).\(n).\(url.pathExtension)"
        }
        return target
    }

    /// Moves a file into a sub-folder, never overwriting an earlier file of the same name.
    private func move(_ path: String, into folder: String, name: String) {
        move(path, to: freeTarget(in: folder, name: name), name: name)
    }

    private func move(_ path: String, to target: String, name: String) {
        do {
            try FileManager.default.moveItem(atPath: path, toPath: target)
        } catch {
            logger.error(
                "inbox: cannot move the file", metadata: ["file": "\(name)", "to": "\(target)", "error": "\(error)"])
        }
    }
}

/// Store errors in the officer's words.
public enum StoreMessages {
    public static func vietnamese(_ error: StoreError) -> String {
        let subject = error.subject.map { " \($0)" } ?? ""
        switch error.kind {
        case .notFound: return "không tìm thấy\(subject)"
        case .invalidState:
            if let state = error.currentState {
                let label = ItemStatus(rawValue: state)?.label ?? DeliveryState(rawValue: state)?.label ?? state
                return "không thực hiện được với\(subject): đang ở trạng thái \"\(label)\""
            }
            return "không thực hiện được\(subject): \(error.message)"
        case .locked: return "bài\(subject) đã bắt đầu gửi nên không sửa được nữa; hãy tạo bài mới"
        case .database: return "lỗi cơ sở dữ liệu: \(error.message)"
        }
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }
