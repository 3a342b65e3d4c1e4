import Config
import DeliveryLog
import Foundation

/// The counts of one period, added to line by line. Memory grows with the number of distinct
/// units, channels, topics and published items — never with the number of lines.
///
/// A struct, mutated in place: a class's stored properties pay a run-time exclusivity check on every
/// access, a dozen per line here.
struct Tally {
    typealias S = LogLineScanner

    var delivered = 0
    var submitted = 0
    var approved = 0
    var failures = 0
    /// `delivery.retracted` lines: posts taken down in the period (they still count as published in theirs).
    var retracted = 0
    var byChannel: [String: Int] = [:]
    var channelTypes: [String: String] = [:]
    var byType: [String: Int] = [:]
    var byUnit: [String: Int] = [:]
    var byTopic: [String: Int] = [:]
    var byMonth: [Int]
    /// unit → channel → delivered (for targets).
    var unitChannel: [String: [String: Int]] = [:]
    var unitsSeen: Set<String> = []
    var items: [String: ItemRecord] = [:]
    /// Previous period: only how many distinct items were published.
    var itemIDs: Set<String> = []
    let keepItems: Bool
    var failuresByClass: [String: Int] = [:]
    var failureRows: [Report.FailureRow] = []
    /// channel → bulletins, seconds, unit.
    var radio: [String: (unit: String, bulletins: Int, seconds: Double)] = [:]
    /// unit → channel → (bulletins, seconds).
    var unitRadio: [String: [String: (bulletins: Int, seconds: Double)]] = [:]
    var emailAccepted: [String: Int] = [:]
    var emailFailed: [String: Int] = [:]
    var interactions: [String: [String: Int]] = [:]
    var interactionTypes: [String: String] = [:]
    var strings = StringInterner()

    struct ItemRecord {
        var itemID: String
        var title: String
        var unit: String
        var topic: String
        var firstTs: Int64
        var channels: [String]
        var links: [String]

        mutating func add(channel: String, url: String?, ts: Int64) {
            if !channels.contains(channel) { channels.append(channel) }
            if let url, !links.contains(url) { links.append(url) }
            if ts < firstTs { firstTs = ts }
        }
    }

    init(months: Int) {
        byMonth = Array(repeating: 0, count: months)
        keepItems = months > 0
    }

    static let delivered = LogEventKind.deliveryDelivered.utf8
    static let failed = LogEventKind.deliveryFailed.utf8
    static let submittedEvent = LogEventKind.itemSubmitted.utf8
    static let approvedEvent = LogEventKind.itemApproved.utf8
    static let bulletin = LogEventKind.radioBulletin.utf8
    /// One part of a delivery sent in parts: an email recipient (docs/delivery-log.md).
    static let part = LogEventKind.deliveryPart.utf8
    /// An officer took a published post down (`cchc item retract`).
    static let retractedEvent = LogEventKind.deliveryRetracted.utf8
    static let inbound = Array(LogEventKind.inboundPrefix.utf8)
    static let unknown = "(không rõ)"

