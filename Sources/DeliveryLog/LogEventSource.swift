/// Where the delivery log's events come from: the store (Queue's `Store` refines this). The log is a
/// projection of it: an event is there only once the transaction that recorded it has committed.
public protocol LogEventSource: Sendable {
    /// Events with a sequence number above `seq`, in order, at most `limit`.
    func logEvents(after seq: Int64, limit: Int) async throws -> [LogEvent]
    /// The highest sequence number, or 0.
    func lastLogSeq() async throws -> Int64
    /// Hints that something was committed (see ``CommitHint``). Each call returns a new stream; it
    /// ends when the source closes or the caller stops iterating.
    func commitHints() -> AsyncStream<CommitHint>
}

/// A hint that the store may hold something new. Hints are coalesced (several commits may give one
/// hint) and may be spurious (a commit that wrote no log event): a reader looks, it never counts.
public enum CommitHint: Sendable, Hashable {
    /// This process committed (the engine, the inbox, the listener, the web app).
    case here
    /// Another process committed (`cchc`).
    case elsewhere
}
