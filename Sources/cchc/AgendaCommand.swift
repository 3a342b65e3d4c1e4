import ArgumentParser
import ChannelConfig
import ChannelKit
import Config
import Foundation
import Intake
import Queue

/// `cchc lich` (`cchc agenda`): what goes out when, per channel, by due time — this week by default.
struct AgendaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lich", abstract: "Lịch phát hành: bài nào đi kênh nào, lúc nào (mặc định: tuần này).",
        discussion: """
            Theo giờ hẹn gửi của từng kênh (đã tính khung giờ, giờ nghỉ, giới hạn của kênh), không theo ngày tạo bài.
            Bài chưa duyệt có giờ hẹn trong khoảng được liệt kê riêng: chúng chỉ đi khi được duyệt.
            """,
        aliases: ["agenda"])

    @Option(help: "Từ ngày (YYYY-MM-DD; mặc định: thứ Hai tuần này).") var from: String?
    @Option(help: "Số ngày (mặc định 7).") var days: Int = 7
    @Option(help: "Chỉ một kênh.") var channel: String?
    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await perform(json: options.json) { () async throws(CLIError) in
            let session = try Session.open(json: options.json)
            let config = session.config
            if let channel, config.channel(named: channel) == nil {
                throw CLIError(
                    code: "not-found",
                    message:
                        "không có kênh \"\(channel)\" trong cấu hình (các kênh: \(config.channels.map(\.name).joined(separator: ", ")))",
                    exit: Exit.notFound)
            }
            guard (1...366).contains(days) else {
                throw CLIError(code: "usage", message: "--days: từ 1 đến 366 ngày", exit: 64)
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = config.timeZone
            let start: Date
            if let from {
                guard let d = DateText.parse(from, timeZone: config.timeZone) else {
                    throw CLIError(
                        code: "usage", message: "--from: ngày \"\(from)\" không hợp lệ (YYYY-MM-DD)", exit: 64)
                }
                start = calendar.startOfDay(for: d)
            } else {
                let today = calendar.startOfDay(for: Date())
                let weekday = calendar.component(.weekday, from: today)  // 1 = Sunday
                start = calendar.date(byAdding: .day, value: -((weekday + 5) % 7), to: today)!
            }
            let end = calendar.date(byAdding: .day, value: days, to: start)!

            var scheduled: [(DeliveryRecord, ItemRecord)] = []
            var unapproved: [ItemRecord] = []
            do {
                // Items with their deliveries, a page at a time (one read each, not one per item).
                var rows: [ItemWithDeliveries] = []
                var query = ItemPageQuery(
                    statuses: [.submitted, .approved, .dispatching, .done, .partlyFailed, .failed], offset: 0,
                    limit: 1000)
                while true {
                    let page = try await session.store.itemPage(query)
                    rows += page.rows
                    guard page.hasMore, rows.count < 100_000 else { break }
                    query.offset += query.limit
                }
                for row in rows {
                    let item = row.item
                    if item.status == .submitted {
                        let at = item.content.publishAt
                        if at.map({ $0 >= start && $0 < end }) ?? false,
                            channel.map({ item.content.channels.contains($0) }) ?? true
                        {
                            unapproved.append(item)
                        }
                        continue
                    }
                    for d in row.deliveries {
                        let at = d.deliveredAt ?? d.dueAt
                        guard at >= start, at < end, channel.map({ $0 == d.channel }) ?? true else { continue }
                        scheduled.append((d, item))
                    }
                }
            } catch { throw session.storeError(error) }
            scheduled.sort { ($0.0.deliveredAt ?? $0.0.dueAt, $0.0.id) < ($1.0.deliveredAt ?? $1.0.dueAt, $1.0.id) }
            unapproved.sort {
                ($0.content.publishAt ?? .distantPast, $0.id) < ($1.content.publishAt ?? .distantPast, $1.id)
            }

            let channels = config.channels.filter { c in channel.map { $0 == c.name } ?? true }
            if options.json {
                Output.printJSON([
                    "from": session.rfc3339(start) ?? "", "to": session.rfc3339(end) ?? "",
                    "channels": channels.map { c in
                        [
                            "name": c.name, "label": c.label ?? c.name, "type": c.type,
                            "slots": c.settings.slots.map(\.description),
                            "deliveries": scheduled.filter { $0.0.channel == c.name }.map { d, item in
                                [
                                    "item_id": item.id, "title": item.content.title, "state": d.state.rawValue,
                                    "at": session.rfc3339(d.deliveredAt ?? d.dueAt) ?? "",
                                ] as [String: Any]
                            },
                        ] as [String: Any]
                    },
                    "awaiting_approval": unapproved.map {
                        [
                            "item_id": $0.id, "title": $0.content.title, "channels": $0.content.channels,
                            "publish_at": session.rfc3339($0.content.publishAt) ?? "",
                        ] as [String: Any]
                    },
                ])
                return
            }
            let last = calendar.date(byAdding: .day, value: -1, to: end)!
            print("Lịch phát hành từ \(Self.day(start, calendar)) đến hết \(Self.day(last, calendar)):")
            for c in channels {
                print("")
                var head = c.label.map { "\($0) (\(c.name))" } ?? c.name
                if !c.settings.slots.isEmpty {
                    head += " — khung giờ: \(c.settings.slots.map { $0.start.description }.joined(separator: ", "))"
                }
                print(head)
                // A radio channel's items go into each station's bulletin at the station's own slots.
                for (station, slots) in c.stationSlots {
                    print("  đài \(station) — phát lúc: \(slots.joined(separator: ", "))")
                }
                let rows = scheduled.filter { $0.0.channel == c.name }
                if rows.isEmpty { print("  (không có bài nào)") }
                for (d, item) in rows {
                    let at = d.deliveredAt ?? d.dueAt
                    print(
                        "  \(Self.day(at, calendar)) \(Self.time(at, calendar))  [\(d.state.label)]  \(item.id)  \(item.content.title)"
                    )
                }
            }
            if !unapproved.isEmpty {
                print("")
                print("Chưa duyệt (chỉ gửi khi được duyệt: cchc item approve MÃ-BÀI --by \"HỌ TÊN\"):")
                for item in unapproved {
                    let at = item.content.publishAt!
                    print(
                        "  \(Self.day(at, calendar)) \(Self.time(at, calendar))  \(item.id)  \(item.content.title)  → \(item.content.channels.joined(separator: ", "))"
                    )
                }
            }
        }
    }

    static let weekdays = ["CN", "T2", "T3", "T4", "T5", "T6", "T7"]

    /// `T2 07/12`.
    static func day(_ date: Date, _ calendar: Calendar) -> String {
        let c = calendar.dateComponents([.weekday, .day, .month], from: date)
        return weekdays[c.weekday! - 1] + String(format: " %02d/%02d", c.day!, c.month!)
    }

    static func time(_ date: Date, _ calendar: Calendar) -> String {
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", c.hour!, c.minute!)
    }
}
