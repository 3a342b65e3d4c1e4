import ChannelConfig
import ChannelKit
import Foundation
import Testing

@testable import Config

@Suite("ConfigLoader: a valid configuration")
struct ConfigLoaderValidTests {
    static let full = """
        # cchcd.yaml with every key
        timezone: Asia/Bangkok
        state_dir: state
        inbox: { path: hop-thu, trusted: true, enabled: false }
        delivery_log: { dir: nhat-ky }
        http: { listen: 127.0.0.1:8640 }
        retry: { initial: 10s, max: 5m, attempts: 4 }
        engine:
          batch_size: 64
          lease: 2m
          shutdown_grace: 3s
        topics:
          chuyen-doi-so: "Chuyển đổi số"
        channels:
          portal-tinh:
            type: portal
            url: https://cchc.example.gov.vn
            username: cchc-bot
            password_file: secrets/portal-password
          radio-xa:
            type: exec
            enabled: false
            after: portal-tinh
            slots: ["17:00/30m", "06:00"]
            quiet_hours: 22:00-06:00
            max_per_day: 3
            min_gap: 90s
            rate: 5/30s
            max_concurrency: 2
            retry: { initial: 1m, max: 2h, attempts: 7 }
        """

    @Test("every key is read, channels.d is merged, relative paths resolve against the config's folder")
    func fullConfig() throws {
        let folder = try TempFolder()
        let path = try folder.write("etc/cchcd.yaml", Self.full)
        try folder.write(
            "etc/channels.d/20-webhook.yaml",
            """
            webhook-tonghop:
              type: webhook
              url: https://tonghop.example.gov.vn/hooks/cchc
              rate: 100/m
            """)
        try folder.write(
            "etc/channels.d/10-fb.yml",
            """
            fb-sonoivu:
              type: facebook
              after: portal-tinh
              rate: 10/s
            """)
        // Not YAML files, or hidden: ignored.
        try folder.write("etc/channels.d/README.txt", "not: [valid")
        try folder.write("etc/channels.d/.draft.yaml", "not: [valid")

        let config = try ConfigLoader.load(path: path, secrets: isolatedSecrets)
        let etc = folder.path + "/etc"
        #expect(config.path == path)
        #expect(config.timeZone.identifier == "Asia/Bangkok")
        #expect(config.stateDirectory == etc + "/state")
        #expect(config.databasePath == etc + "/state/cchcd.sqlite")
        #expect(config.inbox.path == etc + "/hop-thu")
        #expect(config.inbox.trusted)
        #expect(!config.inbox.enabled)
        #expect(config.deliveryLogDirectory == etc + "/nhat-ky")
        #expect(config.httpListen == "127.0.0.1:8640")
        #expect(config.retry == RetrySettings(initial: .seconds(10), max: .seconds(300), attempts: 4))
        #expect(
            config.engine
                == EngineSettings(
                    batchSize: 64, lease: .seconds(120), shutdownGrace: .seconds(3)))
        #expect(config.extraTopics == [Topic(key: "chuyen-doi-so", label: "Chuyển đổi số")])
        #expect(config.topics.count == Topic.builtin.count + 1)
        #expect(config.topicLabel("chuyen-doi-so") == "Chuyển đổi số")
        #expect(config.topicLabel("tthc") == "Cải cách thủ tục hành chính")

        // Main file first in the order written, then channels.d files sorted by name.
        #expect(config.channels.map(\.name) == ["portal-tinh", "radio-xa", "fb-sonoivu", "webhook-tonghop"])

        let portal = try #require(config.channel(named: "portal-tinh"))
        #expect(portal.type == "portal")
        #expect(portal.enabled)
        #expect(portal.settings == ChannelSettings())
        #expect(portal.baseDirectory == etc)
        #expect(portal.location.file == path)
        #expect(portal.location.line == lineOf("portal-tinh:", in: Self.full))

