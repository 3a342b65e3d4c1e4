import ChannelKit
import Foundation
@testable import Queue
import Testing

/// Accounts, sessions, the audit trail and approval bound to a content hash (the web app's store side).
@Suite struct SQLiteStoreAccountTests {
    func account(_ login: String, roles: Set<Role> = [.author], units: [String] = ["Sở Nội vụ"]) -> Account {
        Account(
            login: login, displayName: "Cán bộ \(login)", passwordHash: PasswordHash.make("mat-khau-dai-1", cost: 4),
            roles: roles, units: units, createdAt: t0, updatedAt: t0)
    }

    @Test func accountsAreAddedReadChangedAndAudited() async throws {
        let f = try StoreFixture()
        try await f.store.addAccount(account("an"), by: "cli:root", at: t0)
        try await f.store.addAccount(
            account("binh", roles: [.approver, .viewer], units: ["*"]), by: "cli:root", at: t0)
        let an = try #require(try await f.store.account(login: "an"))
        #expect(an.roles == [.author] && an.units == ["Sở Nội vụ"] && !an.disabled)
        #expect(PasswordHash.verify("mat-khau-dai-1", hash: an.passwordHash))
        #expect(!PasswordHash.verify("sai-mat-khau", hash: an.passwordHash))
        #expect(try await f.store.accounts().map(\.login) == ["an", "binh"])
        #expect(try await f.store.account(login: "binh")?.covers(unit: "UBND xã Tân Lập") == true)
        #expect(an.covers(unit: "UBND xã Tân Lập") == false)

        let changed = try await f.store.updateAccount(
            login: "an", AccountChange(roles: [.author, .approver], units: ["A", "B"]), by: "quantri",
            at: t0.addingTimeInterval(5))
        #expect(changed.roles == [.author, .approver] && changed.units == ["A", "B"])
        #expect(try await f.store.account(login: "an") == changed)
        await #expect(throws: StoreError.self) {
            try await f.store.updateAccount(login: "khong-co", AccountChange(disabled: true), by: "x", at: t0)
        }
    }

    @Test func aTakenLoginAndABadLoginAreRefused() async throws {
        let f = try StoreFixture()
        try await f.store.addAccount(account("an"), by: "cli:root", at: t0)
        do {
            try await f.store.addAccount(account("an"), by: "cli:root", at: t0)
            Issue.record("a second account with the same login was added")
        } catch {
            #expect(error.currentState == "exists")
        }
        await #expect(throws: StoreError.self) { try await f.store.addAccount(account("Có Dấu"), by: "x", at: t0) }
    }

    @Test func sessionsExpireAndEndWithANewPasswordOrADisabledAccount() async throws {
        let f = try StoreFixture()
        try await f.store.addAccount(account("an"), by: "cli:root", at: t0)
        let hash = String(repeating: "a", count: 64)
        let session = WebSession(
            idHash: hash, login: "an", csrfToken: String(repeating: "c", count: 64), createdAt: t0,
            expiresAt: t0.addingTimeInterval(3600))
        try await f.store.addSession(session)
        #expect(try await f.store.session(idHash: hash, now: t0.addingTimeInterval(10))?.0 == session)
        #expect(try await f.store.session(idHash: hash, now: t0.addingTimeInterval(3600)) == nil)
        #expect(try await f.store.session(idHash: String(repeating: "b", count: 64), now: t0) == nil)

        _ = try await f.store.updateAccount(login: "an", AccountChange(disabled: true), by: "x", at: t0)
        #expect(try await f.store.session(idHash: hash, now: t0) == nil)

        _ = try await f.store.updateAccount(login: "an", AccountChange(disabled: false), by: "x", at: t0)
        try await f.store.addSession(session)
        #expect(try await f.store.session(idHash: hash, now: t0) != nil)
        _ = try await f.store.updateAccount(
            login: "an", AccountChange(passwordHash: PasswordHash.make("mat-khau-moi-2", cost: 4)), by: "x", at: t0)
        #expect(try await f.store.session(idHash: hash, now: t0) == nil)

        try await f.store.addSession(session)
        #expect(try await f.store.removeExpiredSessions(now: t0.addingTimeInterval(7200)) == 1)
        try await f.store.addSession(session)
        try await f.store.removeSession(idHash: hash)
        #expect(try await f.store.session(idHash: hash, now: t0) == nil)
    }

    @Test func apiTokensAreFoundByTheirHashOnlyWhileTheAccountIsEnabled() async throws {
        let f = try StoreFixture()
        try await f.store.addAccount(account("baocao", roles: [.viewer]), by: "cli:root", at: t0)
        let hash = APITokenHash.of("cchc_bi-mat")
        try await f.store.addAPIToken(
            APIToken(hash: hash, login: "baocao", name: "báo cáo", createdAt: t0), by: "x", at: t0)
        #expect(try await f.store.apiToken(hash: hash)?.1.login == "baocao")
        #expect(try await f.store.apiToken(hash: APITokenHash.of("cchc_khac")) == nil)
        #expect(hash.count == 64 && !hash.contains("bi-mat"))
        _ = try await f.store.updateAccount(login: "baocao", AccountChange(disabled: true), by: "x", at: t0)
        #expect(try await f.store.apiToken(hash: hash) == nil)
        do {
            try await f.store.addAPIToken(
                APIToken(hash: APITokenHash.of("y"), login: "khong-co", name: "x", createdAt: t0), by: "x", at: t0)
            Issue.record("a token for a missing account was added")
        } catch {
            #expect(error.kind == .notFound)
        }
    }

    @Test func theScheduleListsDeliveriesInARangeWithTheirItems() async throws {
        let f = try StoreFixture()
        let id = try await f.store.addApproved(
            content(),
            plan: planner(dues: ["portal": t0.addingTimeInterval(3600), "fb": t0.addingTimeInterval(8 * 86400)]))
        let week = try await f.store.schedule(from: t0, to: t0.addingTimeInterval(7 * 86400), limit: 100)
        #expect(week.map(\.0.channel) == ["portal"])
        #expect(week.first?.1.id == id && week.first?.1.content.title == content().title)
        #expect(try await f.store.schedule(from: t0, to: t0.addingTimeInterval(9 * 86400), limit: 100).count == 2)
        #expect(try await f.store.schedule(from: t0, to: t0.addingTimeInterval(9 * 86400), limit: 1).count == 1)
    }

    @Test func approvalIsBoundToTheContentHashShown() async throws {
        let f = try StoreFixture()
        let (item, _) = try await f.store.addItem(newItem(id: "2026-11-0001"), at: t0, plan: noPlan)
        let shown = item.contentHash
        // The author edits after the approver opened the page.
        var edited = content()
        edited.title = "Tiêu đề đã sửa"
        _ = try await f.store.addItem(newItem(id: item.id, edited), at: t0.addingTimeInterval(1), plan: noPlan)
        do {
            _ = try await f.store.approve(
                itemID: item.id, by: "duyet1", at: t0.addingTimeInterval(2), contentHash: shown, plan: planner())
            Issue.record("a stale approval went through")
        } catch {
            #expect(error.kind == .invalidState && error.currentState == "stale")
        }
        #expect(try await f.store.item(item.id)?.status == .submitted)
        #expect(try await f.store.deliveries(itemID: item.id).isEmpty)

        let current = try #require(try await f.store.item(item.id)).contentHash
        let approved = try await f.store.approve(
            itemID: item.id, by: "duyet1", at: t0.addingTimeInterval(3), contentHash: current, plan: planner())
        #expect(approved.status == .approved && approved.approvedBy == "duyet1" && approved.approvedHash == current)
        #expect(try await f.store.deliveries(itemID: item.id).count == 2)

        let trail = try await f.store.auditTrail(itemID: item.id)
        #expect(trail.map(\.action) == ["add", "edit", "approve"])
        #expect(trail.map(\.actor) == [officer, officer, "duyet1"])
    }

    /// `cchc` opens the store with the operating-system user as the audit origin: the audit rows of
    /// person actions name both, the delivery log's `actor` stays the name given (reports read it).
    @Test func anAuditOriginIsAddedToAuditActorsButNotToTheDeliveryLog() async throws {
        let f = try StoreFixture()
        let cli = try SQLiteStore(path: f.path, timeZone: hcm, auditOrigin: "os: officer1")
        let before = try await f.store.logEvents(after: 0, limit: 10_000).last?.seq ?? 0
        let (item, _) = try await cli.addItem(newItem(), at: t0, plan: noPlan)
        _ = try await cli.approve(itemID: item.id, by: "Trần Thị B", at: t0.addingTimeInterval(1), plan: planner())
        let (other, _) = try await cli.addItem(newItem(content("Bài khác")), at: t0, plan: noPlan)
        _ = try await cli.reject(itemID: other.id, by: "Trần Thị B", reason: "Sai số liệu", at: t0)
        // The web app's store (no origin) leaves actors as they are.
        let (third, _) = try await f.store.addItem(newItem(content("Bài thứ ba")), at: t0, plan: noPlan)

        #expect(
            try await f.store.auditTrail(itemID: item.id).map(\.actor) == [
                "\(officer) (os: officer1)", "Trần Thị B (os: officer1)",
            ])
        #expect(try await f.store.auditTrail(itemID: other.id).last?.actor == "Trần Thị B (os: officer1)")
        #expect(try await f.store.auditTrail(itemID: third.id).map(\.actor) == [officer])
        let lines = try await f.store.logEvents(after: before, limit: 100).map(\.json)
        let approved = try #require(lines.first { $0.contains("\"item.approved\"") })
        #expect(approved.contains("\"actor\":\"Trần Thị B\""), "\(approved)")
        #expect(!lines.contains { $0.contains("os: officer1") }, "\(lines)")
        // A name that is the login itself, `cli:LOGIN` and the daemon's own actor are not repeated.
        #expect(SQLiteStore.auditActor("officer1", origin: "os: officer1") == "officer1")
        #expect(SQLiteStore.auditActor("cli:officer1", origin: "os: officer1") == "cli:officer1")
        #expect(SQLiteStore.auditActor("cchcd", origin: "os: officer1") == "cchcd")
    }
}
