import DeliveryLog
import Foundation
import Testing

/// Logs written by the real `cchcd` before the DeliveryLog module existed (Fixtures/, README.md there
/// says how they were made): the contract is that nothing about them changes.
@Suite("Logs written before the DeliveryLog module")
struct OldLogFixtureTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".jsonl") }
            .sorted().map { folder.path + "/" + $0 }
    }

    static func lines(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test("the fixtures hold every kind of line")
    func everyKindIsThere() throws {
        var events = Set<String>()
        for file in Self.files {
            for line in try Self.lines(file) {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                events.insert(try #require(object["event"] as? String))
            }
        }
        for kind in [
            "item.submitted", "item.approved", "delivery.planned", "delivery.delivered", "delivery.retry",
            "delivery.failed", "delivery.retracted", "radio.bulletin",
        ] {
            #expect(events.contains(kind), "no \(kind) line in the fixtures")
        }
        #expect(events.contains { $0.hasPrefix("inbound.") }, "no inbound line in the fixtures")
    }

    @Test("the encoder writes each line byte for byte as it was written, and the event kinds round-trip")
    func theEncoderReproducesTheOldLog() throws {
        #expect(Self.files.count >= 1)
        var count = 0
        for file in Self.files {
            for text in try Self.lines(file) {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                let seq = try #require((object["seq"] as? NSNumber)?.int64Value)
                let line = try JSONDecoder().decode(LogLine.self, from: Data(text.utf8))
                #expect(LogEvent(seq: seq, json: line.encoded()).line == text, "\(file)")
                #expect(line.eventKind.rawValue == line.event)
                count += 1
            }
        }
        #expect(count > 0)
    }

    @Test("the reader finds every field of every line with the value JSONSerialization reads")
    func theReaderReadsTheOldLog() throws {
        let scanner = LogLineScanner()
        for file in Self.files {
            var objects = try Self.lines(file).map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }[...]
            var problems: [String] = []
            try LogFileReader.forEachLine(path: file) { line, number, kind in
                guard kind == .complete, let object = objects.popFirst() else {
                    problems.append("line \(number): \(kind)")
                    return
                }
                var fields = LogLineScanner.RawFields()
                do throws(LogLineScanner.Failure) { try scanner.scan(line, into: &fields) } catch {
                    problems.append("line \(number): \(error.reason)")
                    return
                }
                for field in LogField.allCases {
                    let expected = object[field.name]
                    let span = fields[field]
                    switch expected {
                    case nil:
                        if span != nil { problems.append("line \(number): \(field.name) found but absent") }
                    case let text as String:
                        if LogLineScanner.string(line, span) != text {
                            problems.append("line \(number): \(field.name) read differently")
                        }
                    case let value as NSNumber:
                        if LogLineScanner.double(line, span) != value.doubleValue {
                            problems.append("line \(number): \(field.name) read differently")
                        }
                    default:
                        problems.append("line \(number): \(field.name) has an unexpected type")
                    }
                }
                if LogLineScanner.timestamp(line, fields[.ts]) == nil { problems.append("line \(number): ts") }
            }
            #expect(problems.isEmpty, "\(file): \(problems.prefix(10))")
            #expect(objects.isEmpty, "\(file): lines the reader did not give")
        }
    }
}
