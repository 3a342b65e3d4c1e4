import ChannelKit
import Foundation
import Logging
import ReadAloud
import Testing
import TestSupport

@testable import Radio

@Suite struct RadioBulletinTests {
    /// A bulletin from three corpus-based items: the text, its duration against the syllable rate,
    /// the manifest's checksums.
    @Test func threeCorpusItemsMakeOneBulletin() async throws {
        let folder = try TempFolder()
        let clock = ManualClock(local(2026, 11, 22, 1, 30))
        let channel = makeChannel(folder, clock: clock)
        for i in corpusItems.reversed() {
            let outcome = await channel.publish(request(i))
            #expect(
                outcome
                    == .delivered(
                        ChannelResult(
                            remoteID: "tan-lap/2026-11-22-0600",
                            url: "file://\(folder.path)/out/2026-11-22-0600.txt"),
                        detail: "bản tin tan-lap: 2026-11-22-0600"))
        }
        #expect(
            folder.files("out") == ["2026-11-22-0600.docx", "2026-11-22-0600.manifest.json", "2026-11-22-0600.txt"])
        let text = try folder.text("out/2026-11-22-0600.txt")
        let expected = """
            Đây là Đài truyền thanh xã Tân Lập. Mời bà con nghe bản tin cải cách hành chính, phát lúc sáu giờ ngày hai mươi hai tháng mười một năm hai nghìn không trăm hai mươi sáu.

            Tin thứ nhất: Kế hoạch tuyên truyền cải cách hành chính tỉnh Sơn La năm hai nghìn không trăm mười chín.
            Ngày ba tháng một năm hai nghìn không trăm mười chín, Chủ tịch Ủy ban nhân dân tỉnh ban hành Kế hoạch số năm về Tuyên truyền công tác cải cách hành chính tỉnh Sơn La năm hai nghìn không trăm mười chín.

            Tiếp theo, tin thứ hai: Sở Văn hóa, Thể thao và Du lịch Lạng Sơn đẩy mạnh tuyên truyền cải cách hành chính.
            Hằng tháng, có ít nhất bốn tin, bài về cải cách hành chính đăng trên trang thông tin điện tử của cơ quan, đơn vị.

            Tiếp theo, tin thứ ba: Tuyên truyền cải cách hành chính tỉnh Thái Nguyên năm hai nghìn không trăm hai mươi hai.
            Tập trung tuyên truyền về Chương trình tổng thể cải cách hành chính nhà nước giai đoạn hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm ba mươi của Chính phủ; một trăm phần trăm thủ tục hành chính được công khai.

            Bà con vừa nghe bản tin cải cách hành chính của Đài truyền thanh xã Tân Lập. Bản tin đến đây là kết thúc. Cảm ơn bà con đã chú ý lắng nghe.

            """
        #expect(text == expected)

        let manifest = try folder.json("out/2026-11-22-0600.manifest.json")
        #expect(manifest["kind"] as? String == "slot")
        #expect(manifest["air_time"] as? String == "2026-11-22T06:00:00+07:00")
        #expect(manifest["max_duration_seconds"] as? Double == 900)
        let items = try #require(manifest["items"] as? [[String: Any]])
        #expect(items.map { $0["id"] as? String } == ["son-la-2019", "lang-son-2023", "thai-nguyen-2022"])
        // The estimate is the syllable count at 200 a minute, within 10 %.
        let syllables = Syllables.count(text)
        let estimate = try #require(manifest["estimated_seconds"] as? Double)
        let byRate = Double(syllables) * 60 / 200
        #expect(abs(estimate - byRate) <= byRate * 0.1)
        #expect(manifest["syllables"] as? Int == syllables)
        let itemSeconds = items.compactMap { $0["estimated_seconds"] as? Double }.reduce(0, +)
        #expect(itemSeconds > 0 && itemSeconds < estimate)
        let files = try #require(manifest["files"] as? [[String: Any]])
        #expect(files.map { $0["name"] as? String } == ["2026-11-22-0600.txt", "2026-11-22-0600.docx"])
        let docx = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/out/2026-11-22-0600.docx"))
        #expect(files[1]["sha256"] as? String == RenderedBulletin.sha256(docx))
        #expect(files[1]["bytes"] as? Int == docx.count)
        #expect(files[0]["bytes"] as? Int == text.utf8.count)
        #expect(files[0]["sha256"] as? String == RenderedBulletin.sha256(Data(text.utf8)))
        #expect(manifest["unknown_tokens"] as? [String] == [])
    }

    @Test func aRadioOverrideReplacesTheBodyAndUnknownTokensAreReported() async throws {
        let folder = try TempFolder()
        let clock = ManualClock(local(2026, 11, 22, 1, 30))
        let channel = makeChannel(folder, clock: clock)
        var i = item("o-1", "Lịch tiếp công dân", "Bài dài cho cổng thông tin.")
        i.override = ["radio": "Chủ tịch UBND xã tiếp công dân vào thứ 5 hằng tuần tại phòng BTCD."]
        _ = await channel.publish(request(i))
        let text = try folder.text("out/2026-11-22-0600.txt")
        #expect(text.contains("Chủ tịch Ủy ban nhân dân xã tiếp công dân vào thứ năm hằng tuần tại phòng BTCD."))
        #expect(!text.contains("cổng thông tin"))
        let manifest = try folder.json("out/2026-11-22-0600.manifest.json")
        #expect(manifest["unknown_tokens"] as? [String] == ["BTCD"])
    }
}

