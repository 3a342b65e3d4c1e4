import ArgumentParser
import ChannelKit
import Config
import Foundation
import Intake
import Queue

/// `cchc events list`: what citizens and followers sent through the platforms' webhooks (comments,
/// messages, follows), for officers to read and answer on the platform.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Tương tác nhận được từ các nền tảng (bình luận, tin nhắn, lượt theo dõi…).",
        subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Liệt kê các tương tác đã nhận, mới nhất trước.")
        @Option(help: "Chỉ kênh này.") var channel: String?
        @Option(help: "Chỉ loại này (comment, reaction, message, follow, unfollow…).") var kind: String?
        @Option(help: "Chỉ các tương tác về bài này (mã bài).") var item: String?
        @Option(help: "Chỉ từ ngày này (YYYY-MM-DD hoặc YYYY-MM-DD HH:MM).") var since: String?
        @Option(name: .shortAndLong, help: "Số tương tác tối đa.") var limit: Int = 50
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                guard limit >= 1 else {
                    throw CLIError(code: "usage", message: "--limit: số tương tác phải từ 1 trở lên", exit: 64)
                }
                let session = try Session.open(json: options.json)
                var sinceDate: Date?
                if let since {
                    guard let d = DateText.parse(since, timeZone: session.config.timeZone) else {
                        throw CLIError(
                            code: "usage", message: "--since: ngày \"\(since)\" không hợp lệ (YYYY-MM-DD)", exit: 64)
                    }
                    sinceDate = d
                }
                if let channel, !session.config.channels.contains(where: { $0.name == channel }) {
                    // Events of a channel removed from the configuration stay readable; say so, do not refuse.
                    if !options.json {
                        print("Lưu ý: kênh \"\(channel)\" không còn trong cấu hình; vẫn liệt kê tương tác đã lưu.")
                    }
                }
                let records: [InboundEventRecord]
                do {
                    records = try await session.store.inboundEvents(
                        InboundEventFilter(channel: channel, kind: kind, itemID: item, since: sinceDate, limit: limit))
                } catch { throw session.storeError(error) }
                if options.json {
                    Output.printJSON([
                        "events": records.map { r in
                            [
                                "id": r.id, "channel": r.channel, "channel_type": r.channelType, "kind": r.event.kind,
                                "key": r.event.key, "occurred_at": session.rfc3339(r.event.occurredAt) ?? "",
                                "received_at": session.rfc3339(r.receivedAt) ?? "",
                                "remote_ref": r.event.remoteRef ?? NSNull(), "item_id": r.itemID ?? NSNull(),
                                "sender_id": r.event.senderID ?? NSNull(), "text": r.event.text ?? NSNull(),
                                "detail": r.event.detail ?? NSNull(),
                            ] as [String: Any]
                        }
                    ])
                    return
                }
                if records.isEmpty {
                    print("Chưa có tương tác nào phù hợp.")
                    return
                }
                for r in records {
                    var head = "\(session.display(r.event.occurredAt))  \(r.channel)  \(Self.label(r.event.kind))"
                    if let itemID = r.itemID { head += "  bài \(itemID)" }
                    if let sender = r.event.senderID { head += "  người gửi \(sender)" }
                    if let detail = r.event.detail { head += "  (\(detail))" }
                    // Sender ids and details come from outside: one record stays one line.
                    print(SafeText.logLine(head))
                    if let text = r.event.text, !text.isEmpty {
                        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                            print("    \(line)")
                        }
                    }
                }
            }
        }

        /// Vietnamese names of the common kinds; other kinds are shown as they are.
        static func label(_ kind: String) -> String {
            switch kind {
            case "comment": "bình luận"
            case "reaction": "bày tỏ cảm xúc"
            case "message": "tin nhắn"
            case "follow": "theo dõi"
            case "unfollow": "bỏ theo dõi"
            case "post": "bài đăng"
            case "share": "chia sẻ"
            default: kind
            }
        }
    }
}
