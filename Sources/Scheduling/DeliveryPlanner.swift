import Config
import Foundation
import Queue

/// Plans an approved item's deliveries: one per target channel, due at its publish time (or the
/// approval, whichever is later) fitted to the channel's slots and quiet hours.
public struct DeliveryPlanner: Sendable {
    public var config: DaemonConfig

    public init(config: DaemonConfig) { self.config = config }

    public func plan(_ item: ItemRecord) -> [PlannedDelivery] {
        let approvedAt = item.approvedAt ?? Date()
        let base = max(item.content.publishAt ?? approvedAt, approvedAt)
        return item.content.channels.compactMap { name in
            guard let channel = config.channel(named: name) else { return nil }
            let policy = ChannelPolicy(settings: channel.settings, timeZone: config.timeZone)
            // A dependency counts only when the item also targets that channel.
            let after = channel.settings.after.flatMap { item.content.channels.contains($0) ? $0 : nil }
            return PlannedDelivery(channel: name, channelType: channel.type, dueAt: policy.fit(base), after: after)
        }
    }
}
