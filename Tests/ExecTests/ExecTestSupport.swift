import ChannelConfig
import ChannelKit
import Foundation
import Logging
import TestSupport

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
