import ChannelConfig
import ChannelKit
import Foundation

/// Loads `cchcd.yaml` and the `channels.d/*.yaml` files beside it. Every error names the file, the key
/// path and the line, and stops the start-up (or, on reload, keeps the running configuration).
public enum ConfigLoader {
    public static let defaultPath = "/etc/cchcd/cchcd.yaml"

    /// The configuration file to use: `--config`, else `$CCHC_CONFIG`, else `/etc/cchcd/cchcd.yaml`.
    public static func resolvePath(
        _ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        // An empty CCHC_CONFIG (`CCHC_CONFIG= cchc …`) is the same as an unset one.
        let fromEnvironment = environment["CCHC_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let chosen = explicit ?? fromEnvironment ?? defaultPath
        if chosen.hasPrefix("/") { return chosen }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(chosen)
            .standardizedFileURL.path
    }

    public static func load(path: String, secrets: SecretStore = SecretStore()) throws(ConfigError) -> DaemonConfig {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let root = try YAMLDocument.load(path: path)
        let top = try ConfigSection(
            value: root, path: "", location: ConfigLocation(file: path, line: 1), baseDirectory: directory,
            secrets: secrets)

        let zoneName = try top.string("timezone") ?? "Asia/Ho_Chi_Minh"
        guard let timeZone = TimeZone(identifier: zoneName) else {
            throw top.error("timezone", "unknown time zone \"\(zoneName)\" (e.g. Asia/Ho_Chi_Minh)")
        }
        let stateDirectory = try top.path("state_dir") ?? "/var/lib/cchcd"

        var inbox = InboxSettings(path: stateDirectory + "/inbox", trusted: false, enabled: true)
        var wordDefaultsSection: ConfigSection?
        if let s = try top.section("inbox") {
            inbox.path = try s.path("path") ?? inbox.path
            inbox.trusted = try s.bool("trusted") ?? false
            inbox.enabled = try s.bool("enabled") ?? true
            if let roots = try s.stringList("media_roots") { inbox.mediaRoots = roots.map { s.resolve(path: $0) } }
            inbox.maxItemBytes = try byteSize(s, "max_item_size", range: 1024...(256 << 20)) ?? inbox.maxItemBytes
            inbox.maxMediaBytes = try byteSize(s, "max_media_size", range: 1024...(4 << 30)) ?? inbox.maxMediaBytes
            if let w = try s.section("word_defaults") {
                let channels = try w.stringList("channels") ?? []
                if channels.isEmpty { throw w.error("channels", "list at least one channel for Word files") }
                inbox.wordDefaults = InboxSettings.WordDefaults(
                    unit: try w.requireString("unit"), topic: try w.requireString("topic"), channels: channels)
                try w.finish()
                wordDefaultsSection = w
            }
            try s.finish()
        }

        var logDirectory = "/var/log/cchcd"
        if let s = try top.section("delivery_log") {
            logDirectory = try s.path("dir") ?? logDirectory
            try s.finish()
        }

        var httpListen: String?
        var httpLimits = HTTPLimits()
        if let s = try top.section("http") {
            httpListen = try s.string("listen")
            httpLimits.idleTimeout = try positive(s, "idle_timeout") ?? httpLimits.idleTimeout
            httpLimits.readTimeout = try positive(s, "read_timeout") ?? httpLimits.readTimeout
            httpLimits.maxConnections = try s.int("max_connections", range: 1...65_536) ?? httpLimits.maxConnections
            try s.finish()
        }

        var web: WebSettings?
        if let s = try top.section("web") {
            var settings = WebSettings(listen: try s.requireString("listen"), mediaDirectory: inbox.path + "/media")
            settings.secureCookies = try s.bool("secure_cookies") ?? false
            settings.fourEyes = try s.bool("four_eyes") ?? true
            settings.sessionLifetime = try positive(s, "session") ?? settings.sessionLifetime
            settings.mediaDirectory = try s.path("media_dir") ?? settings.mediaDirectory
            try s.finish()
            web = settings
        }

        let retry = try readRetry(top, key: "retry") ?? RetrySettings()

        var engine = EngineSettings()
        if let s = try top.section("engine") {
            engine.batchSize = try s.int("batch_size", range: 1...10_000) ?? engine.batchSize
            engine.lease = try positive(s, "lease") ?? engine.lease
            engine.shutdownGrace = try s.duration("shutdown_grace") ?? engine.shutdownGrace
            engine.stuckAfter = try positive(s, "stuck_after") ?? engine.stuckAfter
            try s.finish()
        }

        var network = NetworkSettings()
        if let s = try top.section("network") {
            network.caFile = try s.path("ca_file")
            network.caPath = try s.path("ca_path")
            network.connectTimeout = try positive(s, "connect_timeout") ?? network.connectTimeout
            network.timeout = try positive(s, "timeout") ?? network.timeout
            network.maxConnectionsPerHost =
                try s.int("max_connections_per_host", range: 1...1024) ?? network.maxConnectionsPerHost
            try s.finish()
        }

        var extraTopics: [Topic] = []
        if let s = try top.section("topics") {
            for key in s.keys {
                guard Self.isName(key) else { throw s.error(key, "a topic key uses a-z, 0-9 and '-'") }
                if Topic.builtin.contains(where: { $0.key == key }) { throw s.error(key, "is a built-in topic") }
                extraTopics.append(Topic(key: key, label: try s.requireString(key)))
            }
            try s.finish()
        }

        let reports = try readReports(top)

        var channels: [ChannelConfig] = []
        if let s = try top.section("channels") {
            for name in s.keys {
                guard let (value, location) = s.raw(name) else { throw s.error(name, "is empty") }
                channels.append(
                    try readChannel(
                        name: name, value: value, location: location, path: s.childPath(name), directory: directory,
                        secrets: secrets))
            }
        }
        try top.finish()

        // channels.d/*.yaml: each a map of channel name → settings.
        let dropIn = directory + "/channels.d"
        if let files = try? FileManager.default.contentsOfDirectory(atPath: dropIn) {
            for file in files.sorted() where (file.hasSuffix(".yaml") || file.hasSuffix(".yml")) && !file.hasPrefix(".")
            {
                let filePath = dropIn + "/" + file
                let value = try YAMLDocument.load(path: filePath)
                let section = try ConfigSection(
                    value: value, path: "", location: ConfigLocation(file: filePath, line: 1), baseDirectory: dropIn,
                    secrets: secrets)
                for name in section.keys {
                    guard let (v, location) = section.raw(name) else { throw section.error(name, "is empty") }
                    if let existing = channels.first(where: { $0.name == name }) {
                        throw ConfigError(
                            "the channel \"\(name)\" is already defined at \(existing.location)", path: name,
                            location: location)
                    }
                    channels.append(
                        try readChannel(
                            name: name, value: v, location: location, path: name, directory: dropIn, secrets: secrets))
                }
            }
        }

        try checkDependencies(channels)
        if let send = reports.schedule?.send {
            let keyPath = "reports.schedule.send.channel"
            let location = send.location ?? ConfigLocation(file: path, line: 1)
            guard let channel = channels.first(where: { $0.name == send.channel }) else {
                throw ConfigError(
                    "no channel named \"\(send.channel)\" (known: \(channels.map(\.name).joined(separator: ", ")))",
                    path: keyPath, location: location)
            }
            guard channel.type == "email" else {
                throw ConfigError(
                    "\"\(send.channel)\" is a \(channel.type) channel; reports are sent by an email channel",
                    path: keyPath, location: location)
            }
        }
        if let w = wordDefaultsSection, let words = inbox.wordDefaults {
            for name in words.channels where !channels.contains(where: { $0.name == name }) {
                throw w.error(
                    "channels", "no channel named \"\(name)\" (known: \(channels.map(\.name).joined(separator: ", ")))")
            }
        }
        return DaemonConfig(
            path: path, timeZone: timeZone, stateDirectory: stateDirectory, inbox: inbox,
            deliveryLogDirectory: logDirectory, retry: retry, engine: engine, network: network,
            extraTopics: extraTopics,
            channels: channels, httpListen: httpListen, httpLimits: httpLimits, reports: reports, web: web)
    }

    static func readChannel(
        name: String, value: ConfigValue, location: ConfigLocation, path: String, directory: String,
        secrets: SecretStore
    ) throws(ConfigError) -> ChannelConfig {
        guard isName(name) else {
            throw ConfigError(
                "a channel name uses a-z, 0-9, '-' and '_' (it is typed in item files)", path: path, location: location)
        }
        let s = try ConfigSection(
            value: value, path: path, location: location, baseDirectory: directory, secrets: secrets)
        let type = try s.requireString("type")
        let enabled = try s.bool("enabled") ?? true
        let label = try s.string("label")?.trimmingCharacters(in: .whitespaces)
        if let label, label.isEmpty { throw s.error("label", "must not be empty (or leave the key out)") }
        var settings = ChannelSettings()
        settings.after = try s.string("after")
        if let slots = try s.stringList("slots") {
            settings.slots = try slots.map { (text) throws(ConfigError) -> Slot in
                guard let slot = Slot(text) else {
                    throw s.error("slots", "\"\(text)\" is not a slot like 06:00 or 06:00/15m")
                }
                return slot
            }.sorted { $0.start < $1.start }
        }
        if let q = try s.string("quiet_hours") {
            guard let quiet = QuietHours(q) else {
                throw s.error("quiet_hours", "\"\(q)\" is not a period like 22:00-06:00")
            }
            settings.quietHours = quiet
        }
        // A radio channel batches items into its stations' own slots and sends khan-cap items at once;
        // engine slots or quiet hours would hold those back.
        if type == "radio" {
            for key in ["slots", "quiet_hours"] where s.has(key) {
                throw s.error(
                    key, "a radio channel has no \(key): each station has its own slots (stations[].slots)")
            }
        }
        settings.maxPerDay = try s.int("max_per_day", range: 1...1_000_000)
        settings.minGap = try s.duration("min_gap")
        if let r = try s.string("rate") {
            guard let rate = RateLimit(r) else {
                throw s.error("rate", "\"\(r)\" is not a rate like 10/s, 100/m or 5/30s")
            }
            settings.rate = rate
        }
        settings.maxConcurrency = try s.int("max_concurrency", range: 1...1024) ?? 16
        settings.retry = try readRetry(s, key: "retry")
        settings.settle = try positive(s, "settle") ?? ChannelSettings.defaultSettle
        if let c = try s.section("circuit") {
            settings.circuit.failures = try c.int("failures", range: 0...10_000) ?? settings.circuit.failures
            settings.circuit.pause = try positive(c, "pause") ?? settings.circuit.pause
            settings.circuit.maxPause = try positive(c, "max_pause") ?? settings.circuit.maxPause
            if settings.circuit.maxPause < settings.circuit.pause {
                throw c.error(
                    "max_pause", "must not be shorter than pause (\(DurationText.format(settings.circuit.pause)))")
            }
            try c.finish()
        }
        return ChannelConfig(
            name: name, type: type, enabled: enabled, label: label, settings: settings, section: value,
            location: location,
            baseDirectory: directory, keyPath: path)
    }

    static func readRetry(_ parent: ConfigSection, key: String) throws(ConfigError) -> RetrySettings? {
        guard let s = try parent.section(key) else { return nil }
        var retry = RetrySettings()
        retry.initial = try positive(s, "initial") ?? retry.initial
        retry.max = try positive(s, "max") ?? retry.max
        retry.attempts = try s.int("attempts", range: 1...1000) ?? retry.attempts
        if retry.max < retry.initial {
            throw s.error("max", "must not be shorter than initial (\(DurationText.format(retry.initial)))")
        }
        try s.finish()
        return retry
    }

    /// A size: a number of bytes, or with a unit: `512KB`, `5MB`, `1GB` (powers of 1024).
    static func byteSize(_ s: ConfigSection, _ key: String, range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let text = try s.string(key) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [
            ("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1),
        ]
        var number = trimmed
        var factor = 1
        for (suffix, f) in units where trimmed.hasSuffix(suffix) {
            number = String(trimmed.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
            factor = f
            break
        }
        guard let n = Int(number), n >= 0, n <= Int.max / factor else {
            throw s.error(key, "\"\(text)\" is not a size like 5MB, 512KB or 1048576")
        }
        let bytes = n * factor
        guard range.contains(bytes) else {
            throw s.error(key, "must be between \(range.lowerBound) and \(range.upperBound) bytes")
        }
        return bytes
    }

    static func positive(_ s: ConfigSection, _ key: String) throws(ConfigError) -> Duration? {
        guard let d = try s.duration(key) else { return nil }
        if d <= .zero { throw s.error(key, "must be longer than zero") }
        return d
    }

    static func checkDependencies(_ channels: [ChannelConfig]) throws(ConfigError) {
        let names = Set(channels.map(\.name))
        for channel in channels {
            guard let after = channel.settings.after else { continue }
            // Name the `after:` line and its full key path (`channels.fb.after` in the main file,
            // `fb.after` in a channels.d file).
            let path = "\(channel.keyPath).after"
            var location = channel.location
            if case .map(let entries, _) = channel.section, let entry = entries.first(where: { $0.key == "after" }) {
                location = entry.location
            }
            if after == channel.name {
                throw ConfigError("a channel cannot wait for itself", path: path, location: location)
            }
            guard names.contains(after) else {
                throw ConfigError("no channel named \"\(after)\"", path: path, location: location)
            }
            var seen: Set<String> = [channel.name]
            var next: String? = after
            while let n = next {
                guard seen.insert(n).inserted else {
                    throw ConfigError(
                        "the after: dependencies form a cycle through \"\(n)\"", path: path, location: location)
                }
                next = channels.first { $0.name == n }?.settings.after
            }
        }
    }

    static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 64
            && s.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }
    }
}

extension ChannelConfig {
    /// The plugin's view of the section: the engine's keys are already read, so the plugin's
    /// `finish()` only complains about keys neither understood.
    public func pluginSection(secrets: SecretStore = SecretStore()) throws(ConfigError) -> ConfigSection {
        let s = try ConfigSection(
            value: section, path: keyPath, location: location, baseDirectory: baseDirectory, secrets: secrets)
        for key in ChannelSettings.engineKeys { _ = s.raw(key) }
        return s
    }
}
