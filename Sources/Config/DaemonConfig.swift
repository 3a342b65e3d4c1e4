import ChannelConfig
import ChannelKit
import Foundation

/// The daemon's configuration (`cchcd.yaml` plus `channels.d/*.yaml`), validated. Every key is
/// documented in `config/cchcd.yaml`.
public struct DaemonConfig: Sendable {
    /// The file it was read from.
    public var path: String
    public var timeZone: TimeZone
    public var stateDirectory: String
    public var inbox: InboxSettings
    public var deliveryLogDirectory: String
    public var retry: RetrySettings
    public var engine: EngineSettings
    public var network: NetworkSettings
    /// Extra topics beyond the built-in CCHC areas: key → Vietnamese label.
    public var extraTopics: [Topic]
    /// In the order written.
    public var channels: [ChannelConfig]
    /// `http.listen`: the address of the health, metrics and inbound-webhook server (DESIGN.md §13).
    public var httpListen: String? = nil
    /// `http.idle_timeout`, `http.read_timeout`, `http.max_connections`: the listener's connection limits.
    public var httpLimits = HTTPLimits()
    /// `reports:`: the periodic report's header, targets and schedule (docs/reports.md).
    public var reports: ReportSettings = ReportSettings()
    /// `web:`: the officers' web app (docs/web.md); nil when not configured.
    public var web: WebSettings? = nil

    public var databasePath: String { stateDirectory + "/cchcd.sqlite" }
    public var lockFilePath: String { stateDirectory + "/cchcd.lock" }
    /// Where the engine notes the sends it hands to the network (one file per process; see `SendJournal`).
    public var sendJournalDirectory: String { stateDirectory + "/sent" }

    public var topics: [Topic] { Topic.builtin + extraTopics }

    public func topicLabel(_ key: String) -> String { topics.first { $0.key == key }?.label ?? key }

    public func channel(named name: String) -> ChannelConfig? { channels.first { $0.name == name } }

    /// Channel name → `label:`, for the channels that have one.
    public var channelLabels: [String: String] {
        Dictionary(channels.compactMap { c in c.label.map { (c.name, $0) } }, uniquingKeysWith: { a, _ in a })
    }
}

/// The listener's connection limits (docs/operations.md).
public struct HTTPLimits: Sendable, Hashable {
    public var idleTimeout: Duration = .seconds(30)
    public var readTimeout: Duration = .seconds(30)
    public var maxConnections: Int = 256

    public init() {}
}

/// Settings of the HTTP client every HTTP channel shares.
public struct NetworkSettings: Sendable, Hashable {
    /// CA bundle to verify servers against (default: the system's).
    public var caFile: String?
    public var caPath: String?
    public var connectTimeout: Duration = .seconds(10)
    public var timeout: Duration = .seconds(60)
    public var maxConnectionsPerHost: Int = 32

    public init() {}
}

public struct InboxSettings: Sendable {
    public var path: String
    /// Files from this inbox may carry `approved_by`/`approved_at` and enter approved.
    public var trusted: Bool
    public var enabled: Bool
    /// `media_roots`: the only folders local media (`media: [path: …]`) may come from, resolved with realpath.
    /// Empty: the inbox's own `media/` folder. (`cchc item add` also allows the item file's folder.)
    public var mediaRoots: [String] = []
    /// `max_item_size`: an item file larger than this is refused before it is read.
    public var maxItemBytes: Int = 5 * 1024 * 1024
    /// `max_media_size`: a local media file larger than this is refused.
    public var maxMediaBytes: Int = 50 * 1024 * 1024
    /// `word_defaults`: what a Word file (`.docx`) dropped in the inbox cannot say itself. Without it the
    /// inbox refuses Word files, saying how to add them instead.
    public var wordDefaults: WordDefaults?

    /// The front matter a Word file from the inbox gets (the document gives the title, body and pictures).
    public struct WordDefaults: Sendable, Hashable {
        public var unit: String
        public var topic: String
        public var channels: [String]

        public init(unit: String, topic: String, channels: [String]) {
            self.unit = unit
            self.topic = topic
            self.channels = channels
        }
    }

