import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct SystemdUnitTests {
    /// `systemd-analyze verify` accepts the shipped unit (pointed at the built binary, which it checks exists).
    @Test func theUnitVerifies() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let unit = try String(contentsOfFile: repo + "/systemd/cchcd.service", encoding: .utf8)
        #expect(unit.contains("Type=notify"))
        #expect(unit.contains("WatchdogSec="))
        let dir = NSTemporaryDirectory() + "cchc-unit-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try unit.replacingOccurrences(of: "/usr/bin/cchcd", with: Binaries.cchcd)
            .write(toFile: dir + "/cchcd.service", atomically: true, encoding: .utf8)
        let result = try run("/usr/bin/env", ["systemd-analyze", "verify", dir + "/cchcd.service"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    /// `--check-config` finds channel outputs the unit leaves read-only (ProtectSystem=strict) or the service
    /// user cannot write.
    @Test func checkConfigChecksChannelOutputsAsTheServiceWouldSeeThem() throws {
        let ws = try Workspace()
        try ws.writeConfig(
            channels: """
                  portal-tep:
                    type: portal
                    preset: static
                    output: www/cchc
                """)
        try FileManager.default.createDirectory(atPath: ws.root + "/www", withIntermediateDirectories: true)
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let unit = try String(contentsOfFile: repo + "/systemd/cchcd.service", encoding: .utf8)
        #expect(unit.contains("ReadWritePaths="))
        #expect(unit.contains("LimitNOFILE=") && unit.contains("MemoryMax="))
        #expect(unit.contains("SystemCallFilter=@system-service"))
        try unit.write(toFile: ws.root + "/cchcd.service", atomically: true, encoding: .utf8)

        func check(_ environment: [String: String]) throws -> CommandResult {
            let r = try runTool(
                "/usr/bin/env",
                environment.map { "\($0.key)=\($0.value)" } + [
                    Binaries.cchcd, "--config", ws.configPath, "--check-config",
                ])
            return CommandResult(status: r.status, stdout: r.stdout, stderr: r.stderr)
        }
        let user = geteuid() == 0 ? "root" : (ProcessInfo.processInfo.environment["USER"] ?? "root")
        let readOnly = try check(["CCHCD_UNIT_FILE": ws.root + "/cchcd.service", "CCHCD_SERVICE_USER": user])
        #expect(readOnly.status == 78, "\(readOnly.stdout)\(readOnly.stderr)")
        #expect(readOnly.stderr.contains("ReadWritePaths=\(ws.root)/www/cchc"), "\(readOnly.stderr)")

        try (unit + "\nReadWritePaths=\(ws.root)/www\n").write(
            toFile: ws.root + "/cchcd.service", atomically: true, encoding: .utf8)
        let covered = try check(["CCHCD_UNIT_FILE": ws.root + "/cchcd.service", "CCHCD_SERVICE_USER": user])
        #expect(covered.status == 0, "\(covered.stderr)")

        // As root, the check is made as the service user: nobody cannot write a folder of root's (0755).
        if geteuid() == 0 {
            chmod(ws.root + "/www", 0o755)
            let nobody = try check(["CCHCD_UNIT_FILE": ws.root + "/cchcd.service", "CCHCD_SERVICE_USER": "nobody"])
            #expect(nobody.status == 78, "\(nobody.stderr)")
            #expect(nobody.stderr.contains("the service user nobody cannot write"), "\(nobody.stderr)")
        }
    }
}
