import ChannelConfig
import ChannelKit
import Foundation
import TestSupport
import Testing
import Transport

@testable import Zalo

@Suite struct ZaloTokenTests {
    @Test func anAccessTokenExpiringMidRunIsRefreshedOnceFor20ConcurrentDeliveries() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        let seeded = try f.seed()
        let channel = try f.channel()
        // A first delivery with the seeded token.
        let warmUp = await channel.publishInParts(f.request(sampleItem(id: "a-0", title: "Bài số 0")))
        guard case .delivered = warmUp.outcome else {
            Issue.record("warm-up: \(warmUp.outcome)")
            return
        }
        // Zalo now says the token expired (-220), and the refresh is slow: every delivery meets it in flight.
        f.fake.expireAccessTokens()
        f.fake.setRefreshDelay(.milliseconds(300))
        let outcomes = await withTaskGroup(of: PublishOutcome.self) { group in
            for i in 1...20 {
                group.addTask {
                    await channel.publishInParts(f.request(sampleItem(id: "a-\(i)", title: "Bài số \(i)"))).outcome
                }
            }
            var all: [PublishOutcome] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let delivered = outcomes.filter { if case .delivered = $0 { true } else { false } }
        #expect(delivered.count == 20, "\(outcomes.filter { if case .delivered = $0 { false } else { true } })")
        #expect(f.fake.refreshCount == 1)
        #expect(f.fake.refusedRefreshCount == 0)
        #expect(await channel.refreshCount() == 1)
        #expect(f.fake.articles.count == 21)
        // The refresh request as Zalo documents it.
        let refresh = try #require(f.fake.requests.first { $0.path == "/v4/oa/access_token" })
        #expect(refresh.method == "POST")
        #expect(refresh.header("secret_key") == "app-secret-key-0123")
        #expect(
            RecordedRequest.formDecode(refresh.bodyText)
                == ["refresh_token": seeded.refresh, "app_id": "4321", "grant_type": "refresh_token"])
        // The new pair is on disk (mode 0600), and it is what the later calls used.
        let stored = try #require(try f.storedPair())
        #expect(stored.refreshToken.reveal() != seeded.refresh)
        let lastCall = try #require(f.fake.requests.last { $0.path != "/v4/oa/access_token" })
        #expect(lastCall.header("access_token") == stored.accessToken.reveal())
        let path = ZaloTokenStore(stateDirectory: f.state, channel: "zalo-oa").path
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: f.state + "/zalo")
        #expect(leftovers.sorted() == ["zalo-oa.tokens.json", "zalo-oa.tokens.json.lock"], "no temporary file is left")
        #expect(!f.logs.text.contains(stored.accessToken.reveal()) && !f.logs.text.contains(seeded.access))
    }

    @Test func theTokenIsRefreshedAheadOfExpiryWithoutARefusal() async throws {
        let f = try await ZaloFixture.start(at: vietnamTime(2026, 11, 23, 9))
        defer { Task { try await f.finish() } }
        try f.seed(lifetime: 90000)
        let channel = try f.channel([("refresh_ahead", "1h")])
        // 24 h 30 min later the token has 30 minutes left: refreshed before use.
        f.setTime(vietnamTime(2026, 11, 24, 9, 30))
        let parted = await channel.publishInParts(f.request(sampleItem()))
        guard case .delivered = parted.outcome else {
            Issue.record("\(parted.outcome)")
            return
        }
        #expect(f.fake.refreshCount == 1)
        #expect(f.fake.tokenRefusals == 0)
        #expect(f.fake.requests.first?.path == "/v4/oa/access_token")
    }

    @Test func aSpentRefreshTokenStopsTheChannelWithAnOperatorMessage() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        let seeded = try f.seed()
        f.fake.expireAccessTokens()
        // Spend the seeded refresh token behind the channel's back (as a lost refresh answer would).
        let spend = try await sharedHTTP.execute(
            HTTPRequest(
                method: "POST", url: f.fake.baseURL + "/v4/oa/access_token",
                headers: HTTPHeaders([
                    ("Content-Type", "application/x-www-form-urlencoded"), ("secret_key", f.fake.secretKey),
                ]),
                body: Array("refresh_token=\(seeded.refresh)&app_id=4321&grant_type=refresh_token".utf8)))
        #expect(spend.status == 200)
        let channel = try f.channel()
        let parted = await channel.publishInParts(f.request(sampleItem()))
        guard case .failed(let error) = parted.outcome else {
            Issue.record("expected failed, got \(parted.outcome)")
            return
        }
        #expect(error.errorClass == .auth)
        #expect(error.haltsChannel, "the channel stops until an operator re-authorises the OA")
        #expect(error.message.contains("re-authorise the OA"))
        #expect(error.message.contains("cchc zalo seed-token zalo-oa"))
        #expect(!error.message.contains(seeded.refresh))
        #expect(f.fake.refusedRefreshCount == 1)
        // Later deliveries fail at once without spending more requests on a dead token.
        let again = await channel.publishInParts(f.request(sampleItem(id: "b")))
        guard case .failed = again.outcome else {
            Issue.record("expected failed, got \(again.outcome)")
            return
        }
        #expect(f.fake.refusedRefreshCount == 1)
        #expect(f.fake.articles.isEmpty)
    }

    @Test func withoutSeededTokensTheChannelSaysHowToSeedThem() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        let parted = try await f.channel().publishInParts(f.request(sampleItem()))
        guard case .failed(let error) = parted.outcome else {
            Issue.record("expected failed, got \(parted.outcome)")
            return
        }
        #expect(error.message.contains("cchc zalo seed-token zalo-oa"))
        #expect(f.fake.requests.isEmpty)
        // A damaged token file is named, not read as a pair.
        try FileManager.default.createDirectory(atPath: f.state + "/zalo", withIntermediateDirectories: true)
        try "{\"access_token\": 1".write(
            toFile: f.state + "/zalo/zalo-oa.tokens.json", atomically: true, encoding: .utf8)
        let damaged = try await f.channel().publishInParts(f.request(sampleItem()))
        guard case .failed(let bad) = damaged.outcome else {
            Issue.record("expected failed, got \(damaged.outcome)")
            return
        }
        #expect(bad.message.contains("zalo-oa.tokens.json"))
    }

    @Test func aNetworkFailureDuringRefreshKeepsTheRefreshTokenForTheNextAttempt() async throws {
        let f = try await ZaloFixture.start()
        defer { Task { try await f.finish() } }
        let seeded = try f.seed()
        f.fake.expireAccessTokens()
        f.fake.failNextHTTP("/v4/oa/access_token", status: 502)
        let channel = try f.channel()
        let first = await channel.publishInParts(f.request(sampleItem()))
        guard case .retry = first.outcome else {
            Issue.record("expected retry, got \(first.outcome)")
            return
        }
        #expect(try f.storedPair()?.refreshToken.reveal() == seeded.refresh)
        let second = await channel.publishInParts(f.request(sampleItem(), attempt: 2))
        guard case .delivered = second.outcome else {
            Issue.record("expected delivered, got \(second.outcome)")
            return
        }
        #expect(f.fake.refreshCount == 1)
    }

    @Test func theTokenFileIsWrittenAtomicallyWithMode0600() throws {
        let folder = NSTemporaryDirectory() + "zalo-store-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = ZaloTokenStore(stateDirectory: folder, channel: "oa")
        #expect(try store.load() == nil)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let first = ZaloTokenPair(
            accessToken: Secret("a1"), refreshToken: Secret("r1"),
            accessExpiresAt: Date(timeIntervalSince1970: 2_000_000_000),
            obtainedAt: Date(timeIntervalSince1970: 1_900_000_000))
        try store.save(first)
        #expect(try store.load() == first)
        let second = ZaloTokenPair(
            accessToken: Secret("ACCESS-SECRET-2"), refreshToken: Secret("REFRESH-SECRET-2"),
            accessExpiresAt: Date(timeIntervalSince1970: 2_000_090_000),
            obtainedAt: Date(timeIntervalSince1970: 2_000_000_000))
        try store.save(second)
        #expect(try store.load() == second)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let folderMode = try FileManager.default.attributesOfItem(atPath: folder + "/zalo")[.posixPermissions] as? Int
        #expect(folderMode == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/zalo") == ["oa.tokens.json"])
        // The description of a pair never shows the tokens.
        let shown = "\(second)"
        #expect(!shown.contains("ACCESS-SECRET-2") && !shown.contains("REFRESH-SECRET-2"))
    }
}
