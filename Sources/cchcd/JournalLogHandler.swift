import ChannelKit
import Foundation
import Logging

/// Log lines on stderr in a journald-friendly form: one line per record, no colours, and when
/// stderr is the journal (`$JOURNAL_STREAM`) a `<N>` syslog priority prefix so `journalctl -p` works.
/// (swift-log's StreamLogHandler prints a timestamp journald already adds, and no priority.)
struct JournalLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    private let toJournal = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = ""
        if toJournal {
            line = "<\(Self.priority(event.level))>"
        } else {
            line = Self.timestamp() + " "
        }
        // Titles, file names and servers' answers reach messages and metadata: every control character is
        // escaped, so one record stays one line and cannot forge a `<2>` priority.
        line += "\(event.level.rawValue.uppercased()) \(SafeText.logLine(event.message.description))"
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        for key in all.keys.sorted() {
            let value = SafeText.logLine("\(all[key]!)")
            let safeKey = SafeText.logLine(key)
            line +=
                value.contains(" ") || value.contains("\"") || value.isEmpty
                ? " \(safeKey)=\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : " \(safeKey)=\(value)"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func timestamp() -> String {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        var tmv = tm()
        var secs = t.tv_sec
        localtime_r(&secs, &tmv)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday, tmv.tm_hour,
            tmv.tm_min, tmv.tm_sec, t.tv_nsec / 1_000_000)
    }
}