        let radio = try #require(config.channel(named: "radio-xa"))
        #expect(radio.type == "exec")
        #expect(!radio.enabled)
        let s = radio.settings
        #expect(s.after == "portal-tinh")
        // Sorted by time of day.
        #expect(
            s.slots == [
                Slot(start: TimeOfDay(hour: 6, minute: 0)),
                Slot(start: TimeOfDay(hour: 17, minute: 0), length: .seconds(1800)),
            ])
        #expect(s.quietHours == QuietHours(from: TimeOfDay(hour: 22, minute: 0), to: TimeOfDay(hour: 6, minute: 0)))
        #expect(s.maxPerDay == 3)
        #expect(s.minGap == .seconds(90))
        #expect(s.rate == RateLimit(count: 5, per: .seconds(30)))
        #expect(s.maxConcurrency == 2)
        #expect(s.retry == RetrySettings(initial: .seconds(60), max: .seconds(7200), attempts: 7))

        let fb = try #require(config.channel(named: "fb-sonoivu"))
        #expect(fb.settings.after == "portal-tinh")
        #expect(fb.settings.rate == RateLimit(count: 10, per: .seconds(1)))
        #expect(fb.location.file == etc + "/channels.d/10-fb.yml")
        #expect(fb.location.line == 1)
        #expect(fb.baseDirectory == etc + "/channels.d")
        let webhook = try #require(config.channel(named: "webhook-tonghop"))
        #expect(webhook.settings.rate == RateLimit(count: 100, per: .seconds(60)))
        #expect(config.channel(named: "nope") == nil)
    }

    @Test("defaults: an almost empty file")
    func defaults() throws {
        let folder = try TempFolder()
        let path = try folder.write("cchcd.yaml", "channels:\n  portal:\n    type: portal\n")
        let config = try ConfigLoader.load(path: path, secrets: isolatedSecrets)
        #expect(config.timeZone.identifier == "Asia/Ho_Chi_Minh")
        #expect(config.stateDirectory == "/var/lib/cchcd")
        #expect(config.inbox.path == "/var/lib/cchcd/inbox")
        #expect(!config.inbox.trusted)
        #expect(config.inbox.enabled)
        #expect(config.deliveryLogDirectory == "/var/log/cchcd")
        #expect(config.retry == RetrySettings())
        #expect(config.engine == EngineSettings())
        #expect(config.extraTopics.isEmpty)
        #expect(config.channels.first?.settings.maxConcurrency == 16)
    }

    @Test("a relative inbox path without state_dir's help, and absolute paths kept")
    func paths() throws {
        let folder = try TempFolder()
        let path = try folder.write(
            "conf/cchcd.yaml",
            """
            state_dir: /srv/cchcd
            inbox: { path: ../inbox }
            delivery_log: { dir: /var/log/x }
            """)
        let config = try ConfigLoader.load(path: path, secrets: isolatedSecrets)
        #expect(config.stateDirectory == "/srv/cchcd")
        #expect(config.inbox.path == folder.path + "/inbox")
        #expect(config.deliveryLogDirectory == "/var/log/x")
        #expect(config.channels.isEmpty)
    }

    @Test("the example configuration of DESIGN.md §13 loads")
    func designExample() throws {
        let folder = try TempFolder()
        let text = """
            timezone: Asia/Ho_Chi_Minh
            state_dir: /var/lib/cchcd          # store, tokens, inbox default
            inbox: { path: /var/lib/cchcd/inbox, trusted: false }
            delivery_log: { dir: /var/log/cchcd }
            http: { listen: 127.0.0.1:8640 }   # health, metrics, inbound webhooks
            retry: { initial: 30s, max: 1h, attempts: 10 }
            channels:
              portal-tinh:
                type: portal
                preset: wordpress
                url: https://cchc.example.gov.vn
                username: cchc-bot
                password_file: /run/credentials/cchcd.service/portal-password
              fb-sonoivu:
                type: facebook
                page_id: "1234567890"
                after: portal-tinh                        # link to the portal article
              radio-xa:
                type: radio
                stations:
                  - { name: xa-chieng-le, slots: ["06:00/15m", "17:00/15m"], output: /var/lib/cchcd/radio/xa-chieng-le }
                audio: { wav: true, mp3: false }
            """
        let config = try ConfigLoader.load(path: try folder.write("cchcd.yaml", text), secrets: isolatedSecrets)
        #expect(config.channels.map(\.name) == ["portal-tinh", "fb-sonoivu", "radio-xa"])
        #expect(config.retry == RetrySettings(initial: .seconds(30), max: .seconds(3600), attempts: 10))
        #expect(config.httpListen == "127.0.0.1:8640")
    }
}

