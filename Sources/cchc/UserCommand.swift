import ArgumentParser
import Foundation
import Queue

#if canImport(Glibc)
    import Glibc
#endif

/// `cchc user`: accounts of the officers' web app. The first administrator is made here, from the shell.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Tài khoản của trang web cho cán bộ: thêm, đổi mật khẩu, đổi vai trò, khóa.",
        discussion: """
            Vai trò: soan-tin (soạn tin), duyet (duyệt), van-hanh (vận hành), xem (chỉ xem), quan-tri (quản trị).
            Đơn vị: đúng tên đơn vị ghi trong bài (unit); "*" là mọi đơn vị.
            Ví dụ: echo 'mật-khẩu-dài' | cchc user add quantri --name "Nguyễn Văn A" --role quan-tri --unit "*" --password-stdin
            """,
        subcommands: [Add.self, Passwd.self, RoleCmd.self, Disable.self, List.self, Token.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Thêm tài khoản.")
        @Argument(help: "Tên đăng nhập (chữ thường không dấu, số, '.', '-', '_').") var login: String
        @Option(help: "Họ tên hiển thị (mặc định: tên đăng nhập).") var name: String?
        @Option(help: "Vai trò (lặp lại được).") var role: [String] = []
        @Option(help: "Đơn vị (lặp lại được; \"*\" là mọi đơn vị).") var unit: [String] = []
        @Flag(help: "Đọc mật khẩu từ đầu vào chuẩn (dòng đầu tiên).") var passwordStdin = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let login = try UserCommand.checkLogin(login)
                let roles = try UserCommand.roles(role)
                let units = try UserCommand.units(unit)
                let password = try UserCommand.readPassword(passwordStdin)
                let session = try Session.open(json: options.json)
                let now = Date()
                let account = Account(
                    login: login, displayName: name?.trimmingCharacters(in: .whitespaces).nonEmpty ?? login,
                    passwordHash: PasswordHash.make(password, cost: UserCommand.cost), roles: roles, units: units,
                    createdAt: now, updatedAt: now)
                do {
                    try await session.store.addAccount(account, by: UserCommand.actor, at: now)
                } catch let error as StoreError where error.currentState == "exists" {
                    throw CLIError(code: "exists", message: "tài khoản \(login) đã có", exit: Exit.invalidState)
                } catch { throw session.storeError(error) }
                UserCommand.report(account, done: "Đã thêm tài khoản \(login).", json: options.json)
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "passwd", abstract: "Đặt mật khẩu mới (các phiên đăng nhập của tài khoản bị kết thúc).")
        @Argument(help: "Tên đăng nhập.") var login: String
        @Flag(help: "Đọc mật khẩu từ đầu vào chuẩn (dòng đầu tiên).") var passwordStdin = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let password = try UserCommand.readPassword(passwordStdin)
                try await UserCommand.change(
                    login, AccountChange(passwordHash: PasswordHash.make(password, cost: UserCommand.cost)),
                    done: "Đã đổi mật khẩu của \(login).", json: options.json)
            }
        }
    }

    struct RoleCmd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "role", abstract: "Đặt lại vai trò (và đơn vị, nếu ghi) của tài khoản.")
        @Argument(help: "Tên đăng nhập.") var login: String
        @Option(help: "Vai trò (lặp lại được).") var role: [String] = []
        @Option(help: "Đơn vị (lặp lại được); không ghi thì giữ nguyên.") var unit: [String] = []
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let roles = try UserCommand.roles(role)
                let units = unit.isEmpty ? nil : try UserCommand.units(unit)
                try await UserCommand.change(
                    login, AccountChange(roles: roles, units: units), done: "Đã đổi vai trò của \(login).",
                    json: options.json)
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Khóa tài khoản (kết thúc các phiên đăng nhập); --enable để mở lại.")
        @Argument(help: "Tên đăng nhập.") var login: String
        @Flag(help: "Mở khóa thay vì khóa.") var enable = false
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                try await UserCommand.change(
                    login, AccountChange(disabled: !enable),
                    done: enable ? "Đã mở khóa tài khoản \(login)." : "Đã khóa tài khoản \(login).", json: options.json)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Liệt kê tài khoản.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let session = try Session.open(json: options.json)
                let accounts: [Account]
                do { accounts = try await session.store.accounts() } catch { throw session.storeError(error) }
                if options.json {
                    Output.printJSON(accounts.map(UserCommand.json))
                    return
                }
                if accounts.isEmpty { print("Chưa có tài khoản nào.") }
                for a in accounts {
                    print(
                        "\(a.login)\t\(a.displayName)\t\(a.roles.sorted().map(\.rawValue).joined(separator: ","))\t\(a.units.joined(separator: "; "))\(a.disabled ? "\tđã khóa" : "")"
                    )
                }
            }
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tạo mã truy cập REST API (/api/) cho tài khoản; mã chỉ in ra một lần.")
        @Argument(help: "Tên đăng nhập.") var login: String
        @Option(help: "Mã dùng để làm gì (ví dụ \"báo cáo tháng\").") var name: String
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                let label = name.trimmingCharacters(in: .whitespaces)
                guard !label.isEmpty else {
                    throw CLIError(code: "usage", message: "--name: cần ghi mã dùng để làm gì", exit: 64)
                }
                let session = try Session.open(json: options.json)
                var generator = SystemRandomNumberGenerator()
                let secret =
                    "cchc_"
                    + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }
                    .joined()
                let token = APIToken(hash: APITokenHash.of(secret), login: login, name: label, createdAt: Date())
                do {
                    try await session.store.addAPIToken(token, by: UserCommand.actor, at: Date())
                } catch let error as StoreError where error.kind == .notFound {
                    throw CLIError(code: "not-found", message: "không có tài khoản \(login)", exit: Exit.notFound)
                } catch { throw session.storeError(error) }
                if options.json {
                    Output.printJSON(["login": login, "name": label, "token": secret])
                } else {
                    print(secret)
                    FileHandle.standardError.write(
                        Data("cchc: mã truy cập cho \(login) (\(label)); hãy lưu lại, mã không được in lại.\n".utf8))
                }
            }
        }
    }

    // MARK: Shared

    /// bcrypt cost; `CCHC_BCRYPT_COST` lowers it for tests (never below 4).
    static var cost: UInt8 {
        let env = ProcessInfo.processInfo.environment["CCHC_BCRYPT_COST"].flatMap(UInt8.init) ?? 12
        return min(max(env, 4), 31)
    }

    /// Who did it, for the audit trail: the operating-system user running `cchc`.
    static var actor: String { "cli:\(osUser)" }

    static var osUser: String {
        if let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "uid-\(geteuid())"
    }

    static func change(_ login: String, _ change: AccountChange, done: String, json: Bool) async throws(CLIError) {
        let session = try Session.open(json: json)
        let account: Account
        do {
            account = try await session.store.updateAccount(login: login, change, by: actor, at: Date())
        } catch let error where error.kind == .notFound {
            throw CLIError(code: "not-found", message: "không có tài khoản \(login)", exit: Exit.notFound)
        } catch { throw session.storeError(error) }
        report(account, done: done, json: json)
    }

    static func report(_ account: Account, done: String, json: Bool) {
        if json { Output.printJSON(Self.json(account)) } else { print(done) }
    }

    /// Never includes the password hash.
    static func json(_ a: Account) -> [String: Any] {
        [
            "login": a.login, "name": a.displayName, "roles": a.roles.sorted().map(\.rawValue), "units": a.units,
            "disabled": a.disabled,
        ]
    }

    static func checkLogin(_ login: String) throws(CLIError) -> String {
        guard Account.isValidLogin(login) else {
            throw CLIError(
                code: "usage",
                message: "tên đăng nhập \"\(login)\" không hợp lệ: chỉ dùng chữ thường không dấu, số, '.', '-', '_'",
                exit: 64)
        }
        return login
    }

    static func roles(_ words: [String]) throws(CLIError) -> Set<Role> {
        guard !words.isEmpty else {
            throw CLIError(code: "usage", message: "--role: cần ít nhất một vai trò (\(roleWords))", exit: 64)
        }
        var roles = Set<Role>()
        for word in words {
            guard let role = Role(rawValue: word) else {
                throw CLIError(
                    code: "usage", message: "--role: không có vai trò \"\(word)\" (các vai trò: \(roleWords))", exit: 64
                )
            }
            roles.insert(role)
        }
        return roles
    }

    static var roleWords: String { Role.allCases.map(\.rawValue).joined(separator: ", ") }

    static func units(_ units: [String]) throws(CLIError) -> [String] {
        let cleaned = units.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !cleaned.isEmpty else {
            throw CLIError(
                code: "usage", message: "--unit: cần ít nhất một đơn vị (hoặc \"*\" cho mọi đơn vị)", exit: 64)
        }
        return cleaned
    }

    static func readPassword(_ fromStdin: Bool) throws(CLIError) -> String {
        guard fromStdin else {
            throw CLIError(
                code: "usage",
                message: "cần --password-stdin và mật khẩu ở đầu vào chuẩn (mật khẩu không ghi trên dòng lệnh)",
                exit: 64)
        }
        guard var line = Swift.readLine(strippingNewline: true) else {
            throw CLIError(code: "usage", message: "không đọc được mật khẩu từ đầu vào chuẩn", exit: 64)
        }
        if line.hasSuffix("\r") { line.removeLast() }
        guard line.count >= 10 else {
            throw CLIError(code: "usage", message: "mật khẩu cần ít nhất 10 ký tự", exit: 64)
        }
        return line
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
