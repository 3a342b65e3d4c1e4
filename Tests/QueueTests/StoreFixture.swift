import ChannelKit
import DeliveryLog
import Foundation
import Queue
import Testing

/// 2026-11-20 08:00 +07:00.
let t0 = Date(timeIntervalSince1970: 1_795_136_400)
let hcm = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
let officer = "Nguyễn Văn A"
let engineOwner = "cchcd-test"

/// A store on a fresh file in its own temporary folder, removed when the fixture goes away.
final class StoreFixture: Sendable {
    let directory: URL
    let path: String
    let store: SQLiteStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "queue-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("queue.sqlite").path
        store = try SQLiteStore(path: path, timeZone: hcm)
    }

    /// Another store on the same file (like `cchc` next to the daemon).
    func secondStore() throws -> SQLiteStore {
        try SQLiteStore(path: path, timeZone: hcm)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}

func content(
    _ title: String = "Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến",
    channels: [String] = ["portal", "fb"], priority: Priority = .normal, expiresAt: Date? = nil,
    body: String = "Nội dung bài viết…"
) -> ItemContent {
    ItemContent(
        title: title, summary: "Tóm tắt", body: body, topic: "tthc", unit: "Sở Nội vụ", author: "Phòng CCHC",
        channels: channels, publishAt: nil, expiresAt: expiresAt, priority: priority)
}

func newItem(
    id: String? = nil, _ content: ItemContent = content(), approval: Approval? = nil
) -> NewItem {
    NewItem(id: id, idMonth: "2026-11", content: content, source: "cli:/tmp/tin.md", actor: officer, approval: approval)
}

/// One delivery per target channel, all due at `due` (or `dues[channel]`), with `after` dependencies.
func planner(
    due: Date = t0, dues: [String: Date] = [:], after: [String: String] = [:]
) -> @Sendable (ItemRecord) -> [PlannedDelivery] {
    { record in
        record.content.channels.map {
            PlannedDelivery(channel: $0, channelType: "type-\($0)", dueAt: dues[$0] ?? due, after: after[$0])
        }
    }
}

let noPlan: @Sendable (ItemRecord) -> [PlannedDelivery] = { _ in [] }

extension SQLiteStore {
    /// Adds and approves an item; returns its id.
    @discardableResult
    func addApproved(
        id: String? = nil, _ content: ItemContent = content(), at: Date = t0,
        plan: @escaping @Sendable (ItemRecord) -> [PlannedDelivery] = planner()
    ) async throws -> String {
        let (item, _) = try await addItem(newItem(id: id, content), at: at, plan: noPlan)
        _ = try await approve(itemID: item.id, by: "Trần Thị B", at: at, plan: plan)
        return item.id
    }

    func claim(_ channel: String, now: Date = t0, limit: Int = 100, leaseFor: TimeInterval = 60) async throws
        -> [ClaimedDelivery]
    {
        try await claimDue(
            channel: channel, now: now, limit: limit, owner: engineOwner, leaseUntil: now.addingTimeInterval(leaseFor))
    }

    /// The delivery log, decoded.
    func logLines() async throws -> [LogLine] {
        try await logEvents(after: 0, limit: 1_000_000).map { try decodeLine($0.json) }
    }

    func eventNames(after seq: Int64 = 0) async throws -> [String] {
        try await logEvents(after: seq, limit: 1_000_000).map { try decodeLine($0.json).event }
    }

    /// Sequence numbers are 1…n without gaps, `lastLogSeq` is n, every line is whole.
    func expectGapFreeLog(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let events = try await logEvents(after: 0, limit: 1_000_000)
        #expect(events.map(\.seq) == (0..<events.count).map { Int64($0 + 1) }, sourceLocation: sourceLocation)
        #expect(try await lastLogSeq() == Int64(events.count), sourceLocation: sourceLocation)
        for event in events {
            let line = try decodeLine(event.json)
            if line.event.hasPrefix("inbound.") {
                // An event about none of our items has item_id "-" and empty item fields.
                #expect(
                    line.kind.map { "inbound.\($0)" } == line.event && line.channel != nil && line.channel_type != nil
                        && !line.item_id.isEmpty, sourceLocation: sourceLocation)
                continue
            }
            #expect(
                !line.item_id.isEmpty && !line.item_title.isEmpty && !line.unit.isEmpty && !line.topic.isEmpty,
                sourceLocation: sourceLocation)
            #expect(knownEvents.contains(line.event), "\(line.event)", sourceLocation: sourceLocation)
            if line.event.hasPrefix("delivery.") {
                #expect(
                    line.channel != nil && line.channel_type != nil && line.delivery_id != nil
                        && (DeliveryState(rawValue: line.state ?? "") != nil || line.state == "retracted"),
                    sourceLocation: sourceLocation)
            }
            #expect(event.line.hasPrefix("{\"seq\":\(event.seq),\"actor\":"), sourceLocation: sourceLocation)
        }
    }
}

/// The events of docs/delivery-log.schema.json.
let knownEvents: Set<String> = [
    "item.submitted", "item.edited", "item.approved", "item.rejected", "item.cancelled", "item.expired",
    "delivery.planned", "delivery.delivered", "delivery.retry", "delivery.failed", "delivery.expired",
    "delivery.cancelled", "delivery.uncertain", "delivery.recovered", "delivery.requeued", "delivery.resolved",
    "delivery.part", "delivery.retracted",
]

func decodeLine(_ json: String) throws -> LogLine {
    try JSONDecoder().decode(LogLine.self, from: Data(json.utf8))
}

/// The outcome the engine would record for a claimed delivery.
func outcome(
    _ claimed: ClaimedDelivery, _ next: DeliveryOutcome.Next, at: Date = t0.addingTimeInterval(1),
    result: ChannelResult? = nil, errorClass: String? = nil, error: String? = nil
) -> DeliveryOutcome {
    let d = claimed.delivery
    let kind: AttemptRecord.Outcome =
        switch next {
        case .delivered: .delivered
        case .retry: .retry
        case .failed: .failed
        case .uncertain: .interrupted
        }
    let attempt = AttemptRecord(
        deliveryID: d.id, number: d.attempts, startedAt: at.addingTimeInterval(-0.25), finishedAt: at, outcome: kind,
        errorClass: errorClass, message: error, code: errorClass == nil ? 200 : 503, remoteID: result?.remoteID,
        url: result?.url)
    let state: DeliveryState =
        switch next {
        case .delivered: .delivered
        case .retry: .retryWait
        case .failed: .failed
        case .uncertain: .uncertain
        }
    let clock = LogClock(timeZone: hcm)
    var retryAt: String?
    if case .retry(let t) = next { retryAt = clock.format(t) }
    let line = LogLine(
        ts: clock.format(at),
        event: LogEventKind(
            rawValue: "delivery.\(kind == .retry ? "retry" : kind == .interrupted ? "uncertain" : kind.rawValue)"),
        item_id: claimed.item.id,
        item_title: claimed.item.content.title, unit: claimed.item.content.unit, topic: claimed.item.content.topic,
        channel: d.channel, channel_type: d.channelType, delivery_id: d.id, attempt: d.attempts, state: state.rawValue,
        error_class: errorClass, error: error, remote_id: result?.remoteID, url: result?.url,
        duration_ms: attempt.durationMilliseconds, retry_at: retryAt, actor: "cchcd")
    return DeliveryOutcome(deliveryID: d.id, attempt: attempt, next: next, logLine: line)
}

/// Runs `body` and returns the StoreError it threw (nil when it did not throw one).
func storeError<T>(_ body: () async throws(StoreError) -> T) async -> StoreError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error
    }
}
