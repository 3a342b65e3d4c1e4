import ChannelKit
import DeliveryLog
import Foundation
import Hummingbird
import HummingbirdTesting
import Queue
import Testing

@testable import WebApp

/// The month calendar, citizens' feedback and the reports page, each scoped to the account's units.
@Suite struct CalendarFeedbackReportTests {
    /// Approves `item` (deliveries due at t0 on its channels) and delivers it to `bang-tin` as post `remote`.
    func approveAndDeliver(_ f: WebFixture, _ item: ItemRecord, remote: String) async throws {
        _ = try await f.store.approve(
            itemID: item.id, by: "duyet", at: t0,
            plan: { i in i.content.channels.map { PlannedDelivery(channel: $0, channelType: "bang-tin", dueAt: t0) } })
        let claimed = try #require(
            try await f.store.claimDue(
                channel: "bang-tin", now: t0, limit: 10, owner: "test", leaseUntil: t0.addingTimeInterval(60)
            ).first { $0.item.id == item.id })
        let at = t0.addingTimeInterval(2)
        let attempt = AttemptRecord(
            deliveryID: claimed.delivery.id, number: 1, startedAt: at, finishedAt: at, outcome: .delivered,
            remoteID: remote)
        let line = LogLine(
            ts: LogClock(timeZone: hcm).format(at), event: .deliveryDelivered, item_id: item.id,
            item_title: item.content.title, unit: item.content.unit, topic: item.content.topic, channel: "bang-tin",
            channel_type: "bang-tin", delivery_id: claimed.delivery.id, attempt: 1, state: "delivered",
            remote_id: remote, actor: "cchcd")
        try await f.store.record(
            [DeliveryOutcome(deliveryID: claimed.delivery.id, attempt: attempt, next: .delivered, logLine: line)],
            at: at)
    }

    @Test func theMonthShowsEachDaysDeliveriesAndTheChannelsTimeRules() async throws {
        let f = try await WebFixture()
        let a = try await f.item(title: "Tin tháng của Sở")
        let b = try await f.item(unit: WebFixture.unitB, author: "soantin-b", title: "Tin tháng của xã")
        try await approveAndDeliver(f, a, remote: "p1")
        try await approveAndDeliver(f, b, remote: "p2")
        try await f.run { client in
            var browser = Browser(client)
            _ = try await browser.signIn("xem")
            let page = try await browser.get("/lich/thang?thang=2026-11")
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("Lịch tháng 11/2026"))
            #expect(html.contains("<a href=\"/bai/\(a.id)\">Tin tháng của Sở</a>"))
            #expect(!html.contains("Tin tháng của xã"))
            // The channels' rules: slots and quiet hours of the board, the radio station's air times.
            #expect(html.contains("khung giờ gửi: 06:00, 17:00") && html.contains("giờ không gửi: 22:00–05:00"))
            #expect(html.contains("xa-tan-lap: phát lúc 06:30, 18:00"))
            // 30 days of November in a Monday-first grid: 26/10 … 6/12.
            #expect(html.contains(">26/10<") && html.contains(">6/12<") && html.contains(">30<"))
            // One channel only.
            let radio = String(buffer: try await browser.get("/lich/thang?thang=2026-11&kenh=bang-phu").body)
            #expect(!radio.contains("Tin tháng của Sở") && radio.contains("xa-tan-lap") && !radio.contains("17:00"))
            #expect(try await browser.get("/lich/thang?thang=2026-13").status == .badRequest)
            #expect(try await browser.get("/lich/thang?kenh=khong-co").status == .badRequest)
            let december = String(buffer: try await browser.get("/lich/thang?thang=2026-12").body)
            #expect(december.contains("Lịch tháng 12/2026") && !december.contains("Tin tháng của Sở"))
        }
    }

    @Test func feedbackIsCountedPerChannelAndItemWithinTheAccountsUnits() async throws {
        let f = try await WebFixture()
        let a = try await f.item(title: "Tin được bình luận")
        let b = try await f.item(unit: WebFixture.unitB, author: "soantin-b", title: "Tin của xã được hỏi")
        try await approveAndDeliver(f, a, remote: "p1")
        try await approveAndDeliver(f, b, remote: "p2")
        let at = t0.addingTimeInterval(600)
        _ = try await f.store.recordInbound(
            channel: "bang-tin", channelType: "bang-tin",
            events: [
                InboundEvent(kind: "comment", key: "c1", occurredAt: at, remoteRef: "p1", text: "Nộp hồ sơ ở đâu ạ?"),
                InboundEvent(kind: "comment", key: "c2", occurredAt: at, remoteRef: "p1", text: "Cảm ơn Sở"),
                InboundEvent(kind: "reaction", key: "r1", occurredAt: at, remoteRef: "p1", detail: "like"),
                InboundEvent(kind: "comment", key: "c3", occurredAt: at, remoteRef: "p2", text: "Câu hỏi của xã"),
                InboundEvent(kind: "message", key: "m1", occurredAt: at, text: "Tin nhắn không gắn bài"),
            ], at: at)
        try await f.run { client in
            var author = Browser(client)
            _ = try await author.signIn("soantin")
            let html = String(buffer: try await author.get("/phan-hoi").body)
            #expect(html.contains("<td>bang-tin</td><td>Bình luận</td><td>2</td>"))
            #expect(html.contains("<td>bang-tin</td><td>Bày tỏ cảm xúc</td><td>1</td>"))
            #expect(html.contains("Tin được bình luận") && html.contains("Nộp hồ sơ ở đâu ạ?"))
            #expect(
                !html.contains("Câu hỏi của xã") && !html.contains("Tin của xã")
                    && !html.contains("Tin nhắn không gắn bài"))
            let one = String(buffer: try await author.get("/phan-hoi?bai=\(a.id)").body)
            #expect(one.contains("Phản hồi của người dân: Tin được bình luận") && one.contains("Cảm ơn Sở"))
            #expect(try await author.get("/phan-hoi?bai=\(b.id)").status == .notFound)
            // The item page links to its feedback.
            #expect(String(buffer: try await author.get("/bai/\(a.id)").body).contains("Phản hồi của người dân: 3"))

            var admin = Browser(client)
            _ = try await admin.signIn("quantri")
            let all = String(buffer: try await admin.get("/phan-hoi").body)
            #expect(all.contains("Câu hỏi của xã") && all.contains("Tin nhắn không gắn bài"))
            #expect(all.contains("<td>bang-tin</td><td>Bình luận</td><td>3</td>"))
        }
    }

    /// Writes the store's delivery log as the daemon's writer would (one file for November).
    func writeLog(_ f: WebFixture) async throws {
        let lines = try await f.store.logEvents(after: 0, limit: 10_000).map(\.line)
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: f.directory.path + "/log/delivery-2026-11.jsonl", atomically: true, encoding: .utf8)
    }

    @Test func theReportsPageShowsThePeriodsFiguresAndDownloadsEveryFormat() async throws {
        let f = try await WebFixture()
        let a = try await f.item(title: "Tin báo cáo của Sở")
        let b = try await f.item(unit: WebFixture.unitB, author: "soantin-b", title: "Tin báo cáo của xã")
        try await approveAndDeliver(f, a, remote: "p1")
        try await approveAndDeliver(f, b, remote: "p2")
        try await writeLog(f)
        try await f.run { client in
            var author = Browser(client)
            _ = try await author.signIn("soantin")
            let form = String(buffer: try await author.get("/bao-cao").body)
            #expect(form.contains("id=\"chon-ky\"") && !form.contains("id=\"so-lieu\""))
            // 20/11/2026 falls in the statutory window of December (15/11 – 14/12); the calendar month is November.
            let page = String(buffer: try await author.get("/bao-cao?ky=thang&gia-tri=2026-11&duong-lich=1").body)
            #expect(page.contains("id=\"so-lieu\""))
            #expect(page.contains("Đơn vị: \(WebFixture.unitA)"))
            #expect(page.contains("/bao-cao/tai?ky=thang&amp;gia-tri=2026-11&amp;duong-lich=1&amp;don-vi=S%E1%BB%9F"))
            let json = try await author.get(
                "/bao-cao/tai?ky=thang&gia-tri=2026-11&duong-lich=1&don-vi=\(Browser.encode([("x", WebFixture.unitA)]).dropFirst(2))&dinh-dang=json"
            )
            #expect(json.status == .ok && json.headers[.contentDisposition]?.contains("bao-cao-2026-11.json") == true)
            let report = try JSONSerialization.jsonObject(with: Data(buffer: json.body)) as? [String: Any]
            #expect(report?["unit"] as? String == WebFixture.unitA)
            let items = report?["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["title"] as? String } == ["Tin báo cáo của Sở"])
            // A unit the account does not cover is replaced by its own.
            let other = try await author.get(
                "/bao-cao/tai?ky=thang&gia-tri=2026-11&duong-lich=1&don-vi=x&dinh-dang=json")
            let otherReport = try JSONSerialization.jsonObject(with: Data(buffer: other.body)) as? [String: Any]
            #expect(otherReport?["unit"] as? String == WebFixture.unitA)

            let docx = try await author.get("/bao-cao/tai?ky=thang&gia-tri=2026-11&duong-lich=1&dinh-dang=docx")
            #expect(
                docx.headers[.contentType] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            #expect(Array(Data(buffer: docx.body).prefix(2)) == Array("PK".utf8))
            for format in ["md", "csv", "html"] {
                let r = try await author.get("/bao-cao/tai?ky=thang&gia-tri=2026-11&dinh-dang=\(format)")
                #expect(r.status == .ok && r.body.readableBytes > 100, "\(format)")
            }
            let shown = try await author.get("/bao-cao/tai?ky=thang&gia-tri=2026-11&dinh-dang=html&xem=1")
            #expect(shown.headers[.contentDisposition] == nil)
            #expect(shown.headers[.contentSecurityPolicy]?.contains("style-src 'unsafe-inline'") == true)

            let bad = try await author.get("/bao-cao?ky=quy&gia-tri=2026-Q5")
            #expect(bad.status == .badRequest && String(buffer: bad.body).contains("2026-Q5"))
            #expect(try await author.get("/bao-cao/tai?ky=thang&gia-tri=2026-11&dinh-dang=pdf").status == .badRequest)

            var admin = Browser(client)
            _ = try await admin.signIn("quantri")
            let all = try await admin.get("/bao-cao/tai?ky=thang&gia-tri=2026-11&duong-lich=1&dinh-dang=json")
            let allReport = try JSONSerialization.jsonObject(with: Data(buffer: all.body)) as? [String: Any]
            #expect(allReport?["unit"] == nil || allReport?["unit"] is NSNull)
            #expect((allReport?["items"] as? [[String: Any]])?.count == 2)
        }
    }
}
