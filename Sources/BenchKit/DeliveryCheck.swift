/// Whether a sink received exactly the deliveries a run should make: each item on each channel once.
///
/// A delivery is a channel (the sink's `/hook/<channel>` path) and an `X-CCHC-Delivery` value, which
/// the webhook channel sets to `<item id>/<channel>`; so a request whose header names another channel
/// than its path, or an item not in the run, is ``unexpected``.
public struct DeliveryCheck: Sendable, Equatable {
    /// Deliveries the run should make: items × channels.
    public var expected: Int
    /// Expected deliveries the sink received at least once.
    public var received: Int
    /// Expected deliveries the sink never received (`<item id>/<channel>`), sorted.
    public var missing: [String]
    /// Deliveries received more than once, with how often, sorted by delivery id.
    public var duplicated: [SinkDelivery]
    /// Requests for deliveries the run did not make, sorted by delivery id.
    public var unexpected: [SinkDelivery]

    /// True when every expected delivery arrived exactly once and nothing else arrived.
    public var isClean: Bool { missing.isEmpty && duplicated.isEmpty && unexpected.isEmpty }

    /// Compares what the sink counted with `items` × `channels`.
    public init(deliveries: [SinkDelivery], items: [String], channels: [String]) {
        var wanted: Set<String> = []
        for item in items {
            for channel in channels { wanted.insert("\(channel)\n\(item)/\(channel)") }
        }
        var seen: Set<String> = []
        var duplicated: [SinkDelivery] = []
        var unexpected: [SinkDelivery] = []
        for delivery in deliveries {
            let key = "\(delivery.channel)\n\(delivery.deliveryID)"
            if wanted.contains(key) {
                seen.insert(key)
                if delivery.count > 1 { duplicated.append(delivery) }
            } else {
                unexpected.append(delivery)
            }
        }
        expected = wanted.count
        received = seen.count
        missing = wanted.subtracting(seen).map { $0.split(separator: "\n").last.map(String.init) ?? $0 }.sorted()
        self.duplicated = duplicated.sorted { $0.deliveryID < $1.deliveryID }
        self.unexpected = unexpected.sorted { ($0.deliveryID, $0.channel) < ($1.deliveryID, $1.channel) }
    }

    /// One line per problem, at most `limit` of each kind, for the operator.
    public func problems(limit: Int = 10) -> [String] {
        var lines: [String] = []
        if !missing.isEmpty {
            lines.append(
                "\(missing.count) of \(expected) deliveries never reached the sink: "
                    + missing.prefix(limit).joined(separator: ", ") + (missing.count > limit ? ", …" : ""))
        }
        if !duplicated.isEmpty {
            lines.append(
                "\(duplicated.count) deliveries reached the sink more than once: "
                    + duplicated.prefix(limit).map { "\($0.deliveryID) ×\($0.count)" }.joined(separator: ", ")
                    + (duplicated.count > limit ? ", …" : ""))
        }
        if !unexpected.isEmpty {
            lines.append(
                "\(unexpected.count) requests the run did not make reached the sink: "
                    + unexpected.prefix(limit).map {
                        "/hook/\($0.channel) with X-CCHC-Delivery \"\($0.deliveryID)\" ×\($0.count)"
                    }.joined(separator: ", ") + (unexpected.count > limit ? ", …" : ""))
        }
        return lines
    }
}