@Suite("ConfigLoader: errors name the file, the line and the key path")
struct ConfigLoaderErrorTests {
    @Test("an unknown top-level key")
    func unknownTopLevel() throws {
        let folder = try TempFolder()
        let yaml = "timezone: Asia/Ho_Chi_Minh\nstate_dri: /tmp/x\n"
        let error = try #require(try configError(yaml, in: folder))
        #expect(error.location.file == folder.path + "/cchcd.yaml")
        #expect(error.location.line == 2)
        #expect(error.path == "state_dri")
        #expect(error.message.contains("unknown key \"state_dri\""))
        #expect(error.description == "\(folder.path)/cchcd.yaml:2: state_dri: unknown key \"state_dri\"")
    }

    @Test(
        "an unknown key in a section",
        arguments: [
            ("inbox: { path: /x, trusted: true, trusterd: false }", "inbox.trusterd"),
            ("retry:\n  initial: 1s\n  attempt: 3", "retry.attempt"),
            ("engine:\n  batch_size: 1\n  leases: 1m", "engine.leases"),
            ("delivery_log: { directory: /x }", "delivery_log.directory"),
            ("channels:\n  a:\n    type: x\n    retry: { initial: 1s, jitter: true }", "channels.a.retry.jitter"),
        ])
    func unknownInSection(yaml: String, path: String) throws {
        let folder = try TempFolder()
        let text = "# header\n" + yaml + "\n"
        let key = String(path.split(separator: ".").last!)
        let error = try #require(try configError(text, in: folder))
        #expect(error.path == path)
        #expect(error.location.line == lineOf(key + ":", in: text))
        #expect(error.message.contains("unknown key \"\(key)\""))
    }

    @Test("a bad time zone")
    func badTimeZone() throws {
        let folder = try TempFolder()
        let error = try #require(try configError("state_dir: /x\ntimezone: Asia/Ha_Noi\n", in: folder))
        #expect(error.path == "timezone")
        #expect(error.location.line == 2)
        #expect(error.message.contains("Asia/Ha_Noi"))
    }

    @Test(
        "bad channel rules",
        arguments: [
            ("slots: [\"06:00\", \"25:00\"]", "slots", "25:00"),
            ("slots: [\"6h\"]", "slots", "6h"),
            ("slots: [\"06:00/0m\"]", "slots", "06:00/0m"),
            ("slots: [\"06:60\"]", "slots", "06:60"),
            ("quiet_hours: 22:00-22:00", "quiet_hours", "22:00-22:00"),
            ("quiet_hours: \"22-06\"", "quiet_hours", "22-06"),
            ("quiet_hours: 22:00", "quiet_hours", "22:00"),
            ("rate: 10/x", "rate", "10/x"),
            ("rate: 0/s", "rate", "0/s"),
            ("rate: ten/s", "rate", "ten/s"),
            ("max_per_day: 0", "max_per_day", "0"),
            ("max_per_day: many", "max_per_day", "many"),
            ("min_gap: soon", "min_gap", "soon"),
            ("max_concurrency: 0", "max_concurrency", "0"),
            ("enabled: maybe", "enabled", "maybe"),
            ("retry: { initial: 0s }", "retry.initial", "zero"),
            ("retry: { initial: 1h, max: 1m }", "retry.max", "initial"),
            ("retry: { attempts: 0 }", "retry.attempts", "0"),
        ])
    func badChannelRule(rule: String, key: String, mentions: String) throws {
        let folder = try TempFolder()
        let text = """
            timezone: Asia/Ho_Chi_Minh
            channels:
              radio-xa:
                type: radio
                \(rule)
            """
        let error = try #require(try configError(text, in: folder))
        #expect(error.location.file == folder.path + "/cchcd.yaml")
        #expect(error.path == "channels.radio-xa.\(key)")
        #expect(error.location.line == 5)
        #expect(error.message.contains(mentions), "\(error)")
    }

