import ChannelKit
import DeliveryLog
import Foundation

/// The queue's source of truth. The SQLite store implements it now; a PostgreSQL store implements
/// the same protocol and passes the same test suite later, so nothing here leans on SQLite.
///
/// Requirements every implementation meets:
/// - Each method is one transaction: it happens entirely or not at all.
/// - Every state change writes its delivery-log ``LogLine`` in the same transaction, under the
///   next sequence number (gap-free, strictly increasing); ``logEvents(after:limit:)`` reads them back.
/// - Every item operation by a person writes an audit row in the same transaction.
/// - Dates are stored with at least millisecond precision.
public protocol Store: LogEventSource {
    // MARK: Items (officers: `cchc`, the inbox)

    /// Adds an item (status `submitted`, or `approved` with its deliveries when `approval` is set and
    /// `plan` gives them). When `item.id` names an existing item, its content is replaced (an edit):
    /// allowed while none of its deliveries has started; an approved item whose content hash changes
    /// goes back to `submitted` and its waiting deliveries are removed.
    ///
    /// Drafts (`item.draft`): a new item becomes a `draft`; a draft edited as a draft stays one. A draft is
    /// not in the queue yet, so it writes audit rows but no delivery-log line; editing a draft without
    /// `draft` submits it (`item.submitted`, its first line). Only a draft can be saved as a draft
    /// (`.invalidState` otherwise), and a draft never arrives approved.
    /// - Returns: the stored record and whether it was created (false: an edit).
    /// - Throws: ``StoreError`` `.locked` when the item has deliveries that started, `.invalidState`
    ///   for final items.
    func addItem(_ item: NewItem, at: Date, plan: @Sendable (ItemRecord) -> [PlannedDelivery]) async throws(StoreError)
        -> (ItemRecord, created: Bool)

    /// Adds several items in one transaction (the inbox's batches): each as ``addItem(_:at:plan:)`` would,
    /// in order, one result per item. An item the store refuses (`.locked`, `.invalidState`, a bad id) is
    /// reported and the others are still stored. `newSourcesOnly`: an item whose `source` an earlier item
    /// already has is not added again (``ItemBatchResult/alreadyTaken(_:)``): the inbox's crash-safe retake.
    /// - Throws: only when the transaction itself fails (nothing of it is stored then).
    func addItems(_ items: [NewItem], newSourcesOnly: Bool, at: Date, plan: @Sendable (ItemRecord) -> [PlannedDelivery])
        async throws(StoreError) -> [ItemBatchResult]

    func item(_ id: String) async throws(StoreError) -> ItemRecord?
    func items(_ filter: ItemFilter) async throws(StoreError) -> [ItemRecord]
    func deliveries(itemID: String) async throws(StoreError) -> [DeliveryRecord]
    func delivery(_ id: String) async throws(StoreError) -> DeliveryRecord?
    func attempts(deliveryID: String) async throws(StoreError) -> [AttemptRecord]
    /// The parts' outcomes of a delivery sent in parts, in the order they were recorded.
    func attemptParts(deliveryID: String) async throws(StoreError) -> [AttemptPartRecord]

    /// A draft goes to `submitted` (its `item.submitted` line, an audit row `submit`).
    /// - Throws: `.invalidState` when the item is not a draft.
    func submit(itemID: String, by: String, at: Date) async throws(StoreError) -> ItemRecord
    /// A page of items with their deliveries, in one read: the queue pages and `cchc lich` show both.
    func itemPage(_ query: ItemPageQuery) async throws(StoreError) -> ItemPage
    /// Approves a `submitted` item as of its current content hash and creates its deliveries.
    func approve(itemID: String, by: String, at: Date, plan: @Sendable (ItemRecord) -> [PlannedDelivery])
        async throws(StoreError) -> ItemRecord
    /// Rejects a `submitted` or `approved` item; its waiting deliveries are cancelled.
    func reject(itemID: String, by: String, reason: String?, at: Date) async throws(StoreError) -> ItemRecord
    /// Cancels an item that is not final; its waiting deliveries are cancelled (a delivery in flight
    /// finishes; its outcome is still recorded).
    func cancel(itemID: String, by: String, reason: String?, at: Date) async throws(StoreError) -> ItemRecord
    /// Re-queues the item's `failed`, `expired` (only while the item has not expired) deliveries, or only
    /// the one for `channel`, due at `at`, with a fresh retry budget. Returns the re-queued deliveries.
    func retry(itemID: String, channel: String?, by: String, at: Date) async throws(StoreError) -> [DeliveryRecord]
    /// Deliveries in the `uncertain` state (oldest first), for the engine's look-up at start.
    func uncertainDeliveries() async throws(StoreError) -> [DeliveryRecord]
    /// Records that a person took a published post down (the channel already deleted it): the delivery
    /// stays `delivered` with `retractedAt`/`retractedBy` set; a `delivery.retracted` log line (state
    /// `retracted`) and an audit row are written.
    /// - Throws: `.notFound`; `.invalidState` when the delivery is not delivered or already retracted.
    func retract(deliveryID: String, by: String, detail: String?, at: Date) async throws(StoreError) -> DeliveryRecord
    /// A person's decision on an `uncertain` delivery.
    func resolve(deliveryID: String, _ resolution: Resolution, by: String, at: Date) async throws(StoreError)
        -> DeliveryRecord

