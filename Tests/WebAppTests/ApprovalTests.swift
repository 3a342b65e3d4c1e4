import ChannelKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Queue
import Testing

@testable import WebApp

@Suite struct ApprovalTests {
    @Test func theItemPageShowsEachChannelsOwnPreviewAndProblems() async throws {
        let f = try await WebFixture()
        let item = try await f.item(title: "Tin cải cách hành chính <b>không phải thẻ</b>")
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("duyet")
            let html = String(buffer: try await b.get("/bai/\(item.id)").body)
            #expect(html.contains("BẢNG TIN: Tin cải cách hành chính &lt;b&gt;không phải thẻ&lt;/b&gt;"))
            #expect(!html.contains("<b>không phải thẻ</b>"))
            #expect(html.contains("ghi chú của kênh"))
            #expect(html.contains("Nội dung <strong>đậm</strong>"))
            #expect(html.contains("name=\"hash\" value=\"\(item.contentHash)\""))
            #expect(html.contains("tạo bài"))
        }
    }

    @Test func anApproverApprovesWhatTheySaw() async throws {
        let f = try await WebFixture()
        let item = try await f.item()
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("duyet")
            let r = try await b.post("/bai/\(item.id)/duyet", [("hash", item.contentHash)], from: "/bai/\(item.id)")
            #expect(r.status == .seeOther)
            #expect(r.headers[.location] == "/bai/\(item.id)?kq=duyet")
            let page = String(buffer: try await b.get("/bai/\(item.id)?kq=duyet").body)
            #expect(page.contains("Đã duyệt."))
            #expect(page.contains("Duyệt bởi Cán bộ duyet"))
        }
        let stored = try #require(try await f.store.item(item.id))
        #expect(stored.status == .approved && stored.approvedBy == "duyet")
        #expect(try await f.store.deliveries(itemID: item.id).map(\.channel) == ["bang-tin"])
        #expect(f.woken.value.withLock { $0 } == 1)
        #expect(try await f.store.auditTrail(itemID: item.id).last?.actor == "duyet")
    }

    @Test func aStaleHashIsRefusedAndThePageReloads() async throws {
        let f = try await WebFixture()
        let item = try await f.item()
        // The author changes the item after the approver opened it.
        var changed = item.content
        changed.title = "Tiêu đề đã sửa"
        _ = try await f.store.addItem(
            NewItem(id: item.id, idMonth: "2026-11", content: changed, source: "web:soantin", actor: "soantin"),
            at: t0.addingTimeInterval(1), plan: { _ in [] })
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("duyet")
            let r = try await b.post("/bai/\(item.id)/duyet", [("hash", item.contentHash)])
            #expect(r.status == .seeOther)
            #expect(r.headers[.location] == "/bai/\(item.id)?tb=cu")
            let page = String(buffer: try await b.get("/bai/\(item.id)?tb=cu").body)
            #expect(page.contains("Bài đã được sửa sau khi anh/chị mở trang"))
            #expect(page.contains("Tiêu đề đã sửa"))
        }
        #expect(try await f.store.item(item.id)?.status == .submitted)
    }

    @Test func anAuthorCannotApproveTheirOwnItem() async throws {
        let f = try await WebFixture()
        let item = try await f.item(author: "lamca")
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("lamca")
            let page = String(buffer: try await b.get("/bai/\(item.id)").body)
            #expect(page.contains("không thể tự duyệt"))
            let r = try await b.post("/bai/\(item.id)/duyet", [("hash", item.contentHash)])
            #expect(r.headers[.location] == "/bai/\(item.id)?tb=tu-duyet")
        }
        #expect(try await f.store.item(item.id)?.status == .submitted)
    }

    @Test func aOnePersonCommuneMayApproveItsOwnItem() async throws {
        let f = try await WebFixture(fourEyes: false)
        let item = try await f.item(author: "lamca")
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("lamca")
            let r = try await b.post("/bai/\(item.id)/duyet", [("hash", item.contentHash)])
            #expect(r.headers[.location] == "/bai/\(item.id)?kq=duyet")
        }
        #expect(try await f.store.item(item.id)?.status == .approved)
    }

    @Test func anOperatorResolvesAnUncertainDelivery() async throws {
        let f = try await WebFixture()
        let item = try await f.item()
        _ = try await f.store.approve(
            itemID: item.id, by: "duyet", at: t0, contentHash: item.contentHash, plan: f.app.plan)
        _ = try await f.store.claimDue(
            channel: "bang-tin", now: t0.addingTimeInterval(1), limit: 10, owner: "engine",
            leaseUntil: t0.addingTimeInterval(60))
        _ = try await f.store.recoverLeases(
            before: .distantFuture, idempotentChannels: [], at: t0.addingTimeInterval(2))
        #expect(try await f.store.deliveries(itemID: item.id).first?.state == .uncertain)
        let decision = [("channel", "bang-tin"), ("decision", "da-dang"), ("url", "https://cong.example/bai-1")]
        try await f.run { client in
            var approver = Browser(client)
            _ = try await approver.signIn("duyet")
            #expect(!String(buffer: try await approver.get("/bai/\(item.id)").body).contains("xac-nhan"))
            #expect(try await approver.post("/bai/\(item.id)/xac-nhan", decision).status == .forbidden)

            var op = Browser(client)
            _ = try await op.signIn("vanhanh")
            let page = String(buffer: try await op.get("/bai/\(item.id)").body)
            #expect(page.contains("Máy chủ dừng giữa lúc đang gửi"))
            #expect(try await op.post("/bai/\(item.id)/xac-nhan", [("channel", "bang-tin")]).status == .badRequest)
            let r = try await op.post("/bai/\(item.id)/xac-nhan", decision)
            #expect(r.headers[.location] == "/bai/\(item.id)?kq=xac-nhan")
            #expect(try await op.post("/bai/\(item.id)/xac-nhan", decision).status == .conflict)
        }
        let delivery = try #require(try await f.store.deliveries(itemID: item.id).first)
        #expect(delivery.state == .delivered && delivery.url == "https://cong.example/bai-1")
        #expect(try await f.store.auditTrail(itemID: item.id).last?.actor == "vanhanh")
    }

    @Test func onlyTheItemsAuthorOrAnOperatorCancelsIt() async throws {
        let f = try await WebFixture()
        let item = try await f.item(author: "soantin")
        try await f.run { client in
            var other = Browser(client)
            _ = try await other.signIn("lamca")
            #expect(try await other.post("/bai/\(item.id)/huy", [("reason", "x")]).status == .forbidden)
            var author = Browser(client)
            _ = try await author.signIn("soantin")
            let r = try await author.post("/bai/\(item.id)/huy", [("reason", "Trùng bài")])
            #expect(r.headers[.location] == "/bai/\(item.id)?kq=huy")
            #expect(try await author.post("/bai/\(item.id)/huy").status == .conflict)
        }
        let stored = try #require(try await f.store.item(item.id))
        #expect(stored.status == .cancelled && stored.statusReason == "Trùng bài")
    }

    @Test func theChannelsPageShowsAHaltWithTheOperatorsInstruction() async throws {
        let f = try await WebFixture()
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("vanhanh")
            let html = String(buffer: try await b.get("/kenh").body)
            #expect(html.contains("đã dừng — cần cán bộ vận hành xử lý"))
            #expect(html.contains("cấp lại quyền Zalo OA: cchc zalo seed-token bang-tin"))
            #expect(html.contains("auth: token expired"))
            let checked = String(buffer: try await b.post("/kenh/bang-tin/kiem-tra", from: "/kenh").body)
            #expect(checked.contains("bang-tin: lỗi"))
            #expect(try await b.post("/kenh/khong-co/kiem-tra", from: "/kenh").status == .notFound)
        }
    }

    @Test func theCalendarShowsTheWeeksDeliveriesOfTheAccountsUnits() async throws {
        let f = try await WebFixture()
        let a = try await f.item(title: "Tin tuần này của Sở")
        let b = try await f.item(unit: WebFixture.unitB, author: "soantin-b", title: "Tin của xã")
        for item in [a, b] {
            _ = try await f.store.approve(
                itemID: item.id, by: "quantri", at: t0, contentHash: item.contentHash, plan: f.app.plan)
        }
        try await f.run { client in
            var browser = Browser(client)
            _ = try await browser.signIn("xem")
            let week = String(buffer: try await browser.get("/lich?tuan=2026-11-20").body)
            #expect(week.contains("16/11/2026 – 22/11/2026"))
            #expect(week.contains("Thứ sáu 20/11"))
            #expect(week.contains("<b>08:00</b>"))
            #expect(week.contains("bang-tin: chờ gửi"))
            #expect(week.contains("href=\"/bai/\(a.id)\">Tin tuần này của Sở</a>"))
            #expect(!week.contains("Tin của xã"))
            let next = String(buffer: try await browser.get("/lich?tuan=2026-11-27").body)
            #expect(!next.contains("Tin tuần này của Sở"))
        }
    }

    @Test func rejectNeedsAReason() async throws {
        let f = try await WebFixture()
        let item = try await f.item()
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("duyet")
            #expect(try await b.post("/bai/\(item.id)/tu-choi", [("reason", "  ")]).status == .badRequest)
            let r = try await b.post("/bai/\(item.id)/tu-choi", [("reason", "Số liệu chưa đúng")])
            #expect(r.status == .seeOther)
        }
        let stored = try #require(try await f.store.item(item.id))
        #expect(stored.status == .rejected && stored.statusReason == "Số liệu chưa đúng")
    }
}

