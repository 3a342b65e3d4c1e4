import ChannelKit
import Foundation
import Logging

@testable import Exec

/// A temporary folder with small programs written into it.
final class ScriptFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("exec-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes an executable script and returns its path.
    @discardableResult
    func script(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file)
        return file
    }

    func read(_ name: String) -> String? {
        (try? String(contentsOfFile: path + "/" + name, encoding: .utf8))
    }
}

/// Builds a channel section the way the Config module does, from plain values: strings, string
/// lists and string maps.
func makeSection(_ entries: [(String, Any)], base: String, path: String = "channels.ex") throws(ConfigError)
    -> ConfigSection
{
    let location = ConfigLocation(file: base + "/cchcd.yaml", line: 1)
    func value(_ any: Any) -> ConfigValue {
        switch any {
        case let s as String: .scalar(s)
        case let list as [String]: .list(list.map { .scalar($0) }, location)
        case let map as [(String, String)]:
            .map(map.map { (key: $0.0, value: .scalar($0.1), location: location) }, location)
        default: .scalar("\(any)")
        }
    }
    return try ConfigSection(
        value: .map(entries.map { (key: $0.0, value: value($0.1), location: location) }, location), path: path,
        location: location, baseDirectory: base, secrets: SecretStore(credentialsDirectory: nil, environment: [:]))
}

func makeContext(_ name: String = "ex") -> ChannelContext {
    ChannelContext(
        name: name, timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!, stateDirectory: "/tmp",
        logger: Logger(label: "test"))
}

let sampleItem = ChannelItem(
    id: "2026-11-0042", title: #"Sơn La: 100% TTHC "một cửa" trực tuyến"#, summary: "Tóm tắt",
    body: "Nội dung **bài viết**.", topic: Topic.builtin[1], unit: "Sở Nội vụ", author: "Phòng CCHC",
    media: [MediaRef(path: "/srv/media/a.jpg", caption: "Ảnh bìa")],
    publishAt: Date(timeIntervalSince1970: 1_795_568_400))

/// Collects log messages, for checking what a channel logs.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(Logger.Level, String)] = []

    var messages: [(level: Logger.Level, text: String)] { lock.withLock { entries.map { ($0.0, $0.1) } } }

    func append(_ level: Logger.Level, _ text: String) { lock.withLock { entries.append((level, text)) } }

    var logger: Logger {
        Logger(label: "capture") { _ in CaptureHandler(capture: self) }
    }

    struct CaptureHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { capture.append(event.level, event.message.description) }
    }
}

func request(_ item: ChannelItem = sampleItem, logger: Logger = Logger(label: "t"), interrupted: Bool = false)
    -> PublishRequest
{
    PublishRequest(
        deliveryID: "d-123", attempt: 2, previousAttemptInterrupted: interrupted, item: item,
        earlierResults: ["portal-tinh": ChannelResult(remoteID: "42", url: "https://cchc.example.gov.vn/?p=42")],
        logger: logger)
}

/// True when no process with this id is running (gone, or a zombie waiting to be reaped).
func processIsGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    guard let close = stat.lastIndex(of: ")") else { return true }
    let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
    return state == "Z" || state == "X"
}
