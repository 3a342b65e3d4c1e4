import Foundation
import InMemoryLogging
import Logging

/// Keeps what a logger said, to check what code logs (and that secrets never reach the log).
/// swift-log's `InMemoryLogHandler` does the keeping; this adds the text views the tests compare.
public struct LogCapture: Sendable {
    private let handler: InMemoryLogHandler
    private let level: Logger.Level

    /// - Parameter level: the lowest level kept (`.trace`: everything).
    public init(level: Logger.Level = .trace) {
        handler = InMemoryLogHandler()
        self.level = level
    }

    /// A logger writing into this capture. Every logger made here shares the same entries.
    public func logger(label: String = "test") -> Logger {
        var handler = self.handler
        handler.logLevel = level
        return Logger(label: label) { _ in handler }
    }

    /// A logger writing into this capture, labelled `test`.
    public var logger: Logger { logger() }

    /// Everything logged, in order.
    public var entries: [InMemoryLogHandler.Entry] { handler.entries }

    /// Each entry as one line: level, message, then the metadata as sorted `key=value` pairs.
    public var lines: [String] {
        entries.map { entry in
            let metadata = entry.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return ([entry.level.rawValue, entry.message.description] + metadata).joined(separator: " ")
        }
    }

    /// All the lines, joined by newlines.
    public var text: String { lines.joined(separator: "\n") }

    /// Each entry's level and message.
    public var messages: [(level: Logger.Level, text: String)] {
        entries.map { ($0.level, $0.message.description) }
    }
}