    mutating func add(
        _ line: UnsafeBufferPointer<UInt8>, _ f: S.RawFields, ts: Int64, window: ReportBuilder.Window, zone: TimeZone
    ) {
        guard let event = f[.event] else { return }
        if S.equals(line, event, Self.delivered) {
            addDelivered(line, f, ts: ts, window: window)
        } else if S.equals(line, event, Self.failed) {
            failures += 1
            let errorClass = S.string(line, f[.errorClass]) ?? Self.unknown
            failuresByClass[errorClass, default: 0] += 1
            if keepItems && failureRows.count < ReportBuilder.maximumFailureRows {
                failureRows.append(
                    Report.FailureRow(
                        ts: ReportBuilder.rfc3339(ts, zone), itemID: S.string(line, f[.itemID]) ?? "",
                        title: S.string(line, f[.itemTitle]) ?? "", unit: S.string(line, f[.unit]) ?? "",
                        channel: S.string(line, f[.channel]) ?? "", errorClass: errorClass,
                        error: S.string(line, f[.error]) ?? ""))
            }
        } else if S.equals(line, event, Self.submittedEvent) {
            submitted += 1
        } else if S.equals(line, event, Self.approvedEvent) {
            approved += 1
        } else if S.equals(line, event, Self.retractedEvent) {
            retracted += 1
        } else if S.equals(line, event, Self.bulletin) {
            let channel = S.string(line, f[.channel]) ?? Self.unknown
            let unit = S.string(line, f[.unit]) ?? Self.unknown
            let seconds = S.double(line, f[.durationS]) ?? 0
            var r = radio[channel] ?? (unit, 0, 0)
            r.bulletins += 1
            r.seconds += seconds
            radio[channel] = r
            var u = unitRadio[unit, default: [:]][channel] ?? (0, 0)
            u.bulletins += 1
            u.seconds += seconds
            unitRadio[unit, default: [:]][channel] = u
            if let t = S.string(line, f[.channelType]) { channelTypes[channel] = t }
            unitsSeen.insert(unit)
        } else if S.equals(line, event, Self.part) {
            // `retry` parts are tried again and end as one `delivered` or `failed` line.
            let channel = strings.string(line, f[.channel]) ?? Self.unknown
            switch S.string(line, f[.partState]) {
            case "delivered": emailAccepted[channel, default: 0] += 1
            case "failed": emailFailed[channel, default: 0] += 1
            default: break
            }
        } else if S.hasPrefix(line, event, Self.inbound), let name = S.string(line, event) {
            let channel = S.string(line, f[.channel]) ?? Self.unknown
            let kind = S.string(line, f[.kind]) ?? String(name.dropFirst(LogEventKind.inboundPrefix.count))
            interactions[channel, default: [:]][kind, default: 0] += 1
            if let t = S.string(line, f[.channelType]) { interactionTypes[channel] = t }
        }
    }

    private mutating func addDelivered(
        _ line: UnsafeBufferPointer<UInt8>, _ f: S.RawFields, ts: Int64, window: ReportBuilder.Window
    ) {
        delivered += 1
        let channel = strings.string(line, f[.channel]) ?? Self.unknown
        let type = strings.string(line, f[.channelType]) ?? Self.unknown
        let unit = strings.string(line, f[.unit]) ?? Self.unknown
        let topic = strings.string(line, f[.topic]) ?? "khac"
        let itemID = S.string(line, f[.itemID]) ?? Self.unknown
        byChannel[channel, default: 0] += 1
        if channelTypes[channel] == nil { channelTypes[channel] = type }
        byType[type, default: 0] += 1
        byUnit[unit, default: 0] += 1
        byTopic[topic, default: 0] += 1
        unitChannel[unit, default: [:]][channel, default: 0] += 1
        unitsSeen.insert(unit)
        guard keepItems else {
            itemIDs.insert(itemID)
            return
        }
        byMonth[window.monthIndex(ts)] += 1
        let url = S.string(line, f[.url])
        if let index = items.index(forKey: itemID) {
            items.values[index].add(channel: channel, url: url, ts: ts)
        } else {
            items[itemID] = ItemRecord(
                itemID: itemID, title: S.string(line, f[.itemTitle]) ?? "", unit: unit, topic: topic, firstTs: ts,
                channels: [channel], links: url.map { [$0] } ?? [])
        }
    }

    func total(_ key: String) -> Double {
        switch key {
        case "items": Double(keepItems ? items.count : itemIDs.count)
        case "deliveries": Double(delivered)
        case "submitted": Double(submitted)
        case "approved": Double(approved)
        case "failures": Double(failures)
        case "retracted": Double(retracted)
        case "bulletins": Double(radio.values.reduce(0) { $0 + $1.bulletins })
        case "radio_minutes": (radio.values.reduce(0) { $0 + $1.seconds } / 60 * 10).rounded() / 10
        case "email_recipients": Double(emailAccepted.values.reduce(0, +))
        case "interactions": Double(interactions.values.reduce(0) { $0 + $1.values.reduce(0, +) })
        default: 0
        }
    }

    /// A target's measure for one unit.
    func measure(_ target: ReportTarget, unit: String, channelTypes: [String: String]) -> Double {
        func counts(_ channel: String) -> Bool {
            if let c = target.channel { return c == channel }
            if let t = target.channelType { return channelTypes[channel] == t }
            return true
        }
        switch target.metric {
        case "bulletins":
            return Double((unitRadio[unit] ?? [:]).filter { counts($0.key) }.reduce(0) { $0 + $1.value.bulletins })
        case "minutes":
            return (unitRadio[unit] ?? [:]).filter { counts($0.key) }.reduce(0) { $0 + $1.value.seconds } / 60
        default:
            return Double((unitChannel[unit] ?? [:]).filter { counts($0.key) }.reduce(0) { $0 + $1.value })
        }
    }
}
