import ChannelKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Queue
import Testing

@testable import WebApp

/// Every route × every role: who is refused (403) and who is let through.
@Suite struct AuthorizationTests {
    enum Route: CaseIterable {
        case queue, item, approve, reject, retry, cancel, resolve, composeForm, compose, accounts, addAccount
        case lockAccount, channels, checkChannel, calendar
        case drafts, saveDraft, monthCalendar, feedback, itemFeedback, reports, reportDownload

        /// Roles allowed (admin always is).
        var allowed: Set<Role> {
            switch self {
            case .queue, .item, .calendar, .monthCalendar, .feedback, .itemFeedback, .reports, .reportDownload:
                Set(Role.allCases)
            case .drafts, .saveDraft: [.author, .admin]
            case .approve, .reject: [.approver, .admin]
            case .retry, .resolve, .channels, .checkChannel: [.operator, .admin]
            // The fixture's item is written by the author account: an author may cancel their own item.
            case .cancel: [.author, .operator, .admin]
            case .composeForm, .compose: [.author, .admin]
            case .accounts, .addAccount, .lockAccount: [.admin]
            }
        }
    }

    static let logins: [Role: String] = [
        .author: "soantin", .approver: "duyet", .operator: "vanhanh", .viewer: "xem", .admin: "quantri",
    ]

    @Test(arguments: Role.allCases)
    func everyRouteForRole(_ role: Role) async throws {
        for route in Route.allCases {
            // A fresh item and app for each call: an approval or a rejection changes what is possible next.
            let f = try await WebFixture()
            let item = try await f.item()
            let status = try await f.call(route, as: Self.logins[role]!, item: item)
            if route.allowed.contains(role) {
                #expect(status != .forbidden && status.code < 500, "\(role) \(route): \(status)")
            } else {
                #expect(status == .forbidden, "\(role) \(route): \(status)")
            }
        }
    }

    @Test func aViewerCannotApprove() async throws {
        let f = try await WebFixture()
        let item = try await f.item()
        #expect(try await f.call(.approve, as: "xem", item: item) == .forbidden)
        #expect(try await f.store.item(item.id)?.status == .submitted)
    }

    @Test func anAuthorOfUnitACannotSeeUnitBsItems() async throws {
        let f = try await WebFixture()
        let a = try await f.item(unit: WebFixture.unitA, title: "Tin của Sở Nội vụ")
        let b = try await f.item(unit: WebFixture.unitB, author: "soantin-b", title: "Tin của xã Tân Lập")
        try await f.run { client in
            var browser = Browser(client)
            _ = try await browser.signIn("soantin")
            let queue = String(buffer: try await browser.get("/").body)
            #expect(queue.contains("Tin của Sở Nội vụ"))
            #expect(!queue.contains("Tin của xã Tân Lập"))
            #expect(try await browser.get("/bai/\(a.id)").status == .ok)
            let other = try await browser.get("/bai/\(b.id)")
            #expect(other.status == .notFound)
            #expect(!String(buffer: other.body).contains("Tân Lập"))

            var approver = Browser(client)
            _ = try await approver.signIn("duyet")
            let r = try await approver.post("/bai/\(b.id)/duyet", [("hash", b.contentHash)])
            #expect(r.status == .notFound)

            var admin = Browser(client)
            _ = try await admin.signIn("quantri")
            let all = String(buffer: try await admin.get("/").body)
            #expect(all.contains("Tin của Sở Nội vụ") && all.contains("Tin của xã Tân Lập"))
        }
        #expect(try await f.store.item(b.id)?.status == .submitted)
    }

    @Test func anAuthorCannotComposeForAnotherUnit() async throws {
        let f = try await WebFixture()
        try await f.run { client in
            var b = Browser(client)
            _ = try await b.signIn("soantin")
            let r = try await b.post(
                "/soan",
                [
                    ("title", "Tin lạ"), ("body", "Nội dung"), ("unit", WebFixture.unitB), ("topic", "tthc"),
                    ("priority", "thuong"), ("channels", "bang-tin"), ("action", "submit"),
                ], from: "/soan")
            #expect(r.status == .unprocessableContent)
            #expect(String(buffer: r.body).contains("tài khoản không được soạn tin cho"))
        }
        #expect(try await f.store.items(ItemFilter()).isEmpty)
    }
}

extension WebFixture {
    /// Signs in as `login` and calls `route` the way its page would; returns the status.
    func call(_ route: AuthorizationTests.Route, as login: String, item: ItemRecord) async throws -> HTTPResponse.Status
    {
        let box = Box()
        try await run { client in
            var b = Browser(client)
            #expect(try await b.signIn(login).status == .found)
            let r: TestResponse
            switch route {
            case .queue: r = try await b.get("/")
            case .item: r = try await b.get("/bai/\(item.id)")
            case .approve: r = try await b.post("/bai/\(item.id)/duyet", [("hash", item.contentHash)])
            case .reject: r = try await b.post("/bai/\(item.id)/tu-choi", [("reason", "Sai số liệu")])
            case .retry: r = try await b.post("/bai/\(item.id)/gui-lai", [("channel", "bang-tin")])
            case .cancel: r = try await b.post("/bai/\(item.id)/huy", [("reason", "Trùng bài")])
            case .resolve:
                r = try await b.post("/bai/\(item.id)/xac-nhan", [("channel", "bang-tin"), ("decision", "gui-lai")])
            case .calendar: r = try await b.get("/lich?tuan=2026-11-20")
            case .channels: r = try await b.get("/kenh")
            case .checkChannel: r = try await b.post("/kenh/bang-tin/kiem-tra")
            case .composeForm: r = try await b.get("/soan")
            case .compose:
                r = try await b.post(
                    "/soan",
                    [
                        ("title", "Tin mới"), ("body", "Nội dung"), ("unit", WebFixture.unitA), ("topic", "tthc"),
                        ("priority", "thuong"), ("channels", "bang-tin"), ("action", "submit"),
                    ])
            case .drafts: r = try await b.get("/nhap")
            case .saveDraft:
                r = try await b.post(
                    "/soan",
                    [
                        ("title", "Nháp mới"), ("body", ""), ("unit", WebFixture.unitA), ("topic", "tthc"),
                        ("priority", "thuong"), ("action", "draft"),
                    ])
            case .monthCalendar: r = try await b.get("/lich/thang?thang=2026-11")
            case .feedback: r = try await b.get("/phan-hoi")
            case .itemFeedback: r = try await b.get("/phan-hoi?bai=\(item.id)")
            case .reports: r = try await b.get("/bao-cao?ky=thang&gia-tri=2026-11")
            case .reportDownload: r = try await b.get("/bao-cao/tai?ky=nam&gia-tri=2026&dinh-dang=csv")
            case .accounts: r = try await b.get("/tai-khoan")
            case .addAccount:
                r = try await b.post(
                    "/tai-khoan",
                    [
                        ("login", "moi"), ("name", "Người mới"), ("password", "mat-khau-rat-dai"), ("roles", "xem"),
                        ("units", WebFixture.unitA),
                    ])
            case .lockAccount: r = try await b.post("/tai-khoan/xem-khac/khoa", [("disabled", "1")])
            }
            box.status.withLock { $0 = r.status }
        }
        return box.status.withLock { $0 }
    }
}

import Synchronization

final class Box: Sendable {
    let status = Mutex(HTTPResponse.Status.ok)
}
