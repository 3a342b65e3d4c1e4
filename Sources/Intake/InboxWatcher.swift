import Config
import Crypto
import Foundation
import Logging
import Metrics
import Queue
import ServiceLifecycle
import Synchronization

/// Watches the inbox folder (unless disabled) and the wake file `cchc` touches, and takes each complete item file in.
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
    let wakeFile: String
    let onChange: @Sendable () -> Void
    let logger: Logger
    private let watching = Mutex(false)

    /// True once the watcher is set up (and, with the inbox enabled, the first scan is done).
    public var isWatching: Bool { watching.withLock { $0 } }

    /// - Parameters:
    ///   - onChange: called after an item was taken in, and when `cchc` touches the wake file.
    public init(
        intake: ItemIntake, settings: InboxSettings, wakeFile: String, logger: Logger,
        onChange: @escaping @Sendable () -> Void
    ) {
        self.currentIntake = Mutex(intake)
        self.settings = settings
        self.wakeFile = wakeFile
        self.logger = logger
        self.onChange = onChange
    }

    public func run() async throws {
        let fm = FileManager.default
        let wakeDirectory = URL(fileURLWithPath: wakeFile).deletingLastPathComponent().path
        let wakeName = URL(fileURLWithPath: wakeFile).lastPathComponent
        var watched = [wakeDirectory]
        if settings.enabled {
            for sub in ["", "/accepted", "/rejected"] {
                try fm.createDirectory(atPath: settings.path + sub, withIntermediateDirectories: true)
            }
            watched.append(settings.path)
        }
        let watch = try DirectoryWatch(directories: watched)
        defer { watch.close() }
        if settings.enabled {
            logger.info("watching the inbox", metadata: ["path": "\(settings.path)", "trusted": "\(settings.trusted)"])
            await scan()
        } else {
            logger.info("the inbox is disabled; watching only for cchc's changes")
        }
        watching.withLock { $0 = true }
        await withTaskCancellationHandler {
            for await event in watch.events.cancelOnGracefulShutdown() {
                if event.directory == wakeDirectory && event.name == wakeName {
                    onChange()
                } else if settings.enabled && event.directory == settings.path {
                    await scan()
                }
            }
        } onCancel: {
            watch.close()
        }
    }

    /// Takes in every complete item file in the inbox. Returns (accepted, rejected).
    @discardableResult
    public func scan() async -> (Int, Int) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: settings.path) else { return (0, 0) }
        var accepted = 0
        var rejected = 0
        let intake = self.intake
        for name in names.sorted() where Self.isCandidate(name) {
            let path = settings.path + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            // The source names the file and its content: if the daemon stopped after storing the item
            // but before moving the file, the next scan finds the item and only moves the file.
            let source = "inbox:\(name)#\(Self.fingerprint(path))"
            if let existing = try? await intake.store.items(ItemFilter(source: source, limit: 1)).first {
                logger.info(
                    "inbox: file already taken in; moving it", metadata: ["file": "\(name)", "item": "\(existing.id)"])
                move(path, into: "accepted", name: name)
                continue
            }
            do {
                let result = try await intake.submit(
                    path: path, trusted: settings.trusted, source: source, actor: "inbox")
                for warning in result.warnings {
                    logger.warning("inbox: \(warning)", metadata: ["file": "\(name)", "item": "\(result.item.id)"])
                }
                move(path, into: "accepted", name: name)
                accepted += 1
                logger.info(
                    "inbox: item taken in",
                    metadata: [
                        "file": "\(name)", "item": "\(result.item.id)", "status": "\(result.item.status.rawValue)",
                    ])
            } catch {
                switch error {
                case .invalid(let error):
                    rejected += 1
                    reject(path, name: name, reason: error.description)
                case .store(let error) where error.kind == .database:
                    // Not the file's fault: leave it for the next scan.
                    logger.error(
                        "inbox: the store failed; the file stays in the inbox",
                        metadata: ["file": "\(name)", "error": "\(error)"])
                case .store(let error):
                    rejected += 1
                    reject(path, name: name, reason: "\(name): \(StoreMessages.vietnamese(error))")
                }
            }
        }
        if accepted > 0 { onChange() }
        if accepted > 0 {
            Counter(label: "cchc_inbox_files_total", dimensions: [("result", "accepted")]).increment(by: accepted)
        }
        if rejected > 0 {
            Counter(label: "cchc_inbox_files_total", dimensions: [("result", "rejected")]).increment(by: rejected)
        }
        return (accepted, rejected)
    }

    /// SHA-256 of the file's bytes, hex (empty when unreadable: the submit then reports the problem).
    static func fingerprint(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    static func isCandidate(_ name: String) -> Bool {
        guard !name.hasPrefix(".") else { return false }
        return name.hasSuffix(".md") || name.hasSuffix(".yaml") || name.hasSuffix(".yml")
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
        let fm = FileManager.default
        var target = "\(settings.path)/\(folder)/\(name)"
        var n = 1
        while fm.fileExists(atPath: target) || fm.fileExists(atPath: target + ".error") {
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
