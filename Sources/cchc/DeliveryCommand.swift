import ArgumentParser
import ChannelKit
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
