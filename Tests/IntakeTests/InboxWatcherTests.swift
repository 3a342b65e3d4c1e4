import ChannelKit
import Config
import Foundation
import Logging
import Queue
import Synchronization
import Testing
import TestSupport

@testable import Intake

/// One delivery per target channel, due at the item's publish time or its approval.
let simplePlanner: @Sendable (ItemRecord) -> [PlannedDelivery] = { record in
    record.content.channels.map {
        PlannedDelivery(
            channel: $0, channelType: "test", dueAt: record.content.publishAt ?? record.approvedAt ?? Date())
    }
}

/// An inbox on a real SQLite store in a temporary folder.
final class InboxFixture: Sendable {
    let folder: IntakeFolder
    let store: SQLiteStore
    let watcher: InboxWatcher
    let changes = Counter()

    init(trusted: Bool = false, inboxExtra: String = "") throws {
        folder = try IntakeFolder(trusted: trusted, inboxExtra: inboxExtra)
        store = try SQLiteStore(path: folder.config.databasePath, timeZone: hcm)
        let intake = ItemIntake(config: folder.config, channels: [:], store: store, planner: simplePlanner)
        var logger = Logger(label: "inbox-tests")
        logger.logLevel = .critical
        let changes = self.changes
        watcher = InboxWatcher(
            intake: intake, settings: folder.config.inbox, logger: logger,
            onChange: { changes.increment() })
        for sub in ["", "/accepted", "/rejected"] {
            try FileManager.default.createDirectory(atPath: inbox + sub, withIntermediateDirectories: true)
        }
    }

    var inbox: String { folder.config.inbox.path }

