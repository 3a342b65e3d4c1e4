import ArgumentParser
import Foundation
import ReadAloud

/// `cchc-bench readaloud`: the read-aloud normaliser over a corpus, against a baseline measured in the
/// same run on the same text — lowercasing it and splitting it into words, the least any text
/// pass does.
struct ReadAloudBench {
    var corpus: String
    var passes: Int

    func run() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus).filter { $0.hasSuffix(".txt") }.sorted()
        guard !files.isEmpty else { throw ValidationError("no .txt files in \(corpus)") }
        let texts = try files.map { try String(contentsOfFile: corpus + "/" + $0, encoding: .utf8) }
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        let normalizer = ReadAloudNormalizer()

        var sink = 0
        let clock = ContinuousClock()
        // Warm-up: the dictionary and the first allocations are not what is measured.
        for t in texts { sink &+= normalizer.normalize(t).text.utf8.count }
        let baseline = clock.measure {
            for _ in 0..<passes {
                for t in texts {
                    sink &+= t.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).count
                }
            }
        }
        var unknown = Set<String>()
        let normalise = clock.measure {
            for _ in 0..<passes {
                for t in texts {
                    let r = normalizer.normalize(t)
                    sink &+= r.text.utf8.count
                    unknown.formUnion(r.unknownTokens)
                }
            }
        }
        let perCorpusBaseline = baseline.seconds / Double(passes)
        let perCorpus = normalise.seconds / Double(passes)
        print("read-aloud normaliser: \(files.count) documents, \(bytes) bytes, \(passes) passes (checksum \(sink))")
        print(String(format: "  baseline (lowercase + split): %8.3f ms per corpus", perCorpusBaseline * 1000))
        print(String(format: "  normaliser:                   %8.3f ms per corpus", perCorpus * 1000))
        print(String(format: "  ratio normaliser / baseline:  %8.2f", perCorpus / perCorpusBaseline))
        print(String(format: "  throughput:                   %8.1f MB/s", Double(bytes) / perCorpus / 1e6))
        print("  unknown all-caps tokens: \(unknown.sorted().joined(separator: ", "))")
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
