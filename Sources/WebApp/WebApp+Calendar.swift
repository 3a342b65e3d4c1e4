import ChannelKit
import Foundation
import Hummingbird
import Queue

extension WebApp {
    /// Lịch: the week's deliveries per day and channel (delivered ones at their delivery time, waiting
    /// ones at their due time, already fitted to slots and quiet hours), each a link to its item.
    func addCalendar(to router: Router<BasicRequestContext>) {
        router.get("/lich") { request, _ in
            let officer = try await self.requireGet(request)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = self.timeZone
            calendar.firstWeekday = 2
            let day =
                request.uri.queryParameters["tuan"].flatMap { self.parseLocal(String($0) + "T00:00") } ?? self.clock()
            guard let week = calendar.dateInterval(of: .weekOfYear, for: day) else { throw WebError.notFound }
            let rows = try await self.store.schedule(from: week.start, to: week.end, limit: 2000)
                .filter { officer.account.covers(unit: $0.1.content.unit) }
            var days: [[String: Any]] = []
            for offset in 0..<7 {
                guard let start = calendar.date(byAdding: .day, value: offset, to: week.start),
                    let end = calendar.date(byAdding: .day, value: 1, to: start)
                else { continue }
                let entries = rows.filter { (d, _) in
                    let at = d.deliveredAt ?? d.dueAt
                    return at >= start && at < end
                }.map { (d, item) -> [String: Any] in
                    let at = d.deliveredAt ?? d.dueAt
                    return [
                        "time": String(self.display(at).suffix(5)), "channel": d.channel, "item_id": item.id,
                        "title": item.content.title, "state": d.state.rawValue, "state_label": d.state.label,
                    ]
                }
                let c = calendar.dateComponents([.day, .month, .weekday], from: start)
                let weekday = ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"][
                    (c.weekday ?? 1) - 1]
                days.append([
                    "label": String(format: "%@ %02d/%02d", weekday, c.day ?? 0, c.month ?? 0), "entries": entries,
                    "empty": entries.isEmpty,
                ])
            }
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = self.timeZone
            f.dateFormat = "yyyy-MM-dd"
            let last = calendar.date(byAdding: .day, value: 6, to: week.start) ?? week.start
            return self.page(
                "calendar", title: "Lịch", officer: officer,
                [
                    "days": days, "range": "\(self.display(week.start).prefix(10)) – \(self.display(last).prefix(10))",
                    "previous": f.string(from: week.start.addingTimeInterval(-7 * 86400)),
                    "next": f.string(from: week.start.addingTimeInterval(7 * 86400)),
                ])
        }
    }
}