    public init(path: String, trusted: Bool, enabled: Bool) {
        self.path = path
        self.trusted = trusted
        self.enabled = enabled
    }

    /// The media roots in force: the configured ones, or the inbox's `media/` folder.
    public var effectiveMediaRoots: [String] { mediaRoots.isEmpty ? [path + "/media"] : mediaRoots }
}

public struct RetrySettings: Sendable, Hashable {
    public var initial: Duration
    public var max: Duration
    /// Attempts in all (the first included) before a delivery fails.
    public var attempts: Int

    public init(initial: Duration = .seconds(30), max: Duration = .seconds(3600), attempts: Int = 10) {
        self.initial = initial
        self.max = max
        self.attempts = attempts
    }
}

public struct EngineSettings: Sendable, Hashable {
    /// Deliveries claimed per channel per round.
    public var batchSize: Int
    /// How long a claimed delivery stays leased to this process (a send must finish sooner).
    public var lease: Duration
    /// On stop, how long in-flight sends may take before they are abandoned (kept recoverable).
    public var shutdownGrace: Duration
    /// A round running longer than this counts as stuck: /healthz answers 503.
    public var stuckAfter: Duration = .seconds(30)

    public init(
        batchSize: Int = 256, lease: Duration = .seconds(300), shutdownGrace: Duration = .seconds(20)
    ) {
        self.batchSize = batchSize
        self.lease = lease
        self.shutdownGrace = shutdownGrace
    }
}

/// One configured channel: the engine's rules for it, and its own section for the plugin.
public struct ChannelConfig: Sendable {
    public var name: String
    public var type: String
    public var enabled: Bool
    /// What officers and reports call the channel (`label: "Trang Facebook Sở Nội vụ"`); the name when nil.
    public var label: String?
    public var settings: ChannelSettings
    /// The whole section as written; the plugin reads its own keys from it.
    public var section: ConfigValue
    public var location: ConfigLocation
    public var baseDirectory: String
    /// The section's key path in its file: `channels.portal-tinh` in the main file, `portal-tinh` in a
    /// `channels.d` file. Errors about the channel's keys start with it.
    public var keyPath: String
}

/// The scheduling rules of a channel (DESIGN.md §5).
public struct ChannelSettings: Sendable, Hashable {
    /// Another channel whose delivery of the same item must come first (`after: portal-tinh`).
    public var after: String?
    /// Fixed times of day; a delivery waits for the next slot.
    public var slots: [Slot]
    public var quietHours: QuietHours?
    public var maxPerDay: Int?
    public var minGap: Duration?
    public var rate: RateLimit?
    public var maxConcurrency: Int
    /// Overrides the global retry settings.
    public var retry: RetrySettings?
    public var circuit: CircuitSettings
    /// After a send whose answer was lost (a timeout, a dropped connection), how long the remote side may
    /// still be working on it: the next attempt, and its look-up of what the lost one did, waits at least
    /// this long. Longer than the server's own time limit (PHP's `max_execution_time` is 30 s).
    public var settle: Duration = Self.defaultSettle
    public static let defaultSettle: Duration = .seconds(60)

    public init(
        after: String? = nil, slots: [Slot] = [], quietHours: QuietHours? = nil, maxPerDay: Int? = nil,
        minGap: Duration? = nil, rate: RateLimit? = nil, maxConcurrency: Int = 16, retry: RetrySettings? = nil,
        circuit: CircuitSettings = CircuitSettings()
    ) {
        self.after = after
        self.slots = slots
        self.quietHours = quietHours
        self.maxPerDay = maxPerDay
        self.minGap = minGap
        self.rate = rate
        self.maxConcurrency = maxConcurrency
        self.retry = retry
        self.circuit = circuit
    }

    /// Keys of a channel section that belong to the engine, not to the plugin.
    public static let engineKeys = [
        "type", "enabled", "label", "after", "slots", "quiet_hours", "max_per_day", "min_gap", "rate",
        "max_concurrency", "retry", "circuit", "settle",
    ]
}