    // MARK: Engine

    /// Takes back deliveries left `leased` by a process that stopped: leases whose expiry is before
    /// `before` (pass `.distantFuture` when this process holds the single-instance lock). Those of
    /// channels in `idempotentChannels`, and those `evidence` shows were never handed to the network (see
    /// ``SendEvidence``), return to `pending`, due at once, marked `interrupted`; the others become
    /// `uncertain`. An `interrupted` attempt is recorded for each.
    /// - Returns: how many went back to pending, and how many became uncertain.
    func recoverLeases(before: Date, idempotentChannels: Set<String>, evidence: SendEvidence, at: Date)
        async throws(StoreError) -> (requeued: Int, uncertain: Int)

    /// Marks `expired` every waiting delivery whose item's `expires_at` is at or before `now` (and the
    /// item, when nothing else of it is in flight). Returns how many deliveries expired.
    func expire(now: Date) async throws(StoreError) -> Int

    /// Leases up to `limit` deliveries of `channel` that are due (`due_at <= now`), waiting, of an
    /// approved item whose approval matches its content hash, whose `after:` channel (if any) is
    /// delivered. Order: due time, then priority (highest first), then item id. Each claimed delivery
    /// becomes `leased` by `owner` until `leaseUntil`, its `attempts` incremented. A delivery tried before
    /// comes with its finished parts: delivered ones, and failed ones since its last re-queue.
    func claimDue(channel: String, now: Date, limit: Int, owner: String, leaseUntil: Date) async throws(StoreError)
        -> [ClaimedDelivery]

    /// The earliest due time of a claimable delivery per channel (same conditions as ``claimDue``
    /// except the time), for the engine to sleep until.
    func nextDue(now: Date) async throws(StoreError) -> [String: Date]

    /// Records outcomes: each attempt row (with its parts and their `delivery.part` lines), the delivery's
    /// new state and its log line, all in one transaction. A `failed` delivery fails the waiting deliveries of the same item that depend on it
    /// (`after:`), with a log line each. Item statuses follow (`dispatching`, `done`, `partly-failed`, `failed`).
    func record(_ outcomes: [DeliveryOutcome], at: Date) async throws(StoreError)

    /// ``record(_:at:)``, ``release(_:owner:at:)`` of `releasing`, then
    /// ``claimDue(channel:now:limit:owner:leaseUntil:)`` for each channel, in one transaction when the store
    /// can (one commit per engine round). Returns the claimed deliveries by channel.
    func recordAndClaim(
        _ outcomes: [DeliveryOutcome], recordedAt: Date, releasing: [String], claims: [(channel: String, limit: Int)],
        now: Date, owner: String, leaseUntil: Date
    ) async throws(StoreError) -> [String: [ClaimedDelivery]]

    /// Gives back deliveries `owner` claimed but never started (the engine claims ahead of its sends): each
    /// becomes waiting again as it was before the claim (`pending`, or `retry-wait` when tried before), due
    /// as before, its `attempts` as before. No attempt is recorded and no log line written: nothing happened.
    /// A delivery no longer leased by `owner` is left alone.
    func release(_ deliveryIDs: [String], owner: String, at: Date) async throws(StoreError)

    /// Deliveries `delivered` since `since` (by delivery time), per channel: for `max_per_day`.
    func deliveredCounts(since: Date) async throws(StoreError) -> [String: Int]

    // MARK: Inbound events (webhooks)

