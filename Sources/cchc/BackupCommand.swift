import ArgumentParser
import Config
import Foundation

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
