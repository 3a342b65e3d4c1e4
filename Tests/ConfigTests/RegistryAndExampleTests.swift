import ChannelKit
import ChannelRegistry
import Config
import Foundation
import Logging
import Testing
import Transport

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

@Suite struct RegistryAndExampleTests {
    /// Telegraf's meta-test: every plugin folder is registered, has a README that embeds the sample
    /// configuration the code prints (every line of it, in order, in one `yaml` block), and has a test
    /// target of its own.
    @Test func everyPluginFolderIsRegisteredDocumentedAndTested() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: repository + "/Plugins").filter {
            !$0.hasPrefix(".")
        }
        #expect(!folders.isEmpty)
        let registered = Set(BuiltinChannels.all.map(\.type))
        let manifest = try String(contentsOfFile: repository + "/Package.swift", encoding: .utf8)
        for folder in folders {
            #expect(registered.contains(folder.lowercased()), "Plugins/\(folder) is not in BuiltinChannels.all")
            let readme = try String(contentsOfFile: "\(repository)/Plugins/\(folder)/README.md", encoding: .utf8)
            let sample = try #require(BuiltinChannels.type(folder.lowercased())).sampleConfig
            if let problem = Self.sampleProblem(sample: sample, readme: readme) {
                Issue.record("Plugins/\(folder)/README.md: \(problem)")
            }
            // A test target of its own: the folder, some tests in it, and the target in Package.swift.
            let tests = "\(repository)/Tests/\(folder)Tests"
            let files = (try? FileManager.default.contentsOfDirectory(atPath: tests)) ?? []
            let testFiles = files.filter { $0.hasSuffix(".swift") }.filter { name in
                let text = (try? String(contentsOfFile: tests + "/" + name, encoding: .utf8)) ?? ""
                return text.contains("@Test")
            }
            #expect(!testFiles.isEmpty, "Plugins/\(folder) has no tests in Tests/\(folder)Tests")
            #expect(
                manifest.contains("name: \"\(folder)Tests\""),
                "Package.swift declares no test target \(folder)Tests for Plugins/\(folder)")
        }
        #expect(registered.count == BuiltinChannels.all.count, "a type word is registered twice")
    }

    /// Why `readme` does not embed `sample`, or nil when it does: each of the sample's lines must be a
    /// line of one ```yaml block of the README, in the sample's order, with nothing between them.
    static func sampleProblem(sample: String, readme: String) -> String? {
        let wanted = sample.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let blocks = readme.components(separatedBy: "```yaml\n").dropFirst().map {
            $0.components(separatedBy: "\n```")[0].split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init)
        }
        if blocks.contains(where: { $0 == wanted }) { return nil }
        // Name the first sample line that no yaml block has, or say the lines differ in order or extent.
        let shown = Set(blocks.joined())
        if let (number, line) = wanted.enumerated().first(where: { !shown.contains($0.element) }) {
            return "line \(number + 1) of the sample config is missing: \"\(line)\""
        }
        return "the sample config's \(wanted.count) lines are not one yaml block, in order"
    }

    /// The check above fails when any line of the sample is missing, not only the first.
    @Test func theSampleCheckCatchesAMissingLaterLine() throws {
        let sample = "# a channel\nname:\n  type: x\n  url: https://a   # required"
        let readme = "# X\n\n```yaml\n\(sample)\n```\n"
        #expect(Self.sampleProblem(sample: sample, readme: readme) == nil)
        let stale = readme.replacingOccurrences(of: "  url: https://a   # required", with: "  url: https://b")
        #expect(
            Self.sampleProblem(sample: sample, readme: stale)
                == "line 4 of the sample config is missing: \"  url: https://a   # required\"")
        let reordered = "```yaml\n# a channel\nname:\n  url: https://a   # required\n  type: x\n```\n"
        #expect(
            Self.sampleProblem(sample: sample, readme: reordered)
                == "the sample config's 4 lines are not one yaml block, in order")
        let split = "```yaml\n# a channel\nname:\n```\ntext\n```yaml\n  type: x\n  url: https://a   # required\n```\n"
        #expect(Self.sampleProblem(sample: sample, readme: split) != nil)
    }

    /// config/cchcd.yaml documents every key: it must load, and show every channel type's sample.
    @Test func theAnnotatedExampleConfigLoadsAndShowsEveryChannelType() throws {
        let config = try ConfigLoader.load(path: repository + "/config/cchcd.yaml")
        #expect(config.timeZone.identifier == "Asia/Ho_Chi_Minh")
        #expect(config.httpListen == "127.0.0.1:8640")
        let types = Set(config.channels.map(\.type))
        for type in BuiltinChannels.all.map(\.type) {
            #expect(types.contains(type), "config/cchcd.yaml has no \(type) channel")
        }
        let text = try String(contentsOfFile: repository + "/config/cchcd.yaml", encoding: .utf8)
        for key in ["slots:", "quiet_hours:", "max_per_day:", "min_gap:", "rate:", "max_concurrency:", "after:"] {
            #expect(text.contains(key), "config/cchcd.yaml does not document \(key)")
        }
    }

    /// The demo configuration the README's first command runs must build completely.
    @Test func theDemoConfigBuildsEveryChannel() throws {
        let config = try ConfigLoader.load(path: repository + "/config/demo/cchcd.yaml")
        let http = try HTTPClient()
        defer { http.shutdown() }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let channels = try BuiltinChannels.build(config, http: http, logger: logger)
        #expect(Set(channels.keys) == ["portal-demo", "tonghop-demo", "radio-demo"])
    }

    /// What the .deb installs as /etc/cchcd/cchcd.yaml is valid as installed (the CI package check runs
    /// `cchcd --check-config` on it too) and uses the folders the unit and tmpfiles.d file create.
    @Test func thePackagedConfigIsValidAsInstalled() throws {
        let config = try ConfigLoader.load(path: repository + "/config/package/cchcd.yaml")
        #expect(config.channels.isEmpty)
        #expect(config.stateDirectory == "/var/lib/cchcd")
        #expect(config.deliveryLogDirectory == "/var/log/cchcd")
        #expect(config.inbox.path == "/var/lib/cchcd/inbox")
        let tmpfiles = try String(contentsOfFile: repository + "/systemd/cchcd.tmpfiles.conf", encoding: .utf8)
        for folder in [config.stateDirectory, config.inbox.path, config.deliveryLogDirectory] {
            #expect(tmpfiles.contains("d \(folder) "), "cchcd.tmpfiles.conf does not create \(folder)")
        }
    }
}

@Suite struct CircuitConfigTests {
    @Test func circuitSettingsAreReadAndCheckedPerChannel() throws {
        let folder = try TempFolder()
        let ok = try ConfigLoader.load(
            path: try folder.write(
                "ok.yaml",
                "channels:\n  a: { type: webhook, circuit: { failures: 3, pause: 10s, max_pause: 5m } }\n  b: { type: webhook }\n"
            ))
        #expect(
            ok.channels[0].settings.circuit
                == CircuitSettings(failures: 3, pause: .seconds(10), maxPause: .seconds(300)))
        #expect(ok.channels[1].settings.circuit == CircuitSettings())
        let short = try #require(
            try configError("channels:\n  a: { type: webhook, circuit: { pause: 10m, max_pause: 1m } }\n", in: folder))
        #expect(short.path == "channels.a.circuit.max_pause")
        let typo = try #require(
            try configError("channels:\n  a: { type: webhook, circuit: { failure: 3 } }\n", in: folder))
        #expect(typo.path == "channels.a.circuit.failure")
    }
}