    /// Stores events a channel received, in one transaction: an event whose key the channel already has
    /// is a redelivery and is dropped; each new one is linked to our item when one of the channel's
    /// deliveries has the event's `remoteRef` as its remote id, and gets its `inbound.<kind>` log line.
    /// - Throws: `.invalidState` naming the event when a kind is not a log-safe word or a key is empty
    ///   (nothing is stored then).
    func recordInbound(channel: String, channelType: String, events: [InboundEvent], at: Date)
        async throws(StoreError) -> StoredOnce
    /// Stores records a channel reported (``ChannelKit/ChannelRecord``), in one transaction: a record whose
    /// key the channel already has is dropped; each new one gets its log line (`record.event`, with
    /// `unit`, `duration_s`, `bulletin_id`, `occurred_at`; `item_id` the first item or "-").
    /// - Throws: `.invalidState` naming the record when its event name is not allowed or its key is empty.
    func recordChannelRecords(channel: String, channelType: String, records: [ChannelRecord], at: Date)
        async throws(StoreError) -> StoredOnce
    /// Stored events, newest first.
    func inboundEvents(_ filter: InboundEventFilter) async throws(StoreError) -> [InboundEventRecord]
    /// Stored events counted per channel, item and kind (`filter.limit` is ignored), for the feedback page.
    func inboundCounts(_ filter: InboundEventFilter) async throws(StoreError) -> [InboundCount]

    // MARK: Delivery log projection

    /// Events with a sequence number above `seq`, in order, at most `limit`.
    func logEvents(after seq: Int64, limit: Int) async throws(StoreError) -> [LogEvent]
    /// The highest sequence number, or 0.
    func lastLogSeq() async throws(StoreError) -> Int64

    // MARK: Commit hints

    /// A hint after something was committed, by this process (``DeliveryLog/CommitHint/here``) or by
    /// another one (``DeliveryLog/CommitHint/elsewhere``: `cchc` approving, retrying, retracting).
    ///
    /// The delivery-log exporter appends what was committed when it hears one, and the engine looks at
    /// the queue again on `elsewhere` (in-process writers wake it themselves). Hints are coalesced and may
    /// be spurious; none is ever sent before its commit. Each call returns a new stream. Store-neutral:
    /// SQLite watches its `-wal` file (every commit writes it) and tells its own commits apart with
    /// `PRAGMA data_version`; PostgreSQL would `NOTIFY` in each transaction and `LISTEN`. A store that
    /// cannot see other processes still gives `here`; `elsewhere` then waits for the next wake-up.
    func commitHints() -> AsyncStream<CommitHint>

    // MARK: Installation

    /// This store's installation id: random, made with the store, kept in its backups. Channels put it in
    /// the marks that let them recognise their own posts (see `PublishRequest.installationID`).
    func installationID() async throws(StoreError) -> String

    // MARK: Figures

    func stats() async throws(StoreError) -> QueueStats

    // MARK: Web app: approval bound to what was shown, audit trail

    /// ``approve(itemID:by:at:plan:)``, only when the item's content hash is still `contentHash` (the one
    /// the approver was shown).
    /// - Throws: `.invalidState` with `currentState` `"stale"` when the content changed since.
    func approve(
        itemID: String, by: String, at: Date, contentHash: String, plan: @Sendable (ItemRecord) -> [PlannedDelivery]
    ) async throws(StoreError) -> ItemRecord
    /// The item's audit trail, oldest first.
    func auditTrail(itemID: String) async throws(StoreError) -> [AuditRecord]
    /// What goes out in [`from`, `to`): deliveries by their delivery time (or due time while not delivered),
    /// with their items, earliest first, at most `limit`. The web app's calendar.
    func schedule(from: Date, to: Date, limit: Int) async throws(StoreError) -> [(DeliveryRecord, ItemRecord)]

    // MARK: Web app: accounts and sessions

    /// Adds an account; an audit row (`account.add`, no item) names `by`.
    /// - Throws: `.invalidState` with `currentState` `"exists"` when the login is taken.
    func addAccount(_ account: Account, by: String, at: Date) async throws(StoreError)
    func account(login: String) async throws(StoreError) -> Account?
    /// By login.
    func accounts() async throws(StoreError) -> [Account]
    /// Applies `change` (audit row `account.change`, without the password hash). A new password or a
    /// disabled account ends the account's sessions.
    /// - Throws: `.notFound`.
    func updateAccount(login: String, _ change: AccountChange, by: String, at: Date) async throws(StoreError)
        -> Account
    func addSession(_ session: WebSession) async throws(StoreError)
    /// The session and its account, when the session has not expired at `now` and the account is enabled.
    func session(idHash: String, now: Date) async throws(StoreError) -> (WebSession, Account)?
    func removeSession(idHash: String) async throws(StoreError)
    /// Removes sessions expired at `now`; returns how many.
    func removeExpiredSessions(now: Date) async throws(StoreError) -> Int
    /// Adds an API token (audit row `token.add`, without the token).
    func addAPIToken(_ token: APIToken, by: String, at: Date) async throws(StoreError)
    /// The token and its account, when the account is enabled.
    func apiToken(hash: String) async throws(StoreError) -> (APIToken, Account)?
    /// Revokes a token (audit row `token.remove`, without the token). Returns false when there was none.
    func removeAPIToken(hash: String, by: String, at: Date) async throws(StoreError) -> Bool
}