@Suite struct RadioBatchingTests {
    /// Room in a 1-minute slot after the opening and closing (≈ 21 s): two 47-syllable items (≈ 14 s each).
    static let tight = ["06:00/1m", "17:00/1m"]

    func manifestItems(_ folder: TempFolder, _ bulletin: String) throws -> [String] {
        let m = try folder.json("out/\(bulletin).manifest.json")
        return (m["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    @Test func itemsThatDoNotFitMoveToTheNextSlotAndTheMoveIsLogged() async throws {
        let folder = try TempFolder()
        let clock = ManualClock(local(2026, 11, 22, 1, 30))
        let channel = makeChannel(folder, slots: Self.tight, clock: clock)
        for n in 1...3 {
            let outcome = await channel.publish(
                request(item("n\(n)", "Tin \(n)", words(40), publishAt: local(2026, 11, 22, 1, n))))
            guard case .delivered = outcome else {
                Issue.record("not delivered: \(outcome)")
                return
            }
        }
        #expect(try manifestItems(folder, "2026-11-22-0600") == ["n1", "n2"])
        #expect(try manifestItems(folder, "2026-11-22-1700") == ["n3"])
        let m = try folder.json("out/2026-11-22-0600.manifest.json")
        #expect(try #require(m["estimated_seconds"] as? Double) <= 60)
    }

    @Test func aPriorityItemGoesFirstInTheNextBulletinAndPushesANormalOneOn() async throws {
        let folder = try TempFolder()
        let clock = ManualClock(local(2026, 11, 22, 1, 30))
        let channel = makeChannel(folder, slots: Self.tight, clock: clock)
        let log = LogCapture()
        _ = await channel.publish(request(item("n1", "Tin 1", words(40), publishAt: local(2026, 11, 22, 1, 1))))
        _ = await channel.publish(request(item("n2", "Tin 2", words(40), publishAt: local(2026, 11, 22, 1, 2))))
        #expect(try manifestItems(folder, "2026-11-22-0600") == ["n1", "n2"])
        clock.set(local(2026, 11, 22, 2, 0))
        let outcome = await channel.publish(
            request(
                item("h1", "Tin ưu tiên", words(40), priority: .high, publishAt: local(2026, 11, 22, 1, 59)),
                logger: log.logger))
        #expect(
            outcome
                == .delivered(
                    ChannelResult(
                        remoteID: "tan-lap/2026-11-22-0600", url: "file://\(folder.path)/out/2026-11-22-0600.txt"),
                    detail: "bản tin tan-lap: 2026-11-22-0600"))
        #expect(try manifestItems(folder, "2026-11-22-0600") == ["h1", "n1"])
        #expect(try manifestItems(folder, "2026-11-22-1700") == ["n2"])
        #expect(try folder.text("out/2026-11-22-0600.txt").contains("Tin thứ nhất: Tin ưu tiên."))
        #expect(
            log.lines.contains {
                $0.hasPrefix("info radio: item moved to a later bulletin")
                    && $0.contains("from=2026-11-22-0600 item=n2") && $0.contains("to=2026-11-22-1700")
            }, "\(log.lines)")
    }

