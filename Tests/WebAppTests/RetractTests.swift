import ChannelKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Queue
import Synchronization
import Testing

@testable import WebApp

/// A board that can take a post down; it notes the remote ids it was asked to retract.
struct RetractableBoard: Channel {
    var name: String
    let retracted = RetractLog()
    var type: String { "bang-tin" }
    var traits: ChannelTraits { ChannelTraits(idempotent: true, supportsRetraction: true) }

    func publish(_ request: PublishRequest) async -> PublishOutcome { .delivered(ChannelResult(remoteID: "1")) }

    func retract(_ result: ChannelResult, logger: Logger) async throws(ChannelError) -> String? {
        retracted.ids.withLock { $0.append(result.remoteID ?? "") }
        return "đã gỡ bài \(result.remoteID ?? "")"
    }
}

final class RetractLog: Sendable {
    let ids = Mutex<[String]>([])
}

/// "Gỡ bài" in the web app runs the same retraction workflow as `cchc item retract`, for operators, and
/// leaves a channel the engine halted alone.
@Suite struct RetractTests {
    /// An item delivered on bang-tin (remote id 42): approved, claimed, then confirmed by an operator.
    func delivered(_ f: WebFixture) async throws -> ItemRecord {
        let item = try await f.item()
        _ = try await f.store.approve(
            itemID: item.id, by: "duyet", at: t0, contentHash: item.contentHash, plan: f.app.plan)
        _ = try await f.store.claimDue(
            channel: "bang-tin", now: t0.addingTimeInterval(1), limit: 10, owner: "engine",
            leaseUntil: t0.addingTimeInterval(60))
        _ = try await f.store.recoverLeases(
            before: .distantFuture, idempotentChannels: [], at: t0.addingTimeInterval(2))
        _ = try await f.store.resolve(
            deliveryID: "\(item.id)/bang-tin",
            .delivered(ChannelResult(remoteID: "42", url: "https://bang.example/42")), by: "vanhanh",
            at: t0.addingTimeInterval(3))
        return item
    }

    func run(_ app: WebApp, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: app.router()).test(.router) { client in try await body(client) }
    }

    @Test func anOperatorTakesAPostDown() async throws {
        let f = try await WebFixture()
        let item = try await delivered(f)
        let board = RetractableBoard(name: "bang-tin")
        var app = f.app
        app.channels = ["bang-tin": board, "bang-phu": BoardChannel(name: "bang-phu")]
        app.channelHealth = { [:] }
        try await run(app) { client in
            var viewer = Browser(client)
            _ = try await viewer.signIn("xem")
            #expect(!String(buffer: try await viewer.get("/bai/\(item.id)").body).contains("go-bai"))
            #expect(
                try await viewer.post("/bai/\(item.id)/go-bai", [("channel", "bang-tin")]).status == .forbidden)

            var op = Browser(client)
            _ = try await op.signIn("vanhanh")
            #expect(String(buffer: try await op.get("/bai/\(item.id)").body).contains("/bai/\(item.id)/go-bai"))
            let r = try await op.post("/bai/\(item.id)/go-bai", [("channel", "bang-tin")])
            #expect(r.headers[.location] == "/bai/\(item.id)?kq=go-bai")
            let page = String(buffer: try await op.get("/bai/\(item.id)?kq=go-bai").body)
            #expect(page.contains("Đã gỡ bài trên kênh."))
            #expect(!page.contains("/bai/\(item.id)/go-bai"))
            // Taken down already: the workflow says so.
            let again = try await op.post("/bai/\(item.id)/go-bai", [("channel", "bang-tin")])
            #expect(again.status == .conflict)
            #expect(String(buffer: again.body).contains("đã được gỡ trước đó"))
        }
        #expect(board.retracted.ids.withLock { $0 } == ["42"])
        let delivery = try #require(try await f.store.deliveries(itemID: item.id).first)
        #expect(delivery.retractedAt != nil && delivery.retractedBy == "vanhanh")
        #expect(
            try await f.store.auditTrail(itemID: item.id).contains { $0.action == "retract" && $0.actor == "vanhanh" })
        #expect(f.woken.value.withLock { $0 } >= 1)
    }

    /// The fixture's engine reports bang-tin halted (its token expired): the channel is not called, and
    /// the operator reads why.
    @Test func aChannelTheEngineHaltedIsLeftAlone() async throws {
        let f = try await WebFixture()
        let item = try await delivered(f)
        let board = RetractableBoard(name: "bang-tin")
        let app = f.app
        app.channels = ["bang-tin": board, "bang-phu": BoardChannel(name: "bang-phu")]
        try await run(app) { client in
            var op = Browser(client)
            _ = try await op.signIn("vanhanh")
            let r = try await op.post("/bai/\(item.id)/go-bai", [("channel", "bang-tin")])
            #expect(r.status == .conflict)
            let body = String(buffer: r.body)
            #expect(body.contains("đang bị dừng"), "\(body)")
            #expect(body.contains("cchc zalo seed-token bang-tin"), "\(body)")
        }
        #expect(board.retracted.ids.withLock { $0 }.isEmpty)
        #expect(try await f.store.deliveries(itemID: item.id).first?.retractedAt == nil)
    }
}
