import Foundation

/// The life of one delivery (item × channel).
public enum DeliveryState: String, Sendable, Codable, CaseIterable {
    case pending
    case leased
    case retryWait = "retry-wait"
    case delivered
    case failed
    case expired
    case cancelled
    /// The process stopped while a non-idempotent send was in flight: a person decides.
    case uncertain

    /// Waiting for its due time (first try or a retry).
    public var isWaiting: Bool { self == .pending || self == .retryWait }
    public var isFinal: Bool { [.delivered, .failed, .expired, .cancelled].contains(self) }

    public var label: String {
        switch self {
        case .pending: "chờ gửi"
        case .leased: "đang gửi"
        case .retryWait: "chờ gửi lại"
        case .delivered: "đã gửi"
        case .failed: "lỗi"
        case .expired: "hết hạn"
        case .cancelled: "đã hủy"
        case .uncertain: "chưa rõ kết quả"
        }
    }
}
