import Foundation
import TestSupport
import Testing

/// `cchc-bench drain` end to end, small: the real `cchc-bench` spawns its sink and the real `cchcd`,
/// and must find every delivery at the sink once. Its figures are not checked (a debug build on shared
/// cores); that they are there and consistent is.
@Suite struct DrainBenchEndToEndTests {
    @Test func aSmallDrainDeliversEveryItemOnceAndReportsItsFigures() throws {
        let ws = try Workspace()
        let folder = ws.root + "/run"
        let r = try run(
            Binaries.directory + "/cchc-bench",
            [
                "drain", "--items", "12", "--raw-requests", "200", "--idle", "0.5", "--stall", "60", "--workspace",
                folder,
            ])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let jsonLine = try #require(r.stdout.split(separator: "\n").last { $0.hasPrefix("{") })
        let result = try #require(try JSONSerialization.jsonObject(with: Data(jsonLine.utf8)) as? [String: Any])
        #expect(result["bench"] as? String == "drain")
        #expect(result["ok"] as? Bool == true)
        #expect(result["deliveries"] as? Int == 24)
        #expect(result["requests_at_sink"] as? Int == 24)
        #expect(result["delivered_in_log"] as? Int == 24)
        #expect(result["missing"] as? Int == 0)
        #expect(result["duplicated"] as? Int == 0)
        #expect(result["unexpected"] as? Int == 0)
        let first = try #require(result["first_delivery_s"] as? Double)
        let last = try #require(result["last_delivery_s"] as? Double)
        #expect(first > 0 && first <= last)
        #expect((result["raw_per_s"] as? Double ?? 0) > 0)
        #expect((result["intake_files_per_s"] as? Double ?? 0) > 0)
        #expect((result["end_to_end_per_s"] as? Double ?? 0) > 0)
        let peak = try #require(result["peak_rss_mib"] as? Double)
        let idle = try #require(result["idle_rss_mib"] as? Double)
        let anonymous = try #require(result["idle_rss_anon_mib"] as? Double)
        #expect(peak >= idle && idle > anonymous && anonymous > 0)
        #expect(r.stdout.contains("first delivery after spawn"))
        // The inbox was drained: every file accepted, none rejected.
        let accepted = try FileManager.default.contentsOfDirectory(atPath: folder + "/inbox/accepted")
        #expect(accepted.filter { $0.hasSuffix(".md") }.count == 12)
        let rejected = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/inbox/rejected")) ?? []
        #expect(rejected.isEmpty)
    }
}
