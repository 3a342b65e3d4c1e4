import ChannelKit
import Foundation

/// One try of one delivery. Append-only.
public struct AttemptRecord: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Codable {
        case delivered
        case retry
        case failed
        /// Cut short before an answer: by a stop of the daemon (recorded at recovery, error class
        /// `interrupted`), or by a lost answer (error class `uncertain`). Whether it took effect is unknown.
        case interrupted
    }

    public var deliveryID: String
    public var number: Int
    public var startedAt: Date
    public var finishedAt: Date
    public var outcome: Outcome
    public var errorClass: String?
    public var message: String?
    public var code: Int?
    public var remoteID: String?
    public var url: String?

    public init(
        deliveryID: String, number: Int, startedAt: Date, finishedAt: Date, outcome: Outcome,
        errorClass: String? = nil, message: String? = nil, code: Int? = nil, remoteID: String? = nil,
        url: String? = nil
    ) {
        self.deliveryID = deliveryID
        self.number = number
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.errorClass = errorClass
        self.message = message
        self.code = code
        self.remoteID = remoteID
        self.url = url
    }

    public var durationMilliseconds: Int { Int((finishedAt.timeIntervalSince(startedAt) * 1000).rounded()) }
}

/// One part's outcome in one attempt, as stored.
public struct AttemptPartRecord: Sendable, Hashable {
    public var deliveryID: String
    /// The attempt's number.
    public var attempt: Int
    public var outcome: PartOutcome
    public var at: Date

    public init(deliveryID: String, attempt: Int, outcome: PartOutcome, at: Date) {
        self.deliveryID = deliveryID
        self.attempt = attempt
        self.outcome = outcome
        self.at = at
    }
}
