import ChannelKit
import Config
import Engine
import Foundation
import Hummingbird
import Queue
import Scheduling

extension WebApp {
    /// Bản nháp: an author's own drafts (saved with "Lưu nháp" on the compose page), to edit and submit.
    func addDrafts(to router: Router<BasicRequestContext>) {
        router.get("/nhap") { request, _ in
            let officer = try await self.requireGet(request)
            guard officer.has(.author) else { throw WebError.forbidden }
            let units = officer.account.units.contains(Account.allUnits) ? nil : officer.account.units
            let drafts = try await self.store.itemPage(
                ItemPageQuery(
                    statuses: [.draft], units: units, source: "web:\(officer.account.login)", limit: 200))
            return self.page(
                "drafts", title: "Bản nháp", officer: officer,
                [
                    "drafts": drafts.rows.map { row -> [String: Any] in
                        [
                            "id": row.item.id, "title": row.item.content.title, "unit": row.item.content.unit,
                            "updated": self.display(row.item.updatedAt),
                            "channels": row.item.content.channels.joined(separator: ", "),
                        ]
                    }
                ])
        }
    }

    /// The draft `id` when `officer` wrote it and may still edit it; 404 otherwise (nobody else's drafts
    /// are revealed), 409 once it was submitted.
    func ownDraft(_ id: String, for officer: Officer) async throws -> ItemRecord {
        let item = try await visibleItem(id, for: officer)
        guard try await authors(of: item.id).contains(officer.account.login) else { throw WebError.notFound }
        guard item.status == .draft else {
            throw WebError(status: .conflict, message: "Bài \(item.id) không còn là bản nháp nên không sửa ở đây được.")
        }
        return item
    }

    /// The compose form filled with a stored item.
    func form(of item: ItemRecord) -> Form {
        let c = item.content
        var fields: [String: [String]] = [
            "title": [c.title], "body": [c.body], "unit": [c.unit], "topic": [c.topic],
            "priority": [c.priority.rawValue], "channels": c.channels,
        ]
        if let summary = c.summary { fields["summary"] = [summary] }
        if let caption = c.media.first?.caption { fields["caption"] = [caption] }
        if let publishAt = c.publishAt { fields["publish_at"] = [localInput(publishAt)] }
        return Form(fields: fields)
    }

    /// The name of the image this app uploaded for the item, if it has one.
    func uploadName(of item: ItemRecord) -> String? {
        for media in item.content.media {
            guard let path = media.path, path.hasPrefix(settings.mediaDirectory + "/") else { continue }
            let name = String(path.dropFirst(settings.mediaDirectory.count + 1))
            if Self.isUploadName(name) { return name }
        }
        return nil
    }

    /// The next times a delivery of `channel` could go out after `date`: the channel's slots outside its
    /// quiet hours (``ChannelPolicy``), or a radio channel's stations' air times. Empty when the channel
    /// sends as soon as an item is approved.
    func nextSlots(channel name: String, after date: Date, count: Int = 3) -> [Date] {
        guard let channel = config?.channel(named: name) else { return [] }
        let policy = ChannelPolicy(settings: channel.settings, timeZone: timeZone)
        if !channel.settings.slots.isEmpty || channel.settings.quietHours != nil {
            var out: [Date] = []
            var t = date
            while out.count < count {
                let next = policy.fit(t)
                // No slots, only quiet hours: the first time out of them is the only suggestion.
                if channel.settings.slots.isEmpty {
                    if next != date { out.append(next) }
                    break
                }
                out.append(next)
                // Past the slot that is open then: the next one.
                t = next.addingTimeInterval(channel.settings.slots.map(\.length.seconds).max() ?? 60)
            }
            return out
        }
        let starts = Set(channel.stationSlots.flatMap(\.starts)).compactMap(TimeOfDay.init).sorted()
        guard !starts.isEmpty else { return [] }
        var out: [Date] = []
        var day = policy.startOfDay(date)
        while out.count < count {
            for s in starts {
                guard
                    let at = policy.calendar.date(
                        bySettingHour: s.minutes / 60, minute: s.minutes % 60, second: 0, of: day)
                else { continue }
                if at > date && out.count < count { out.append(at) }
            }
            day = policy.startOfNextDay(day)
        }
        return out
    }
}
