import ChannelKit
import Config
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

    /// Checks a parsed item against every target channel's `validate`.
    public func validate(_ parsed: ParsedItem, fileName: String) throws(IntakeError) {
        let content = parsed.content
        for name in content.channels {
            guard let channel = channels[name] else { continue }
            let probe = ChannelItem(
                id: parsed.id ?? "", title: content.title, summary: content.summary, body: content.body,
                topic: Topic(key: content.topic, label: config.topicLabel(content.topic)), unit: content.unit,
                author: content.author, media: content.media, publishAt: content.publishAt, priority: content.priority,
                override: content.overrides[name] ?? [:])
            if let problem = channel.validate(probe).first {
                throw IntakeError(file: fileName, field: problem.field, "kênh \(name): \(problem.message)")
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
