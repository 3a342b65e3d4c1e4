import ArgumentParser
import ChannelKit
import ChannelRegistry
import Config
import Foundation
import Queue

struct DeliveryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delivery", abstract: "Từng lần phát hành của một bài trên một kênh.", subcommands: [Resolve.self])

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Quyết định một lần gửi \"chưa rõ kết quả\" (máy chủ dừng giữa chừng): đã đăng, gửi lại, hoặc bỏ."
        )
        @Argument(help: "Mã lần gửi, dạng MÃ-BÀI/TÊN-KÊNH.") var id: String
        @Option(
            name: .customLong("as"),
            help:
                "da-dang / delivered (đã đăng), gui-lai / resend (gửi lại) hoặc bo / failed (bỏ); có dấu hay không dấu."
        )
        var resolution: String
        @Option(help: "Đường dẫn bài đã đăng (với delivered).") var url: String?
        @Option(help: "Mã bài trên kênh (với delivered).") var remoteId: String?
        @Option(help: "Họ tên người quyết định.") var by: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let by = try requireName(by)
                let session = try Session.open(json: options.json)
                let r: Resolution
                switch StateWords.fold(resolution) {
                case "delivered", "da-dang", "da-gui": r = .delivered(ChannelResult(remoteID: remoteId, url: url))
                case "resend", "gui-lai": r = .resend
                case "failed", "loi", "bo", "that-bai": r = .failed
                default:
                    throw CLIError(
                        code: "usage",
                        message:
                            "--as: dùng da-dang (delivered: bài đã lên kênh), gui-lai (resend: gửi lại) hoặc bo (failed: bỏ, tính là lỗi)",
                        exit: 64)
                }
                let d: DeliveryRecord
                do { d = try await session.store.resolve(deliveryID: id, r, by: by, at: Date()) } catch {
                    throw session.storeError(error)
                }
                if options.json {
                    Output.printJSON(ItemJSON.delivery(d, attempts: [], session: session))
                } else {
                    print("Đã ghi nhận: \(d.id) → \(d.state.label).")
                }
            }
        }
    }
}

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

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Cấu hình.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Kiểm tra tệp cấu hình và mọi kênh trong đó.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                // Checking the configuration needs no store: nothing is opened or created.
                let (config, path) = try Session.loadConfig()
                let (_, http) = try Session.channels(for: config)
                http.shutdown()
                if options.json {
                    Output.printJSON(["ok": true, "path": path, "channels": config.channels.map(\.name)])
                } else {
                    print(
                        "Cấu hình hợp lệ: \(path) (\(config.channels.count) kênh: \(config.channels.map(\.name).joined(separator: ", ")))"
                    )
                }
            }
        }
    }
}

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Nhật ký phát hành.", subcommands: [Tail.self])

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "In các dòng cuối của nhật ký phát hành (JSON Lines).")
        @Option(name: [.customShort("n"), .customShort("l"), .long], help: "Số dòng (-n 3 như lệnh tail).")
        var lines: Int = 20
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                guard lines >= 1 else {
                    throw CLIError(code: "usage", message: "-n: số dòng phải từ 1 trở lên", exit: 64)
                }
                let config = try Session.loadConfig().config
                let dir = config.deliveryLogDirectory
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
                    .filter { $0.hasPrefix("delivery-") && $0.hasSuffix(".jsonl") }.sorted()
                var collected: [String] = []
                for file in files.reversed() where collected.count < lines {
                    guard let data = FileManager.default.contents(atPath: dir + "/" + file) else { continue }
                    let fileLines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
                    collected = Array(fileLines.suffix(lines - collected.count)) + collected
                }
                if collected.isEmpty && !options.json {
                    print("Nhật ký phát hành chưa có dòng nào (\(dir)).")
                }
                // The lines are JSON already: --json prints them unchanged, one per line.
                for line in collected { print(line) }
            }
        }
    }
}

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Sao lưu cơ sở dữ liệu (bài viết, các lần gửi, nhật ký) ra một tệp mới, kể cả khi cchcd đang chạy.")
    @Argument(help: "Tệp sao lưu (chưa tồn tại).") var file: String
    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await perform(json: options.json) { () async throws(CLIError) in
            let session = try Session.open(json: options.json)
            let path = ConfigLoader.resolvePath(file, environment: [:])
            if FileManager.default.fileExists(atPath: path) {
                throw CLIError(code: "usage", message: "tệp \(path) đã có; hãy chọn tên khác (không ghi đè)", exit: 64)
            }
            do { try await session.store.backup(to: path) } catch {
                throw CLIError(code: "database", message: "không sao lưu được: \(error)", exit: Exit.database)
            }
            if options.json { Output.printJSON(["backup": path]) } else { print("Đã sao lưu vào \(path).") }
        }
    }
}
