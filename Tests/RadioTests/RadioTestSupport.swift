import ChannelKit
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

@testable import Radio

/// A clock the tests set.
final class ManualClock: Sendable {
    private let date: Mutex<Date>
    init(_ start: Date) { date = Mutex(start) }
    var now: Date { date.withLock { $0 } }
    func set(_ d: Date) { date.withLock { $0 = d } }
    var function: @Sendable () -> Date { { self.now } }
}

let hanoi = TimeZone(identifier: "Asia/Ho_Chi_Minh")!

/// A local date in Hà Nội time.
func local(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int = 0) -> Date {
    var c = Calendar(identifier: .gregorian)
    c.timeZone = hanoi
    return c.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
}

/// A temporary folder removed at deinit.
final class TempFolder: @unchecked Sendable {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("radio-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func files(_ sub: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path + "/" + sub)) ?? []).filter { !$0.hasPrefix(".") }
            .sorted()
    }
    func text(_ sub: String) throws -> String { try String(contentsOfFile: path + "/" + sub, encoding: .utf8) }
    func json(_ sub: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + "/" + sub)))
            as! [String: Any]
    }
}

func station(_ folder: String, slots: [String] = ["06:00/15m", "17:00/20m"]) -> RadioStation {
    RadioStation(
        id: "tan-lap", name: "Đài truyền thanh xã Tân Lập", commune: "xã Tân Lập",
        slots: slots.map { RadioSlot($0, defaultDuration: .seconds(900))! }, destination: .folder(folder))
}

func makeChannel(_ folder: TempFolder, slots: [String] = ["06:00/15m", "17:00/20m"], clock: ManualClock)
    -> RadioChannel
{
    RadioChannel(
        name: "radio-xa", settings: RadioSettings(stations: [station(folder.path + "/out", slots: slots)]),
        context: ChannelContext(
            name: "radio-xa", timeZone: hanoi, stateDirectory: folder.path + "/state", logger: Logger(label: "t")),
        clock: clock.function)
}

func item(_ id: String, _ title: String, _ body: String, priority: Priority = .normal, publishAt: Date? = nil)
    -> ChannelItem
{
    ChannelItem(
        id: id, title: title, body: body, topic: Topic.builtin[1], unit: "UBND xã Tân Lập", publishAt: publishAt,
        priority: priority)
}

func request(_ item: ChannelItem, delivery: String? = nil, attempt: Int = 1, logger: Logger = Logger(label: "t"))
    -> PublishRequest
{
    PublishRequest(deliveryID: delivery ?? "d-\(item.id)", attempt: attempt, item: item, logger: logger)
}

/// A body of about `syllables` syllables.
func words(_ syllables: Int) -> String {
    Array(repeating: "tuyên truyền", count: syllables / 2).joined(separator: " ") + "."
}

/// Three items from the corpus (Tests/Fixtures), shortened.
let corpusItems: [ChannelItem] = [
    item(
        "son-la-2019", "Kế hoạch tuyên truyền CCHC tỉnh Sơn La năm 2019",
        "Ngày 03/01/2019, Chủ tịch UBND tỉnh ban hành Kế hoạch số 05/KH-UBND về Tuyên truyền công tác CCHC tỉnh Sơn La năm 2019.",
        publishAt: local(2026, 11, 22, 1, 0)),
    item(
        "lang-son-2023", "Sở VHTTDL Lạng Sơn đẩy mạnh tuyên truyền CCHC",
        "Hằng tháng, có ít nhất 04 tin, bài về CCHC đăng trên trang thông tin điện tử của cơ quan, đơn vị.",
        publishAt: local(2026, 11, 22, 1, 5)),
    item(
        "thai-nguyen-2022", "Tuyên truyền CCHC tỉnh Thái Nguyên năm 2022",
        "Tập trung tuyên truyền về Chương trình tổng thể CCHC nhà nước giai đoạn 2021-2030 của Chính phủ; 100% TTHC được công khai.",
        publishAt: local(2026, 11, 22, 1, 10)),
]

/// The suites that run espeak-ng, lame and a Python FTP server: one test at a time, so that they
/// do not take both cores from the rest of the (parallel) test run.
@Suite(.serialized) enum RadioSpeechSuites {}
