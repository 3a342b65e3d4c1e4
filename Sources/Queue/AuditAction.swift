/// Audit actions as officers read them: `cchc item show` and the web app's audit table use the same words.
public enum AuditAction {
    /// The Vietnamese words for an audit row's `action`; an action without words is shown as stored.
    public static func label(_ action: String) -> String {
        switch action {
        case "add": "tạo bài"
        case "submit": "gửi duyệt"
        case "edit": "sửa bài"
        case "approve": "duyệt"
        case "reject": "từ chối"
        case "cancel": "hủy"
        case "retry": "gửi lại"
        case "retract": "gỡ bài"
        case "resolve": "xác nhận kết quả gửi"
        default: action
        }
    }
}
