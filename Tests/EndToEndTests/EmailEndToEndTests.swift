import Foundation
import TestSupport
import Testing

/// The email channel through the real `cchcd` and `cchc` binaries, against a real SMTP server
/// (aiosmtpd) with STARTTLS: the server is down at first, then refuses one recipient for good (550)
/// and one for now (451).
@Suite(.serialized) struct EmailEndToEndTests {
    @Test func perRecipientOutcomesThroughTheDaemonWithTheServerDownAtFirst() async throws {
        let ws = try Workspace()
        // Blocking `cchc` runs go off the cooperative pool (offThePool); the workspace is only read there.
        nonisolated(unsafe) let shared = ws
        let cert = try await TestCertificate.make(in: ws.root)
        let server = try SMTPTestServer(
            tls: cert, auth: "cchc:mat-khau-smtp",
            reject: ["binh@sonla.example.gov.vn=550", "cuong@sonla.example.gov.vn=451:1"])
        defer { server.stop() }
        try ws.write("smtp-password", "mat-khau-smtp\n")
        try ws.write(
            "lists/don-vi.csv",
            """
            email,name,unit
            an@sonla.example.gov.vn,Nguyễn Văn An,Văn phòng Sở
            binh@sonla.example.gov.vn,Trần Thị Bình,Phòng CCHC
            cuong@sonla.example.gov.vn,Lê Văn Cường,UBND huyện Mai Sơn
            AN@sonla.example.gov.vn,Trùng địa chỉ,bỏ qua
            dung@sonla.example.gov.vn,Phạm Đức Dũng,UBND huyện Yên Châu
            ha@sonla.example.gov.vn,Hoàng Thu Hà,UBND xã Chiềng Lề

            """)
        try ws.writeConfig(
            channels: """
                  email-donvi:
                    type: email
                    smtp: \(server.url)
                    ca_file: cert.pem
                    username: cchc
                    password_file: smtp-password
                    from: "Sở Nội vụ tỉnh Sơn La <cchc@sonla.example.gov.vn>"
                    list_files: { don-vi: lists/don-vi.csv }
                    default_lists: [don-vi]
                    circuit: { failures: 0 }
                """,
            retry: "{ initial: 1s, max: 2s, attempts: 8 }")
        let check = try run(Binaries.cchcd, ["--config", ws.configPath, "--check-config"])
        #expect(check.status == 0, "\(check.stderr)")
        // The check command names the failing step while the server is down.
        let down = try await offThePool { try shared.cli(["channel", "check", "email-donvi"]) }
        #expect(down.status != 0)
        #expect((down.stdout + down.stderr).contains("kết nối"), "\(down.stdout) \(down.stderr)")

        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        let title = "Kế hoạch tuyên truyền cải cách hành chính tỉnh Sơn La năm 2019"
        try ws.write("items/tin.md", itemFile(title: title, channels: ["email-donvi"]))
        let add = try ws.cli(["item", "add", ws.root + "/items/tin.md"])
        #expect(add.status == 0, "\(add.stderr)")
        let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)

        // Server down: the attempt fails with a network error and is retried later.
        try await eventually(20, "a network retry while the server is down", daemon: daemon) {
            ws.logLines().contains {
                $0["event"] as? String == "delivery.retry" && $0["error_class"] as? String == "network"
            }
        }
        #expect(try await server.messages().isEmpty)
        try await server.start()
        let up = try await offThePool { try shared.cli(["channel", "check", "email-donvi"]) }
        #expect(up.status == 0, "\(up.stdout) \(up.stderr)")
        #expect(up.stdout.contains("STARTTLS"))

