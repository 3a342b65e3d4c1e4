import ChannelKit
import Queue
import Reports

/// The words `cchc item show` uses for what happened on each try: officers read Vietnamese, operators
/// and support still need the technical word and the channel's own reply, so those stay, labelled.
/// `--json` keeps the technical keys (a contract, docs/cli.md).
enum AttemptWords {
    /// One attempt's outcome.
    static func outcome(_ outcome: AttemptRecord.Outcome, errorClass: String?) -> String {
        switch outcome {
        case .delivered: "đã gửi"
        case .retry: "sẽ thử lại"
        case .failed: "thất bại"
        // Cut short by a stop of the daemon or a lost answer: nobody knows whether it took effect.
        case .interrupted: errorClass == "uncertain" ? "chưa rõ kết quả" : "bị gián đoạn, chưa rõ kết quả"
        }
    }

    /// One recipient's outcome in an attempt (deliveries sent in parts).
    static func part(_ state: PartOutcome.State) -> String {
        switch state {
        case .delivered: "đã nhận"
        case .retry: "sẽ thử lại"
        case .failed: "thất bại"
        }
    }

    /// `nội dung bị từ chối (mã lỗi: rejected)`: the kind in Vietnamese, the stable key after it.
    static func errorKind(_ errorClass: String) -> String {
        let label = Labels.errorClass(errorClass)
        return label == errorClass ? "mã lỗi: \(errorClass)" : "\(label.lowercasedFirst) (mã lỗi: \(errorClass))"
    }

    /// The channel's or server's own words, marked as such.
    static func detail(_ message: String) -> String { "chi tiết kỹ thuật: \(message)" }
}

extension String {
    /// `Lỗi mạng` → `lỗi mạng`, for a label inside a sentence.
    fileprivate var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
