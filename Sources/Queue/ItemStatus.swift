import Foundation

/// The life of an item (DESIGN.md §4).
public enum ItemStatus: String, Sendable, Codable, CaseIterable {
    case draft
    case submitted
    case approved
    case dispatching
    case done
    /// Some deliveries (or some recipients of one) went out and some failed for good.
    case partlyFailed = "partly-failed"
    /// Every delivery ended and nothing went out: at least one failed, none (and no recipient) delivered.
    case failed
    case rejected
    case cancelled
    case expired

    /// Nothing more will happen to it.
    public var isFinal: Bool { [.done, .partlyFailed, .failed, .rejected, .cancelled, .expired].contains(self) }

    public var label: String {
        switch self {
        case .draft: "nháp"
        case .submitted: "chờ duyệt"
        case .approved: "đã duyệt"
        case .dispatching: "đang gửi"
        case .done: "đã gửi xong"
        case .partlyFailed: "gửi lỗi một phần"
        case .failed: "gửi thất bại"
        case .rejected: "bị từ chối"
        case .cancelled: "đã hủy"
        case .expired: "hết hạn"
        }
    }
}
