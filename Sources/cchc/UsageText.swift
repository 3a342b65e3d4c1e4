import Foundation

/// ArgumentParser's usage errors in Vietnamese: the officer reads what is wrong and where to look;
/// the English original follows in brackets for whoever searches the web for it.
enum UsageText {
    /// Rewrites one of ArgumentParser's messages (`Missing expected argument '--by <by>'`) and adds
    /// where to read the command's help.
    static func vietnamese(_ english: String, arguments: [String]) -> String {
        let first = english.split(separator: "\n").first.map(String.init) ?? english
        let patterns: [(String, (String) -> String)] = [
            (#"^Missing expected argument '(.+)'$"#, { "thiếu tham số bắt buộc \($0)" }),
            (#"^Missing value for '(.+)'$"#, { "thiếu giá trị sau \($0)" }),
            (#"^Unknown option '(.+)'$"#, { "không có tùy chọn \($0)" }),
            (#"^Unexpected arguments? (.+)$"#, { "thừa tham số \($0)" }),
            (#"^The value '(.+)' is invalid for '(.+)'$"#, { "giá trị \($0) không hợp lệ" }),
            (#"^Unknown subcommand '(.+)'\.?$"#, { "không có lệnh con \($0)" }),
        ]
        var text = "cấu trúc lệnh không đúng"
        for (pattern, say) in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern),
                let match = regex.firstMatch(in: first, range: NSRange(first.startIndex..., in: first))
            else { continue }
            let groups = (1..<match.numberOfRanges).compactMap { Range(match.range(at: $0), in: first) }
                .map { "'" + first[$0] + "'" }
            text = say(groups.joined(separator: " cho "))
            break
        }
        let command = arguments.prefix { !$0.hasPrefix("-") }.prefix(2).joined(separator: " ")
        return "cchc: \(text) (\(first))\nXem hướng dẫn: cchc \(command.isEmpty ? "" : command + " ")--help\n"
    }
}
