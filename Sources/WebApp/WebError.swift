import Hummingbird

/// An error shown to the officer as a page in Vietnamese, with its HTTP status.
struct WebError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String

    static func badRequest(_ message: String) -> WebError { WebError(status: .badRequest, message: message) }
    static let forbidden = WebError(
        status: .forbidden, message: "Tài khoản của anh/chị không có quyền làm việc này.")
    static let notFound = WebError(status: .notFound, message: "Không tìm thấy trang hoặc bài này.")
    static let csrf = WebError(
        status: .forbidden,
        message: "Biểu mẫu đã hết hạn hoặc không đến từ trang của hệ thống. Hãy tải lại trang rồi thử lại.")

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Page.html(
            status: status,
            Page.render(
                "error", title: "Lỗi", account: nil, csrf: nil,
                ["status": "\(status.code)", "message": message]))
    }
}
