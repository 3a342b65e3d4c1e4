import ChannelKit
import Foundation

/// Vietnamese labels of the keys that appear in reports.
public enum Labels {
    public static func channelType(_ key: String) -> String {
        switch key {
        case "portal": "Cổng/Trang thông tin điện tử"
        case "webhook": "Hệ thống khác (webhook)"
        case "exec": "Chương trình ngoài"
        case "email": "Thư điện tử"
        case "radio": "Truyền thanh cơ sở"
        case "facebook": "Trang Facebook"
        case "zalo": "Zalo OA"
        default: key
        }
    }

    public static func errorClass(_ key: String) -> String {
        switch key {
        case "network": "Lỗi mạng"
        case "timeout": "Quá thời gian chờ"
        case "tls": "Lỗi TLS/chứng chỉ"
        case "throttled": "Bị giới hạn tần suất"
        case "server": "Lỗi máy chủ của kênh"
        case "auth": "Sai thông tin đăng nhập"
        case "forbidden": "Không có quyền"
        case "rejected": "Kênh từ chối nội dung"
        case "bad-response": "Phản hồi không hợp lệ"
        case "local": "Lỗi tại máy gửi"
        case "config": "Cấu hình sai"
        case "cancelled": "Đã hủy"
        case "dependency": "Kênh đi trước không thành công"
        case "interrupted": "Bị gián đoạn"
        case "uncertain": "Chưa rõ kết quả"
        case "unsupported": "Kênh không hỗ trợ"
        case "quiet-hours": "Giờ nghỉ của nền tảng"
        default: key
        }
    }

    public static func interactionKind(_ key: String) -> String {
        switch key {
        case "comment": "Bình luận"
        case "reaction": "Bày tỏ cảm xúc"
        case "message": "Tin nhắn"
        case "follow": "Theo dõi"
        case "share": "Chia sẻ"
        case "post": "Bài đăng"
        default: key
        }
    }

    /// Built-in topic labels (DESIGN §3); the configuration may add more.
    public static var topics: [String: String] {
        Dictionary(Topic.builtin.map { ($0.key, $0.label) }, uniquingKeysWith: { a, _ in a })
    }

    public static func metric(_ key: String) -> String {
        switch key {
        case "articles": "tin bài"
        case "bulletins": "bản tin phát thanh"
        case "minutes": "phút phát thanh"
        default: key
        }
    }

    /// The rows of the totals table.
    public static let totals: [(key: String, label: String)] = [
        ("items", "Tin bài đã phát hành"),
        ("deliveries", "Lượt đăng/gửi thành công trên các kênh"),
        ("submitted", "Tin bài đưa vào hàng đợi"),
        ("approved", "Tin bài được duyệt"),
        ("failures", "Lượt gửi thất bại"),
        ("retracted", "Bài đã đăng bị gỡ xuống"),
        ("bulletins", "Bản tin phát thanh"),
        ("radio_minutes", "Số phút phát thanh"),
        ("email_recipients", "Người nhận thư điện tử"),
        ("interactions", "Tương tác của người dân"),
    ]

    /// Whether a cell holds a figure (digits, `.`, `,`, `+`, `-`, `−`): right-aligned in tables.
    public static func isNumeric(_ text: String) -> Bool {
        var any = false
        for b in text.utf8 {
            switch b {
            case 0x30...0x39: any = true
            case 0x2E, 0x2C, 0x2B, 0x2D, 0xE2, 0x88, 0x92: continue
            default: return false
            }
        }
        return any
    }

    /// `+3`, `−2`, `0` (with a true minus sign); fractions with a decimal comma.
    public static func signed(_ value: Double) -> String {
        if value > 0 { return "+" + number(value) }
        if value < 0 { return "−" + number(-value) }
        return "0"
    }

    /// `1.234` (Vietnamese thousands separator), `12,5`.
    public static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        let whole = Int(rounded.rounded(.towardZero))
        var digits = String(abs(whole))
        var grouped = ""
        while digits.count > 3 {
            grouped = "." + digits.suffix(3) + grouped
            digits = String(digits.dropLast(3))
        }
        grouped = (whole < 0 || (rounded < 0 && whole == 0) ? "-" : "") + digits + grouped
        let fraction = Int((abs(rounded - Double(whole)) * 10).rounded())
        return fraction == 0 ? grouped : grouped + "," + String(fraction)
    }
}
