import ChannelConfig
import ChannelKit
import Foundation
import Logging
import Synchronization
import TestSupport
import Transport

@testable import Zalo

let hoChiMinh = TimeZone(identifier: "Asia/Ho_Chi_Minh")!

/// A local time in Asia/Ho_Chi_Minh.
func vietnamTime(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = hoChiMinh
    return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
}

/// A clock tests move by hand; the channel and the fake share it.
final class TestClock: Sendable {
    private let value: Mutex<Date>
    init(_ date: Date) { value = Mutex(date) }
    var now: Date { value.withLock { $0 } }
    func set(_ date: Date) { value.withLock { $0 = date } }
}

/// The secrets the sample sections name (`*_env`).
let zaloEnvironment = ["ZALO_SECRET": "app-secret-key-0123", "ZALO_OA_SECRET": "oa-secret-key-xyz"]

let sharedHTTP: HTTPClient = {
    var configuration = HTTPClientConfiguration()
    configuration.timeout = .seconds(10)
    return try! HTTPClient(configuration: configuration)
}()

/// A fake OA, a state folder and a channel pointed at them.
struct ZaloFixture {
    let fake: FakeZalo
    let state: String
    let clock: TestClock
    let logs = LogCapture()

    static func start(at date: Date = vietnamTime(2026, 11, 23, 9)) async throws -> ZaloFixture {
        let fake = try await FakeZalo.start()
        let clock = TestClock(date)
        fake.setNow(date)
        let state = NSTemporaryDirectory() + "zalo-test-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        return ZaloFixture(fake: fake, state: state, clock: clock)
    }

    /// Moves both clocks.
    func setTime(_ date: Date) {
        clock.set(date)
        fake.setNow(date)
    }

    func entries(_ extra: [(String, Any)] = []) -> [(String, Any)] {
        let base: [(String, Any)] = [
            ("app_id", "4321"), ("oa_id", "9876"), ("secret_key_env", "ZALO_SECRET"),
            ("oa_secret_key_env", "ZALO_OA_SECRET"), ("api_url", fake.baseURL), ("oauth_url", fake.baseURL),
            ("verify_interval", "10ms"),
        ]
        let overridden = Set(extra.map(\.0))
        return base.filter { !overridden.contains($0.0) } + extra
    }

    func channel(_ extra: [(String, Any)] = []) throws -> ZaloChannel {
        let section = try makeSection(
            entries(extra), path: "channels.zalo-oa", base: state, environment: zaloEnvironment)
        let clock = self.clock
        let channel = try ZaloChannel(
            name: "zalo-oa", section: section,
            context: ChannelContext(name: "zalo-oa", timeZone: hoChiMinh, stateDirectory: state, logger: logs.logger),
            http: sharedHTTP, now: { clock.now })
        try section.finish()
        return channel
    }

    /// Stores a pair the fake issued, as `cchc zalo seed-token` would.
    @discardableResult
    func seed(lifetime: TimeInterval = 90000) throws -> (access: String, refresh: String) {
        let pair = fake.issuePair(lifetime: lifetime)
        try ZaloTokenStore(stateDirectory: state, channel: "zalo-oa").save(
            ZaloTokenPair(
                accessToken: Secret(pair.access), refreshToken: Secret(pair.refresh),
                accessExpiresAt: clock.now.addingTimeInterval(lifetime), obtainedAt: clock.now))
        return pair
    }

    func storedPair() throws -> ZaloTokenPair? {
        try ZaloTokenStore(stateDirectory: state, channel: "zalo-oa").load()
    }

    func request(
        _ item: ChannelItem, attempt: Int = 1, interrupted: Bool = false, finished: [String: PartOutcome] = [:]
    )
        -> PublishRequest
    {
        PublishRequest(
            deliveryID: "\(item.id)/zalo-oa", attempt: attempt, previousAttemptInterrupted: interrupted, item: item,
            finishedParts: finished, logger: logs.logger)
    }

    func finish() async throws {
        try await fake.shutdown()
        try? FileManager.default.removeItem(atPath: state)
    }
}

func sampleItem(
    id: String = "2026-11-0042", title: String = "Sơn La: 100% thủ tục hành chính được tiếp nhận trực tuyến"
)
    -> ChannelItem
{
    ChannelItem(
        id: id, title: title, summary: "Một câu tóm tắt cho mạng xã hội và Zalo.",
        body: """
            Năm 2026, **100%** thủ tục hành chính đủ điều kiện được cung cấp trực tuyến.

            ## Kết quả nổi bật

            Bộ phận một cửa trả kết quả nhanh & đúng hẹn (< 3 ngày).

            ![Bộ phận một cửa](https://cdn.example.vn/mot-cua.jpg)
            """,
        topic: Topic(key: "tthc", label: "Cải cách thủ tục hành chính"), unit: "Sở Nội vụ", author: "Phòng CCHC",
        media: [MediaRef(url: "https://cdn.example.vn/anh-bia.jpg", caption: "Ảnh bìa")])
}

func jsonObject(_ request: RecordedRequest) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]) ?? [:]
}
