import ChannelKit
import Config
import DeliveryLog
import Foundation
import Logging
import Queue

/// Takes an item file into the queue: reads it, checks it against the configuration and each target
/// channel's own rules, and stores it (`cchc item add` and the inbox both come through here).
public struct ItemIntake: Sendable {
    public var config: DaemonConfig
    public var channels: [String: any Channel]
    public var store: any Store
    /// Plans deliveries for items that arrive approved (a trusted inbox).
    public var planner: @Sendable (ItemRecord) -> [PlannedDelivery]

    public init(
        config: DaemonConfig, channels: [String: any Channel], store: any Store,
        planner: @escaping @Sendable (ItemRecord) -> [PlannedDelivery]
    ) {
        self.config = config
        self.channels = channels
        self.store = store
        self.planner = planner
    }

    public struct Accepted: Sendable {
        public var item: ItemRecord
        public var created: Bool
        public var warnings: [String]
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case invalid(IntakeError)
        case store(StoreError)

        public var description: String {
            switch self {
            case .invalid(let e): e.description
            case .store(let e): e.description
            }
        }
    }

    /// Checks a parsed item against every target channel's `validate`, each on the item as that channel
    /// will publish it (its `title`/`summary`/`body` overrides applied).
    public func validate(_ parsed: ParsedItem, fileName: String) throws(IntakeError) {
        let content = parsed.content
        for name in content.channels {
            guard let channel = channels[name] else { continue }
            let probe = content.channelItem(for: name, id: parsed.id ?? "", topicLabel: config.topicLabel)
            if let problem = channel.validate(probe).first {
                // A problem in a field this channel's override replaced is the override's: name that field.
                let overridden =
                    ItemContent.replacingOverrides.contains(problem.field)
                    && content.overrides[name]?[problem.field] != nil
                let field = overridden ? "overrides.\(name).\(problem.field)" : problem.field
                throw IntakeError(file: fileName, field: field, "kênh \(name): \(problem.message)")
            }
        }
    }

    /// Queues content the daemon made itself (a scheduled report for an email channel), checked like
    /// a file: every channel must exist and accept it.
    public func submit(
        content: ItemContent, approval: Approval?, source: String, actor: String, now: Date = Date()
    ) async throws(Failure) -> Accepted {
        for name in content.channels where config.channel(named: name) == nil {
            throw .invalid(IntakeError(file: source, field: "channels", "không có kênh \"\(name)\" trong cấu hình"))
        }
        let parsed = ParsedItem(id: nil, content: content, approval: approval, warnings: [])
        do {
            try validate(parsed, fileName: source)
        } catch {
            throw .invalid(error)
        }
        return try await add(parsed, source: source, actor: actor, now: now)
    }

    /// Reads, checks and stores an item file. `fromCommandLine`: `cchc item add` (media may also come from the
    /// file's folder, and a symlinked item file is followed); the inbox passes false.
    public func submit(
        path: String, trusted: Bool, source: String, actor: String, now: Date = Date(), fromCommandLine: Bool = false
    ) async throws(Failure) -> Accepted {
        let parsed: ParsedItem
        let fileName = URL(fileURLWithPath: path).lastPathComponent
        do {
            let reader = ItemFileReader(config: config)
            // A Word file from the inbox is converted here (`cchc item add` converts it beforehand, beside it).
            if !fromCommandLine && (path as NSString).pathExtension.lowercased() == "docx" {
                parsed = try reader.readWord(path: path, trusted: trusted, now: now)
            } else {
                parsed = try reader.read(
                    path: path, trusted: trusted, now: now, itemFolderHoldsMedia: fromCommandLine,
                    followSymlink: fromCommandLine)
            }
            try validate(parsed, fileName: fileName)
        } catch {
            throw .invalid(error)
        }
        return try await add(parsed, source: source, actor: actor, now: now)
    }