extension Store {
    /// ``recoverLeases(before:idempotentChannels:evidence:at:)`` knowing nothing of what was sent.
    public func recoverLeases(before: Date, idempotentChannels: Set<String>, at: Date) async throws(StoreError) -> (
        requeued: Int, uncertain: Int
    ) {
        try await recoverLeases(
            before: before, idempotentChannels: idempotentChannels, evidence: SendEvidence(), at: at)
    }

    /// One transaction per item, for stores without a batch.
    public func addItems(
        _ items: [NewItem], newSourcesOnly: Bool, at: Date, plan: @Sendable (ItemRecord) -> [PlannedDelivery]
    ) async throws(StoreError) -> [ItemBatchResult] {
        var results: [ItemBatchResult] = []
        for item in items {
            if newSourcesOnly, let existing = try await self.items(ItemFilter(source: item.source, limit: 1)).first {
                results.append(.alreadyTaken(existing))
                continue
            }
            do {
                let (record, created) = try await addItem(item, at: at, plan: plan)
                results.append(.added(record, created: created))
            } catch  where error.kind != .database {
                results.append(.failed(error))
            }
        }
        return results
    }

    /// Without deliveries to give back.
    public func recordAndClaim(
        _ outcomes: [DeliveryOutcome], recordedAt: Date, claims: [(channel: String, limit: Int)], now: Date,
        owner: String, leaseUntil: Date
    ) async throws(StoreError) -> [String: [ClaimedDelivery]] {
        try await recordAndClaim(
            outcomes, recordedAt: recordedAt, releasing: [], claims: claims, now: now, owner: owner,
            leaseUntil: leaseUntil)
    }

    /// Separate steps, for stores that cannot do it in one transaction. Each step is still atomic.
    public func recordAndClaim(
        _ outcomes: [DeliveryOutcome], recordedAt: Date, releasing: [String], claims: [(channel: String, limit: Int)],
        now: Date, owner: String, leaseUntil: Date
    ) async throws(StoreError) -> [String: [ClaimedDelivery]] {
        if !outcomes.isEmpty { try await record(outcomes, at: recordedAt) }
        if !releasing.isEmpty { try await release(releasing, owner: owner, at: recordedAt) }
        var claimed: [String: [ClaimedDelivery]] = [:]
        for (channel, limit) in claims where limit > 0 {
            claimed[channel] = try await claimDue(
                channel: channel, now: now, limit: limit, owner: owner, leaseUntil: leaseUntil)
        }
        return claimed
    }
}

/// Errors from a store. `kind` is stable (the CLI maps it to exit codes); `message` is English for logs,
/// the CLI words its own Vietnamese text from `kind` and `subject`.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// No such item or delivery.
        case notFound = "not-found"
        /// The operation does not apply in the current state (approve a cancelled item).
        case invalidState = "invalid-state"
        /// An edit of an item whose deliveries already started.
        case locked
        /// The database failed (I/O, corruption, a lock held too long).
        case database
    }

    public var kind: Kind
    /// The item or delivery id concerned.
    public var subject: String?
    /// For `invalidState`: the current state.
    public var currentState: String?
    public var message: String

    public init(_ kind: Kind, subject: String? = nil, currentState: String? = nil, _ message: String) {
        self.kind = kind
        self.subject = subject
        self.currentState = currentState
        self.message = message
    }

    public var description: String { message }
}

/// What ``Store/addItems(_:newSourcesOnly:at:plan:)`` did with one item.
public enum ItemBatchResult: Sendable {
    /// Stored: created, or an existing item edited (`created` false).
    case added(ItemRecord, created: Bool)
    /// An earlier item has the same source; nothing was stored.
    case alreadyTaken(ItemRecord)
    /// Refused; nothing of this item was stored.
    case failed(StoreError)
}
