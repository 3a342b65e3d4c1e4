import ChannelKit
import Config
import DeliveryLog
import Foundation

/// What a report is made from.
public struct ReportOptions: Sendable {
    /// The delivery-log folder (`delivery_log.dir` or `--log-dir`).
    public var directory: String
    public var period: ReportPeriod
    public var timeZone: TimeZone
    /// Only this unit's lines (`--unit`).
    public var unit: String?
    /// Breakdowns shown (`--by`): `unit`, `channel`, `topic`.
    public var breakdowns: [String] = ["unit", "channel", "topic"]
    /// Topic key → Vietnamese label (built-in plus the configuration's `topics:`).
    public var topicLabels: [String: String] = Labels.topics
    public var settings: ReportSettings = ReportSettings()
    /// Channel name → label (`label:` in the configuration): what the rendered report shows.
    public var channelLabels: [String: String] = [:]
    /// Whether the rendered report lists every published item in an appendix; nil: for a month or a
    /// chosen range yes, for a quarter, half-year or year no (a year's list runs to a hundred pages).
    public var listsItems: Bool?
    /// When the report is made (its date line and `generated_at`).
    public var now: Date = Date()

    public init(directory: String, period: ReportPeriod, timeZone: TimeZone) {
        self.directory = directory
        self.period = period
        self.timeZone = timeZone
    }
}

/// Why a report could not be made (Vietnamese: officers read it).
public struct ReportError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Reads the delivery log once and counts what the report shows (docs/reports.md, "What is counted").
public enum ReportBuilder {
    public static let maximumProblems = 100
    public static let maximumFailureRows = 500

