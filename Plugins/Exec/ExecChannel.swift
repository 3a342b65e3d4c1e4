import ChannelConfig
import ChannelKit
import Foundation
import Logging
import ProcessSpawn
import Rendering

/// The `exec` channel: runs an external program per delivery and reads its acknowledgement, so a
/// channel can be written in any language (docs/exec-protocol.md).
///
/// Per delivery the program gets one JSON object on standard input (then end-of-file) and answers
/// with one JSON object as the last non-empty line of standard output. Anything it writes to
/// standard error is logged (as warnings when the program fails, as information when it succeeds).
public struct ExecChannel: Channel {
    public let name: String
    public let type = "exec"
    public let traits: ChannelTraits

    /// The program, absolute.
    public let command: String
    public let arguments: [String]
    /// The complete environment the program gets.
    public let environment: [String: String]
    public let workingDirectory: String?
    public let timeout: Duration
    let timeZone: TimeZone

    /// Reads the channel's keys from its configuration section.
    ///
    /// - Parameters:
    ///   - name: The channel's name.
    ///   - section: The channel's section; the caller has read the engine's keys and calls `finish()` afterwards.
    ///   - context: Time zone and state folder.
    /// - Throws: ``ConfigError`` naming the key: a missing or non-executable `command`, a bad `timeout`…
    public init(name: String, section: ConfigSection, context: ChannelContext) throws(ConfigError) {
        self.name = name
        guard let command = try section.path("command"), !command.isEmpty else {
            throw section.error("command", "is required (the program to run, absolute or relative to the config file)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: command, isDirectory: &isDirectory) else {
            throw section.error("command", "\(command) does not exist")
        }
        guard !isDirectory.boolValue, FileManager.default.isExecutableFile(atPath: command) else {
            throw section.error("command", "\(command) is not an executable file (chmod +x?)")
        }
        self.command = command
        arguments = try section.stringList("args") ?? []

        var environment: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
        ]
        for (key, value) in try section.stringMap("env") ?? [] {
            guard !key.isEmpty, !key.contains("=") else {
                throw section.error("env", "\"\(key)\" is not a variable name")
            }
            environment[key] = value
        }
        environment["CCHC_CHANNEL"] = name
        self.environment = environment

        timeout = try section.duration("timeout") ?? .seconds(60)
        guard timeout > .zero else { throw section.error("timeout", "must be more than 0") }
        traits = ChannelTraits(idempotent: try section.bool("idempotent") ?? false)
        if let dir = try section.path("working_dir") {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw section.error("working_dir", "\(dir) is not a folder")
            }
            workingDirectory = dir
        } else {
            workingDirectory = nil
        }
        timeZone = context.timeZone
    }

    public func validate(_ item: ChannelItem) -> [ValidationProblem] {
        if item.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return [ValidationProblem(field: "body", message: "nội dung bài viết đang trống")]
        }
        return []
    }

    public func check() async throws(ChannelError) -> String {
        guard FileManager.default.isExecutableFile(atPath: command) else {
            throw ChannelError(.local, "chương trình \(command) không tồn tại hoặc không chạy được")
        }
        return "chương trình \(command) sẵn sàng"
    }

    public func publish(_ request: PublishRequest) async -> PublishOutcome {
        if Task.isCancelled { return .retry(ChannelError(.cancelled, "cancelled before the program started")) }
        let message = ExecRequestMessage(
            deliveryID: request.deliveryID, attempt: request.attempt,
            previousAttemptInterrupted: request.previousAttemptInterrupted, channel: name,
            item: ItemPayload(request.item, timeZone: timeZone), results: ResultPayload.map(request.earlierResults))
        let input = PayloadJSON.encode(message) + [UInt8(ascii: "\n")]

        let child = ChildProcess(
            executable: command, arguments: arguments, environment: environment,
            workingDirectory: workingDirectory, timeout: timeout)
        let result: ChildProcess.Result
        do {
            result = try await child.run(input: input)
        } catch {
            return .retry(ChannelError(.local, error.message))
        }
        logStandardError(result, logger: request.logger)
        return Self.outcome(of: result, program: command, timeout: timeout, logger: request.logger)
    }

    /// Logs the program's standard error line by line, at most 2 KiB of it: as warnings when the
    /// program failed, as information when it exited 0 (a program's progress notes are no warning).
    private func logStandardError(_ result: ChildProcess.Result, logger: Logger) {
        guard !result.stderr.isEmpty else { return }
        let level: Logger.Level =
            result.ending == .exited(0) && !result.timedOut && !result.cancelled ? .info : .warning
        let limit = 2048
        var text = String(decoding: result.stderr.prefix(limit), as: UTF8.self)
        let truncated = result.stderr.count > limit || result.stderrTruncated
        if truncated { text += "…" }
        for line in text.split(whereSeparator: \.isNewline) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            logger.log(level: level, "exec stderr: \(line)", metadata: ["channel": "\(name)"])
        }
        if truncated {
            logger.log(level: level, "exec stderr truncated to \(limit) bytes", metadata: ["channel": "\(name)"])
        }
    }

    static func outcome(of result: ChildProcess.Result, program: String, timeout: Duration, logger: Logger)
        -> PublishOutcome
    {
        if result.cancelled {
            // The program may have published and acknowledged just before the stop: that counts.
            if let ack = try? ExecAck.parse(stdout: result.stdout), ack.status == .delivered { return delivered(ack) }
            return .retry(ChannelError(.cancelled, "the program was stopped (shutdown)"))
        }
        if result.timedOut {
            return .retry(
                ChannelError(
                    .timeout,
                    "the program did not finish within \(DurationText.format(timeout)); its process group was killed"))
        }
        if result.stdoutTruncated {
            return .retry(ChannelError(.badResponse, "the program wrote more than 1 MiB to standard output"))
        }
        let ack: ExecAck?
        let parseProblem: String?
        do {
            ack = try ExecAck.parse(stdout: result.stdout)
            parseProblem = nil
        } catch {
            ack = nil
            parseProblem = error.message
        }

        switch result.ending {
        case .signalled(let signal):
            if let ack, ack.status == .delivered {
                logger.warning("exec program acknowledged delivery but was killed by signal \(signal)")
                return delivered(ack)
            }
            return .retry(ChannelError(.local, "the program was killed by signal \(signal)\(stderrHint(result))"))
        case .exited(let status) where status != 0:
            // The item is out: sending it again would publish it twice.
            if let ack, ack.status == .delivered {
                logger.warning("exec program acknowledged delivery but exited with status \(status)")
                return delivered(ack)
            }
            return .retry(
                ChannelError(.local, "the program exited with status \(status)\(stderrHint(result))", code: Int(status))
            )
        case .exited:
            guard let ack else {
                return .retry(ChannelError(.badResponse, parseProblem ?? "no acknowledgement"))
            }
            switch ack.status {
            case .delivered:
                return delivered(ack)
            case .retry:
                return .retry(
                    ChannelError(ack.errorClass ?? .server, ack.reason ?? "the program asked to retry"),
                    after: ack.retryAfter)
            case .failed:
                return .failed(
                    ChannelError(ack.errorClass ?? .rejected, ack.reason ?? "the program reported a failure"))
            }
        }
    }

    private static func delivered(_ ack: ExecAck) -> PublishOutcome {
        .delivered(ChannelResult(remoteID: ack.remoteID, url: ack.url), detail: ack.detail)
    }

    /// The first line of standard error, for the error message (the log has all of it).
    private static func stderrHint(_ result: ChildProcess.Result) -> String {
        let text = String(decoding: result.stderr.prefix(2048), as: UTF8.self)
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { !$0.isEmpty }) else { return "" }
        return ": " + (line.count > 200 ? String(line.prefix(200)) + "…" : String(line))
    }
}
