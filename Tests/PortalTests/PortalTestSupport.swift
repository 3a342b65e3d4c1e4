import ChannelConfig
import ChannelKit
import Foundation
import Logging
import Portal
import TestSupport
import Transport

/// The secrets the sections name (`*_env`).
let portalEnvironment = ["PORTAL_TOKEN": "tok-123"]

func makeContext() -> ChannelContext {
    ChannelContext(
        name: "portal", timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!, stateDirectory: NSTemporaryDirectory(),
        logger: Logger(label: "test"))
}

let sharedHTTP: HTTPClient = {
    var configuration = HTTPClientConfiguration()
    configuration.timeout = .seconds(10)
    return try! HTTPClient(configuration: configuration)
}()

func makePortal(_ entries: [(String, Any)], base: String = NSTemporaryDirectory()) throws -> PortalChannel {
    let section = try makeSection(entries, path: "channels.portal", base: base, environment: portalEnvironment)
    let channel = try PortalChannel(name: "portal", section: section, context: makeContext(), http: sharedHTTP)
    try section.finish()
    return channel
}

/// The portal's config error for these keys, or nil when they load.
func configError(_ entries: [(String, Any)], base: String = NSTemporaryDirectory()) -> ConfigError? {
    do {
        _ = try makePortal(entries, base: base)
        return nil
    } catch let error as ConfigError {
        return error
    } catch {
        return ConfigError("\(error)", path: "?", location: ConfigLocation(file: "?"))
    }
}

func writeSecret(_ text: String) throws -> String {
    let path = NSTemporaryDirectory() + "secret-\(UUID().uuidString)"
    try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

let item = ChannelItem(
    id: "2026-11-0042", title: #"Sơn La: 100% thủ tục "một cửa" được tiếp nhận trực tuyến"#,
    summary: "Một câu tóm tắt\ncho mạng xã hội.", body: "## Kết quả\n\nNội dung **bài viết** & <số liệu>.",
    topic: Topic.builtin[1], unit: "Sở Nội vụ", author: "Phòng CCHC",
    publishAt: Date(timeIntervalSince1970: 1_795_568_400))

func request(_ item: ChannelItem = item, interrupted: Bool = false, attempt: Int = 1) -> PublishRequest {
    PublishRequest(
        deliveryID: "dlv-77", attempt: attempt, previousAttemptInterrupted: interrupted, item: item,
        earlierResults: [:], logger: Logger(label: "test"))
}

func json(_ bytes: [UInt8]) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
}

/// A port on which nothing listens.
func closedPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