    public static func build(_ options: ReportOptions) throws(ReportError) -> Report {
        let period = options.period
        let previous = period.previous
        let zone = options.timeZone
        let window = Window(
            currentStart: period.first.startMillis(in: zone),
            currentEnd: period.last.adding(days: 1).startMillis(in: zone),
            previousStart: previous.first.startMillis(in: zone),
            previousEnd: previous.last.adding(days: 1).startMillis(in: zone),
            monthStarts: period.monthBuckets.map { $0.first.startMillis(in: zone) })

        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: options.directory, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw ReportError(message: "không có thư mục nhật ký phát hành \(options.directory)")
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: options.directory) } catch {
            throw ReportError(message: "không đọc được thư mục \(options.directory): \(error.localizedDescription)")
        }
        let files = names.filter { isWanted($0, from: previous.first, to: period.last) }.sorted()

        var current = Tally(months: window.monthStarts.count)
        var before = Tally(months: 0)
        var input = Report.InputInfo(
            directory: options.directory, files: files, lines: 0, corrupt: 0, truncated: 0, problems: [])
        let scanner = LogLineScanner()
        var fields = LogLineScanner.RawFields()
        let unitFilter = options.unit.map { Array($0.utf8) }

        for file in files {
            let path = options.directory + "/" + file
            do throws(LogFileReader.ReadError) {
                try LogFileReader.forEachLine(path: path) { line, number, kind in
                    input.lines += 1
                    func problem(_ reason: String) {
                        if input.problems.count < maximumProblems {
                            input.problems.append(Report.Problem(file: file, line: number, reason: reason))
                        }
                    }
                    switch kind {
                    case .truncated:
                        input.truncated += 1
                        problem("dòng cuối bị cắt giữa chừng (thiếu ký tự xuống dòng), không tính")
                        return
                    case .tooLong:
                        input.corrupt += 1
                        problem("dòng dài quá \(LogFileReader.maximumLineLength) byte, không tính")
                        return
                    case .complete: break
                    }
                    do throws(LogLineScanner.Failure) { try scanner.scan(line, into: &fields) } catch {
                        input.corrupt += 1
                        problem("dòng hỏng: \(error.reason)")
                        return
                    }
                    guard let ts = LogLineScanner.timestamp(line, fields[.ts]), fields[.event]?.isString == true else {
                        input.corrupt += 1
                        problem("thiếu hoặc sai trường ts/event")
                        return
                    }
                    let inCurrent = ts >= window.currentStart && ts < window.currentEnd
                    guard inCurrent || (ts >= window.previousStart && ts < window.previousEnd) else { return }
                    if let unitFilter, !LogLineScanner.equals(line, fields[.unit], unitFilter) { return }
                    if inCurrent {
                        current.add(line, fields, ts: ts, window: window, zone: zone)
                    } else {
                        before.add(line, fields, ts: ts, window: window, zone: zone)
                    }
                }
            } catch {
                throw ReportError(message: "không đọc được tệp nhật ký \(error.description)")
            }
        }

        return assemble(
            options: options, period: period, previous: previous, window: window, current: current, before: before,
            input: input)
    }

    /// `delivery-YYYY-MM.jsonl` whose month can hold lines between `from` and `to` (a month of margin
    /// each side: the file's month is the writer's time zone, which may differ from the report's).
    static func isWanted(_ name: String, from: LocalDate, to: LocalDate) -> Bool {
        guard name.hasPrefix("delivery-"), name.hasSuffix(".jsonl") else { return false }
        let middle = name.dropFirst("delivery-".count).dropLast(".jsonl".count)
        let parts = middle.split(separator: "-")
        guard parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]) else { return false }
        let month = y * 12 + m
        return month >= from.year * 12 + from.month - 1 && month <= to.year * 12 + to.month + 1
    }

    struct Window {
        var currentStart: Int64
        var currentEnd: Int64
        var previousStart: Int64
        var previousEnd: Int64
        var monthStarts: [Int64]

        func monthIndex(_ ts: Int64) -> Int {
            var index = 0
            while index + 1 < monthStarts.count && ts >= monthStarts[index + 1] { index += 1 }
            return index
        }
    }

    // MARK: - Assembling the report

    static func assemble(
        options: ReportOptions, period: ReportPeriod, previous: ReportPeriod, window: Window, current: Tally,
        before: Tally, input: Report.InputInfo
    ) -> Report {
        let zone = options.timeZone
        let settings = options.settings
        func info(_ p: ReportPeriod, _ start: Int64, _ end: Int64) -> Report.PeriodInfo {
            Report.PeriodInfo(
                name: p.name, kind: p.kind, basis: p.basis, label: p.label, from: p.first, to: p.last,
                start: rfc3339(start, zone), end: rfc3339(end, zone), timeZone: zone.identifier,
                months: (p.months * 1000).rounded() / 1000)
        }
        func figures(_ now: [String: Int], _ then: [String: Int], label: (String) -> String) -> [Report.Figure] {
            Set(now.keys).union(then.keys).map {
                Report.Figure(key: $0, label: label($0), value: Double(now[$0] ?? 0), previous: Double(then[$0] ?? 0))
            }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        }
        let channelTypes = current.channelTypes.merging(before.channelTypes) { a, _ in a }

        var totals: [Report.Figure] = []
        for (key, label) in Labels.totals {
            totals.append(Report.Figure(key: key, label: label, value: current.total(key), previous: before.total(key)))
        }
        var byChannel = figures(current.byChannel, before.byChannel) { $0 }
        for i in byChannel.indices {
            byChannel[i].type = channelTypes[byChannel[i].key]
            byChannel[i].label = options.channelLabels[byChannel[i].key] ?? byChannel[i].key
        }

        let buckets = period.monthBuckets
        let byMonth = buckets.enumerated().map { (i, b) in
            Report.Figure(
                key: b.label, label: "\(b.first.vietnamese) – \(b.last.vietnamese)", value: Double(current.byMonth[i]),
                previous: 0)
        }

        var radio: [Report.RadioRow] = current.radio.map { channel, r in
            Report.RadioRow(
                channel: channel, unit: r.unit, bulletins: r.bulletins, minutes: (r.seconds / 60 * 10).rounded() / 10)
        }
        radio.sort { $0.channel < $1.channel }
        let emailChannels = Set(current.emailAccepted.keys).union(current.emailFailed.keys).sorted()
        let email = emailChannels.map {
            Report.EmailRow(
                channel: $0, recipients: current.emailAccepted[$0] ?? 0, failed: current.emailFailed[$0] ?? 0)
        }
        let interactions = current.interactions.keys.sorted().map { channel in
            let kinds = current.interactions[channel] ?? [:]
            return Report.InteractionRow(
                channel: channel, type: current.interactionTypes[channel] ?? "", kinds: kinds,
                total: kinds.values.reduce(0, +))
        }

        // Targets: each unit in scope, each target.
        var targets: [Report.TargetRow] = []
        var reportUnits = Set(settings.units).union(current.unitsSeen)
        if let unit = options.unit { reportUnits = [unit] }
        for target in settings.targets {
            var units = target.units.isEmpty ? reportUnits : Set(target.units)
            if let unit = options.unit { units = units.intersection([unit]) }
            let required = (target.perMonth * period.months - 1e-9).rounded(.up)
            for unit in units.sorted() {
                let actual = current.measure(target, unit: unit, channelTypes: channelTypes)
                targets.append(
                    Report.TargetRow(
                        unit: unit, label: target.label ?? defaultLabel(target), metric: target.metric,
                        channelType: target.channelType, channel: target.channel, perMonth: target.perMonth,
                        required: required, actual: (actual * 10).rounded() / 10, met: actual >= required))
            }
        }

        let items = current.items.values.sorted { ($0.firstTs, $0.itemID) < ($1.firstTs, $1.itemID) }.map { item in
            Report.PublishedItem(
                itemID: item.itemID, title: item.title, date: localDate(item.firstTs, zone), unit: item.unit,
                topic: item.topic, topicLabel: options.topicLabels[item.topic] ?? item.topic, channels: item.channels,
                links: item.links)
        }

        let header = Report.Header(
            governingBody: settings.governingBody, issuer: settings.issuer, numberSuffix: settings.numberSuffix,
            place: settings.place, signerTitle: settings.signerTitle, signerName: settings.signerName,
            recipients: settings.recipients, date: localDate(Int64(options.now.timeIntervalSince1970 * 1000), zone))

        let order = ["unit", "channel", "topic"]
        var report = Report(
            generatedAt: rfc3339(Int64(options.now.timeIntervalSince1970 * 1000), zone), header: header,
            period: info(period, window.currentStart, window.currentEnd),
            previousPeriod: info(previous, window.previousStart, window.previousEnd), unit: options.unit,
            breakdowns: order.filter { options.breakdowns.contains($0) }, input: input, totals: totals,
            byChannelType: figures(current.byType, before.byType) { Labels.channelType($0) }, byChannel: byChannel,
            byUnit: figures(current.byUnit, before.byUnit) { $0 },
            byTopic: figures(current.byTopic, before.byTopic) { options.topicLabels[$0] ?? $0 }, byMonth: byMonth,
            radio: radio, email: email, interactions: interactions,
            failures: Report.Failures(
                total: current.failures,
                byClass: figures(current.failuresByClass, before.failuresByClass) { Labels.errorClass($0) },
                list: current.failureRows),
            targets: targets, items: items)
        report.channelLabels = options.channelLabels
        report.listsItems = options.listsItems ?? (period.kind == .month || period.kind == .custom)
        return report
    }

    static func defaultLabel(_ target: ReportTarget) -> String {
        var text = "Tối thiểu \(Labels.number(target.perMonth)) \(Labels.metric(target.metric))/tháng"
        if let type = target.channelType { text += " trên \(Labels.channelType(type).lowercased())" }
        if let channel = target.channel { text += " trên kênh \(channel)" }
        return text
    }

    static func localDate(_ millis: Int64, _ zone: TimeZone) -> LocalDate {
        let seconds = millis / 1000
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
        let local = seconds + offset
        return LocalDate(dayNumber: Int((local - ((local % 86400) + 86400) % 86400) / 86400))
    }

    static func rfc3339(_ millis: Int64, _ zone: TimeZone) -> String {
        let seconds = millis / 1000
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        let local = seconds + Int64(offset)
        let day = LocalDate(dayNumber: Int((local - ((local % 86400) + 86400) % 86400) / 86400))
        let secondOfDay = Int(((local % 86400) + 86400) % 86400)
        let sign = offset < 0 ? "-" : "+"
        return day.description
            + String(
                format: "T%02d:%02d:%02d.%03d", secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60,
                Int(((millis % 1000) + 1000) % 1000))
            + sign + String(format: "%02d:%02d", abs(offset) / 3600, abs(offset) / 60 % 60)
    }
}
