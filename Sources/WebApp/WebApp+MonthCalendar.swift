import Config
import Foundation
import Hummingbird
import Queue

extension WebApp {
    /// Lịch tháng: the month's deliveries in a Monday-first grid, for every channel or one (`kenh`), with
    /// each channel's slots, quiet hours and radio stations' air times above it; each entry links to its item.
    func addMonthCalendar(to router: Router<BasicRequestContext>) {
        router.get("/lich/thang") { request, _ in
            let officer = try await self.requireGet(request)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = self.timeZone
            calendar.firstWeekday = 2
            let query = request.uri.queryParameters
            let channel = query["kenh"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            if let channel, !self.channelOrder.contains(channel) {
                throw WebError.badRequest("Kênh \"\(channel)\" không có trong cấu hình.")
            }
            var first: Date
            if let text = query["thang"].map(String.init) {
                guard let d = self.parseLocal(text + "-01T00:00"), text.count == 7 else {
                    throw WebError.badRequest("Tháng \"\(text)\" không đúng dạng YYYY-MM.")
                }
                first = d
            } else {
                first = calendar.dateInterval(of: .month, for: self.clock())?.start ?? self.clock()
            }
            guard let month = calendar.dateInterval(of: .month, for: first),
                let gridStart = calendar.dateInterval(of: .weekOfYear, for: month.start)?.start,
                let lastWeek = calendar.dateInterval(of: .weekOfYear, for: month.end.addingTimeInterval(-1))
            else { throw WebError.notFound }
            first = month.start
            let gridEnd = lastWeek.end
            let rows = try await self.store.schedule(from: gridStart, to: gridEnd, limit: 5000)
                .filter {
                    officer.account.covers(unit: $0.1.content.unit) && (channel == nil || $0.0.channel == channel)
                }
            var byDay: [Date: [[String: Any]]] = [:]
            for (d, item) in rows {
                let at = d.deliveredAt ?? d.dueAt
                byDay[calendar.startOfDay(for: at), default: []].append([
                    "time": String(self.display(at).suffix(5)), "channel": d.channel, "item_id": item.id,
                    "title": item.content.title, "state": d.state.rawValue,
                ])
            }
            var weeks: [[String: Any]] = []
            var day = gridStart
            while day < gridEnd {
                var days: [[String: Any]] = []
                for _ in 0..<7 {
                    let c = calendar.dateComponents([.day, .month], from: day)
                    days.append([
                        "day": c.month == calendar.component(.month, from: first)
                            ? "\(c.day ?? 0)" : String(format: "%d/%d", c.day ?? 0, c.month ?? 0),
                        "other": !month.contains(day), "entries": byDay[day] ?? [],
                    ])
                    day = calendar.date(byAdding: .day, value: 1, to: day) ?? gridEnd
                }
                weeks.append(["days": days])
            }
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = self.timeZone
            f.dateFormat = "yyyy-MM"
            let c = calendar.dateComponents([.month, .year], from: first)
            return self.page(
                "month", title: "Lịch tháng", officer: officer,
                [
                    "label": "\(c.month ?? 0)/\(c.year ?? 0)", "month": f.string(from: first),
                    "previous": f.string(from: calendar.date(byAdding: .month, value: -1, to: first) ?? first),
                    "next": f.string(from: calendar.date(byAdding: .month, value: 1, to: first) ?? first),
                    "channel": channel ?? false,
                    "channel_query": channel.map {
                        "&kenh=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                    } ?? "",
                    "channels": self.channelOrder.map { ["name": $0, "selected": $0 == channel] },
                    "rules": self.channelRules(only: channel),
                    "weekdays": ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"],
                    "weeks": weeks,
                ])
        }
    }

    /// Each channel's time rules from the configuration: slots, quiet hours, radio stations' air times.
    func channelRules(only channel: String?) -> [[String: Any]] {
        guard let config else { return [] }
        return config.channels.filter { channel == nil || $0.name == channel }.compactMap { c -> [String: Any]? in
            let slots = c.settings.slots.map { $0.start.description }
            let stations = c.stationSlots.filter { !$0.starts.isEmpty }
            guard !slots.isEmpty || c.settings.quietHours != nil || !stations.isEmpty else { return nil }
            return [
                "name": c.name, "slots": slots.isEmpty ? false : slots.joined(separator: ", "),
                "quiet": c.settings.quietHours.map { "\($0.from)–\($0.to)" } ?? false,
                "stations": stations.map { ["station": $0.station, "times": $0.starts.joined(separator: ", ")] },
            ]
        }
    }
}