    @Test("a radio channel refuses engine slots and quiet hours (its stations have their own)")
    func radioHasNoEngineSlots() throws {
        let folder = try TempFolder()
        for key in ["slots: [\"06:00\"]", "quiet_hours: 22:00-06:00"] {
            let path = try folder.write(
                "cchcd.yaml",
                """
                channels:
                  dai-xa:
                    type: radio
                    \(key)
                """)
            let error = try #require(throws: ConfigError.self) { try ConfigLoader.load(path: path) }
            #expect(error.description.contains("stations[].slots"), "\(error)")
            #expect(error.location.line == 4)
        }
    }

    @Test("a channel without a type, or with a bad name")
    func channelShape() throws {
        let folder = try TempFolder()
        let noType = try #require(try configError("channels:\n  portal:\n    url: https://x\n", in: folder))
        #expect(noType.path == "channels.portal.type")
        #expect(noType.message.contains("required"))
        let badName = try #require(try configError("channels:\n  Cổng Tỉnh:\n    type: portal\n", in: folder))
        #expect(badName.path == "channels.Cổng Tỉnh")
        #expect(badName.location.line == 2)
        let scalar = try #require(try configError("channels:\n  portal: yes\n", in: folder))
        #expect(scalar.path == "channels.portal")
        #expect(scalar.message.contains("mapping"))
    }

    @Test("after: naming an unknown channel, the channel itself, or a cycle")
    func afterDependencies() throws {
        let folder = try TempFolder()
        let unknown = """
            channels:
              portal:
                type: portal
              fb:
                type: facebook
                after: portl
            """
        let e1 = try #require(try configError(unknown, in: folder))
        #expect(e1.path == "channels.fb.after")
        #expect(e1.location.line == 6)
        #expect(e1.message.contains("\"portl\""))

        let selfRef = """
            channels:
              fb:
                type: facebook
                after: fb
            """
        let e2 = try #require(try configError(selfRef, in: folder))
        #expect(e2.path == "channels.fb.after")
        #expect(e2.location.line == 4)
        #expect(e2.message.contains("itself"))

        let cycle = """
            channels:
              a:
                type: x
                after: b
              b:
                type: x
                after: c
              c:
                type: x
                after: a
            """
        let e3 = try #require(try configError(cycle, in: folder))
        #expect(e3.path == "channels.a.after")
        #expect(e3.location.line == 4)
        #expect(e3.message.contains("cycle"))

        // A chain that ends is fine.
        let chain = "channels:\n  a: { type: x, after: b }\n  b: { type: x, after: c }\n  c: { type: x }\n"
        let config = try ConfigLoader.load(path: try folder.write("chain.yaml", chain), secrets: isolatedSecrets)
        #expect(config.channels.map { $0.settings.after } == ["b", "c", nil])
    }

    @Test("after: in channels.d names the drop-in file, its line and the key path there")
    func afterInDropIn() throws {
        let folder = try TempFolder()
        let main = try folder.write("cchcd.yaml", "channels:\n  portal: { type: portal }\n")
        let dropIn = try folder.write("channels.d/fb.yaml", "# Facebook\nfb:\n  type: facebook\n  after: portl\n")
        let error = try #require(loadError(main))
        #expect(error.location.file == dropIn)
        #expect(error.location.line == 4)
        #expect(error.path == "fb.after")
    }