        // 550 for binh: failed for good; 451 once for cuong: sent on a later attempt; the others once.
        // Polls the delivery log (a file read), not `cchc item show`: a child process per poll would hold
        // one of the few cooperative threads the whole time and stall the tests running beside this one.
        try await eventually(30, "the delivery ends failed for the refused recipient", daemon: daemon) {
            ws.logLines().contains { $0["event"] as? String == "delivery.failed" }
        }
        #expect(try await offThePool { try shared.deliveryStates(id) } == ["email-donvi": "failed"])
        let status = try await offThePool { try shared.itemJSON(id)["status"] as? String }
        #expect(status == "partly-failed")
        // `cchc item show --json` has every recipient's outcome per attempt.
        let shown = try await offThePool { () -> [String] in
            let delivery = (try shared.itemJSON(id)["deliveries"] as? [[String: Any]])?.first
            return ((delivery?["attempt_log"] as? [[String: Any]]) ?? []).flatMap { attempt in
                ((attempt["parts"] as? [[String: Any]]) ?? []).map {
                    "\($0["part"] as? String ?? "?") \($0["state"] as? String ?? "?") \($0["code"] as? Int ?? 0)"
                }
            }
        }
        #expect(
            shown == [
                "an@sonla.example.gov.vn delivered 250", "binh@sonla.example.gov.vn failed 550",
                "cuong@sonla.example.gov.vn retry 451", "dung@sonla.example.gov.vn delivered 250",
                "ha@sonla.example.gov.vn delivered 250", "cuong@sonla.example.gov.vn delivered 250",
            ])

        let messages = try await server.messages()
        let recipients = messages.compactMap { ($0["envelope"] as? [String])?.first }.sorted()
        #expect(
            recipients == [
                "an@sonla.example.gov.vn", "cuong@sonla.example.gov.vn", "dung@sonla.example.gov.vn",
                "ha@sonla.example.gov.vn",
            ], "each accepted recipient exactly once, the duplicate address once")
        for m in messages {
            #expect(m["subject"] as? String == title)
            #expect(m["from_name"] as? String == "Sở Nội vụ tỉnh Sơn La")
            #expect((m["defects"] as? [String]) == [])
        }

        let parts = ws.logLines().filter { $0["event"] as? String == "delivery.part" }
        func outcome(_ who: String) -> [String] {
            parts.filter { $0["part"] as? String == who }.map {
                "\($0["part_state"] as? String ?? "?") \($0["code"] as? Int ?? 0) #\($0["attempt"] as? Int ?? 0)"
            }
        }
        let firstUp = try #require(parts.first?["attempt"] as? Int)
        #expect(firstUp >= 2, "the first attempt found the server down and sent nothing")
        #expect(outcome("an@sonla.example.gov.vn") == ["delivered 250 #\(firstUp)"])
        #expect(outcome("binh@sonla.example.gov.vn") == ["failed 550 #\(firstUp)"])
        #expect(outcome("cuong@sonla.example.gov.vn") == ["retry 451 #\(firstUp)", "delivered 250 #\(firstUp + 1)"])
        #expect(outcome("dung@sonla.example.gov.vn") == ["delivered 250 #\(firstUp)"])
        #expect(outcome("ha@sonla.example.gov.vn") == ["delivered 250 #\(firstUp)"])
        let refused = try #require(parts.first { $0["part"] as? String == "binh@sonla.example.gov.vn" })
        #expect((refused["error"] as? String)?.contains("Mailbox unavailable") == true)
        #expect((refused["remote_id"] as? String)?.hasPrefix("<cchc.\(id).") == true)
        let failed = try #require(ws.logLines().last { $0["event"] as? String == "delivery.failed" })
        #expect((failed["error"] as? String)?.contains("1 of 5 recipients refused (4 accepted)") == true)
        #expect(failed["code"] as? Int == 550)
        try validateAgainstSchema(ws.logDir)

        daemon.terminate()
        #expect(daemon.process.terminationStatus == 0, "\(daemon.output)")
        #expect(!daemon.output.contains("mat-khau-smtp"))
        #expect(!ws.logLines().contains { ($0["error"] as? String)?.contains("mat-khau-smtp") == true })
    }

    @Test func aSIGHUPRereadsTheListFiles() async throws {
        let ws = try Workspace()
        nonisolated(unsafe) let shared = ws
        let cert = try await TestCertificate.make(in: ws.root)
        let server = try await SMTPTestServer.running(tls: cert)
        try ws.write("lists/lanh-dao.csv", "email,name,unit\ngiamdoc@sonla.example.gov.vn,Giám đốc Sở,Sở Nội vụ\n")
        try ws.writeConfig(
            channels: """
                  email-lanhdao:
                    type: email
                    smtp: \(server.url)
                    ca_file: cert.pem
                    from: "Sở Nội vụ tỉnh Sơn La <cchc@sonla.example.gov.vn>"
                    list_files: { lanh-dao: lists/lanh-dao.csv }
                    default_lists: [lanh-dao]
                    allow_item_addresses: true
                """)
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        try await eventually(15, "the daemon is ready", daemon: daemon) { daemon.output.contains("engine started") }

        // The list file changes (a new deputy director); SIGHUP rebuilds the channels, reading it again.
        try ws.write(
            "lists/lanh-dao.csv",
            "email,name,unit\ngiamdoc@sonla.example.gov.vn,Giám đốc Sở,Sở Nội vụ\npgd@sonla.example.gov.vn,Phó Giám đốc Sở,Sở Nội vụ\n"
        )
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually(15, "the configuration is reloaded", daemon: daemon) {
            daemon.output.contains("configuration reloaded")
        }
        try ws.write(
            "items/tin.md",
            itemFile(
                title: "Họp giao ban cải cách hành chính quý IV", channels: ["email-lanhdao"],
                extra: "overrides:\n  email-lanhdao: { lists: \"lanh-dao, thuky@sonla.example.gov.vn\" }"))
        // An item naming a list the channel does not have is refused at intake, naming the field.
        try ws.write(
            "items/sai.md",
            itemFile(
                title: "Tin gửi nhầm danh sách", channels: ["email-lanhdao"],
                extra: "overrides:\n  email-lanhdao: { lists: \"khong-co\" }"))
        let (id, refused) = try await offThePool { () -> (String, CommandResult) in
            let add = try shared.cli(["item", "add", shared.root + "/items/tin.md"])
            let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try shared.cli(["item", "approve", id, "--by", "Nguyễn Văn A"])
            return (id, try shared.cli(["item", "add", shared.root + "/items/sai.md"]))
        }
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("overrides.email-lanhdao.lists") && refused.stderr.contains("khong-co"))
        try await eventually(20, "the item is delivered", daemon: daemon) {
            ws.logLines().contains { $0["event"] as? String == "delivery.delivered" && $0["item_id"] as? String == id }
        }
        let recipients = try await server.messages().compactMap { ($0["envelope"] as? [String])?.first }.sorted()
        #expect(
            recipients == ["giamdoc@sonla.example.gov.vn", "pgd@sonla.example.gov.vn", "thuky@sonla.example.gov.vn"])

        // A list file that became invalid is refused on SIGHUP; the running lists stay.
        try ws.write("lists/lanh-dao.csv", "email,name,unit\nkhong-phai-dia-chi,Ai đó,Đâu đó\n")
        kill(daemon.process.processIdentifier, SIGHUP)
        try await eventually(15, "the reload is refused", daemon: daemon) {
            daemon.output.contains("reload refused") && daemon.output.contains("lanh-dao.csv:2")
        }
        try validateAgainstSchema(ws.logDir)
    }
}
