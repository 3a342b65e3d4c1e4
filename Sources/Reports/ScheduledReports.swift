import Config
import Foundation

/// What the daemon does with `reports.schedule`: once the time of day `at` has passed on the day
/// after a period's last day (the 15th for a statutory month), the report of that period is written
/// into `dir` in each configured format, unless the file is already there. Only the latest finished
/// period of each kind is written (no back-filling); a file an operator removes is written again.
public struct ScheduledReports: Sendable {
    public var schedule: ReportSchedule
    public var settings: ReportSettings
    public var logDirectory: String
    public var timeZone: TimeZone
    public var topicLabels: [String: String]
    /// Channel name → label (`label:` in the configuration).
    public var channelLabels: [String: String] = [:]

    public init(
        schedule: ReportSchedule, settings: ReportSettings, logDirectory: String, timeZone: TimeZone,
        topicLabels: [String: String] = Labels.topics
    ) {
        self.schedule = schedule
        self.settings = settings
        self.logDirectory = logDirectory
        self.timeZone = timeZone
        self.topicLabels = topicLabels
    }

    /// `bao-cao-2026-11.docx`, `bao-cao-2026-Q4-lich.html` (calendar periods say so).
    public static func fileName(_ period: ReportPeriod, _ format: ReportFormat) -> String {
        "\(key(period)).\(format.fileExtension)"
    }

    /// `bao-cao-2026-11`, `bao-cao-2026-Q4-lich`: names a scheduled report in file names and sources.
    public static func key(_ period: ReportPeriod) -> String {
        "bao-cao-\(period.name)\(period.basis == .calendar ? "-lich" : "")"
    }

    /// The periods whose reports are due at `now`.
    public func duePeriods(now: Date) -> [ReportPeriod] {
        let local = ReportBuilder.localDate(Int64(now.timeIntervalSince1970 * 1000), timeZone)
        let secondOfDay = (Int(now.timeIntervalSince1970) + timeZone.secondsFromGMT(for: now)) % 86400
        let minute = secondOfDay / 60
        var out: [ReportPeriod] = []
        for word in schedule.periods {
            let kind = ReportPeriod.Kind(rawValue: word) ?? .month
            // Before `at`, today does not count yet: the period must have ended before yesterday.
            let today = minute >= schedule.at.minutes ? local : local.adding(days: -1)
            out.append(ReportPeriod.lastFinished(kind, calendar: settings.calendar, today: today))
        }
        return out
    }

    /// Writes the reports due at `now` that are not in the folder yet; returns the paths written.
    public func runOnce(now: Date) throws -> [String] {
        try FileManager.default.createDirectory(atPath: schedule.dir, withIntermediateDirectories: true)
        var written: [String] = []
        for period in duePeriods(now: now) {
            let formats = schedule.formats.compactMap { ReportFormat(word: $0) }
            let missing = formats.filter {
                !FileManager.default.fileExists(atPath: schedule.dir + "/" + Self.fileName(period, $0))
            }
            guard !missing.isEmpty else { continue }
            var options = ReportOptions(directory: logDirectory, period: period, timeZone: timeZone)
            options.settings = settings
            options.topicLabels = topicLabels
            options.channelLabels = channelLabels
            options.now = now
            let report = try ReportBuilder.build(options)
            for format in missing {
                let path = schedule.dir + "/" + Self.fileName(period, format)
                try format.render(report).write(to: URL(fileURLWithPath: path), options: .atomic)
                written.append(path)
            }
        }
        return written
    }
}