    @discardableResult
    func drop(_ name: String, _ text: String) throws -> String {
        let path = inbox + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func list(_ sub: String = "") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: inbox + sub)) ?? []).sorted()
    }

    func read(_ sub: String) -> String {
        (FileManager.default.contents(atPath: inbox + "/" + sub)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}

/// A count shared with `onChange` callbacks.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// A valid item file for the inbox (no dates in the past of the real clock).
func inboxItem(title: String = "Tin cải cách hành chính", extra: String = "") -> String {
    """
    ---
    title: "\(title)"
    topic: tthc
    unit: "Sở Nội vụ"
    channels: [portal-tinh, fb-sonoivu]
    \(extra)
    ---
    Nội dung.
    """
}

@Suite("InboxWatcher")
struct InboxWatcherTests {
    @Test("one good file and three bad: one accepted, three rejected with their reasons")
    func scanMixed() async throws {
        let f = try InboxFixture()
        try f.drop("01-tot.md", inboxItem())
        try f.drop("02-yaml-hong.md", "---\ntitle: \"Tin\ntopic: tthc\n---\nx\n")
        try f.drop("03-kenh-la.md", inboxItem().replacingOccurrences(of: "fb-sonoivu", with: "zalo-oa"))
        try f.drop("04-thieu-tieu-de.yaml", "topic: tthc\nunit: X\nchannels: [portal-tinh]\nbody: Nội dung\n")

        let (accepted, rejected) = await f.watcher.scan()
        #expect(accepted == 1)
        #expect(rejected == 3)
        #expect(f.list() == ["accepted", "media", "rejected"])
        #expect(f.list("/accepted") == ["01-tot.md"])
        #expect(
            f.list("/rejected") == [
                "02-yaml-hong.md", "02-yaml-hong.md.error", "03-kenh-la.md", "03-kenh-la.md.error",
                "04-thieu-tieu-de.yaml", "04-thieu-tieu-de.yaml.error",
            ])
        let yamlError = f.read("rejected/02-yaml-hong.md.error")
        #expect(yamlError.hasPrefix("02-yaml-hong.md:"))
        #expect(yamlError.contains("YAML không hợp lệ"))
        let channelError = f.read("rejected/03-kenh-la.md.error")
        #expect(channelError.contains("trường \"channels\""))
        #expect(channelError.contains("zalo-oa"))
        #expect(channelError.hasPrefix("03-kenh-la.md:5:"))
        let titleError = f.read("rejected/04-thieu-tieu-de.yaml.error")
        #expect(titleError.contains("trường \"title\""))
        #expect(titleError.hasSuffix("\n"))

        let items = try await f.store.items(ItemFilter())
        #expect(items.count == 1)
        #expect(items.first?.status == .submitted)
        #expect(items.first?.content.title == "Tin cải cách hành chính")
        #expect(items.first?.source.hasPrefix("inbox:01-tot.md#") == true)
        #expect(try await f.store.deliveries(itemID: items[0].id).isEmpty)
        #expect(f.changes.value == 1)

        // A second scan finds nothing to do.
        let again = await f.watcher.scan()
        #expect(again == (0, 0))
        #expect(f.changes.value == 1)
    }

    @Test("a file stored just before a crash, still in the inbox, is moved, not taken in twice")
    func fileTakenInBeforeACrash() async throws {
        let f = try InboxFixture()
        try f.drop("01-tot.md", inboxItem())
        #expect(await f.watcher.scan() == (1, 0))
        // The crash: the item is stored but the file never left the inbox.
        try FileManager.default.moveItem(atPath: f.inbox + "/accepted/01-tot.md", toPath: f.inbox + "/01-tot.md")
        #expect(await f.watcher.scan() == (0, 0))
        #expect(try await f.store.items(ItemFilter()).count == 1)
        #expect(f.list("/accepted").count == 1)
        #expect(f.list() == ["accepted", "media", "rejected"])
        // Same name, different content: a new item.
        try f.drop("01-tot.md", inboxItem().replacingOccurrences(of: "Tin cải cách hành chính", with: "Tin khác"))
        #expect(await f.watcher.scan() == (1, 0))
        #expect(try await f.store.items(ItemFilter()).count == 2)
    }

    @Test("dot-files, *.tmp, *.part and the inbox's own folders are left alone")
    func ignored() async throws {
        let f = try InboxFixture()
        try f.drop(".tin.md", inboxItem())
        try f.drop("tin.md.tmp", inboxItem())
        try f.drop("tin.md.part", inboxItem())
        try FileManager.default.createDirectory(atPath: f.inbox + "/media", withIntermediateDirectories: true)
        let result = await f.watcher.scan()
        #expect(result == (0, 0))
        #expect(f.list() == [".tin.md", "accepted", "media", "rejected", "tin.md.part", "tin.md.tmp"])
        #expect(try await f.store.items(ItemFilter()).isEmpty)
        #expect(f.changes.value == 0)
    }

    @Test("every entry the inbox cannot take goes to rejected/ with a Vietnamese .error that quotes no content")
    func hygiene() async throws {
        let f = try InboxFixture()
        let secret = "SECRET-TOKEN-1234567890"
        let outside = f.folder.path + "/creds"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data("token: \(secret)\n".utf8).write(to: URL(fileURLWithPath: outside + "/fb-token"))
        try Data(inboxItem(title: "Ngoài").utf8).write(to: URL(fileURLWithPath: outside + "/ngoai.md"))
        try f.drop("bao-cao.docx", "PK\u{03}\u{04}\(secret)")
        try f.drop("ghi-chu.txt", secret)
        try f.drop("TIN.MD", inboxItem())
        try f.drop("anh.jpg", secret)
        try f.drop("la.bin", secret)
        try FileManager.default.createDirectory(atPath: f.inbox + "/thu-muc.md", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: f.inbox + "/token.md", withDestinationPath: outside + "/fb-token")
        try FileManager.default.createSymbolicLink(
            atPath: f.inbox + "/ngoai.md", withDestinationPath: outside + "/ngoai.md")
        try FileManager.default.createSymbolicLink(
            atPath: f.inbox + "/mat.md", withDestinationPath: f.inbox + "/khong-co.md")
        try f.drop("tot.md", inboxItem(title: "Bài tốt"))

        let result = await f.watcher.scan()
        #expect(result == (1, 9))
        #expect(f.list() == ["accepted", "media", "rejected"])
        #expect(f.list("/accepted") == ["tot.md"])
        let expected = [
            "TIN.MD", "anh.jpg", "bao-cao.docx", "ghi-chu.txt", "la.bin", "mat.md", "ngoai.md", "thu-muc.md",
            "token.md",
        ]
        #expect(f.list("/rejected") == (expected + expected.map { $0 + ".error" }).sorted())
        for name in expected {
            let reason = f.read("rejected/\(name).error")
            #expect(reason.hasPrefix("\(name): "), "\(name): \(reason)")
            #expect(!reason.contains(secret), "\(name) quotes content: \(reason)")
        }
        // A Word file is read when the inbox has defaults for it (InboxWordTests); this one has none.
        #expect(f.read("rejected/bao-cao.docx.error").contains("inbox.word_defaults"))
        #expect(f.read("rejected/bao-cao.docx.error").contains("cchc item add bao-cao.docx --topic"))
        #expect(f.read("rejected/TIN.MD.error").contains(".md"))
        #expect(f.read("rejected/token.md.error").contains("liên kết tượng trưng"))
        #expect(f.read("rejected/mat.md.error").contains("không tồn tại"))
        #expect(f.read("rejected/thu-muc.md.error").contains("thư mục"))
        #expect(f.read("rejected/anh.jpg.error").contains("media/"))
        // The symlinks moved as links: the files they point to are untouched, and the item outside never entered.
        #expect(FileManager.default.fileExists(atPath: outside + "/fb-token"))
        #expect(try await f.store.items(ItemFilter()).map(\.content.title) == ["Bài tốt"])
    }

    @Test("inbox entry kinds: the one decision")
    func classification() throws {
        let f = try InboxFixture()
        try f.drop("a.md", "x")
        try f.drop("b.yaml", "x")
        try f.drop("c.yml", "x")
        try f.drop("d.Md", "x")
        try f.drop("e.odt", "x")
        try f.drop("f.md.part", "x")
        try f.drop("g.docx", "x")
        try f.drop("h.DOCX", "x")
        try f.drop("i.doc", "x")
        #expect(InboxEntry.classify(name: "g.docx", in: f.inbox) == .item)
        #expect(InboxEntry.classify(name: "h.DOCX", in: f.inbox) == .item)
        guard case .rejected(let doc) = InboxEntry.classify(name: "i.doc", in: f.inbox) else {
            Issue.record("i.doc")
            return
        }
        #expect(doc.contains(".docx"))
        #expect(InboxEntry.classify(name: "a.md", in: f.inbox) == .item)
        #expect(InboxEntry.classify(name: "b.yaml", in: f.inbox) == .item)
        #expect(InboxEntry.classify(name: "c.yml", in: f.inbox) == .item)
        #expect(InboxEntry.classify(name: "f.md.part", in: f.inbox) == .ignored)
        #expect(InboxEntry.classify(name: "accepted", in: f.inbox) == .ignored)
        #expect(InboxEntry.classify(name: "khong-co.md", in: f.inbox) == .ignored)
        guard case .rejected = InboxEntry.classify(name: "d.Md", in: f.inbox) else {
            Issue.record("d.Md")
            return
        }
        guard case .rejected(let odt) = InboxEntry.classify(name: "e.odt", in: f.inbox) else {
            Issue.record("e.odt")
            return
        }
        #expect(odt.contains("Markdown/văn bản UTF-8"))
    }

    @Test("a media/ or rejected/ replaced by a symlink is put back as a real folder")
    func ownFoldersStayFolders() async throws {
        let f = try InboxFixture()
        let elsewhere = f.folder.path + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.removeItem(atPath: f.inbox + "/rejected")
        try FileManager.default.createSymbolicLink(atPath: f.inbox + "/rejected", withDestinationPath: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: f.inbox + "/media", withDestinationPath: elsewhere)
        try f.drop("hong.md", "no front matter")
        await f.watcher.scan()
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: f.inbox + "/rejected")) == nil)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: f.inbox + "/media")) == nil)
        #expect(f.list("/rejected") == ["hong.md", "hong.md.error"])
        #expect((try FileManager.default.contentsOfDirectory(atPath: elsewhere)).isEmpty)
    }

    @Test("a file whose name is already in accepted/ or rejected/ does not overwrite it")
    func noOverwrite() async throws {
        let f = try InboxFixture()
        try f.drop("tin.md", inboxItem(title: "Bài một"))
        #expect(await f.watcher.scan() == (1, 0))
        try f.drop("tin.md", inboxItem(title: "Bài hai"))
        #expect(await f.watcher.scan() == (1, 0))
        #expect(f.list("/accepted") == ["tin.2.md", "tin.md"])
        #expect(f.read("accepted/tin.md").contains("Bài một"))
        #expect(f.read("accepted/tin.2.md").contains("Bài hai"))
        #expect(try await f.store.items(ItemFilter()).count == 2)

        try f.drop("xau.md", "không có front matter")
        try f.drop("xau.yaml", "title: [")
        #expect(await f.watcher.scan() == (0, 2))
        try f.drop("xau.md", "vẫn không có")
        #expect(await f.watcher.scan() == (0, 1))
        #expect(
            f.list("/rejected") == [
                "xau.2.md", "xau.2.md.error", "xau.md", "xau.md.error", "xau.yaml", "xau.yaml.error",
            ])
        #expect(f.read("rejected/xau.md").contains("không có front matter"))
        #expect(f.read("rejected/xau.2.md").contains("vẫn không có"))
    }

    @Test("a trusted inbox with approval creates an approved item with its deliveries")
    func trusted() async throws {
        let f = try InboxFixture(trusted: true)
        let approval = "approved_by: \"Nguyễn Văn A\"\napproved_at: 2026-11-21 15:30\npublish_at: 2030-01-02 08:00"
        try f.drop("duyet.md", inboxItem(extra: approval))
        try f.drop("cho-duyet.md", inboxItem(title: "Chưa duyệt"))
        #expect(await f.watcher.scan() == (2, 0))
        let items = try await f.store.items(ItemFilter())
        let approved = try #require(items.first { $0.content.title == "Tin cải cách hành chính" })
        #expect(approved.status == .approved)
        #expect(approved.approvedBy == "Nguyễn Văn A")
        #expect(approved.approvedAt == local(2026, 11, 21, 15, 30))
        let deliveries = try await f.store.deliveries(itemID: approved.id)
        #expect(deliveries.map(\.channel).sorted() == ["fb-sonoivu", "portal-tinh"])
        #expect(deliveries.allSatisfy { $0.state == .pending && $0.dueAt == local(2030, 1, 2, 8) })
        let waiting = try #require(items.first { $0.content.title == "Chưa duyệt" })
        #expect(waiting.status == .submitted)
    }

    @Test("an untrusted inbox ignores the approval: the item waits for approval")
    func untrustedApproval() async throws {
        let f = try InboxFixture(trusted: false)
        try f.drop("duyet.md", inboxItem(extra: "approved_by: \"Nguyễn Văn A\"\napproved_at: 2026-11-21 15:30"))
        #expect(await f.watcher.scan() == (1, 0))
        let items = try await f.store.items(ItemFilter())
        #expect(items.map(\.status) == [.submitted])
        #expect(items.first?.approvedBy == nil)
    }

    @Test("a backlog is taken in batch by batch, one commit each: the engine hears of each batch, every file once")
    func backlogInBatches() async throws {
        let f = try InboxFixture(trusted: true)
        let approval = "approved_by: \"Nguyễn Văn A\"\napproved_at: 2026-11-21 15:30"
        let total = InboxWatcher.firstBatch + InboxWatcher.batch + 7
        // An item whose deliveries started: a file editing it is refused.
        try f.drop("tin-0000-dau.md", inboxItem(extra: "id: tin-khoa\n" + approval))
        #expect(await f.watcher.scan() == (1, 0))
        _ = try await f.store.claimDue(
            channel: "portal-tinh", now: Date(), limit: 10, owner: "x", leaseUntil: Date().addingTimeInterval(60))
        for n in 1...total {
            try f.drop(String(format: "tin-%04d.md", n), inboxItem(title: "Tin số \(n)", extra: approval))
        }
        // One bad file in the middle of a batch, and the edit of the started item: each is refused alone,
        // the rest of its batch is stored.
        try f.drop("tin-0100-hong.md", "---\ntitle: \"Tin\ntopic: tthc\n---\nx\n")
        try f.drop("tin-0200-sua.md", inboxItem(title: "Sửa", extra: "id: tin-khoa\n" + approval))
        let changesBefore = f.changes.value

        let (accepted, rejected) = await f.watcher.scan()
        #expect(accepted == total)
        #expect(rejected == 2)
        // Three batches (32, 512, the rest), the engine woken after each.
        #expect(f.changes.value - changesBefore == 3)
        let items = try await f.store.items(ItemFilter(limit: 10_000))
        #expect(items.count == total + 1)
        #expect(Set(items.map(\.content.title)).count == total + 1)
        #expect(items.allSatisfy { $0.status == .approved || $0.id == "tin-khoa" })
        #expect(f.list("/accepted").count == total + 1)
        #expect(
            f.list("/rejected") == [
                "tin-0100-hong.md", "tin-0100-hong.md.error", "tin-0200-sua.md", "tin-0200-sua.md.error",
            ])
        #expect(f.read("rejected/tin-0200-sua.md.error").contains("không sửa được"))
        #expect(f.list() == ["accepted", "media", "rejected"])
        #expect(await f.watcher.scan() == (0, 0))
    }

    @Test("a file editing an item whose deliveries started is rejected with the reason in Vietnamese")
    func lockedEdit() async throws {
        let f = try InboxFixture(trusted: true)
        let approval = "id: tin-1\napproved_by: A\napproved_at: 2026-11-21 15:30"
        try f.drop("a.md", inboxItem(extra: approval))
        #expect(await f.watcher.scan() == (1, 0))
        _ = try await f.store.claimDue(
            channel: "portal-tinh", now: Date(), limit: 10, owner: "x", leaseUntil: Date().addingTimeInterval(60))
        try f.drop("b.md", inboxItem(title: "Sửa", extra: approval))
        #expect(await f.watcher.scan() == (0, 1))
        let reason = f.read("rejected/b.md.error")
        #expect(reason.contains("tin-1"))
        #expect(reason.contains("không sửa được"))
    }

    @Test("the live watcher takes in a file written then renamed, and stops when cancelled")
    func liveWatcher() async throws {
        let f = try InboxFixture()
        try f.drop("truoc.md", inboxItem(title: "Có sẵn"))
        let watcher = f.watcher
        let task = Task { try await watcher.run() }

        // The file present at start is taken in by the first scan.
        #expect(await eventually(every: .milliseconds(20)) { f.list("/accepted").contains("truoc.md") })

        // Write-then-rename: the .tmp is ignored until it is renamed in.
        let tmp = try f.drop("moi.md.tmp", inboxItem(title: "Mới"))
        try FileManager.default.moveItem(atPath: tmp, toPath: f.inbox + "/moi.md")
        #expect(await eventually(every: .milliseconds(20)) { f.list("/accepted").contains("moi.md") })
        #expect(try await f.store.items(ItemFilter()).count == 2)

        // A bad file written in place (closed after writing) is rejected.
        try f.drop("hong.md", "no front matter")
        #expect(await eventually(every: .milliseconds(20)) { f.list("/rejected").contains("hong.md.error") })

        // An item taken in calls onChange (the engine's wake-up).
        let before = f.changes.value
        try f.drop("sau.md", inboxItem(title: "Sau"))
        #expect(await eventually(every: .milliseconds(20)) { f.list("/accepted").contains("sau.md") })
        #expect(await eventually(every: .milliseconds(20)) { f.changes.value > before })

        task.cancel()
        let finished = await waitFor(task)
        #expect(finished, "run() did not return after cancellation")
    }
}

/// Waits (bounded) for a task to finish; true when it did.
func waitFor<T: Sendable>(_ task: Task<T, any Error>, limit: Double = 5) async -> Bool {
    let done = Mutex(false)
    let watcher = Task {
        _ = try? await task.value
        done.withLock { $0 = true }
    }
    let finished = await eventually(limit: limit, every: .milliseconds(20)) { done.withLock { $0 } }
    watcher.cancel()
    return finished
}
