import Foundation
import TestSupport
import Testing

/// docs/architecture.md's module graph is generated from Package.swift (`swift package dump-package`,
/// through scripts/module-graph.py); it must be regenerated whenever a target's dependencies change.
@Suite struct ArchitectureDocTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func theModuleGraphMatchesPackageSwift() async throws {
        let script = Self.root + "/scripts/module-graph.py"
        let generated = try await offThePool { try runTool("/usr/bin/env", ["python3", script]) }
        try #require(generated.status == 0, "scripts/module-graph.py failed: \(generated.stderr)")
        let doc = try String(contentsOfFile: Self.root + "/docs/architecture.md", encoding: .utf8)
        let begin = try #require(doc.range(of: "<!-- module-graph:begin"), "docs/architecture.md lost its markers")
        let end = try #require(doc.range(of: "<!-- module-graph:end -->\n", range: begin.lowerBound..<doc.endIndex))
        let documented = String(doc[begin.lowerBound..<end.upperBound])
        #expect(generated.stdout.contains("cchcd") && generated.stdout.contains("ChannelKit"))
        #expect(
            documented == generated.stdout,
            "docs/architecture.md's module graph does not match Package.swift: run `python3 scripts/module-graph.py --write` and commit the result"
        )
    }

    /// Plugins never depend on Engine or Queue (DESIGN.md §2), read from the same generated list.
    @Test func pluginsNeverReachTheEngineOrTheStore() throws {
        let doc = try String(contentsOfFile: Self.root + "/docs/architecture.md", encoding: .utf8)
        let plugins = doc.split(separator: "\n").filter { $0.hasPrefix("- **") && $0.contains("(plugin):") }
        #expect(plugins.count >= 7, "\(plugins)")
        for line in plugins {
            let deps = line.split(separator: ":", maxSplits: 1).last.map { $0.split(separator: ",") } ?? []
            let names = deps.map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(!names.contains("Engine") && !names.contains("Queue"), "\(line)")
        }
    }
}
