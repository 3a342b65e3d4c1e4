import Foundation
import Hummingbird
import Queue
import Reports

extension WebApp {
    /// Phản hồi: what citizens sent back through the channels (comments, reactions, messages), counted per
    /// channel and per item, with the newest; `?bai=ID` for one item. Events about another unit's items are
    /// not shown; events about no item of ours only to accounts of every unit.
    func addFeedback(to router: Router<BasicRequestContext>) {
        router.get("/phan-hoi") { request, _ in
            let officer = try await self.requireGet(request)
            let account = officer.account
            let allUnits = account.units.contains(Account.allUnits)
            var item: ItemRecord?
            if let id = request.uri.queryParameters["bai"].map(String.init) {
                item = try await self.visibleItem(id, for: officer)
            }
            let counts = try await self.store.inboundCounts(InboundEventFilter(itemID: item?.id))
                .filter { c in c.itemUnit.map { account.covers(unit: $0) } ?? allUnits }
            var byChannel: [String: Int] = [:]
            for c in counts { byChannel["\(c.channel)\u{1F}\(c.kind)", default: 0] += c.count }
            let channelRows = byChannel.sorted { $0.key < $1.key }.map { key, count -> [String: Any] in
                let parts = key.split(separator: "\u{1F}", maxSplits: 1).map(String.init)
                return ["channel": parts[0], "kind": Labels.interactionKind(parts[1]), "count": count]
            }
            let itemRows = counts.filter { $0.itemID != nil }.sorted {
                ($1.count, $0.itemID ?? "") < ($0.count, $1.itemID ?? "")
            }
            .prefix(200).map { c -> [String: Any] in
                [
                    "item_id": c.itemID ?? "", "title": c.itemTitle ?? c.itemID ?? "", "channel": c.channel,
                    "kind": Labels.interactionKind(c.kind), "count": c.count,
                ]
            }
            // The newest events this account may see: read more than shown, since some are filtered out.
            let recent = try await self.store.inboundEvents(InboundEventFilter(itemID: item?.id, limit: 200))
            var units: [String: String] = [:]
            for id in Set(recent.compactMap(\.itemID)) {
                if let unit = try await self.store.item(id)?.content.unit { units[id] = unit }
            }
            let events = recent.filter { e in
                e.itemID.flatMap { units[$0] }.map { account.covers(unit: $0) } ?? allUnits
            }.prefix(50).map { e -> [String: Any] in
                [
                    "at": self.display(e.event.occurredAt), "channel": e.channel,
                    "kind": Labels.interactionKind(e.event.kind), "text": e.event.text ?? e.event.detail ?? "",
                    "item_id": e.itemID ?? false,
                ]
            }
            return self.page(
                "feedback", title: "Phản hồi", officer: officer,
                [
                    "item_id": item?.id ?? false, "item_title": item?.content.title ?? false,
                    "by_channel": channelRows, "by_item": Array(itemRows), "events": Array(events),
                ])
        }
    }
}
