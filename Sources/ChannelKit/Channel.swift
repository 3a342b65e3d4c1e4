import Logging

/// A channel: one configured destination (a portal, a Facebook page, a webhook receiver, a radio station…).
///
/// `ChannelKit` is to channels what `Logging` is to log backends: the engine talks to every channel
/// through this protocol, and each plugin is an implementation.
///
/// Implementation requirements (the contract the engine relies on):
/// - `publish` returns exactly one outcome for the request it is given, and never throws: every
///   failure is classified as ``PublishOutcome/retry(_:after:)`` or ``PublishOutcome/failed(_:)``.
/// - A channel never retries by itself, never sleeps for rate limits, and never writes to the
///   store: the engine schedules retries, applies the channel's rate rules and records outcomes.
/// - `publish` honours task cancellation: when the task is cancelled it stops as soon as it
///   safely can and returns a retryable outcome.
/// - When ``PublishRequest/previousAttemptInterrupted`` is true, an earlier attempt may have
///   reached the remote side. A channel whose ``ChannelTraits/idempotent`` is true must make sure
///   the item is not published twice (look it up first, or send an idempotency key the remote
///   side honours).
/// - Error messages never contain secrets (tokens, passwords, signatures).
public protocol Channel: Sendable {
    /// The channel's name from the configuration (`portal-tinh`).
    var name: String { get }
    /// The channel's type word (`portal`, `webhook`, `exec`…).
    var type: String { get }
    /// What the engine may assume about this channel.
    var traits: ChannelTraits { get }

    /// Checks an item against the channel's own rules (length limits, required media). Runs when
    /// the item is queued, so problems surface long before the publish time.
    func validate(_ item: ChannelItem) -> [ValidationProblem]

    /// Publishes one item.
    func publish(_ request: PublishRequest) async -> PublishOutcome

    /// Publishes one item in parts (one message per recipient), reporting each part's outcome.
    ///
    /// The engine calls this method. The default publishes in one piece through ``publish(_:)`` and
    /// reports no parts; a channel whose deliveries have parts implements it, skips the parts in
    /// ``PublishRequest/finishedParts`` and derives the outcome from all the parts (see ``PartedOutcome``).
    func publishInParts(_ request: PublishRequest) async -> PartedOutcome

    /// Checks credentials and reachability without publishing anything, for `cchc channel check`.
    /// Returns a short human description of what was checked ("trang Sở Nội vụ (id 123)").
    func check() async throws(ChannelError) -> String

    /// Takes down a post this channel published (`cchc item retract`), given the delivery's result.
    /// A post that is already gone counts as taken down. Returns a short note for the log ("đã xoá
    /// bài 123_456"), or nil. Only channels whose ``ChannelTraits/supportsRetraction`` is true implement it.
    func retract(_ result: ChannelResult, logger: Logger) async throws(ChannelError) -> String?
}

extension Channel {
    public func validate(_ item: ChannelItem) -> [ValidationProblem] { [] }

    public func publishInParts(_ request: PublishRequest) async -> PartedOutcome {
        PartedOutcome(await publish(request))
    }

    public func check() async throws(ChannelError) -> String {
        throw ChannelError(.unsupported, "kênh loại \(type) không hỗ trợ kiểm tra")
    }

    public func retract(_ result: ChannelResult, logger: Logger) async throws(ChannelError) -> String? {
        throw ChannelError(.unsupported, "kênh loại \(type) không hỗ trợ gỡ bài đã đăng")
    }
}

/// What the engine may assume about a channel.
public struct ChannelTraits: Sendable, Hashable {
    /// Re-publishing after an interrupted attempt never creates a duplicate (the channel checks or
    /// the remote side deduplicates). A non-idempotent channel's interrupted deliveries become
    /// `uncertain`, for a person to resolve.
    public var idempotent: Bool
    /// Deletes published items (`cchc item retract`).
    public var supportsRetraction: Bool
    /// Every request that can change something remotely goes through the HTTP transport (`Transport.HTTPClient`),
    /// which tells the engine the moment it hands one to the network. The engine then knows, after a crash,
    /// which claimed deliveries never left (they are sent again instead of becoming `uncertain`). False: the
    /// engine counts a send as started when it calls the channel.
    public var reportsSends: Bool

