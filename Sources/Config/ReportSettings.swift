import ChannelConfig
import ChannelKit
import Foundation

/// The `reports:` section: who issues the periodic report, which targets it checks, and the
/// daemon's schedule for writing reports into a folder (docs/reports.md).
public struct ReportSettings: Sendable {
    /// The governing body printed above the issuing unit (`UBND TỈNH SƠN LA`).
    public var governingBody: String?
    /// The issuing unit (`SỞ NỘI VỤ`).
    public var issuer: String?
    /// The number line's suffix: `Số:      /BC-SNV` is written from `/BC-SNV`.
    public var numberSuffix: String?
    /// The place on the date line (`Sơn La, ngày … tháng … năm …`).
    public var place: String?
    /// Signer's title and name at the foot of the report.
    public var signerTitle: String?
    public var signerName: String?
    /// Recipients listed under "Nơi nhận:".
    public var recipients: [String] = []
    /// Units that report even when the log has no line of theirs in the period (targets are checked for them).
    public var units: [String] = []
    /// Calendar periods instead of the statutory data cut-offs by default.
    public var calendar: Bool = false
    public var targets: [ReportTarget] = []
    public var schedule: ReportSchedule?

    public init() {}
}

/// "Each unit publishes at least N … per month", pro-rated for longer periods.
public struct ReportTarget: Sendable, Hashable {
    /// What is counted: `articles` (delivered items), `bulletins` (radio bulletins), `minutes` (radio airtime).
    public var metric: String
    /// Counted only on channels of this type (`portal`), or on this channel; neither: every channel.
    public var channelType: String?
    public var channel: String?
    public var perMonth: Double
    /// Units the target applies to; empty: every unit in the report.
    public var units: [String]
    /// What the target is called in the report (Vietnamese).
    public var label: String?

    public init(
        metric: String, channelType: String? = nil, channel: String? = nil, perMonth: Double, units: [String] = [],
        label: String? = nil
    ) {
        self.metric = metric
        self.channelType = channelType
        self.channel = channel
        self.perMonth = perMonth
        self.units = units
        self.label = label
    }

    public static let metrics = ["articles", "bulletins", "minutes"]
}

/// The daemon writes the last finished period's report into `dir` (docs/reports.md).
public struct ReportSchedule: Sendable, Hashable {
    public var dir: String
    /// `month`, `quarter`, `half`, `year`.
    public var periods: [String]
    public var formats: [String]
    /// Time of day (local) on the first day after the period's cut-off.
    public var at: TimeOfDay
    /// `send: { channel: NAME, lists: "a, b" }`: each written report is also queued as an item for
    /// this email channel, with the files attached (approved by the daemon, sent like any item).
    public var send: ReportSending?

    public init(dir: String, periods: [String], formats: [String], at: TimeOfDay, send: ReportSending? = nil) {
        self.dir = dir
        self.periods = periods
        self.formats = formats
        self.at = at
        self.send = send
    }

    public static let periodKinds = ["month", "quarter", "half", "year"]
    public static let formatNames = ["md", "html", "csv", "json", "docx"]
}

extension ConfigLoader {
    static func readReports(_ top: ConfigSection) throws(ConfigError) -> ReportSettings {
        var settings = ReportSettings()
        guard let s = try top.section("reports") else { return settings }
        settings.governingBody = try s.string("governing_body")
        settings.issuer = try s.string("issuer")
        settings.numberSuffix = try s.string("number_suffix")
        settings.place = try s.string("place")
        settings.signerTitle = try s.string("signer_title")
        settings.signerName = try s.string("signer_name")
        settings.recipients = try s.stringList("recipients") ?? []
        settings.units = try s.stringList("units") ?? []
        settings.calendar = try s.bool("calendar") ?? false
        for (value, path, location) in try s.list("targets") ?? [] {
            let t = try s.section(of: value, path: path, location: location)
            let metric = try t.oneOf("metric", ReportTarget.metrics) ?? "articles"
            guard let perMonth = try t.double("per_month") else {
                throw t.error("per_month", "is required (how many per month, e.g. 4)")
            }
            guard perMonth > 0 else { throw t.error("per_month", "must be more than zero") }
            let target = ReportTarget(
                metric: metric, channelType: try t.string("channel_type"), channel: try t.string("channel"),
                perMonth: perMonth, units: try t.stringList("units") ?? [], label: try t.string("label"))
            if target.channelType != nil && target.channel != nil {
                throw t.error("channel", "give channel or channel_type, not both")
            }
            try t.finish()
            settings.targets.append(target)
        }
        if let c = try s.section("schedule") {
            guard let dir = try c.path("dir") else { throw c.error("dir", "is required (the folder reports go to)") }
            let periods = try c.stringList("periods") ?? ["month"]
            for p in periods where !ReportSchedule.periodKinds.contains(p) {
                throw c.error("periods", "\"\(p)\" is not one of \(ReportSchedule.periodKinds.joined(separator: ", "))")
            }
            let formats = try c.stringList("formats") ?? ["docx"]
            for f in formats where !ReportSchedule.formatNames.contains(f) {
                throw c.error("formats", "\"\(f)\" is not one of \(ReportSchedule.formatNames.joined(separator: ", "))")
            }
            var at = TimeOfDay(hour: 7, minute: 0)
            if let text = try c.string("at") {
                guard let t = TimeOfDay(text) else { throw c.error("at", "\"\(text)\" is not a time like 07:00") }
                at = t
            }
            var send: ReportSending?
            if let d = try c.section("send") {
                let location = d.raw("channel")?.location
                guard let channel = try d.string("channel"), let location else {
                    throw d.error("channel", "is required (the email channel that sends the reports)")
                }
                send = ReportSending(channel: channel, lists: try d.string("lists"), location: location)
                try d.finish()
            }
            try c.finish()
            settings.schedule = ReportSchedule(dir: dir, periods: periods, formats: formats, at: at, send: send)
        }
        try s.finish()
        return settings
    }
}

/// Where scheduled reports are sent (`reports.schedule.send`).
public struct ReportSending: Sendable, Hashable {
    /// An `email` channel's name.
    public var channel: String
    /// Distribution lists (and addresses), comma-separated, as in an item's `lists` override; nil: the
    /// channel's default lists.
    public var lists: String?
    /// Where `channel` is written, for errors found when the channels are known.
    public var location: ConfigLocation?

    public init(channel: String, lists: String? = nil, location: ConfigLocation? = nil) {
        self.channel = channel
        self.lists = lists
        self.location = location
    }
}
