import ArgumentParser
import Config
import Foundation
import Queue
import Reports
import Transport

/// `cchc can-xu-ly` (`cchc attention`): what needs a person now — deliveries that failed, sends whose
/// outcome is unknown, channels the daemon has paused or halted, items waiting for approval — each
/// with the command that deals with it.
struct AttentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "can-xu-ly",
        abstract:
            "Những việc cần người xử lý: lượt gửi lỗi, lượt gửi chưa rõ kết quả, kênh đang tạm dừng, bài chờ duyệt.",
        aliases: ["attention"])

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await perform(json: options.json) { () async throws(CLIError) in
            let session = try Session.open(json: options.json)
            let config = session.config
            func label(_ channel: String) -> String {
                config.channel(named: channel)?.label.map { "\($0) (\(channel))" } ?? channel
            }
            var failed: [(DeliveryRecord, ItemRecord)] = []
            var uncertain: [(DeliveryRecord, ItemRecord?)] = []
            var waiting: [ItemRecord] = []
            do {
                for item in try await session.store.items(
                    ItemFilter(statuses: [.partlyFailed, .failed, .dispatching], limit: 100_000))
                {
                    for d in try await session.store.deliveries(itemID: item.id) where d.state == .failed {
                        failed.append((d, item))
                    }
                }
                for d in try await session.store.uncertainDeliveries() {
                    uncertain.append((d, try await session.store.item(d.itemID)))
                }
                waiting = try await session.store.items(ItemFilter(statuses: [.submitted], limit: 100_000))
            } catch { throw session.storeError(error) }
            let (paused, daemonNote) = await Self.pausedChannels(config)

            if options.json {
                Output.printJSON([
                    "failed": failed.map { d, item in
                        [
                            "delivery": d.id, "item_id": item.id, "title": item.content.title, "channel": d.channel,
                            "error_class": d.lastErrorClass ?? NSNull(), "error": d.lastError ?? NSNull(),
                        ] as [String: Any]
                    },
                    "uncertain": uncertain.map { d, item in
                        [
                            "delivery": d.id, "item_id": d.itemID, "title": item?.content.title ?? "",
                            "channel": d.channel,
                        ]
                            as [String: Any]
                    },
                    "paused_channels": paused.map { ["channel": $0.name, "circuit": $0.circuit, "reason": $0.reason] },
                    "awaiting_approval": waiting.map { ["item_id": $0.id, "title": $0.content.title] },
                    "daemon": daemonNote ?? "ok",
                ])
                return
            }
            var anything = false
            if !failed.isEmpty {
                anything = true
                print(
                    "Lượt gửi bị lỗi (\(failed.count)) — sửa nguyên nhân rồi gửi lại: cchc item retry MÃ-BÀI --channel KÊNH --by \"HỌ TÊN\""
                )
                for (d, item) in failed {
                    let kind = d.lastErrorClass.map(Labels.errorClass) ?? "lỗi"
                    print("  \(item.id)  \(label(d.channel))  \(item.content.title)")
                    print("      \(kind)\(d.lastError.map { " — chi tiết: \($0)" } ?? "")")
                }
            }
            if !uncertain.isEmpty {
                anything = true
                print(
                    "Lượt gửi chưa rõ kết quả (\(uncertain.count)) — kiểm tra trên kênh rồi quyết định: cchc delivery resolve MÃ --as delivered|resend|failed --by \"HỌ TÊN\""
                )
                for (d, item) in uncertain { print("  \(d.id)  \(label(d.channel))  \(item?.content.title ?? "")") }
            }
            if !paused.isEmpty {
                anything = true
                print("Kênh đang tạm dừng (\(paused.count)) — cchcd không gửi qua các kênh này:")
                for p in paused {
                    print(
                        "  \(label(p.name))  [\(p.circuit == "halted" ? "đã dừng, cần sửa cấu hình rồi nạp lại" : "tạm nghỉ sau nhiều lần lỗi")]  \(p.reason)"
                    )
                }
            }
            if !waiting.isEmpty {
                anything = true
                print("Bài chờ duyệt (\(waiting.count)) — duyệt: cchc item approve MÃ-BÀI --by \"HỌ TÊN\"")
                for item in waiting { print("  \(item.id)  \(item.content.title)") }
            }
            if !anything { print("Không có việc gì cần xử lý.") }
            if let daemonNote { print("(\(daemonNote))") }
        }
    }

    struct Paused {
        var name: String
        var circuit: String
        var reason: String
    }

    /// Channels whose circuit is not closed, from the running daemon's `/status` (its listener). The
    /// note says why nothing could be learnt, when so.
    static func pausedChannels(_ config: DaemonConfig) async -> ([Paused], String?) {
        guard let listen = config.httpListen else {
            return ([], "không biết kênh nào đang tạm dừng: cấu hình chưa có http.listen để hỏi cchcd")
        }
        let http: HTTPClient
        do { http = try HTTPClient(configuration: config.httpClientConfiguration) } catch {
            return ([], "không hỏi được cchcd: \(error)")
        }
        defer { http.shutdown() }
        let response: HTTPResponse
        do {
            response = try await http.execute(HTTPRequest(url: "http://\(listen)/status", timeout: .seconds(5)))
        } catch {
            return ([], "không hỏi được cchcd ở \(listen) (cchcd có đang chạy?): không biết kênh nào đang tạm dừng")
        }
        guard response.status == 200,
            let obj = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let channels = obj["channels"] as? [String: [String: Any]]
        else { return ([], "cchcd ở \(listen) trả lời không đúng dạng (HTTP \(response.status))") }
        let paused = channels.compactMap { name, h -> Paused? in
            guard let circuit = h["circuit"] as? String, circuit != "closed" else { return nil }
            let reason = (h["halt_reason"] as? String) ?? (h["last_error"] as? String) ?? ""
            return Paused(name: name, circuit: circuit, reason: reason)
        }.sorted { $0.name < $1.name }
        return (paused, nil)
    }
}
