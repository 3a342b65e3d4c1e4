import ArgumentParser
import ChannelKit
import Foundation

struct ChannelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channel", abstract: "Các kênh phát hành trong cấu hình.", subcommands: [List.self, Check.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Liệt kê các kênh và số lần gửi đang chờ.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let session = try Session.open(json: options.json)
                let next: [String: Date]
                let waiting: [String: Int]
                do {
                    next = try await session.store.nextDue(now: Date())
                    waiting = try await session.store.stats().waitingByChannel
                } catch { throw session.storeError(error) }
                let configured = Set(session.config.channels.map(\.name))
                // Deliveries of channels no longer in the configuration wait, untouched, until the
                // channel comes back (or an officer cancels the items).
                let orphaned = waiting.keys.filter { !configured.contains($0) }.sorted()
                if options.json {
                    Output.printJSON([
                        "channels": session.config.channels.map { c in
                            [
                                "name": c.name, "type": c.type, "enabled": c.enabled,
                                "after": c.settings.after ?? NSNull(), "waiting": waiting[c.name] ?? 0,
                                "next_due": session.rfc3339(next[c.name]) ?? NSNull(),
                            ] as [String: Any]
                        },
                        "orphaned": orphaned.map { ["name": $0, "waiting": waiting[$0] ?? 0] as [String: Any] },
                    ])
                    return
                }
                for c in session.config.channels {
                    var line = "\(c.name)  (\(c.type))"
                    if !c.enabled { line += "  [tắt]" }
                    if let after = c.settings.after { line += "  sau \(after)" }
                    line += "  \(waiting[c.name] ?? 0) lần gửi đang chờ"
                    if let due = next[c.name] { line += ", kế tiếp: \(session.display(due))" }
                    print(line)
                }
                for name in orphaned {
                    print(
                        "\(name)  (không còn trong cấu hình)  \(waiting[name] ?? 0) lần gửi đang chờ kênh này trở lại")
                }
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Kiểm tra kết nối và thông tin đăng nhập của một kênh (không đăng gì).")
        @Argument(help: "Tên kênh.") var name: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let session = try Session.open(json: options.json)
                let (channels, http) = try session.channels()
                defer { http.shutdown() }
                guard let channel = channels[name] else {
                    throw CLIError(
                        code: "not-found", message: "không có kênh \"\(name)\" trong cấu hình", exit: Exit.notFound)
                }
                do throws(ChannelError) {
                    let what = try await channel.check()
                    if options.json {
                        Output.printJSON(["channel": name, "ok": true, "detail": what])
                    } else {
                        print("\(name): tốt — \(what)")
                    }
                } catch  where error.errorClass == .unsupported {
                    // Not a failure of the channel: this type has nothing to check before sending.
                    let type = session.config.channel(named: name)?.type ?? ""
                    throw CLIError(
                        code: "check-unsupported",
                        message:
                            "\(name): kênh loại \(type) không có bước kiểm tra trước (không có kết nối hay đăng nhập nào "
                            + "để thử); kênh vẫn dùng được, kết quả gửi xem bằng cchc item show MÃ-BÀI",
                        exit: Exit.checkFailed)
                } catch {
                    throw CLIError(
                        code: "check-failed", message: "\(name): kiểm tra thất bại — \(error)", exit: Exit.checkFailed)
                }
            }
        }
    }
}