@Suite struct ComposeTests {
    static func multipart(_ fields: [(String, String)], file: (name: String, bytes: [UInt8])?) -> (String, ByteBuffer) {
        let boundary = "----ranh-gioi-\(UUID().uuidString)"
        var body: [UInt8] = []
        for (k, v) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8)
        }
        if let file {
            body += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"\(file.name)\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    .utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(bytes: body))
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 40)

    func fields(_ csrf: String, action: String = "submit", title: String = "Một cửa xã Tân Lập") -> [(String, String)] {
        [
            ("csrf", csrf), ("title", title), ("summary", "Tóm tắt ngắn"), ("body", "Nội dung **chính**"),
            ("unit", WebFixture.unitA), ("topic", "tthc"), ("priority", "uu-tien"), ("channels", "bang-tin"),
            ("channels", "bang-phu"), ("publish_at", "2026-11-25T08:00"), ("caption", "Bộ phận một cửa"),
            ("action", action),
        ]
    }

    @Test func anAuthorSubmitsAnItemWithAnImage() async throws {
        let f = try await WebFixture()
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("soantin")
            let csrf = try #require(Browser.hidden("csrf", in: String(buffer: try await b.get("/soan").body)))
            let (type, body) = Self.multipart(fields(csrf), file: ("anh bia.png", Self.png))
            var headers = HTTPFields()
            headers[.contentType] = type
            headers[.cookie] = b.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let r = try await client.executeRequest(uri: "/soan", method: .post, headers: headers, body: body)
            #expect(r.status == .seeOther)
            #expect(r.headers[.location]?.hasSuffix("?kq=gui") == true)
        }
        let item = try #require(try await f.store.items(ItemFilter()).first)
        #expect(item.status == .submitted)
        #expect(item.content.unit == WebFixture.unitA && item.content.priority == .high)
        #expect(item.content.channels == ["bang-tin", "bang-phu"])
        #expect(item.content.author == "Cán bộ soantin")
        #expect(item.content.publishAt == Date(timeIntervalSince1970: 1_795_568_400))
        let media = try #require(item.content.media.first)
        #expect(media.caption == "Bộ phận một cửa")
        let path = try #require(media.path)
        #expect(path.hasPrefix(f.settings.mediaDirectory + "/") && path.hasSuffix(".png"))
        #expect(FileManager.default.contents(atPath: path) == Data(Self.png))
        #expect(try await f.store.auditTrail(itemID: item.id).map(\.actor) == ["soantin"])
    }

    @Test func aFileThatIsNotAnImageIsRefused() async throws {
        let f = try await WebFixture()
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("soantin")
            let csrf = try #require(Browser.hidden("csrf", in: String(buffer: try await b.get("/soan").body)))
            let (type, body) = Self.multipart(fields(csrf), file: ("anh.png", Array("#!/bin/sh\necho".utf8)))
            var headers = HTTPFields()
            headers[.contentType] = type
            headers[.cookie] = b.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let r = try await client.executeRequest(uri: "/soan", method: .post, headers: headers, body: body)
            #expect(r.status == .unprocessableContent)
            #expect(String(buffer: r.body).contains("không phải ảnh JPEG, PNG, WebP hay GIF"))
        }
        #expect(try await f.store.items(ItemFilter()).isEmpty)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: f.settings.mediaDirectory))?.isEmpty ?? true)
    }

    @Test func previewRendersTheMarkdownAndChannelRulesAreChecked() async throws {
        let f = try await WebFixture()
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("soantin")
            let preview = try await b.post(
                "/soan", Array(fields("x", action: "preview").dropFirst()), from: "/soan")
            #expect(preview.status == .ok)
            #expect(String(buffer: preview.body).contains("Nội dung <strong>chính</strong>"))
            let long = try await b.post(
                "/soan", Array(fields("x", title: String(repeating: "a", count: 151)).dropFirst()), from: "/soan")
            #expect(long.status == .unprocessableContent)
            #expect(String(buffer: long.body).contains("bang-tin — title: tiêu đề dài quá 150 ký tự"))
        }
        #expect(try await f.store.items(ItemFilter()).isEmpty)
    }

    @Test func aForgedImagePathIsRefused() {
        #expect(WebApp.isUploadName("0123456789abcdef0123.png"))
        #expect(!WebApp.isUploadName("../../etc/passwd"))
        #expect(!WebApp.isUploadName("0123456789abcdef0123.sh"))
        #expect(!WebApp.isUploadName("0123456789ABCDEF0123.png"))
    }
}

@Suite struct FormTests {
    @Test func urlEncodedFieldsDecodeVietnamese() {
        let form = Form.urlEncoded("title=T%C3%ADn+m%E1%BB%9Bi&channels=a&channels=b&empty=")
        #expect(form["title"] == "Tín mới")
        #expect(form.all("channels") == ["a", "b"])
        #expect(form.text("empty") == nil)
    }

    @Test func multipartWithoutBoundaryIsABadRequest() {
        #expect(throws: WebError.self) { try Form.parse(contentType: "multipart/form-data", body: []) }
        #expect(throws: WebError.self) { try Form.parse(contentType: "application/json", body: []) }
    }
}