    @Test("a channel defined in the main file and again in channels.d")
    func duplicateChannel() throws {
        let folder = try TempFolder()
        let main = try folder.write(
            "cchcd.yaml", "timezone: Asia/Ho_Chi_Minh\nchannels:\n  portal:\n    type: portal\n")
        let dropIn = try folder.write("channels.d/extra.yaml", "webhook:\n  type: webhook\nportal:\n  type: portal\n")
        let error = try #require(loadError(main))
        #expect(error.location.file == dropIn)
        #expect(error.location.line == 3)
        #expect(error.path == "portal")
        #expect(error.message.contains("\(main):3"))

        // And across two drop-in files.
        let folder2 = try TempFolder()
        let main2 = try folder2.write("cchcd.yaml", "channels:\n")
        try folder2.write("channels.d/a.yaml", "x: { type: t }\n")
        let b = try folder2.write("channels.d/b.yaml", "\n\nx: { type: t }\n")
        let error2 = try #require(loadError(main2))
        #expect(error2.location.file == b)
        #expect(error2.location.line == 3)
    }

    @Test("a key given twice in the same mapping")
    func duplicateYAMLKey() throws {
        let folder = try TempFolder()
        let text = """
            timezone: Asia/Ho_Chi_Minh
            channels:
              portal:
                type: portal
                url: https://a.example
                url: https://b.example
            """
        let error = try #require(try configError(text, in: folder))
        #expect(error.location.file == folder.path + "/cchcd.yaml")
        let line = try #require(error.location.line)
        #expect([5, 6].contains(line))
        #expect(error.message.contains("\"url\""))
        #expect(error.message.contains("twice"))
    }

    @Test("broken YAML names its line")
    func brokenYAML() throws {
        let folder = try TempFolder()
        let text = """
            timezone: Asia/Ho_Chi_Minh
            state_dir: /x
            channels:
              portal:
                type: [portal
                url: https://x
            """
        let error = try #require(try configError(text, in: folder))
        #expect(error.location.file == folder.path + "/cchcd.yaml")
        let line = try #require(error.location.line)
        #expect((5...7).contains(line), "\(error)")
        #expect(error.message.hasPrefix("not valid YAML"))

        let tabs = try #require(try configError("a: 1\nb:\n\t- x\n", in: folder))
        #expect(tabs.location.line == 3, "\(tabs)")
    }

    @Test("a missing file, a non-UTF-8 file, YAML aliases, a top level that is not a mapping")
    func unreadable() throws {
        let folder = try TempFolder()
        let missing = try #require(loadError(folder.path + "/nope.yaml"))
        #expect(missing.location.file == folder.path + "/nope.yaml")
        #expect(missing.message.contains("cannot read"))

        let latin1 = folder.path + "/latin1.yaml"
        try Data([0x61, 0x3A, 0x20, 0xE9, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: latin1))
        #expect(loadError(latin1)?.message.contains("UTF-8") == true)

        // YAML anchors and aliases are resolved by the parser: the value is used as written.
        let alias = try ConfigLoader.load(
            path: try folder.write("alias.yaml", "retry: &r { initial: 2s }\nchannels:\n  a: { type: x, retry: *r }\n"),
            secrets: isolatedSecrets)
        #expect(alias.channels.first?.settings.retry?.initial == .seconds(2))

        let list = try #require(try configError("- a\n- b\n", in: folder))
        #expect(list.message.contains("mapping"))
    }

