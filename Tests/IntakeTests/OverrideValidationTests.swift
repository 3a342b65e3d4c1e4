import ChannelConfig
import ChannelKit
import ChannelRegistry
import Config
import Foundation
import Logging
import Queue
import Testing
import TestSupport
import Transport

@testable import Intake

/// Intake checks each channel on the item that channel will publish: its `title`/`summary`/`body`
/// overrides applied (the same ``ItemContent/channelItem(for:id:topicLabel:contentHash:approvedBy:approvedAt:)``
/// the engine sends), with a real portal channel built from its configuration.
@Suite("Overrides at intake")
struct OverrideValidationTests {
    final class Fixture: @unchecked Sendable {
        let path: String
        let config: DaemonConfig
        let store: SQLiteStore
        let http: HTTPClient
        let intake: ItemIntake

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("override-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let yaml = """
                timezone: Asia/Ho_Chi_Minh
                state_dir: state
                channels:
                  portal-tinh: { type: portal, preset: generic, url: "http://127.0.0.1:9/api/news" }
                """
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: path + "/cchcd.yaml"))
            config = try ConfigLoader.load(
                path: path + "/cchcd.yaml", secrets: SecretStore(credentialsDirectory: nil, environment: [:]))
            try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
            store = try SQLiteStore(path: config.databasePath, timeZone: hcm)
            http = try HTTPClient()
            var logger = Logger(label: "override-test")
            logger.logLevel = .critical
            let channels = try BuiltinChannels.build(config, http: http, logger: logger)
            intake = ItemIntake(config: config, channels: channels, store: store, planner: simplePlanner)
        }

        deinit {
            http.shutdown()
            try? FileManager.default.removeItem(atPath: path)
        }

        func write(_ name: String, title: String, override: String) throws -> String {
            let file = path + "/" + name
            let text = """
                ---
                title: "\(title)"
                topic: tthc
                unit: "Sở Nội vụ"
                channels: [portal-tinh]
                overrides:
                  portal-tinh: { \(override) }
                ---
                Nội dung bài viết.
                """
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            return file
        }
    }

    @Test func anOverrideOverTheChannelsLimitIsRefusedNamingTheFieldAndTheChannel() async throws {
        let f = try Fixture()
        let longTitle = Array(repeating: "Cải cách hành chính", count: 16).joined(separator: " ")  // 319 characters
        let file = try f.write("dai.md", title: "Tin ngắn", override: "title: \"\(longTitle)\"")
        do {
            _ = try await f.intake.submit(path: file, trusted: false, source: "test", actor: "test")
            Issue.record("an override title of \(longTitle.count) characters was accepted for the portal")
        } catch {
            guard case .invalid(let problem) = error else {
                Issue.record("expected an item error, got \(error)")
                return
            }
            #expect(problem.field == "overrides.portal-tinh.title")
            #expect(problem.message.contains("kênh portal-tinh"))
            #expect(problem.message.contains("tiêu đề dài \(longTitle.count) ký tự"))
            #expect(
                problem.description
                    == "dai.md: trường \"overrides.portal-tinh.title\": kênh portal-tinh: tiêu đề dài 319 ký tự, "
                    + "cổng thông tin nhận tối đa 300")
        }
        #expect(try await f.store.items(ItemFilter()).isEmpty, "a refused item must not be stored")
    }

    /// The other way round: the item's own title is too long for the portal, but the portal publishes
    /// its override, which fits — intake accepts, and the stored item gives the portal the override.
    @Test func aFittingOverrideOfATooLongTitleIsAccepted() async throws {
        let f = try Fixture()
        let longTitle = Array(repeating: "Cải cách hành chính", count: 16).joined(separator: " ")
        let file = try f.write("vua.md", title: longTitle, override: "title: \"Tin ngắn cho cổng\"")
        let accepted = try await f.intake.submit(path: file, trusted: false, source: "test", actor: "test")
        let item = accepted.item.channelItem(for: "portal-tinh", topicLabel: f.config.topicLabel)
        #expect(item.title == "Tin ngắn cho cổng")
        #expect(accepted.item.content.title == longTitle)
    }
}
