import Foundation

/// A process's memory figures from `/proc/PID/status`, in KiB (the kernel's "kB").
///
/// `VmHWM` is the peak resident set since the process started (a high-water mark: read once at the
/// end of a run, it covers the whole run); `VmRSS` the resident set now; `RssAnon` the part of it that
/// is the process's own heap and stacks, as opposed to file-backed pages of its program and libraries.
public struct ProcessMemory: Sendable, Equatable {
    /// `VmHWM`: the peak resident set size.
    public var peakResidentKiB: Int
    /// `VmRSS`: the resident set size now.
    public var residentKiB: Int
    /// `RssAnon`: anonymous resident memory (heap, stacks).
    public var anonymousKiB: Int

    public init(peakResidentKiB: Int, residentKiB: Int, anonymousKiB: Int) {
        self.peakResidentKiB = peakResidentKiB
        self.residentKiB = residentKiB
        self.anonymousKiB = anonymousKiB
    }

    /// Reads `/proc/<pid>/status`.
    ///
    /// - Throws: ``BenchError`` naming the file when it cannot be read (the process is gone) or lacks a field.
    public static func read(pid: Int32) throws -> ProcessMemory {
        let path = "/proc/\(pid)/status"
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw BenchError("cannot read \(path) (has the process exited?)")
        }
        return try ProcessMemory(status: text, source: path)
    }

    /// Parses the text of a `/proc/PID/status` file.
    ///
    /// - Parameter source: Names the file in errors.
    /// - Throws: ``BenchError`` naming the field and `source` when `VmHWM`, `VmRSS` or `RssAnon` is
    ///   missing or not a number of kB.
    public init(status text: String, source: String) throws {
        func field(_ name: String) throws -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else {
                throw BenchError("\(source): no \(name) line")
            }
            let words = line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count == 2, words[1] == "kB", let kib = Int(words[0]) else {
                throw BenchError("\(source): \(name) is not \"<number> kB\": \(line)")
            }
            return kib
        }
        self.init(
            peakResidentKiB: try field("VmHWM"), residentKiB: try field("VmRSS"), anonymousKiB: try field("RssAnon"))
    }

    /// KiB as MiB.
    public static func mebibytes(_ kib: Int) -> Double { Double(kib) / 1024 }
}
