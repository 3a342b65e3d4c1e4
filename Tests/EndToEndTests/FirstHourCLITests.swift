import Foundation
import TestSupport
import Testing

/// Issue 17, the officer's first hour with the real `cchc`: Vietnamese state words, columns that say
/// which date they are, search, the agenda, warnings on adding, the command-line details an officer
/// trips on, and item files in the encodings Windows writes.
@Suite(.serialized)
struct FirstHourCLITests {
    static let channels = """
          portal-tinh:
            type: portal
            preset: generic
            label: "Cổng thông tin điện tử tỉnh"
            url: http://127.0.0.1:9/api
            slots: ["08:00", "15:00"]
          webhook-tonghop:
            type: webhook
            url: http://127.0.0.1:9/hook
          radio-xa:
            type: radio
            stations:
              - id: tan-lap
                name: Đài truyền thanh xã Tân Lập
                commune: xã Tân Lập
                slots: ["06:00/30m", "17:00/30m"]
                folder: radio/tan-lap

        """

    func workspace() throws -> Workspace {
        let ws = try Workspace()
        try ws.writeConfig(channels: Self.channels)
        return ws
    }

    func add(_ ws: Workspace, _ name: String, _ text: String) throws -> (CommandResult, String) {
        try ws.write("items/\(name)", text)
        let r = try ws.cli(["item", "add", ws.root + "/items/\(name)"])
        return (r, r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func vietnameseStateWordsColumnsSearchAndUnknownChannel() throws {
        let ws = try workspace()
        let (a, first) = try add(
            ws, "a.md", itemFile(title: "Tiếp nhận hồ sơ trực tuyến toàn trình", channels: ["portal-tinh"]))
        #expect(a.status == 0, "\(a.stderr)")
        let (b, second) = try add(
            ws, "b.md",
            itemFile(
                title: "Chỉ số PAR INDEX năm 2025", channels: ["portal-tinh"], body: "Xếp hạng cải cách hành chính."))
        #expect(b.status == 0, "\(b.stderr)")
        #expect(try ws.cli(["item", "approve", second, "--by", "Nguyễn Văn A"]).status == 0)

        for word in ["cho-duyet", "chờ duyệt", "Chờ Duyệt", "submitted", "cho duyet"] {
            let r = try ws.cli(["item", "list", "--status", word])
            #expect(r.status == 0, "\(word): \(r.stderr)")
            #expect(r.stdout.contains(first) && !r.stdout.contains(second), "\(word): \(r.stdout)")
        }
        let approved = try ws.cli(["item", "list", "--status", "da-duyet"])
        #expect(approved.stdout.contains(second) && !approved.stdout.contains(first))
        let bad = try ws.cli(["item", "list", "--status", "dang-cho"])
        #expect(bad.status == 64 && bad.stderr.contains("cho-duyet (chờ duyệt)"), "\(bad.stderr)")

        // Column headers, and which date each column is.
        let list = try ws.cli(["item", "list"])
        let header = try #require(list.stdout.split(separator: "\n").first)
        for column in ["MÃ BÀI", "TRẠNG THÁI", "HẸN ĐĂNG", "TẠO LÚC", "ĐƠN VỊ", "TIÊU ĐỀ"] {
            #expect(header.contains(column), "\(header)")
        }
        #expect(list.stdout.contains("khi duyệt"), "no publish_at: sent when approved")

        // Search by title or text, with or without diacritics.
        let found = try ws.cli(["item", "list", "--search", "TOAN trinh"])
        #expect(found.stdout.contains(first) && !found.stdout.contains(second), "\(found.stdout)")
        let inBody = try ws.cli(["item", "list", "--tim", "xếp hạng"])
        #expect(inBody.stdout.contains(second) && !inBody.stdout.contains(first), "\(inBody.stdout)")

        // A channel that is not configured is named as such, not "no items".
        // `delivery resolve --as` takes Vietnamese words too: the word is accepted, the delivery is not found.
        for word in ["gửi lại", "da-dang", "bỏ"] {
            let resolve = try ws.cli([
                "delivery", "resolve", "\(first)/portal-tinh", "--as", word, "--by", "Nguyễn Văn A",
            ])
            #expect(resolve.status == 3, "\(word): \(resolve.stderr)")
        }
        let badWord = try ws.cli(["delivery", "resolve", "\(first)/portal-tinh", "--as", "xong", "--by", "A"])
        #expect(badWord.status == 64 && badWord.stderr.contains("gui-lai"), "\(badWord.stderr)")

        let unknown = try ws.cli(["item", "list", "--channel", "portal-dem0"])
        #expect(unknown.status == 3, "\(unknown.stdout)")
        #expect(unknown.stderr.contains("không có kênh \"portal-dem0\"") && unknown.stderr.contains("portal-tinh"))
    }

    @Test func addingWarnsAboutDuplicatesReAddsAndPastPublishTimes() throws {
        let ws = try workspace()
        let text = itemFile(title: "Một cửa điện tử cấp xã", channels: ["portal-tinh"])
        let (first, id1) = try add(ws, "bai.md", text)
        #expect(first.status == 0 && !first.stderr.contains("giống hệt"), "\(first.stderr)")
        let (second, id2) = try add(ws, "bai.md", text)
        #expect(second.status == 0 && id1 != id2)
        #expect(second.stderr.contains("giống hệt bài \(id1)"), "\(second.stderr)")

        // Re-adding the file of an approved item sends it back for approval: said loudly.
        let withID = itemFile(title: "Bài có mã", channels: ["portal-tinh"], extra: "id: 2026-12-0900")
        #expect(try add(ws, "ma.md", withID).0.status == 0)
        #expect(try ws.cli(["item", "approve", "2026-12-0900", "--by", "Nguyễn Văn A"]).status == 0)
        let (again, _) = try add(ws, "ma.md", withID.replacingOccurrences(of: "Bài có mã", with: "Bài có mã (sửa)"))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(
            again.stderr.contains("CHÚ Ý") && again.stderr.contains("đã duyệt")
                && again.stderr.contains("cchc item approve 2026-12-0900"), "\(again.stderr)")
        #expect(try ws.itemJSON("2026-12-0900")["status"] as? String == "submitted")

        // publish_at in the past.
        let (past, _) = try add(
            ws, "cu.md",
            itemFile(title: "Bài hẹn giờ cũ", channels: ["portal-tinh"], extra: "publish_at: 2020-01-01 08:00"))
        #expect(past.status == 0)
        #expect(past.stderr.contains("publish_at 2020-01-01 08:00 đã qua"), "\(past.stderr)")

        // Several files at once: one id per line, in order.
        try ws.write("items/x.md", itemFile(title: "Tin X", channels: ["portal-tinh"]))
        try ws.write("items/y.md", itemFile(title: "Tin Y", channels: ["portal-tinh"]))
        let batch = try ws.cli(["item", "add", ws.root + "/items/x.md", ws.root + "/items/y.md"])
        #expect(batch.status == 0, "\(batch.stderr)")
        let ids = batch.stdout.split(separator: "\n").map(String.init)
        #expect(ids.count == 2)
        #expect(try ids.map { try ws.itemJSON($0)["title"] as? String } == ["Tin X", "Tin Y"])
        // A bad file in a batch is named; the good one still goes in.
        try ws.write("items/hong.md", "không có phần thông tin")
        let mixed = try ws.cli(["item", "add", ws.root + "/items/hong.md", ws.root + "/items/x.md"])
        #expect(mixed.status == 5 && mixed.stdout.split(separator: "\n").count == 1, "\(mixed.stdout)")
        #expect(mixed.stderr.contains("hong.md") && mixed.stderr.contains("1 trong 2 tệp"), "\(mixed.stderr)")
    }

    @Test func itemFilesInTheEncodingsWindowsWritesAndTheColonMistake() throws {
        let ws = try workspace()
        // UTF-16 little-endian with its byte-order mark (Notepad's "Unicode").
        let text = itemFile(title: "Sơn La: số hóa hồ sơ", channels: ["portal-tinh"]).replacingOccurrences(
            of: "\n", with: "\r\n")
        var utf16 = Data([0xFF, 0xFE])
        utf16.append(text.data(using: .utf16LittleEndian)!)
        try utf16.write(to: URL(fileURLWithPath: ws.root + "/utf16.md"))
        let u = try ws.cli(["item", "add", ws.root + "/utf16.md"])
        #expect(u.status == 0, "\(u.stderr)")
        #expect(
            try ws.itemJSON(u.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["title"] as? String
                == "Sơn La: số hóa hồ sơ")

        // Windows-1258: "Sở" is 53 DF in that code page, not UTF-8.
        var legacy = Data("---\ntitle: \"Tin S".utf8)
        legacy.append(0xDF)
        legacy.append(contentsOf: Array(" N".utf8))
        legacy.append(0xF4)
        legacy.append(contentsOf: Array("i vu\"\n---\nx\n".utf8))
        try legacy.write(to: URL(fileURLWithPath: ws.root + "/cp1258.md"))
        let w = try ws.cli(["item", "add", ws.root + "/cp1258.md"])
        #expect(w.status == 5, "\(w.stdout)")
        #expect(
            w.stderr.contains("cp1258.md:2") && w.stderr.contains("Windows-1258") && w.stderr.contains("UTF-8")
                && w.stderr.contains("Save As"), "\(w.stderr)")

        // `title: Sơn La: 100% …` unquoted.
        try ws.write(
            "colon.md",
            "---\ntitle: Sơn La: 100% thủ tục được tiếp nhận trực tuyến\ntopic: tthc\nunit: Sở Nội vụ\nchannels: [portal-tinh]\n---\nNội dung.\n"
        )
        let c = try ws.cli(["item", "add", ws.root + "/colon.md"])
        #expect(c.status == 5)
        #expect(c.stderr.contains("colon.md:2") && c.stderr.contains("ngoặc kép"), "\(c.stderr)")
    }

    @Test func commandLineDetailsOfficersTripOn() throws {
        let ws = try workspace()
        let (a, id) = try add(ws, "a.md", itemFile(title: "Tin thử", channels: ["portal-tinh"]))
        #expect(a.status == 0)

        // --json before the subcommand.
        let shown = try run(Binaries.cchc, ["--config", ws.configPath, "--json", "item", "show", id])
        #expect(shown.status == 0, "\(shown.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        #expect(obj?["id"] as? String == id)

        // `log tail -n 3`, as docs/cli.md writes it.
        try FileManager.default.createDirectory(atPath: ws.logDir, withIntermediateDirectories: true)
        try (1...5).map { "{\"seq\":\($0)}" }.joined(separator: "\n").appending("\n")
            .write(toFile: ws.logDir + "/delivery-2026-12.jsonl", atomically: true, encoding: .utf8)
        let tail = try ws.cli(["log", "tail", "-n", "3"])
        #expect(tail.status == 0, "\(tail.stderr)")
        #expect(tail.stdout == "{\"seq\":3}\n{\"seq\":4}\n{\"seq\":5}\n")

        // ArgumentParser's own errors, in Vietnamese, with the English original kept.
        let noBy = try ws.cli(["item", "approve", id])
        #expect(noBy.status == 64)
        #expect(noBy.stderr.contains("thiếu tham số bắt buộc '--by <by>'"), "\(noBy.stderr)")
        #expect(noBy.stderr.contains("cchc item approve --help"), "\(noBy.stderr)")
        let unknownOption = try ws.cli(["item", "list", "--trang-thai", "x"])
        #expect(
            unknownOption.status == 64 && unknownOption.stderr.contains("không có tùy chọn"), "\(unknownOption.stderr)")
        let help = try ws.cli(["item", "--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE"))

        // No configuration: say how to give one.
        let none = try run(Binaries.cchc, ["item", "list", "--config", ws.root + "/khong-co.yaml"])
        #expect(none.status == 78)
        #expect(none.stderr.contains("--config") && none.stderr.contains("CCHC_CONFIG"), "\(none.stderr)")

        // A channel that cannot be checked says so (not "check failed").
        let check = try ws.cli(["channel", "check", "webhook-tonghop"])
        #expect(check.status == 6)
        #expect(
            check.stderr.contains("không có bước kiểm tra") && !check.stderr.contains("thất bại"), "\(check.stderr)")

