import Foundation
import Queue

/// State words as officers type them: the English key (`submitted`), the Vietnamese label the lists
/// show (`chờ duyệt`), or that label without diacritics and with hyphens (`cho-duyet`).
enum StateWords {
    /// Lower case, no diacritics (`đ` → `d`), spaces and underscores → `-`.
    static func fold(_ word: String) -> String {
        let lowered = word.trimmingCharacters(in: .whitespaces).lowercased()
            .replacingOccurrences(of: "đ", with: "d")
        let plain = lowered.folding(options: [.diacriticInsensitive], locale: nil)
        return plain.split(whereSeparator: { $0 == " " || $0 == "_" || $0 == "-" }).joined(separator: "-")
    }

    /// Extra words officers use for a state.
    static let itemAliases: [String: ItemStatus] = [
        "da-gui": .done, "xong": .done, "loi": .partlyFailed, "gui-loi": .partlyFailed,
        "loi-mot-phan": .partlyFailed, "that-bai": .failed, "tu-choi": .rejected,
        "huy": .cancelled,
    ]

    static func itemStatus(_ word: String) -> ItemStatus? {
        let f = fold(word)
        return ItemStatus.allCases.first { fold($0.rawValue) == f || fold($0.label) == f } ?? itemAliases[f]
    }

    /// What `--status` accepts, for the error message.
    static var itemWords: String {
        ItemStatus.allCases.map { "\(fold($0.label)) (\($0.label))" }.joined(separator: ", ")
    }
}
