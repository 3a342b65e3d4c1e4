import ChannelKit
import Foundation
import Testing

@testable import Radio

/// Bulletins on record (`radio.bulletin` for the reports): each bulletin once its air time has come,
/// with the station's unit, the airtime its manifest estimates, and its items in bulletin order.
@Suite struct RadioRecordTests {
    @Test func aBulletinIsOnRecordOnceItsAirTimeHasComeWithTheManifestsAirtime() async throws {
        let folder = try TempFolder()
        let clock = ManualClock(local(2026, 11, 22, 1, 30))
        let channel = makeChannel(folder, clock: clock)
        for i in corpusItems { _ = await channel.publish(request(i)) }
        // After the 06:00 bulletin closed, an item goes to 17:00.
        clock.set(local(2026, 11, 22, 5, 55))
        _ = await channel.publish(request(item("chieu", "Tin buổi chiều", "Nội dung.")))

        // Before 06:00 nothing has aired; the engine is told when to look again.
        let early = await channel.records(upTo: local(2026, 11, 22, 5, 59))
        #expect(early.records.isEmpty)
        #expect(early.next == local(2026, 11, 22, 6, 0))

        let at6 = await channel.records(upTo: local(2026, 11, 22, 6, 0))
        let record = try #require(at6.records.first)
        #expect(at6.records.count == 1)
        #expect(record.event == "radio.bulletin" && record.key == "tan-lap/2026-11-22-0600")
        #expect(record.reference == "2026-11-22-0600" && record.occurredAt == local(2026, 11, 22, 6, 0))
        #expect(record.unit == "xã Tân Lập")  // no unit configured: the commune
        #expect(record.itemIDs == ["son-la-2019", "lang-son-2023", "thai-nguyen-2022"])
        #expect(record.detail == "Đài truyền thanh xã Tân Lập: 3 tin")
        let manifest = try folder.json("out/2026-11-22-0600.manifest.json")
        #expect(record.durationSeconds == manifest["estimated_seconds"] as? Double)
        #expect(at6.next == local(2026, 11, 22, 17, 0))

        // A ledger written before airtimes were kept still loads, and the airtime is worked out again.
        let ledgerPath = folder.path + "/state/radio/radio-xa/tan-lap.json"
        var ledger = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ledgerPath))) as? [String: Any]
        )
        #expect(ledger["airtime"] != nil)
        ledger["airtime"] = nil
        try JSONSerialization.data(withJSONObject: ledger).write(to: URL(fileURLWithPath: ledgerPath))
        let again = await channel.records(upTo: local(2026, 11, 22, 6, 0))
        #expect(again.records.first?.durationSeconds == record.durationSeconds)

        // Asked again later, it lists the same bulletin again (the store keeps it once) and the next one.
        let evening = await channel.records(upTo: local(2026, 11, 22, 17, 0))
        #expect(evening.records.map(\.key) == ["tan-lap/2026-11-22-0600", "tan-lap/2026-11-22-1700"])
        #expect(evening.records[1].itemIDs == ["chieu"])
        #expect(evening.next == nil)
    }

    @Test func anEmergencyBulletinIsOnRecordAtOnceAndTheConfiguredUnitCounts() async throws {
        let folder = try TempFolder()
        let clock = ManualClock(local(2026, 11, 22, 8, 15, 30))
        var settings = RadioSettings(stations: [station(folder.path + "/out")])
        settings.stations[0].unit = "UBND xã Tân Lập"
        let channel = RadioChannel(
            name: "radio-xa", settings: settings,
            context: ChannelContext(
                name: "radio-xa", timeZone: hanoi, stateDirectory: folder.path + "/state", logger: .init(label: "t")),
            clock: clock.function)
        let e = item("e1", "Bão số 5 sắp đổ bộ", "Đề nghị bà con chằng chống nhà cửa.", priority: .emergency)
        _ = await channel.publish(request(e))
        let now = await channel.records(upTo: clock.now)
        #expect(now.records.map(\.key) == ["tan-lap/khan-cap-2026-11-22-081530"])
        #expect(now.records.first?.unit == "UBND xã Tân Lập")
        #expect((now.records.first?.durationSeconds ?? 0) > 0)
    }

    @Test func aBulletinsAirTimeIsReadFromItsID() {
        let channel = makeChannel(try! TempFolder(), clock: ManualClock(local(2026, 11, 22, 1, 30)))
        #expect(channel.airTime(ofBulletin: "2026-11-25-0600") == local(2026, 11, 25, 6, 0))
        #expect(channel.airTime(ofBulletin: "khan-cap-2026-11-25-081530") == local(2026, 11, 25, 8, 15, 30))
        #expect(channel.airTime(ofBulletin: "2026-11-25") == nil)
        #expect(channel.airTime(ofBulletin: "ban-tin-2026-11-25-06") == nil)
    }
}
