import Foundation

/// Which items to list.
public struct ItemFilter: Sendable {
    public var statuses: [ItemStatus]?
    public var channel: String?
    public var unit: String?
    /// Exactly this source (`inbox:file.md#hash`): how the inbox recognises a file it already took in.
    public var source: String?
    /// Created at or after.
    public var from: Date?
    /// Created before.
    public var to: Date?
    public var limit: Int?

    public init(
        statuses: [ItemStatus]? = nil, channel: String? = nil, unit: String? = nil, source: String? = nil,
        from: Date? = nil, to: Date? = nil, limit: Int? = nil
    ) {
        self.statuses = statuses
        self.channel = channel
        self.unit = unit
        self.source = source
        self.from = from
        self.to = to
        self.limit = limit
    }
}