    @Test("inbox limits, media roots and the listener's limits are read, with sizes in KB/MB")
    func trustLimits() throws {
        let folder = try TempFolder()
        let config = try ConfigLoader.load(
            path: try folder.write(
                "limits.yaml",
                "inbox: { path: hop-thu, media_roots: [anh, /srv/anh], max_item_size: 512KB, max_media_size: 2MB }\nhttp: { listen: 8640, idle_timeout: 5s, read_timeout: 10s, max_connections: 64 }\n"
            ), secrets: isolatedSecrets)
        #expect(config.inbox.mediaRoots == [folder.path + "/anh", "/srv/anh"])
        #expect(config.inbox.maxItemBytes == 512 * 1024)
        #expect(config.inbox.maxMediaBytes == 2 << 20)
        #expect(config.httpLimits.idleTimeout == .seconds(5))
        #expect(config.httpLimits.readTimeout == .seconds(10))
        #expect(config.httpLimits.maxConnections == 64)
        let defaults = try ConfigLoader.load(
            path: try folder.write("d.yaml", "state_dir: s\n"), secrets: isolatedSecrets)
        #expect(defaults.inbox.effectiveMediaRoots == [defaults.inbox.path + "/media"])
        #expect(defaults.inbox.maxItemBytes == 5 << 20)
        let bad = try #require(try configError("inbox: { max_item_size: 5 lít }\n", in: folder))
        #expect(bad.path == "inbox.max_item_size")
    }

    @Test("numbers: range and format errors, underscores allowed")
    func numbers() throws {
        let folder = try TempFolder()
        let ok = try ConfigLoader.load(
            path: try folder.write("ok.yaml", "engine: { batch_size: 1_000, lease: 10m }\n"),
            secrets: isolatedSecrets)
        #expect(ok.engine.batchSize == 1000)
        let big = try #require(try configError("engine:\n  batch_size: 20000\n", in: folder))
        #expect(big.path == "engine.batch_size")
        #expect(big.location.line == 2)
        #expect(big.message.contains("20000"))
        let lease = try #require(try configError("engine: { lease: 0s }\n", in: folder))
        #expect(lease.path == "engine.lease")
    }

    @Test("topics: bad keys and built-in keys")
    func topics() throws {
        let folder = try TempFolder()
        let bad = try #require(try configError("topics:\n  Chuyển đổi số: x\n", in: folder))
        #expect(bad.path == "topics.Chuyển đổi số")
        #expect(bad.location.line == 2)
        let builtin = try #require(try configError("topics:\n  tthc: Thủ tục\n", in: folder))
        #expect(builtin.path == "topics.tthc")
        #expect(builtin.message.contains("built-in"))
    }
}

@Suite("ConfigLoader.resolvePath")
struct ResolvePathTests {
    @Test("--config wins over CCHC_CONFIG, which wins over the default")
    func precedence() {
        let env = ["CCHC_CONFIG": "/etc/other/cchcd.yaml"]
        #expect(ConfigLoader.resolvePath("/opt/c.yaml", environment: env) == "/opt/c.yaml")
        #expect(ConfigLoader.resolvePath(nil, environment: env) == "/etc/other/cchcd.yaml")
        #expect(ConfigLoader.resolvePath(nil, environment: [:]) == "/etc/cchcd/cchcd.yaml")
        #expect(ConfigLoader.defaultPath == "/etc/cchcd/cchcd.yaml")
        // An empty variable is as good as none.
        #expect(ConfigLoader.resolvePath(nil, environment: ["CCHC_CONFIG": ""]) == "/etc/cchcd/cchcd.yaml")
    }

    @Test("relative paths resolve against the current folder")
    func relative() {
        let cwd = FileManager.default.currentDirectoryPath
        let expected = URL(fileURLWithPath: cwd).appendingPathComponent("conf/cchcd.yaml").standardizedFileURL.path
        #expect(ConfigLoader.resolvePath("conf/cchcd.yaml", environment: [:]) == expected)
        #expect(ConfigLoader.resolvePath(nil, environment: ["CCHC_CONFIG": "./conf/../conf/cchcd.yaml"]) == expected)
    }
}