/// When a channel pauses after failing (its circuit breaker).
public struct CircuitSettings: Sendable, Hashable {
    /// Consecutive failed attempts that open the circuit (0: never).
    public var failures: Int
    /// The first pause; it doubles each time the probe fails.
    public var pause: Duration
    public var maxPause: Duration

    public init(failures: Int = 5, pause: Duration = .seconds(30), maxPause: Duration = .seconds(1800)) {
        self.failures = failures
        self.pause = pause
        self.maxPause = maxPause
    }
}

/// A time of day, minutes after midnight.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var minutes: Int

    public init(hour: Int, minute: Int) { minutes = hour * 60 + minute }

    /// `06:00`, `6:00`, `17:30`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h),
            (0..<60).contains(m),
            parts[1].count == 2
        else { return nil }
        minutes = h * 60 + m
    }

    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.minutes < b.minutes }

    public var description: String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
}

/// A slot: a time of day and how long it stays open (`06:00/15m`; without a length, 15 minutes).
public struct Slot: Sendable, Hashable, CustomStringConvertible {
    public var start: TimeOfDay
    public var length: Duration

    public init(start: TimeOfDay, length: Duration = .seconds(900)) {
        self.start = start
        self.length = length
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let start = TimeOfDay(parts[0]) else { return nil }
        self.start = start
        if parts.count == 2 {
            guard let d = DurationText.parse(parts[1]), d > .zero, d <= .seconds(86400) else { return nil }
            length = d
        } else {
            length = .seconds(900)
        }
    }

    public var description: String { "\(start)/\(DurationText.format(length))" }
}

/// A daily period when nothing is sent (`22:00-06:00` wraps past midnight).
public struct QuietHours: Sendable, Hashable, CustomStringConvertible {
    public var from: TimeOfDay
    public var to: TimeOfDay

    public init(from: TimeOfDay, to: TimeOfDay) {
        self.from = from
        self.to = to
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let f = TimeOfDay(parts[0]), let t = TimeOfDay(parts[1]), f != t else { return nil }
        from = f
        to = t
    }

    /// Whether a minute of the day falls in the quiet period.
    public func contains(_ minuteOfDay: Int) -> Bool {
        if from < to { return minuteOfDay >= from.minutes && minuteOfDay < to.minutes }
        return minuteOfDay >= from.minutes || minuteOfDay < to.minutes
    }

    public var description: String { "\(from)-\(to)" }
}

/// A token bucket: `count` sends per `per`, with bursts up to `count`.
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    public var count: Int
    public var per: Duration

    public init(count: Int, per: Duration) {
        self.count = count
        self.per = per
    }

    /// `10/s`, `100/m`, `1000/h`, `5/30s`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let n = Int(parts[0]), n > 0 else { return nil }
        let unit = parts[1]
        let per: Duration? =
            switch unit {
            case "s": .seconds(1)
            case "m", "min": .seconds(60)
            case "h": .seconds(3600)
            case "d": .seconds(86400)
            default: DurationText.parse(unit)
            }
        guard let per, per > .zero else { return nil }
        count = n
        self.per = per
    }

    public var description: String { "\(count)/\(DurationText.format(per))" }
}

/// `web:` (docs/web.md): the officers' web app, on a listener of its own.
public struct WebSettings: Sendable, Hashable {
    /// `web.listen`: `127.0.0.1:8650` or `unix:/run/cchcd/web.sock`.
    public var listen: String
    /// `web.secure_cookies`: mark the session cookie `Secure` (set it when a TLS reverse proxy is in front).
    public var secureCookies: Bool = false
    /// `web.four_eyes`: an author cannot approve their own item (off only for a one-person commune).
    public var fourEyes: Bool = true
    /// `web.session`: how long a sign-in lasts.
    public var sessionLifetime: Duration = .seconds(8 * 3600)
    /// `web.media_dir`: where uploaded images go (default `<inbox>/media`).
    public var mediaDirectory: String

    public init(listen: String, mediaDirectory: String) {
        self.listen = listen
        self.mediaDirectory = mediaDirectory
    }
}
