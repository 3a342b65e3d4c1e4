import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 16: `cchc`'s `--by NAME` is free text, so the audit trail also records the operating-system
/// user who ran the command (`NAME (os: LOGIN)`), while the delivery log's `actor` stays exactly the
/// name given (reports read it). With the real binaries: `cchc` approves and rejects, the daemon
/// delivers and writes the log.
@Suite(.serialized)
struct CLIAuditEndToEndTests {
    /// The login of the real uid: the `cchc` child runs as the same user as this test.
    static var osLogin: String {
        let uid = getuid()
        if let pw = getpwuid(uid), let name = pw.pointee.pw_name { return String(cString: name) }
        return "uid-\(uid)"
    }

    @Test func theAuditTrailNamesTheOSUserAndTheLogKeepsTheGivenName() async throws {
        let hook = try await LoopbackHTTPServer.start { _ in .json(200, #"{"ok":true}"#) }
        defer { Task { try? await hook.shutdown() } }
        let ws = try Workspace()
        try ws.writeConfig(
            channels: """
                  webhook-tonghop:
                    type: webhook
                    url: \(hook.baseURL)/hooks/cchc
                """)
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        try ws.write("items/a.md", itemFile(title: "Hướng dẫn nộp hồ sơ trực tuyến", channels: ["webhook-tonghop"]))
        try ws.write("items/b.md", itemFile(title: "Bài bị từ chối", channels: ["webhook-tonghop"]))
        let approved = try ws.cli(["item", "add", ws.root + "/items/a.md"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let rejected = try ws.cli(["item", "add", ws.root + "/items/b.md"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let approve = try ws.cli(["item", "approve", approved, "--by", "Nguyễn Văn A"])
        #expect(approve.status == 0, "\(approve.stderr)")
        let reject = try ws.cli(["item", "reject", rejected, "--by", "Trần Thị B", "--reason", "Sai số liệu"])
        #expect(reject.status == 0, "\(reject.stderr)")

        let login = Self.osLogin
        #expect(!login.isEmpty)
        // The audit trail, as `cchc item show --json` gives it.
        let shown = try ws.itemJSON(approved)
        let audit = try #require(shown["audit"] as? [[String: Any]])
        let approval = try #require(audit.first { $0["action"] as? String == "approve" }, "\(audit)")
        #expect(approval["actor"] as? String == "Nguyễn Văn A (os: \(login))", "\(approval)")
        #expect(approval["detail"] as? String == shown["content_hash"] as? String)
        let rejectedAudit = try #require(try ws.itemJSON(rejected)["audit"] as? [[String: Any]])
        let rejection = try #require(rejectedAudit.first { $0["action"] as? String == "reject" }, "\(rejectedAudit)")
        #expect(rejection["actor"] as? String == "Trần Thị B (os: \(login))", "\(rejection)")
        #expect(rejection["detail"] as? String == "Sai số liệu")

        // … and as officers read it in the terminal.
        let text = try ws.cli(["item", "show", approved])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Nhật ký thao tác:"), "\(text.stdout)")
        #expect(text.stdout.contains("Nguyễn Văn A (os: \(login)): duyệt"), "\(text.stdout)")

        // The delivery log's actor is exactly the `--by` name, with no OS user in it.
        try await eventually(15, "the webhook delivered and logged", daemon: daemon) {
            ws.logLines().contains {
                $0["event"] as? String == "delivery.delivered" && $0["item_id"] as? String == approved
            }
        }
        let lines = ws.logLines()
        let approvedLine = try #require(
            lines.first { $0["event"] as? String == "item.approved" && $0["item_id"] as? String == approved })
        #expect(approvedLine["actor"] as? String == "Nguyễn Văn A", "\(approvedLine)")
        let rejectedLine = try #require(
            lines.first { $0["event"] as? String == "item.rejected" && $0["item_id"] as? String == rejected })
        #expect(rejectedLine["actor"] as? String == "Trần Thị B", "\(rejectedLine)")
        #expect(!lines.contains { ($0["actor"] as? String)?.contains("(os: ") == true })
        #expect(hook.requests.count == 1)
        try validateAgainstSchema(ws.logDir)
    }
}
