/// One part of a delivery that the remote side accepts or refuses on its own: one recipient of an
/// email delivery. A channel that sends in parts reports each part's outcome, and the engine records
/// them with the attempt, so a retry sends only the parts that are still open.
public struct PartOutcome: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        /// Accepted by the remote side: never sent again.
        case delivered
        /// Temporarily refused: tried again with the delivery's next attempt.
        case retry
        /// Permanently refused: not tried again (unless a person re-queues the delivery).
        case failed
    }

    /// The part's key, stable across attempts (the recipient's address).
    public var part: String
    public var state: State
    /// The remote side's reply code (SMTP 250, 451, 550…), when there was one.
    public var code: Int?
    /// The remote side's reply text, or what went wrong.
    public var message: String?
    /// The id the part has on the remote side, or that we gave it (the Message-ID).
    public var remoteID: String?

    public init(part: String, state: State, code: Int? = nil, message: String? = nil, remoteID: String? = nil) {
        self.part = part
        self.state = state
        self.code = code
        self.message = message
        self.remoteID = remoteID
    }
}

/// The result of one publish attempt of a channel that sends in parts: the delivery's outcome and the
/// outcome of each part tried in this attempt.
///
/// The outcome follows from the parts, counting those finished in earlier attempts
/// (``PublishRequest/finishedParts``): `delivered` when every part is delivered; `retry` while some part
/// may still succeed; `failed` when every part is final and some failed.
///
/// It also carries the channel's advice about pacing: ``holdChannel``.
public struct PartedOutcome: Sendable, Equatable {
    public var outcome: PublishOutcome
    /// The parts tried in this attempt, in the order they were tried.
    public var parts: [PartOutcome]
    /// The platform asked us to slow down (usage near its limit, throttled with a time to wait): the
    /// engine starts no other send on this channel for this long, counted on its clock from when the
    /// attempt ended. Channels never sleep themselves. Independent of the outcome: a delivered post can
    /// come back with a usage header at 95%.
    public var holdChannel: Duration?

    public init(_ outcome: PublishOutcome, parts: [PartOutcome] = [], holdChannel: Duration? = nil) {
        self.outcome = outcome
        self.parts = parts
        self.holdChannel = holdChannel
    }
}
