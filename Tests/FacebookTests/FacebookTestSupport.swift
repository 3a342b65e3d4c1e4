import ChannelConfig
import ChannelKit
import Foundation
import Logging
import TestSupport
import Transport

@testable import Facebook

/// The secrets the sections name (`*_env`).
let facebookEnvironment = ["FB_TOKEN": "EAAtestPageToken123"]

let sharedHTTP: HTTPClient = {
    var configuration = HTTPClientConfiguration()
    configuration.timeout = .seconds(10)
    return try! HTTPClient(configuration: configuration)
}()

func writeSecret(_ text: String) throws -> String {
    let path = NSTemporaryDirectory() + "fb-secret-\(UUID().uuidString)"
    try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

let appSecret = "app-secret-0123456789abcdef"
let verifyToken = "verify-me-please"

/// A channel pointed at the fake, with the webhook configured.
func makeChannel(_ graph: FakeGraphAPI, token: String? = nil, extra: [(String, Any)] = [], name: String = "fb-sonoivu")
    throws -> FacebookChannel
{
    let section = try makeSection(
        [
            ("page_id", graph.pageID), ("graph_url", graph.baseURL),
            ("token_file", try writeSecret(token ?? graph.token)),
            ("app_secret_file", try writeSecret(appSecret)), ("verify_token_file", try writeSecret(verifyToken)),
        ] + extra, path: "channels.fb", environment: facebookEnvironment)
    let channel = try FacebookChannel(
        name: name, section: section,
        context: ChannelContext(
            name: name, timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!, stateDirectory: NSTemporaryDirectory(),
            logger: Logger(label: "test")),
        http: sharedHTTP)
    try section.finish()
    return channel
}

/// The channel's config error for these keys, or nil when they load.
func configError(_ entries: [(String, Any)]) -> ConfigError? {
    do {
        let section = try makeSection(entries, path: "channels.fb", environment: facebookEnvironment)
        _ = try FacebookChannel(
            name: "fb", section: section,
            context: ChannelContext(
                name: "fb", timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!,
                stateDirectory: NSTemporaryDirectory(), logger: Logger(label: "test")),
            http: sharedHTTP)
        try section.finish()
        return nil
    } catch {
        return error
    }
}

let item = ChannelItem(
    id: "2026-11-0042", title: "Sơn La: 100% thủ tục \"một cửa\" được tiếp nhận trực tuyến",
    summary: "Một câu tóm tắt cho mạng xã hội & người dân.", body: "## Kết quả\n\nNội dung **bài viết**.",
    topic: Topic.builtin[1], unit: "Sở Nội vụ")

func request(
    _ item: ChannelItem = item, attempt: Int = 1, interrupted: Bool = false,
    results: [String: ChannelResult] = [:]
) -> PublishRequest {
    PublishRequest(
        deliveryID: "dlv-1", attempt: attempt, previousAttemptInterrupted: interrupted, item: item,
        earlierResults: results, logger: Logger(label: "test"))
}

/// Writes a small file with an image's extension (Graph's fake does not decode pictures).
func writePhoto(_ name: String, bytes: Int = 2048) throws -> String {
    let dir = NSTemporaryDirectory() + "fb-photos-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/" + name
    try Data((0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: path))
    return path
}

/// The POST requests that reached the fake, with their Graph parameters.
func posts(_ graph: FakeGraphAPI) -> [(path: String, params: [String: String])] {
    graph.requests.filter { $0.method == "POST" }.map { ($0.path, FakeGraphAPI.parameters($0)) }
}
