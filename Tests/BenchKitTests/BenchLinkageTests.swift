import Foundation
import Testing

/// `cchc-bench` is shipped: it must not carry the tests' support code (issue 15).
@Suite struct BenchLinkageTests {
    @Test func cchcBenchLinksBenchKitAndNotTestSupport() throws {
        // Swift symbols name their module length-prefixed after `$s`: `$s11TestSupport…`, `$s8BenchKit…`.
        let binary = try Data(contentsOf: URL(fileURLWithPath: BenchSinkTests.bench), options: .alwaysMapped)
        #expect(binary.range(of: Data("$s8BenchKit".utf8)) != nil, "the search finds a module the bench does link")
        #expect(binary.range(of: Data("$s11TestSupport".utf8)) == nil, "cchc-bench contains TestSupport symbols")
    }
}
