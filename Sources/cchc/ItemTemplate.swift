import ArgumentParser
import Config
import Foundation

extension ItemCommand {
    /// `cchc item new FILE`: a commented item file to fill in (docs/item-files.md explains each key).
    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tạo tệp bài viết mẫu có chú thích từng khóa (không ghi đè tệp đã có).")
        @Argument(help: "Tệp sẽ tạo, ví dụ bai-moi.md.") var file: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let path = ConfigLoader.resolvePath(file, environment: [:])
                guard !FileManager.default.fileExists(atPath: path) else {
                    throw CLIError(code: "usage", message: "tệp \(file) đã có; chọn tên khác (không ghi đè)", exit: 64)
                }
                // The configured channels, when there is a configuration, make the example concrete.
                let channels = (try? Session.loadConfig().config.channels.map(\.name)) ?? []
                let text = Self.template(channels: channels)
                do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
                    throw CLIError(
                        code: "failure", message: "không ghi được tệp \(path): \(error.localizedDescription)",
                        exit: Exit.failure)
                }
                if options.json {
                    Output.printJSON(["file": path])
                } else {
                    print("Đã tạo \(path). Điền các khóa, xóa dòng không cần, rồi: cchc item add \(file)")
                }
            }
        }

        static func template(channels: [String]) -> String {
            let list = channels.isEmpty ? "portal-tinh" : channels.prefix(2).joined(separator: ", ")
            let known = channels.isEmpty ? "" : " (cấu hình có: \(channels.joined(separator: ", ")))"
            return """
                ---
                # Tệp bài viết cchc-dispatch. Dòng bắt đầu bằng # là chú thích, cchc bỏ qua.
                # Hướng dẫn đầy đủ: docs/item-files.md. Lưu tệp ở bảng mã UTF-8.
                # id: 2026-12-0042          # không bắt buộc; bỏ trống thì hệ thống tự cấp. Thêm lại tệp có cùng id là SỬA bài đó.
                title: "Tiêu đề bài viết"   # bắt buộc; có dấu hai chấm (:) thì phải để trong ngoặc kép
                summary: "Một câu tóm tắt cho mạng xã hội và thư điện tử."
                topic: tthc                 # the-che, tthc, bo-may, cong-vu, tai-chinh-cong, chinh-quyen-so, chi-so, khac
                unit: "Sở Nội vụ"           # đơn vị ban hành (báo cáo đếm theo đơn vị)
                # author: "Phòng Cải cách hành chính"
                channels: [\(list)]         # kênh đăng\(known)
                # publish_at: 2026-12-10 08:00   # giờ đăng; bỏ trống = đăng ngay khi được duyệt
                # expires_at: 2026-12-31         # sau thời điểm này không gửi nữa
                # priority: thuong               # thuong | uu-tien | khan-cap
                # media:                         # ảnh: path (tệp, tính từ thư mục tệp này) hoặc url
                #   - path: anh-bia.jpg
                #     caption: "Chú thích ảnh"
                #   - url: https://example.gov.vn/anh.jpg
                # overrides:                     # nội dung riêng cho một kênh
                #   radio-xa: { script: "Lời đọc cho đài truyền thanh…" }
                #   fb-sonoivu: { text: "Bài Facebook ngắn…" }
                ---
                Nội dung bài viết. Dòng trống ngăn hai đoạn; **chữ đậm**; dòng bắt đầu bằng "- " là danh sách.

                """
        }
    }
}
