import Foundation
import TestSupport
import Testing

/// scripts/demo.sh with the built binaries: in its first minute the demo shows an item waiting for
/// approval with the command to approve it, an item waiting for the radio slot two minutes ahead,
/// the HTTP listener, and the report of the current month; the exec channel's success logs no warning.
@Suite(.serialized)
struct DemoScriptTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func demoShowsApprovalScheduleRadioListenerAndReport() throws {
        let dir = NSTemporaryDirectory() + "cchc-demo-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = try SMTPTestServer.freePort()
        let (status, stdout, stderr) = try SpawnedProcess.run(
            "/bin/bash", [Self.repo + "/scripts/demo.sh"],
            environment: ProcessInfo.processInfo.environment.merging([
                "CCHC_DEMO_BIN": Binaries.directory, "CCHC_DEMO_DIR": dir, "CCHC_DEMO_LISTEN": "127.0.0.1:\(port)",
                "CCHC_DEMO_NO_WAIT": "1",
            ]) { $1 })
        #expect(status == 0, "\(stdout)\n\(stderr)")

        // Waiting for approval, with the command.
        #expect(stdout.contains("demo-cho-duyet") && stdout.contains("chờ duyệt"), "\(stdout)")
        #expect(stdout.contains("item approve demo-cho-duyet --by"), "\(stdout)")
        // The radio item is in the bulletin of the slot two minutes ahead (the preview reads the plan).
        let slot = try #require(stdout.firstMatch(of: /phát lúc (\d\d:\d\d)/)?.1)
        #expect(
            stdout.contains(
                "Đài truyền thanh xã Chiềng Lề (radio-demo)\n  đài Đài truyền thanh xã Chiềng Lề — phát lúc: \(slot)"),
            "\(stdout)")
        let preview = try run(
            Binaries.cchc, ["--config", dir + "/cchcd.yaml", "radio", "preview", "--slot", String(slot)])
        #expect(preview.status == 0, "\(preview.stderr)")
        #expect(preview.stdout.contains("Đài truyền thanh cơ sở tăng thời lượng"), "\(preview.stdout)")
        // The listener answered (the script waited for /healthz) and is named.
        #expect(stdout.contains("curl http://127.0.0.1:\(port)/status"))
        // The report of the current month, with its path.
        let report = try #require(stdout.firstMatch(of: /báo cáo tháng:\s+(\S+\.html)/)?.1)
        let html = try String(contentsOfFile: String(report), encoding: .utf8)
        #expect(html.contains("Cổng thông tin điện tử Sở Nội vụ (bản thử)") && !html.contains("portal-demo"))
        #expect(stderr.contains("Đã lập báo cáo tháng"), "\(stderr)")
        // Two items went out through the exec channel without a warning in the daemon's log.
        let log = try String(contentsOfFile: dir + "/cchcd.log", encoding: .utf8)
        #expect(!log.contains("WARNING"), "\(log)")
        #expect(FileManager.default.fileExists(atPath: dir + "/exec-received.jsonl"))
    }
}