    @Test func anEmergencyItemGetsABulletinOfItsOwnAtOnce() async throws {
        let folder = try TempFolder()
        let clock = ManualClock(local(2026, 11, 22, 8, 15, 30))
        let channel = makeChannel(folder, clock: clock)
        _ = await channel.publish(request(item("n1", "Tin thường", "Nội dung thường.")))
        let e = item("e1", "Bão số 5 sắp đổ bộ", "Đề nghị bà con chằng chống nhà cửa trước 14h.", priority: .emergency)
        let outcome = await channel.publish(request(e))
        #expect(
            outcome
                == .delivered(
                    ChannelResult(
                        remoteID: "tan-lap/khan-cap-2026-11-22-081530",
                        url: "file://\(folder.path)/out/khan-cap-2026-11-22-081530.txt"),
                    detail: "bản tin tan-lap: khan-cap-2026-11-22-081530"))
        let text = try folder.text("out/khan-cap-2026-11-22-081530.txt")
        #expect(
            text.hasPrefix(
                "Đây là Đài truyền thanh xã Tân Lập. Thông báo khẩn cấp, phát lúc tám giờ mười lăm phút ngày hai mươi hai tháng mười một năm hai nghìn không trăm hai mươi sáu."
            ))
        #expect(
            text.contains(
                "Thông báo khẩn: Bão số năm sắp đổ bộ.\nĐề nghị bà con chằng chống nhà cửa trước mười bốn giờ."))
        let m = try folder.json("out/khan-cap-2026-11-22-081530.manifest.json")
        #expect(m["kind"] as? String == "khan-cap")
        #expect(try manifestItems(folder, "2026-11-22-1700") == ["n1"])
        // A re-delivery later replaces the same bulletin: no second emergency bulletin.
        clock.set(local(2026, 11, 22, 8, 20))
        _ = await channel.publish(request(e, attempt: 2))
        #expect(folder.files("out").filter { $0.hasPrefix("khan-cap") }.count == 3)
        #expect(try folder.text("out/khan-cap-2026-11-22-081530.txt") == text)
    }

    @Test func aClosedBulletinIsNeverChanged() async throws {
        let folder = try TempFolder()
        let clock = ManualClock(local(2026, 11, 22, 5, 0))
        let channel = makeChannel(folder, clock: clock)
        _ = await channel.publish(request(item("a", "Tin A", "Nội dung A.")))
        let before = try folder.text("out/2026-11-22-0600.txt")
        // 5 minutes before the slot: inside the 10-minute lead time, so the 17:00 bulletin.
        clock.set(local(2026, 11, 22, 5, 55))
        _ = await channel.publish(request(item("b", "Tin B", "Nội dung B.", priority: .high)))
        #expect(try folder.text("out/2026-11-22-0600.txt") == before)
        #expect(try manifestItems(folder, "2026-11-22-1700") == ["b"])
        // After the slot, the next day's morning bulletin follows the evening one.
        clock.set(local(2026, 11, 22, 17, 30))
        _ = await channel.publish(request(item("c", "Tin C", "Nội dung C.")))
        #expect(try manifestItems(folder, "2026-11-23-0600") == ["c"])
        #expect(try manifestItems(folder, "2026-11-22-1700") == ["b"])
    }

    @Test func reDeliveriesAndARestartNeitherDuplicateNorLose() async throws {
        let folder = try TempFolder()
        let clock = ManualClock(local(2026, 11, 22, 1, 30))
        let first = makeChannel(folder, clock: clock)
        _ = await first.publish(request(corpusItems[0]))
        _ = await first.publish(request(corpusItems[1]))
        let text = try folder.text("out/2026-11-22-0600.txt")
        // The daemon restarts: a new instance over the same state folder; one delivery is re-run.
        let second = makeChannel(folder, clock: clock)
        _ = await second.publish(request(corpusItems[1], attempt: 2))
        #expect(try folder.text("out/2026-11-22-0600.txt") == text)
        _ = await second.publish(request(corpusItems[2]))
        #expect(try manifestItems(folder, "2026-11-22-0600") == ["son-la-2019", "lang-son-2023", "thai-nguyen-2022"])
        #expect(folder.files("out").count == 3)
    }

    @Test func concurrentPublishesAllLandExactlyOnce() async throws {
        let folder = try TempFolder()
        let clock = ManualClock(local(2026, 11, 22, 1, 30))
        let channel = makeChannel(folder, clock: clock)
        await withTaskGroup(of: PublishOutcome.self) { group in
            for n in 0..<16 {
                group.addTask {
                    await channel.publish(
                        request(
                            item(
                                String(format: "c%02d", n), "Tin \(n)", "Nội dung số \(n).",
                                publishAt: local(2026, 11, 22, 1, n))))
                }
            }
            for await outcome in group {
                if case .delivered = outcome { continue }
                Issue.record("not delivered: \(outcome)")
            }
        }
        #expect(try manifestItems(folder, "2026-11-22-0600") == (0..<16).map { String(format: "c%02d", $0) })
    }

    @Test func anItemLongerThanEverySlotIsRefusedAtValidationAndPublish() async throws {
        let folder = try TempFolder()
        let clock = ManualClock(local(2026, 11, 22, 1, 30))
        let channel = makeChannel(folder, slots: Self.tight, clock: clock)
        let long = item("long", "Tin dài", words(400))
        let problems = channel.validate(long)
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("dài hơn khung giờ dài nhất của Đài truyền thanh xã Tân Lập") == true)
        let outcome = await channel.publish(request(long))
        guard case .failed(let error) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(error.errorClass == .rejected)
        #expect(folder.files("out").isEmpty)
        #expect(channel.validate(item("empty", "Tin", "  ")).map(\.field) == ["body"])
        #expect(channel.validate(item("ok", "Tin", "Ngắn.")).isEmpty)
    }
}
