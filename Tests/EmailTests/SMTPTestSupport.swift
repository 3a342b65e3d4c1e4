import ChannelConfig
import ChannelKit
import Config
import Foundation
import Logging
import TestSupport
import Testing

@testable import Email

/// The repository's root (the tests run the Python helpers in scripts/).
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A temporary folder, removed when the value goes away.
final class TempDir: @unchecked Sendable {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("email-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: file))
        return file
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String { try write(name, Data(text.utf8)) }
}

/// Builds an email channel the way the daemon does: from a config file whose `channels:` section has
/// one channel with these lines (indented by four spaces).
func emailChannel(_ lines: String, in dir: TempDir, name: String = "email-test") throws -> EmailChannel {
    let body = lines.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }.joined(
        separator: "\n")
    let path = try dir.write(
        "cchcd.yaml", "timezone: Asia/Ho_Chi_Minh\nchannels:\n  \(name):\n    type: email\n\(body)\n")
    let secrets = SecretStore(credentialsDirectory: nil, environment: ["SMTP_TEST_PASSWORD": "secret"])
    let config = try ConfigLoader.load(path: path, secrets: secrets)
    let section = try config.channels[0].pluginSection(secrets: secrets)
    var logger = Logger(label: "email-tests")
    logger.logLevel = .critical
    let channel = try EmailChannel(
        name: name, section: section,
        context: ChannelContext(
            name: name, timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!, stateDirectory: dir.path, logger: logger))
    try section.finish()
    return channel
}

func request(_ item: ChannelItem, attempt: Int = 1, finished: [PartOutcome] = []) -> PublishRequest {
    var logger = Logger(label: "email-tests")
    logger.logLevel = .critical
    return PublishRequest(
        deliveryID: "\(item.id)/email-test", attempt: attempt, item: item,
        finishedParts: Dictionary(uniqueKeysWithValues: finished.map { ($0.part, $0) }), logger: logger)
}
