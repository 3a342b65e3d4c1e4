import Foundation

/// Counts for status lines and metrics.
public struct QueueStats: Sendable, Hashable, Codable {
    public var itemsByStatus: [String: Int]
    public var deliveriesByState: [String: Int]
    /// Deliveries waiting (pending or retry-wait) per channel name, configured or not.
    public var waitingByChannel: [String: Int]
    public init(
        itemsByStatus: [String: Int] = [:], deliveriesByState: [String: Int] = [:],
        waitingByChannel: [String: Int] = [:]
    ) {
        self.itemsByStatus = itemsByStatus
        self.deliveriesByState = deliveriesByState
        self.waitingByChannel = waitingByChannel
    }
}
