import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Writes the delivery log (DESIGN.md §7, docs/delivery-log.md): the store's log events as JSON
/// Lines, one file per month (`delivery-YYYY-MM.jsonl`), in sequence order.
///
/// The log is a projection of the store: events are committed first and written here after, and
/// ``catchUp()`` appends whatever the files are missing, so a crash never loses a line and never
/// writes one twice. A line cut short by a crash is removed before appending.
///
/// Lines are appended with plain `write(2)` and no fsync: the store is the durable copy, and a line
/// the page cache loses in a power cut is written again by ``catchUp()`` at the next start.
/// ``DeliveryLogExporter`` runs it in the daemon; this type is the file side only.
public actor DeliveryLogWriter {
    public let directory: String
    private let store: any LogEventSource
    private let logger: Logger
    private var lastWritten: Int64?
    private var checkedAgainstStore = false

    public init(directory: String, store: any LogEventSource, logger: Logger) {
        self.directory = directory
        self.store = store
        self.logger = logger
    }

    /// The sequence number of the last line in the files (0 when there are none).
    public func lastSequenceInFiles() throws -> Int64 {
        if let lastWritten { return lastWritten }
        let found = try scanLastSequence()
        lastWritten = found
        return found
    }

    /// Appends every event the files do not have yet. Returns how many lines were written.
    @discardableResult
    public func catchUp() async throws -> Int {
        var after = try lastSequenceInFiles()
        if !checkedAgainstStore {
            // Files ahead of the store: the store was replaced by an older copy (a restore). New events
            // would reuse sequence numbers the files already hold, so stop rather than break the contract.
            let storeLast = try await store.lastLogSeq()
            if after > storeLast {
                throw LogFileError(
                    path: directory,
                    message:
                        "the delivery log ends at sequence \(after) but the store at \(storeLast): the store is older than "
                        + "the log (restored from a backup?). Move the log files aside (cchcd writes them again from "
                        + "the store) and start again")
            }
            checkedAgainstStore = true
        }
        var written = 0
        while true {
            let events = try await store.logEvents(after: after, limit: 4096)
            // An actor is re-entered at each await: another catch-up may have written these meanwhile.
            if let lastWritten, lastWritten > after {
                after = lastWritten
                continue
            }
            guard let last = events.last else { break }
            if let first = events.first, first.seq != after + 1 {
                // Sequence numbers are assigned in the store without gaps; a jump means events were
                // deleted from the store or the files belong to another store. Say so, then go on.
                logger.error(
                    "delivery log: sequence jumps from \(after) to \(first.seq); the files and the store disagree",
                    metadata: ["dir": "\(directory)"])
            }
            try append(events)
            after = last.seq
            lastWritten = after
            written += events.count
        }
        return written
    }

    private func append(_ events: [LogEvent]) throws {
        var byMonth: [(String, [UInt8])] = []
        for event in events {
            let month = Self.month(ofJSON: event.json)
            if byMonth.last?.0 != month { byMonth.append((month, [])) }
            byMonth[byMonth.count - 1].1.append(contentsOf: Array(event.line.utf8))
            byMonth[byMonth.count - 1].1.append(0x0A)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (month, bytes) in byMonth {
            let path = "\(directory)/delivery-\(month).jsonl"
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw LogFileError(path: path, message: String(cString: strerror(errno))) }
            defer { close(fd) }
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw LogFileError(path: path, message: String(cString: strerror(errno)))
                }
                offset += n
            }
        }
    }

    /// `YYYY-MM` from the line's `ts` (local time of the configured zone).
    static func month(ofJSON json: String) -> String {
        // A byte search: this runs once per log line, and Foundation's `range(of:)` bridges to NSString.
        var json = json
        json.makeContiguousUTF8()
        let needle = Array("\"ts\":\"".utf8)
        let found = json.utf8.withContiguousStorageIfAvailable { bytes -> String? in
            var i = 0
            while i + needle.count + 7 <= bytes.count {
                if bytes[i] == needle[0] && bytes[i..<(i + needle.count)].elementsEqual(needle) {
                    return String(decoding: bytes[(i + needle.count)..<(i + needle.count + 7)], as: UTF8.self)
                }
                i += 1
            }
            return nil
        }
        return (found ?? nil) ?? "unknown"
    }

    /// Finds the highest `seq` in the two newest files, first cutting a torn last line. Reads only the
    /// end of each file (start-up time must not grow with the size of the month's log).
    private func scanLastSequence() throws -> Int64 {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        let files = names.filter { $0.hasPrefix("delivery-") && $0.hasSuffix(".jsonl") }.sorted().suffix(2)
        var best: Int64 = 0
        for name in files {
            let path = "\(directory)/\(name)"
            if let seq = try lastSequence(inFile: path) { best = max(best, seq) }
        }
        return best
    }

    /// The `seq` of the last complete line of a file, after removing a torn last line.
    private func lastSequence(inFile path: String) throws -> Int64? {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw LogFileError(path: path, message: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw LogFileError(path: path, message: String(cString: strerror(errno))) }
        var size = Int(info.st_size)
        var window = 64 * 1024
        while size > 0 {
            let start = max(0, size - window)
            var bytes = [UInt8](repeating: 0, count: size - start)
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(start)) }
            guard n == bytes.count else { throw LogFileError(path: path, message: "short read") }
            if bytes.last != 0x0A {
                // A crash cut the last line short: drop it; catchUp() writes it again from the store.
                guard let lastNewline = bytes.lastIndex(of: 0x0A) else {
                    if start > 0 {
                        window *= 4
                        continue
                    }
                    try cut(fd, path: path, to: 0)
                    return nil
                }
                try cut(fd, path: path, to: start + lastNewline + 1)
                size = start + lastNewline + 1
                bytes.removeSubrange((lastNewline + 1)...)
            }
            let end = bytes.count - 1
            if let previous = bytes[..<end].lastIndex(of: 0x0A) {
                return Self.sequence(ofLine: String(decoding: bytes[(previous + 1)..<end], as: UTF8.self))
            }
            if start == 0 { return Self.sequence(ofLine: String(decoding: bytes[..<end], as: UTF8.self)) }
            window *= 4  // a line longer than the window: read more
        }
        return nil
    }

    private func cut(_ fd: Int32, path: String, to length: Int) throws {
        logger.warning("delivery log: removing a partial last line", metadata: ["file": "\(path)"])
        guard ftruncate(fd, off_t(length)) == 0 else {
            throw LogFileError(path: path, message: String(cString: strerror(errno)))
        }
    }

    static func sequence(ofLine line: String) -> Int64? {
        guard let r = line.range(of: "\"seq\":") else { return nil }
        let digits = line[r.upperBound...].prefix { $0.isNumber }
        return Int64(digits)
    }
}

public struct LogFileError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "delivery log \(path): \(message)" }
}
