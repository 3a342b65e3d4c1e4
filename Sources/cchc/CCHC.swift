import ArgumentParser
import Foundation

struct CCHC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cchc",
        abstract: "Công cụ dòng lệnh của cchc-dispatch: đưa bài vào hàng đợi, duyệt, theo dõi, gửi lại.",
        discussion: """
            Mọi lệnh nhận --config ĐƯỜNG-DẪN (trước hoặc sau tên lệnh); mặc định $CCHC_CONFIG rồi /etc/cchcd/cchcd.yaml.
            Mã thoát: 0 thành công; 1 lỗi khác; 3 không tìm thấy; 4 không thực hiện được ở trạng thái hiện tại;
            5 tệp bài viết không hợp lệ; 6 kiểm tra kênh thất bại; 64 sai cú pháp lệnh; 70 lỗi cơ sở dữ liệu;
            78 cấu hình sai.
            """,
        version: "0.1.0",
        subcommands: [
            ItemCommand.self, DeliveryCommand.self, ChannelCommand.self, ConfigCommand.self, LogCommand.self,
            BackupCommand.self,
            ReportCommand.self, RadioCommand.self, EventsCommand.self, ZaloCommand.self, AgendaCommand.self,
            AttentionCommand.self, UserCommand.self,
        ])
}

/// Options every command shares.
struct CommonOptions: ParsableArguments {
    @Flag(name: .long, help: "In kết quả dạng JSON (cho các chương trình khác đọc).")
    var json = false
}

/// Exit codes (documented in `cchc --help` and docs/cli.md).
enum Exit {
    static let failure: Int32 = 1
    static let notFound: Int32 = 3
    static let invalidState: Int32 = 4
    static let invalidItem: Int32 = 5
    static let checkFailed: Int32 = 6
    static let database: Int32 = 70
    static let config: Int32 = 78
}

/// A failure to report to the officer: Vietnamese text, a stable code for scripts, an exit code.
struct CLIError: Error {
    var code: String
    var message: String
    var exit: Int32
    /// The command already printed its answer (a `--json` object carrying the error): only exit.
    var alreadyReported = false
}

/// A command whose work is its async `run()`. Every leaf command conforms.
protocol AsyncRunnable {
    func run() async throws
}

extension ItemCommand.Add: AsyncRunnable {}
extension ItemCommand.New: AsyncRunnable {}
extension ItemCommand.List: AsyncRunnable {}
extension ItemCommand.Show: AsyncRunnable {}
extension ItemCommand.Approve: AsyncRunnable {}
extension ItemCommand.Reject: AsyncRunnable {}
extension ItemCommand.Cancel: AsyncRunnable {}
extension ItemCommand.Retry: AsyncRunnable {}
extension ItemCommand.Retract: AsyncRunnable {}
extension EventsCommand.List: AsyncRunnable {}
extension DeliveryCommand.Resolve: AsyncRunnable {}
extension ChannelCommand.List: AsyncRunnable {}
extension ChannelCommand.Check: AsyncRunnable {}
extension ConfigCommand.Check: AsyncRunnable {}
extension LogCommand.Tail: AsyncRunnable {}
extension BackupCommand: AsyncRunnable {}
extension ReportCommand: AsyncRunnable {}
extension AgendaCommand: AsyncRunnable {}
extension AttentionCommand: AsyncRunnable {}
extension RadioCommand.Preview: AsyncRunnable {}
extension ZaloCommand.SeedToken: AsyncRunnable {}
extension UserCommand.Add: AsyncRunnable {}
extension UserCommand.Passwd: AsyncRunnable {}
extension UserCommand.RoleCmd: AsyncRunnable {}
extension UserCommand.Disable: AsyncRunnable {}
extension UserCommand.List: AsyncRunnable {}
extension UserCommand.Token: AsyncRunnable {}
