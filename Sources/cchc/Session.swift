import ArgumentParser
import ChannelConfig
import ChannelKit
import ChannelRegistry
import Config
import DeliveryLog
import Scheduling
import Foundation
import Intake
import Logging
import Queue
import Transport

#if canImport(Glibc)
    import Glibc
#endif

/// What a command needs: the configuration, the store, and (when asked) the channels.
struct Session {
    let config: DaemonConfig
    let store: SQLiteStore
    let json: Bool

    /// The configuration (`--config`, `$CCHC_CONFIG`, `/etc/cchcd/cchcd.yaml`) and the file it came from.
    static func loadConfig() throws(CLIError) -> (config: DaemonConfig, path: String) {
        let path = ConfigLoader.resolvePath(nil)
        guard FileManager.default.fileExists(atPath: path) else {
            let given = ProcessInfo.processInfo.environment["CCHC_CONFIG"] != nil
            throw CLIError(
                code: "config",
                message: "không tìm thấy tệp cấu hình \(path)"
                    + (given ? " (đường dẫn lấy từ --config hoặc biến CCHC_CONFIG)" : "")
                    + ". Chỉ định tệp cấu hình bằng --config ĐƯỜNG-DẪN (trước hoặc sau tên lệnh), hoặc đặt biến môi trường "
                    + "CCHC_CONFIG=ĐƯỜNG-DẪN; không có hai cách đó thì cchc đọc /etc/cchcd/cchcd.yaml.",
                exit: Exit.config)
        }
        do {
            return (try ConfigLoader.load(path: path), path)
        } catch {
            throw CLIError(code: "config", message: "cấu hình sai: \(error)", exit: Exit.config)
        }
    }

    static func open(json: Bool) throws(CLIError) -> Session {
        let config = try loadConfig().config
        do {
            try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw CLIError(
                code: "database", message: "không tạo được thư mục \(config.stateDirectory): \(error)",
                exit: Exit.database)
        }
        do {
            let store = try SQLiteStore(
                path: config.databasePath, timeZone: config.timeZone, auditOrigin: "os: \(osLogin())")
            return Session(config: config, store: store, json: json)
        } catch {
            throw CLIError(
                code: "database", message: "không mở được cơ sở dữ liệu \(config.databasePath): \(error)",
                exit: Exit.database)
        }
    }

    /// Builds the channels (for validation and checks); nothing is sent. `readSecrets: false` builds them
    /// with placeholder secrets, for checking items (officers need no access to the channels' secrets).
    func channels(readSecrets: Bool = true) throws(CLIError) -> (channels: [String: any Channel], http: HTTPClient) {
        try Self.channels(for: config, readSecrets: readSecrets)
    }

    static func channels(for config: DaemonConfig, readSecrets: Bool = true) throws(CLIError) -> (
        channels: [String: any Channel], http: HTTPClient
    ) {
        var logger = Logger(label: "cchc")
        logger.logLevel = .warning
        do {
            let http = try HTTPClient(configuration: config.httpClientConfiguration)
            do {
                return (
                    try BuiltinChannels.build(
                        config, http: http, logger: logger, secrets: readSecrets ? SecretStore() : .placeholders),
                    http
                )
            } catch {
                http.shutdown()
                throw CLIError(code: "config", message: "cấu hình kênh sai: \(error)", exit: Exit.config)
            }
        } catch let e as CLIError {
            throw e
        } catch {
            throw CLIError(code: "failure", message: "không khởi tạo được kết nối mạng: \(error)", exit: Exit.failure)
        }
    }

    var planner: DeliveryPlanner { DeliveryPlanner(config: config) }

    func storeError(_ any: any Error) -> CLIError {
        guard let error = any as? StoreError else {
            return CLIError(code: "failure", message: "\(any)", exit: Exit.failure)
        }
        let exit: Int32 =
            switch error.kind {
            case .notFound: Exit.notFound
            case .invalidState, .locked: Exit.invalidState
            case .database: Exit.database
            }
        return CLIError(code: error.kind.rawValue, message: StoreMessages.vietnamese(error), exit: exit)
    }

    func display(_ date: Date?) -> String { date.map { DateText.display($0, timeZone: config.timeZone) } ?? "—" }
    func rfc3339(_ date: Date?) -> String? { date.map { LogClock(timeZone: config.timeZone).format($0) } }
}

/// The operating-system user running `cchc` (the real uid's login name): the audit trail records it
/// after the `--by` name, `Nguyễn Văn A (os: officer1)`, so a name typed by someone else is traceable.
func osLogin() -> String {
    let uid = getuid()
    if let pw = getpwuid(uid), let name = pw.pointee.pw_name { return String(cString: name) }
    return "uid-\(uid)"
}

/// The officer's name given with `--by`: never empty (it goes into the audit trail and the log).
func requireName(_ by: String) throws(CLIError) -> String {
    let name = by.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !name.isEmpty else {
        throw CLIError(code: "usage", message: "--by: cần ghi họ tên người thực hiện", exit: 64)
    }
    return name
}

/// Runs a command body, printing errors the way officers and scripts expect.
func perform(json: Bool, _ body: () async throws(CLIError) -> Void) async throws {
    do {
        try await body()
    } catch {
        if error.alreadyReported {
            // Printed with the command's own answer.
        } else if json {
            Output.printJSON(["error": ["code": error.code, "message": error.message]])
        } else {
            printError("cchc: \(error.message)\n")
        }
        throw ExitCode(error.exit)
    }
}

enum Output {
    static func printJSON(_ value: Any) {
        let data = try! JSONSerialization.data(
            withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted])
        print(String(decoding: data, as: UTF8.self))
    }
}
