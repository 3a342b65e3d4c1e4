import Foundation
import Testing

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
}
