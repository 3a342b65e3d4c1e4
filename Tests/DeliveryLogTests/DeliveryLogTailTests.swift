import DeliveryLog
import Foundation
import Logging
import Queue
import Testing

@Suite struct DeliveryLogTailTests {
    private func writer(_ dir: String) throws -> DeliveryLogWriter {
        try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
        let store = try SQLiteStore(
            path: dir + "/state/cchcd.sqlite", timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        return DeliveryLogWriter(directory: dir + "/log", store: store, logger: Logger(label: "test"))
    }

    private func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "cchc-logtail-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/log", withIntermediateDirectories: true)
        return dir
    }

    @Test func findsTheLastSequenceBehindALongLineAndCutsATornOne() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let long = String(repeating: "Cải cách hành chính ", count: 6000)  // > 64 KiB
        let text =
            "{\"seq\":1,\"ts\":\"2026-11-01T00:00:00.000+07:00\"}\n{\"seq\":2,\"item_title\":\"\(long)\"}\n{\"seq\":3,\"item_ti"
        let path = dir + "/log/delivery-2026-11.jsonl"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let w = try writer(dir)
        #expect(try await w.lastSequenceInFiles() == 2)
        let after = try String(contentsOfFile: path, encoding: .utf8)
        #expect(after.hasSuffix("\"}\n"))
        #expect(!after.contains("\"seq\":3"))
    }

    @Test func aFileHoldingOnlyATornLineIsEmptied() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/log/delivery-2026-11.jsonl"
        try "{\"seq\":1,\"ev".write(toFile: path, atomically: true, encoding: .utf8)
        let w = try writer(dir)
        #expect(try await w.lastSequenceInFiles() == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8).isEmpty)
    }

    @Test func theNewestOfTwoMonthsWins() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "{\"seq\":7}\n{\"seq\":8}\n".write(
            toFile: dir + "/log/delivery-2026-10.jsonl", atomically: true, encoding: .utf8)
        try "{\"seq\":9}\n".write(toFile: dir + "/log/delivery-2026-11.jsonl", atomically: true, encoding: .utf8)
        #expect(try await writer(dir).lastSequenceInFiles() == 9)
    }
}

@Suite struct RestoredStoreTests {
    @Test func aLogAheadOfTheStoreStopsTheWriterInsteadOfReusingSequenceNumbers() async throws {
        let dir = NSTemporaryDirectory() + "cchc-restore-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/log", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "{\"seq\":5}\n".write(toFile: dir + "/log/delivery-2026-11.jsonl", atomically: true, encoding: .utf8)
        let store = try SQLiteStore(
            path: dir + "/state/cchcd.sqlite", timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        let writer = DeliveryLogWriter(directory: dir + "/log", store: store, logger: Logger(label: "test"))
        await #expect(throws: LogFileError.self) { try await writer.catchUp() }
    }
}