        // Radio preview of a file not yet added.
        try ws.write(
            "items/radio.md",
            itemFile(
                title: "Thông báo của xã", channels: ["radio-xa"],
                body: "Ngày 03/01/2026, UBND xã tiếp nhận 100% hồ sơ."))
        let preview = try ws.cli(["radio", "preview", ws.root + "/items/radio.md"])
        #expect(preview.status == 0, "\(preview.stderr)")
        #expect(preview.stdout.contains("Ngày ba tháng một năm hai nghìn không trăm hai mươi sáu"), "\(preview.stdout)")
        #expect(try ws.cli(["item", "list", "--search", "Thông báo của xã"]).stdout.contains("Không có bài nào"))
    }

    @Test func agendaListsTheWeekPerChannelWithSlots() throws {
        let ws = try workspace()
        let tomorrow = localDay(1)
        let (a, scheduled) = try add(
            ws, "a.md",
            itemFile(title: "Tin hẹn giờ ngày mai", channels: ["portal-tinh"], extra: "publish_at: \(tomorrow) 09:30"))
        #expect(a.status == 0, "\(a.stderr)")
        #expect(try ws.cli(["item", "approve", scheduled, "--by", "Nguyễn Văn A"]).status == 0)
        let (_, waiting) = try add(
            ws, "b.md",
            itemFile(title: "Tin chờ duyệt", channels: ["webhook-tonghop"], extra: "publish_at: \(tomorrow) 10:00"))
        let (_, later) = try add(
            ws, "c.md",
            itemFile(title: "Tin tháng sau", channels: ["portal-tinh"], extra: "publish_at: \(localDay(40)) 10:00"))
        #expect(try ws.cli(["item", "approve", later, "--by", "Nguyễn Văn A"]).status == 0)

        let r = try ws.cli(["lich", "--from", localDay(0)])
        #expect(r.status == 0, "\(r.stderr)")
        let out = r.stdout
        #expect(out.contains("Cổng thông tin điện tử tỉnh (portal-tinh) — khung giờ: 08:00, 15:00"), "\(out)")
        #expect(out.contains("\nradio-xa\n  đài Đài truyền thanh xã Tân Lập — phát lúc: 06:00, 17:00"), "\(out)")
        // 09:30 falls to the 15:00 slot.
        let day = tomorrow.split(separator: "-")
        #expect(out.contains("\(day[2])/\(day[1]) 15:00  [chờ gửi]  \(scheduled)"), "\(out)")
        #expect(out.contains("Chưa duyệt") && out.contains(waiting), "\(out)")
        #expect(!out.contains(later))
        let english = try ws.cli(["agenda", "--from", localDay(0), "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(english.stdout.utf8)) as? [String: Any]
        let portal = (json?["channels"] as? [[String: Any]])?.first { $0["name"] as? String == "portal-tinh" }
        #expect((portal?["deliveries"] as? [[String: Any]])?.first?["item_id"] as? String == scheduled)
        #expect(try ws.cli(["lich", "--channel", "portal-dem0"]).status == 3)
    }
}

/// `cchc can-xu-ly`: a failed single-channel item, the channel the daemon paused after it, and an item
/// waiting for approval — each with what to do, the error's kind in Vietnamese before the detail.
@Suite(.serialized)
struct AttentionEndToEndTests {
    @Test func attentionListsFailuresPausedChannelsAndApprovals() async throws {
        // /a refuses the content for good; /b is down (503), and its channel pauses after one failure.
        let hook = try await LoopbackHTTPServer.start { request in
            request.path.hasSuffix("/a")
                ? .json(422, #"{"error":"nội dung bị từ chối"}"#) : .json(503, #"{"error":"bảo trì"}"#)
        }
        defer { Task { try? await hook.shutdown() } }
        let ws = try Workspace()
        let port = try SMTPTestServer.freePort()
        try ws.writeConfig(
            channels: """
                  webhook-tonghop:
                    type: webhook
                    label: "Hệ thống tổng hợp của tỉnh"
                    url: \(hook.baseURL)/hooks/a
                  webhook-baotri:
                    type: webhook
                    url: \(hook.baseURL)/hooks/b
                    circuit: { failures: 1, pause: 10m }
                """, http: "127.0.0.1:\(port)")
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        try ws.write("items/a.md", itemFile(title: "Tin gửi hệ thống tổng hợp", channels: ["webhook-tonghop"]))
        let id = try ws.cli(["item", "add", ws.root + "/items/a.md"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)
        try ws.write("items/c.md", itemFile(title: "Tin gửi hệ thống đang bảo trì", channels: ["webhook-baotri"]))
        let down = try ws.cli(["item", "add", ws.root + "/items/c.md"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", down, "--by", "Nguyễn Văn A"]).status == 0)
        try ws.write("items/b.md", itemFile(title: "Tin chưa duyệt", channels: ["webhook-tonghop"]))
        let waiting = try ws.cli(["item", "add", ws.root + "/items/b.md"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        try await eventually(15, "the delivery failed and the other channel paused", daemon: daemon) {
            try ws.deliveryStates(id)["webhook-tonghop"] == "failed"
                && ws.logLines().contains { $0["channel"] as? String == "webhook-baotri" }
        }
        let r = try await cliOffThePool(ws, ["can-xu-ly"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Lượt gửi bị lỗi (1)") && r.stdout.contains("cchc item retry"), "\(r.stdout)")
        #expect(r.stdout.contains("\(id)  Hệ thống tổng hợp của tỉnh (webhook-tonghop)"), "\(r.stdout)")
        #expect(r.stdout.contains("Kênh từ chối nội dung — chi tiết: POST to the webhook: HTTP 422"), "\(r.stdout)")
        #expect(
            r.stdout.contains("Kênh đang tạm dừng (1)") && r.stdout.contains("tạm nghỉ sau nhiều lần lỗi"),
            "\(r.stdout)")
        #expect(r.stdout.contains("Bài chờ duyệt (1)") && r.stdout.contains(waiting), "\(r.stdout)")
        let json = try await cliOffThePool(ws, ["attention", "--json"])
        let obj = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((obj?["failed"] as? [[String: Any]])?.first?["error_class"] as? String == "rejected")
        #expect((obj?["paused_channels"] as? [[String: Any]])?.first?["channel"] as? String == "webhook-baotri")
        // A listing of items in the failed state says the state in Vietnamese: its only channel failed, so the
        // item failed ("gửi thất bại"), it did not partly fail.
        let failed = try ws.cli(["item", "list", "--status", "that-bai"]).stdout
        #expect(failed.contains(id) && failed.contains("gửi thất bại"), "\(failed)")
        #expect(!(try ws.cli(["item", "list", "--status", "gui-loi"]).stdout.contains(id)))
    }
}
