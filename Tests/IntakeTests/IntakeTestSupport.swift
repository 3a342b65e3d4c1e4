import ChannelConfig
import ChannelKit
import Config
import Foundation
import Queue
import Testing

@testable import Intake

let hcm = TimeZone(identifier: "Asia/Ho_Chi_Minh")!

/// 2026-11-20 08:00 +07:00: "now" for files read with an injected time.
let t0 = Date(timeIntervalSince1970: 1_795_136_400)

/// A date in Asia/Ho_Chi_Minh.
func local(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0, zone: TimeZone = hcm) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    return calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
}

/// A temporary folder with a configuration (three channels), removed when the value goes away.
final class IntakeFolder: @unchecked Sendable {
    let path: String
    let config: DaemonConfig

    /// `inboxExtra`: more keys of the `inbox` flow mapping, starting with `, `.
    init(trusted: Bool = false, inboxExtra: String = "") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("intake-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let yaml = """
            timezone: Asia/Ho_Chi_Minh
            state_dir: state
            inbox: { path: inbox, trusted: \(trusted)\(inboxExtra) }
            topics:
              chuyen-doi-so: "Chuyển đổi số"
            channels:
              portal-tinh: { type: portal }
              fb-sonoivu: { type: facebook, after: portal-tinh }
              radio-xa: { type: loa, slots: ["06:00", "17:00"] }
            """
        let configPath = path + "/cchcd.yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: configPath))
        config = try ConfigLoader.load(
            path: configPath, secrets: SecretStore(credentialsDirectory: nil, environment: [:]))
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let full = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }

    func reader() -> ItemFileReader { ItemFileReader(config: config) }

    /// Parses `text` as the file `name` in this folder, as `cchc item add` would (media may come from the
    /// folder).
    func parse(_ text: String, name: String = "tin.md", trusted: Bool = false, now: Date = t0) throws(IntakeError)
        -> ParsedItem
    {
        try reader().parse(
            text: text, fileName: name, directory: path, trusted: trusted, now: now, itemFolderHoldsMedia: true)
    }

    /// The error parsing `text` gives (recording an issue when it parses).
    func parseError(
        _ text: String, name: String = "tin.md", trusted: Bool = false, now: Date = t0,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> IntakeError? {
        do {
            _ = try parse(text, name: name, trusted: trusted, now: now)
            Issue.record("expected the file to be refused", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    func contents(of folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path + "/" + folder)) ?? []).sorted()
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A valid Markdown item with the given front matter lines replacing the defaults of the same keys.
func markdown(_ overrides: KeyValuePairs<String, String?> = [:], body: String = "Nội dung bài viết về **cải cách**.")
    -> String
{
    var fields: [(String, String)] = [
        ("title", "\"Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến\""),
        ("topic", "tthc"),
        ("unit", "\"Sở Nội vụ\""),
        ("channels", "[portal-tinh, fb-sonoivu]"),
    ]
    for (key, value) in overrides {
        if let i = fields.firstIndex(where: { $0.0 == key }) {
            if let value { fields[i].1 = value } else { fields.remove(at: i) }
        } else if let value {
            fields.append((key, value))
        }
    }
    return "---\n" + fields.map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n---\n" + body + "\n"
}
