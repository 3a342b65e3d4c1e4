import ChannelKit
import Foundation
import Queue
import Testing

@testable import Intake

/// Seeded random inbox contents (issue 14): whatever lands in the inbox, one scan leaves only the inbox's own
/// folders and files still being written; every other entry is in `accepted/` or in `rejected/` with its
/// `.error`; no `.error` quotes a secret; and exactly the valid items are stored.
@Suite("Inbox fuzz", .serialized)
struct InboxFuzzTests {
    /// SplitMix64: the same seed gives the same inbox.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let secret = "SECRET-FUZZ-TOKEN-93f1"

    enum Kind: CaseIterable {
        case valid, brokenYAML, aliasBomb, nul, binary, big, docx, upperCase, folder, symlinkOut, dangling
        case symlinkMediaItem, mediaEscape, controlName
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64]) func randomInboxes(seed: UInt64) async throws {
        var rng = Seeded(state: seed)
        let f = try InboxFixture()
        let outside = f.folder.path + "/creds"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data(Self.secret.utf8).write(to: URL(fileURLWithPath: outside + "/token"))
        try FileManager.default.createDirectory(atPath: f.inbox + "/media", withIntermediateDirectories: true)
        var small = f.folder.config
        small.inbox.maxItemBytes = 64 * 1024
        f.watcher.update(
            intake: ItemIntake(config: small, channels: [:], store: f.store, planner: simplePlanner))

        var expectedValid = 0
        var names: [String] = []
        for i in 0..<40 {
            let kind = Kind.allCases.randomElement(using: &rng)!
            var name = "tep-\(i)-\(UInt16.random(in: 0...UInt16.max, using: &rng)).md"
            let path = { (n: String) in f.inbox + "/" + n }
            switch kind {
            case .valid:
                try f.drop(name, inboxItem(title: "Tin \(i)"))
                expectedValid += 1
            case .brokenYAML:
                try f.drop(name, "---\ntitle: [khong dong\n---\nx")
            case .aliasBomb:
                let depth = Int.random(in: 2...14, using: &rng)
                var lines = ["a0: &a0 [\"\(Self.secret)\", \"lol\"]"]
                for d in 1...depth {
                    lines.append("a\(d): &a\(d) [\(Array(repeating: "*a\(d - 1)", count: 9).joined(separator: ","))]")
                }
                try f.drop(name, "---\n" + lines.joined(separator: "\n") + "\ntitle: x\n---\nx")
            case .nul:
                try f.drop(name, inboxItem(title: "Tin \(i)") + "\u{0}\(Self.secret)")
            case .binary:
                var bytes = [UInt8](repeating: 0, count: Int.random(in: 1...2048, using: &rng))
                for j in bytes.indices { bytes[j] = UInt8.random(in: 0...255, using: &rng) }
                try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
            case .big:
                try f.drop(name, inboxItem(title: "To") + String(repeating: "a", count: 100 * 1024))
            case .docx:
                name = "bao-cao-\(i).docx"
                try f.drop(name, "PK\u{3}\u{4}\(Self.secret)")
            case .upperCase:
                name = "TIN-\(i).MD"
                try f.drop(name, inboxItem())
            case .folder:
                try FileManager.default.createDirectory(atPath: path(name), withIntermediateDirectories: false)
            case .symlinkOut:
                try FileManager.default.createSymbolicLink(atPath: path(name), withDestinationPath: outside + "/token")
            case .dangling:
                try FileManager.default.createSymbolicLink(
                    atPath: path(name), withDestinationPath: outside + "/khong-co")
            case .symlinkMediaItem:
                try FileManager.default.createSymbolicLink(
                    atPath: f.inbox + "/media/m\(i).jpg", withDestinationPath: outside + "/token")
                try f.drop(name, inboxItem(title: "M \(i)", extra: "media: [media/m\(i).jpg]"))
            case .mediaEscape:
                let escape = ["../creds/token", outside + "/token", "media/../../creds/token"].randomElement(
                    using: &rng)!
                try f.drop(name, inboxItem(title: "E \(i)", extra: "media: [\(escape)]"))
            case .controlName:
                name = "ten-\(i)\n<2>\u{1b}[31m.md"
                try f.drop(name, "khong co phan thong tin")
            }
            names.append(name)
        }

        let (accepted, rejected) = await f.watcher.scan()
        #expect(accepted == expectedValid, "seed \(seed)")
        #expect(accepted + rejected == names.count, "seed \(seed)")
        #expect(f.list() == ["accepted", "media", "rejected"], "seed \(seed): \(f.list())")
        let acceptedFiles = Set(f.list("/accepted"))
        let rejectedFiles = Set(f.list("/rejected"))
        for name in names {
            if acceptedFiles.contains(name) { continue }
            #expect(rejectedFiles.contains(name) && rejectedFiles.contains(name + ".error"), "seed \(seed): \(name)")
            let reason = f.read("rejected/\(name).error")
            #expect(!reason.isEmpty)
            #expect(!reason.contains(Self.secret), "seed \(seed): \(name) quotes the secret: \(reason)")
        }
        #expect(try await f.store.items(ItemFilter(limit: 1000)).count == expectedValid)
    }
}
