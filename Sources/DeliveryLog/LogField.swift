/// The delivery log's field names (docs/delivery-log.md, "Fields"): the one list, used by the
/// encoder that writes lines and the scanner that reads them. Add, never rename.
///
/// The cases are in the order the encoder writes keys (sorted by name, `seq` first).
public enum LogField: Int, CaseIterable, Sendable {
    case seq
    case actor, attempt, bulletinID, channel, channelType, code, deliveryID, detail, dueAt, durationMS, durationS
    case error, errorClass, event, itemID, itemTitle, kind, occurredAt, part, partState, remoteID, retryAt, state
    case topic, ts, unit, url, v

    /// The key as written in the line.
    public var name: String {
        switch self {
        case .seq: "seq"
        case .actor: "actor"
        case .attempt: "attempt"
        case .bulletinID: "bulletin_id"
        case .channel: "channel"
        case .channelType: "channel_type"
        case .code: "code"
        case .deliveryID: "delivery_id"
        case .detail: "detail"
        case .dueAt: "due_at"
        case .durationMS: "duration_ms"
        case .durationS: "duration_s"
        case .error: "error"
        case .errorClass: "error_class"
        case .event: "event"
        case .itemID: "item_id"
        case .itemTitle: "item_title"
        case .kind: "kind"
        case .occurredAt: "occurred_at"
        case .part: "part"
        case .partState: "part_state"
        case .remoteID: "remote_id"
        case .retryAt: "retry_at"
        case .state: "state"
        case .topic: "topic"
        case .ts: "ts"
        case .unit: "unit"
        case .url: "url"
        case .v: "v"
        }
    }

    /// `"name":` as UTF-8, per field: the encoder appends these without building strings.
    static let quotedKeys: [[UInt8]] = allCases.map { Array("\"\($0.name)\":".utf8) }
}