    /// What ``submit(files:trusted:actor:now:)`` did with one file.
    public enum FileResult: Sendable {
        case accepted(Accepted)
        /// An item with the same source (the same file name and bytes) is already stored.
        case alreadyTaken(ItemRecord)
        case failed(Failure)
    }

    /// Reads and checks several item files (on all cores), then stores the good ones in one transaction:
    /// the inbox's batches, one commit for many files. A file whose source an earlier item has is not
    /// stored again. One result per file, in order; a failed transaction fails every file that reached it
    /// with `.store` (not the files' fault: they are tried again).
    public func submit(
        files: [(path: String, source: String)], trusted: Bool, actor: String, now: Date = Date()
    ) async -> [FileResult] {
        let reader = ItemFileReader(config: config)
        let parsed: [Result<ParsedItem, IntakeError>] = await withTaskGroup(
            of: (Int, [Result<ParsedItem, IntakeError>]).self
        ) { group in
            let lanes = max(1, min(ProcessInfo.processInfo.activeProcessorCount, (files.count + 31) / 32))
            let per = (files.count + lanes - 1) / lanes
            for lane in 0..<lanes {
                let range = (lane * per)..<min(files.count, (lane + 1) * per)
                guard !range.isEmpty else { continue }
                let slice = Array(files[range])
                group.addTask {
                    (
                        lane,
                        slice.map { file in
                            let fileName = URL(fileURLWithPath: file.path).lastPathComponent
                            do throws(IntakeError) {
                                // A Word file from the inbox is converted (ItemFileReader.readWord).
                                let item =
                                    (file.path as NSString).pathExtension.lowercased() == "docx"
                                    ? try reader.readWord(path: file.path, trusted: trusted, now: now)
                                    : try reader.read(
                                        path: file.path, trusted: trusted, now: now, itemFolderHoldsMedia: false,
                                        followSymlink: false)
                                try self.validate(item, fileName: fileName)
                                return .success(item)
                            } catch {
                                return .failure(error)
                            }
                        }
                    )
                }
            }
            var done: [Int: [Result<ParsedItem, IntakeError>]] = [:]
            for await (lane, results) in group { done[lane] = results }
            return done.keys.sorted().flatMap { done[$0] ?? [] }
        }
        var results: [FileResult?] = parsed.map {
            if case .failure(let error) = $0 { return .failed(.invalid(error)) } else { return nil }
        }
        var toStore: [(index: Int, item: NewItem, warnings: [String])] = []
        let month = LogClock(timeZone: config.timeZone).month(now)
        for (index, result) in parsed.enumerated() {
            guard case .success(let item) = result else { continue }
            toStore.append(
                (
                    index,
                    NewItem(
                        id: item.id, idMonth: month, content: item.content, source: files[index].source, actor: actor,
                        approval: item.approval),
                    item.warnings
                ))
        }
        do {
            let stored = try await store.addItems(toStore.map(\.item), newSourcesOnly: true, at: now, plan: planner)
            for (entry, outcome) in zip(toStore, stored) {
                switch outcome {
                case .added(let record, let created):
                    results[entry.index] = .accepted(Accepted(item: record, created: created, warnings: entry.warnings))
                case .alreadyTaken(let record): results[entry.index] = .alreadyTaken(record)
                case .failed(let error): results[entry.index] = .failed(.store(error))
                }
            }
        } catch {
            for entry in toStore { results[entry.index] = .failed(.store(error)) }
        }
        return results.map { $0 ?? .failed(.store(StoreError(.database, "not stored"))) }
    }

    private func add(_ parsed: ParsedItem, source: String, actor: String, now: Date) async throws(Failure) -> Accepted {
        let newItem = NewItem(
            id: parsed.id, idMonth: LogClock(timeZone: config.timeZone).month(now), content: parsed.content,
            source: source, actor: actor, approval: parsed.approval)
        do {
            let (record, created) = try await store.addItem(newItem, at: now, plan: planner)
            return Accepted(item: record, created: created, warnings: parsed.warnings)
        } catch {
            throw .store(error)
        }
    }
}