    public init(idempotent: Bool, supportsRetraction: Bool = false, reportsSends: Bool = false) {
        self.idempotent = idempotent
        self.supportsRetraction = supportsRetraction
        self.reportsSends = reportsSends
    }
}

/// One delivery of one item to one channel, as the channel sees it.
public struct PublishRequest: Sendable {
    /// The delivery's identifier in the store; stable across attempts. Channels send it where the
    /// remote side can deduplicate on it (`X-CCHC-Delivery` header, idempotency keys).
    public var deliveryID: String
    /// 1 for the first attempt.
    public var attempt: Int
    /// An earlier attempt may have reached the remote side (the daemon stopped while it was in flight).
    public var previousAttemptInterrupted: Bool
    public var item: ChannelItem
    /// Results of this item's other channels that are already delivered, by channel name (the
    /// `after:` dependency's result among them): a Facebook post links to the portal article.
    public var earlierResults: [String: ChannelResult]
    /// Parts of this delivery finished in earlier attempts, by part key: `delivered` ones (never sent
    /// again) and `failed` ones since the delivery was last re-queued by a person. Empty for channels
    /// that do not send in parts.
    public var finishedParts: [String: PartOutcome]
    /// The store's installation id (random per store, kept in its backups). A channel that looks its posts up
    /// after a lost answer puts it, with the item id and content hash, in a mark on the post, so it never
    /// takes a post another installation made — or one this store made for a different item under a reused
    /// id — for its own. Empty when unknown (tests).
    public var installationID: String = ""
    public var logger: Logger

    public init(
        deliveryID: String, attempt: Int, previousAttemptInterrupted: Bool = false, item: ChannelItem,
        earlierResults: [String: ChannelResult] = [:], finishedParts: [String: PartOutcome] = [:], logger: Logger
    ) {
        self.finishedParts = finishedParts
        self.deliveryID = deliveryID
        self.attempt = attempt
        self.previousAttemptInterrupted = previousAttemptInterrupted
        self.item = item
        self.earlierResults = earlierResults
        self.logger = logger
    }
}

/// What a delivered channel produced: the remote id and public URL.
public struct ChannelResult: Sendable, Hashable, Codable {
    public var remoteID: String?
    public var url: String?

    public init(remoteID: String? = nil, url: String? = nil) {
        self.remoteID = remoteID
        self.url = url
    }
}

/// The result of one publish attempt.
public enum PublishOutcome: Sendable, Equatable {
    /// Published. `detail` is a short note kept with the attempt (e.g. "found by slug; not re-posted").
    case delivered(ChannelResult, detail: String? = nil)
    /// A temporary failure: the engine retries, no earlier than `after` when given (Retry-After).
    case retry(ChannelError, after: Duration? = nil)
    /// A permanent failure: retrying will not help (bad credentials, rejected content).
    case failed(ChannelError)
}

/// A problem an item has for a channel, found at intake.
public struct ValidationProblem: Sendable, Hashable, CustomStringConvertible {
    /// The item field concerned (`title`, `media[0]`).
    public var field: String
    /// Vietnamese, for the officer.
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// A channel without idempotency keys (Facebook, Zalo) that can still find out what an interrupted
/// attempt did: it looks for the post among the platform's recent ones (by a marker, by the title).
///
/// When the daemon stopped in the middle of a send, the engine makes the delivery `uncertain`; at the
/// next start it asks the channel, and resolves the delivery by itself when the channel is sure
/// (`delivered` when found, sent again when certainly not published). Otherwise a person decides
/// (`cchc delivery resolve`).
public protocol InterruptionLookup: Channel {
    /// Looks for what an interrupted attempt of `request` may have published. Never publishes.
    func lookUpInterrupted(_ request: PublishRequest) async -> InterruptedLookup
}

/// What ``InterruptionLookup/lookUpInterrupted(_:)`` found.
public enum InterruptedLookup: Sendable, Equatable {
    /// Published after all: the delivery is delivered with this result.
    case found(ChannelResult, detail: String)
    /// Certainly not published: the delivery is sent again.
    case notPublished(detail: String)
    /// Cannot tell (not found where a late one could still appear, the platform unreachable): a
    /// person decides. `reason` says what to check.
    case undecided(reason: String)
}
