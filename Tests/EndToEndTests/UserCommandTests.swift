import Foundation
import TestSupport
import Testing

/// `cchc user`: accounts of the web app made from the shell, with Vietnamese errors naming what is wrong.
@Suite struct UserCommandTests {
    func cchc(_ ws: Workspace, _ args: [String], input: String = "") async throws -> CommandResult {
        let config = ws.configPath
        let r = try await offThePool { try runTool(Binaries.cchc, args + ["--config", config], input: input) }
        return CommandResult(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    @Test func accountsAreMadeChangedAndListedWithoutTheirHash() async throws {
        let ws = try Workspace()
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/api"))
        let password = "mat-khau-dai-2026\n"
        let add = try await cchc(
            ws,
            [
                "user", "add", "an", "--name", "Nguyễn Văn An", "--role", "soan-tin", "--unit", "Sở Nội vụ",
                "--password-stdin",
            ],
            input: password)
        #expect(add.status == 0 && add.stdout.contains("Đã thêm tài khoản an."), "\(add.stderr)")

        let cases: [([String], String, Int32, String)] = [
            (
                ["user", "add", "an", "--role", "xem", "--unit", "A", "--password-stdin"], password, 4,
                "tài khoản an đã có"
            ),
            (
                ["user", "add", "binh", "--role", "sai", "--unit", "A", "--password-stdin"], password, 64,
                "không có vai trò \"sai\""
            ),
            (
                ["user", "add", "binh", "--role", "xem", "--unit", "A", "--password-stdin"], "ngan\n", 64,
                "ít nhất 10 ký tự"
            ),
            (["user", "add", "binh", "--role", "xem", "--unit", "A"], password, 64, "--password-stdin"),
            (
                ["user", "add", "Bình", "--role", "xem", "--unit", "A", "--password-stdin"], password, 64,
                "không hợp lệ"
            ),
            (["user", "add", "binh", "--unit", "A", "--password-stdin"], password, 64, "cần ít nhất một vai trò"),
            (["user", "disable", "khong-co"], "", 3, "không có tài khoản khong-co"),
            (["user", "role", "khong-co", "--role", "xem"], "", 3, "không có tài khoản khong-co"),
        ]
        for (args, input, status, message) in cases {
            let r = try await cchc(ws, args, input: input)
            #expect(r.status == status, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }

        #expect(try await cchc(ws, ["user", "role", "an", "--role", "soan-tin", "--role", "duyet"]).status == 0)
        #expect(try await cchc(ws, ["user", "disable", "an"]).status == 0)
        let list = try await cchc(ws, ["user", "list", "--json"])
        let accounts = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(accounts.count == 1)
        #expect(accounts[0]["roles"] as? [String] == ["soan-tin", "duyet"])
        #expect(accounts[0]["disabled"] as? Bool == true)
        #expect(!list.stdout.contains("$2") && !list.stdout.contains("hash"))
    }
}
