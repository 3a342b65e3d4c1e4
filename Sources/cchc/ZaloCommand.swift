import ArgumentParser
import ChannelConfig
import ChannelKit
import Config
import Foundation
import Workflows

/// `cchc zalo seed-token NAME`: stores the OA's first token pair (after authorising the OA) for a
/// zalo channel. The pair is read from standard input, never from the command line, where other
/// users of the machine could see it in the process list and the shell history keeps it.
struct ZaloCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zalo", abstract: "Zalo Official Account: lưu token ban đầu.", subcommands: [SeedToken.self])

    struct SeedToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seed-token",
            abstract: "Lưu cặp access token / refresh token của OA cho một kênh zalo (đọc từ đầu vào chuẩn).",
            discussion: """
                Dán vào đầu vào chuẩn câu trả lời JSON của Zalo ({"access_token": …, "refresh_token": …,
                "expires_in": …}) hoặc hai dòng: access token rồi refresh token. Không bao giờ đưa token vào
                dòng lệnh. Sau đó nạp lại cchcd (systemctl reload cchcd).
                """)
        @Argument(help: "Tên kênh zalo trong cấu hình.") var name: String
        @Option(help: "Số giây access token còn hiệu lực khi không có expires_in (mặc định 90000 = 25 giờ).")
        var expiresIn: Int = 90000
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let config = try Session.loadConfig().config
                guard let channel = config.channels.first(where: { $0.name == name }) else {
                    throw CLIError(
                        code: "not-found", message: "không có kênh \"\(name)\" trong cấu hình", exit: Exit.notFound)
                }
                guard channel.type == "zalo" else {
                    throw CLIError(
                        code: "usage", message: "kênh \"\(name)\" là kênh \(channel.type), không phải kênh zalo",
                        exit: 64)
                }
                guard expiresIn > 0 else {
                    throw CLIError(code: "usage", message: "--expires-in phải lớn hơn 0", exit: 64)
                }
                let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                let pair = try Self.parse(input, defaultLifetime: expiresIn, now: Date())
                let store = ZaloTokenSeeding(stateDirectory: config.stateDirectory, channel: name)
                do throws(ZaloTokenSeeding.Failure) {
                    try store.save(
                        accessToken: pair.accessToken, refreshToken: pair.refreshToken,
                        accessExpiresAt: pair.accessExpiresAt, obtainedAt: pair.obtainedAt)
                } catch {
                    throw CLIError(
                        code: "io", message: "không lưu được token vào \(store.path): \(error.message)",
                        exit: Exit.failure)
                }
                if options.json {
                    Output.printJSON([
                        "channel": name, "ok": true, "path": store.path,
                        "access_expires_at": ISO8601DateFormatter().string(from: pair.accessExpiresAt),
                    ])
                } else {
                    print(
                        "Đã lưu cặp token Zalo của kênh \(name) vào \(store.path) (chỉ tài khoản chạy cchcd đọc được). Hãy nạp lại cchcd: systemctl reload cchcd."
                    )
                }
            }
        }

        /// A token pair as read from standard input.
        struct Pair {
            var accessToken: Secret
            var refreshToken: Secret
            var accessExpiresAt: Date
            var obtainedAt: Date
        }

        /// The pair from Zalo's JSON answer or from two lines; the tokens never appear in messages.
        static func parse(_ input: String, defaultLifetime: Int, now: Date) throws(CLIError) -> Pair {
            let trimmed = input.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else {
                throw CLIError(
                    code: "usage",
                    message:
                        "đầu vào chuẩn trống: dán câu trả lời JSON của Zalo hoặc hai dòng (access token, refresh token)",
                    exit: 64)
            }
            var access: String?
            var refresh: String?
            var lifetime = defaultLifetime
            if trimmed.hasPrefix("{") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any]
                else {
                    throw CLIError(
                        code: "usage", message: "đầu vào bắt đầu bằng { nhưng không phải JSON hợp lệ", exit: 64)
                }
                access = object["access_token"] as? String
                refresh = object["refresh_token"] as? String
                switch object["expires_in"] {
                case let s as String: lifetime = Int(s) ?? lifetime
                case let n as NSNumber: lifetime = n.intValue
                default: break
                }
            } else {
                let lines = trimmed.split(whereSeparator: \.isNewline).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }.filter { !$0.isEmpty }
                guard lines.count == 2 else {
                    throw CLIError(
                        code: "usage",
                        message: "cần đúng hai dòng (access token rồi refresh token), nhận được \(lines.count) dòng",
                        exit: 64)
                }
                access = lines[0]
                refresh = lines[1]
            }
            guard let access, !access.isEmpty, !access.contains(where: \.isWhitespace) else {
                throw CLIError(code: "usage", message: "thiếu access_token hợp lệ", exit: 64)
            }
            guard let refresh, !refresh.isEmpty, !refresh.contains(where: \.isWhitespace) else {
                throw CLIError(code: "usage", message: "thiếu refresh_token hợp lệ", exit: 64)
            }
            guard access != refresh else {
                throw CLIError(code: "usage", message: "access token và refresh token trùng nhau", exit: 64)
            }
            return Pair(
                accessToken: Secret(access), refreshToken: Secret(refresh),
                accessExpiresAt: now.addingTimeInterval(Double(max(1, lifetime))), obtainedAt: now)
        }
    }
}
