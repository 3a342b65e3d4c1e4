import Foundation

/// A finished report: what every renderer draws from. Its JSON form is documented in
/// `docs/report.schema.json` and `docs/reports.md`; field names there are the coding keys here.
public struct Report: Sendable, Codable, Equatable {
    /// `cchc-report/1`.
    public var schema: String = "cchc-report/1"
    public var generatedAt: String
    public var header: Header
    public var period: PeriodInfo
    public var previousPeriod: PeriodInfo
    /// The `--unit` filter, when given.
    public var unit: String?
    /// The breakdowns shown (`--by`): some of `unit`, `channel`, `topic`.
    public var breakdowns: [String]
    public var input: InputInfo
    public var totals: [Figure]
    public var byChannelType: [Figure]
    public var byChannel: [Figure]
    public var byUnit: [Figure]
    public var byTopic: [Figure]
    public var byMonth: [Figure]
    public var radio: [RadioRow]
    public var email: [EmailRow]
    public var interactions: [InteractionRow]
    public var failures: Failures
    public var targets: [TargetRow]
    public var items: [PublishedItem]
    /// Channel name → the label officers read (`label:` in the channel's configuration). The rendered
    /// report shows labels, never configuration keys; not part of the JSON (its rows keep the names).
    public var channelLabels: [String: String] = [:]
    /// Whether the rendered report ends with the appendix listing each published item (the JSON always
    /// has `items`).
    public var listsItems: Bool = true

    /// The label of a channel, or its name when the configuration gives none.
    public func channelLabel(_ name: String) -> String { channelLabels[name] ?? name }

    enum CodingKeys: String, CodingKey {
        case schema, header, period, unit, breakdowns, input, totals, radio, email, interactions, failures, targets
        case items
        case generatedAt = "generated_at"
        case previousPeriod = "previous_period"
        case byChannelType = "by_channel_type"
        case byChannel = "by_channel"
        case byUnit = "by_unit"
        case byTopic = "by_topic"
        case byMonth = "by_month"
    }

    /// The administrative header (from `reports:` in the configuration).
    public struct Header: Sendable, Codable, Equatable {
        public var governingBody: String?
        public var issuer: String?
        public var numberSuffix: String?
        public var place: String?
        public var signerTitle: String?
        public var signerName: String?
        public var recipients: [String]
        /// The report's date (local), for the date line.
        public var date: LocalDate

        enum CodingKeys: String, CodingKey {
            case issuer, place, recipients, date
            case governingBody = "governing_body"
            case numberSuffix = "number_suffix"
            case signerTitle = "signer_title"
            case signerName = "signer_name"
        }

        public init(
            governingBody: String? = nil, issuer: String? = nil, numberSuffix: String? = nil, place: String? = nil,
            signerTitle: String? = nil, signerName: String? = nil, recipients: [String] = [], date: LocalDate
        ) {
            self.governingBody = governingBody
            self.issuer = issuer
            self.numberSuffix = numberSuffix
            self.place = place
            self.signerTitle = signerTitle
            self.signerName = signerName
            self.recipients = recipients
            self.date = date
        }
    }

    public struct PeriodInfo: Sendable, Codable, Equatable {
        public var name: String
        public var kind: ReportPeriod.Kind
        public var basis: ReportPeriod.Basis
        public var label: String
        /// First and last local dates, both included.
        public var from: LocalDate
        public var to: LocalDate
        /// The instants bounding the window: `start` included, `end` excluded (RFC 3339).
        public var start: String
        public var end: String
        public var timeZone: String
        public var months: Double

        enum CodingKeys: String, CodingKey {
            case name, kind, basis, label, from, to, start, end, months
            case timeZone = "time_zone"
        }
    }

    public struct InputInfo: Sendable, Codable, Equatable {
        public var directory: String
        public var files: [String]
        public var lines: Int
        /// Lines that are not a valid log object (reported below, file:line).
        public var corrupt: Int
        /// A last line without its newline (a writer cut short).
        public var truncated: Int
        /// The first `problems` (up to 100) with where and why; `corrupt + truncated` is the true count.
        public var problems: [Problem]
    }

    public struct Problem: Sendable, Codable, Equatable {
        public var file: String
        public var line: Int
        public var reason: String
    }

    /// One figure of a table: a key, its Vietnamese label, the period's count, the previous period's
    /// and the difference.
    public struct Figure: Sendable, Codable, Equatable {
        public var key: String
        public var label: String
        /// Channel type, for rows of `by_channel`.
        public var type: String?
        public var value: Double
        public var previous: Double
        public var change: Double

        public init(key: String, label: String, type: String? = nil, value: Double, previous: Double) {
            self.key = key
            self.label = label
            self.type = type
            self.value = value
            self.previous = previous
            self.change = value - previous
        }
    }

    public struct RadioRow: Sendable, Codable, Equatable {
        public var channel: String
        public var unit: String
        public var bulletins: Int
        public var minutes: Double
    }

    public struct EmailRow: Sendable, Codable, Equatable {
        public var channel: String
        /// Recipients whose server accepted the message.
        public var recipients: Int
        /// Recipients that failed for good.
        public var failed: Int
    }

    public struct InteractionRow: Sendable, Codable, Equatable {
        public var channel: String
        public var type: String
        /// kind (`comment`, `reaction`, `message`, …) → count.
        public var kinds: [String: Int]
        public var total: Int
    }

    public struct Failures: Sendable, Codable, Equatable {
        public var total: Int
        public var byClass: [Figure]
        /// The failures themselves (the first 500).
        public var list: [FailureRow]

        enum CodingKeys: String, CodingKey {
            case total, list
            case byClass = "by_class"
        }
    }

    public struct FailureRow: Sendable, Codable, Equatable {
        public var ts: String
        public var itemID: String
        public var title: String
        public var unit: String
        public var channel: String
        public var errorClass: String
        public var error: String

        enum CodingKeys: String, CodingKey {
            case ts, title, unit, channel, error
            case itemID = "item_id"
            case errorClass = "error_class"
        }
    }

    public struct TargetRow: Sendable, Codable, Equatable {
        public var unit: String
        public var label: String
        public var metric: String
        public var channelType: String?
        public var channel: String?
        public var perMonth: Double
        /// `per_month × months`, rounded up.
        public var required: Double
        public var actual: Double
        public var met: Bool

        enum CodingKeys: String, CodingKey {
            case unit, label, metric, channel, required, actual, met
            case channelType = "channel_type"
            case perMonth = "per_month"
        }
    }

    public struct PublishedItem: Sendable, Codable, Equatable {
        public var itemID: String
        public var title: String
        /// Local date of its first delivery in the period.
        public var date: LocalDate
        public var unit: String
        public var topic: String
        public var topicLabel: String
        public var channels: [String]
        public var links: [String]

        enum CodingKeys: String, CodingKey {
            case title, date, unit, topic, channels, links
            case itemID = "item_id"
            case topicLabel = "topic_label"
        }
    }

    /// A figure of `totals` by key (`items`, `deliveries`, …).
    public func total(_ key: String) -> Double { totals.first { $0.key == key }?.value ?? 0 }
}
