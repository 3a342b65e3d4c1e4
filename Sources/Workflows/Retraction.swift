import ChannelKit
import Foundation
import Logging
import Queue

/// Takes an item's published posts down: `cchc item retract` and the web app's "Gỡ bài" both run it.
///
/// Which deliveries: the item's delivered ones not yet retracted (or the one on the named channel,
/// which must be such). Each goes to its channel's ``ChannelKit/Channel/retract(_:logger:)``; only a
/// channel that says so in ``ChannelKit/ChannelTraits/supportsRetraction`` is called, and one the
/// engine has halted (its credentials or setup are known to be broken until an operator acts) is not
/// called either. Channels not called are named with the reason, never skipped silently. Each post
/// taken down is recorded in the store, which writes the audit row and the `delivery.retracted` log
/// line; the caller wakes whoever writes the log (the engine in-process, the daemon from `cchc`).
///
/// Messages are Vietnamese: they are shown to officers as they are.
public struct Retraction: Sendable {
    public var store: any Store
    /// Configured channels by name.
    public var channels: [String: any Channel]
    /// The channels the engine has halted, with the reason (their `circuit` is `halted` in the engine's channel
    /// health). The web app runs in the daemon and passes the engine's view; `cchc`, a separate process, has none and passes nothing.
    public var haltedChannels: @Sendable () async -> [String: String]
    public var logger: Logger

    public init(
        store: any Store, channels: [String: any Channel],
        haltedChannels: @escaping @Sendable () async -> [String: String] = { [:] }, logger: Logger
    ) {
        self.store = store
        self.channels = channels
        self.haltedChannels = haltedChannels
        self.logger = logger
    }

    /// What a retraction did, per delivery.
    public struct Outcome: Sendable {
        /// Taken down and recorded (the records as they now are).
        public var retracted: [DeliveryRecord] = []
        /// The channel refused or failed; nothing recorded.
        public var failed: [(delivery: DeliveryRecord, error: String)] = []
        /// Not tried, with the reason (the channel cannot retract, is gone, or is halted).
        public var skipped: [(delivery: DeliveryRecord, reason: String)] = []
    }

    /// Why nothing could be tried.
    public enum Failure: Error, CustomStringConvertible {
        /// No such item, or the item was never sent to the named channel.
        case notFound(String)
        /// Nothing to take down: not published yet, already taken down, or no channel can.
        case invalidState(String)
        /// The store failed.
        case store(any Error)

        public var description: String {
            switch self {
            case .notFound(let message), .invalidState(let message): message
            case .store(let error): "\(error)"
            }
        }
    }

    /// Takes the item's posts down (on `channel` only, when given) on behalf of `by`.
    /// - Throws: ``Failure`` when nothing could be tried; a channel's failure is in the outcome instead.
    public func retract(itemID id: String, channel: String? = nil, by: String, at now: Date = Date())
        async throws(Failure) -> Outcome
    {
        let item: ItemRecord?
        let deliveries: [DeliveryRecord]
        do {
            item = try await store.item(id)
            deliveries = try await store.deliveries(itemID: id)
        } catch { throw .store(error) }
        guard item != nil else { throw .notFound("không có bài \(id)") }
        var targets = deliveries.filter { $0.state == .delivered && $0.retractedAt == nil }
        if let channel {
            guard let d = deliveries.first(where: { $0.channel == channel }) else {
                throw .notFound("bài \(id) không được gửi tới kênh \(channel)")
            }
            guard d.state == .delivered, d.retractedAt == nil else {
                let why = d.retractedAt != nil ? "đã được gỡ trước đó" : "chưa được đăng (\(d.state.label))"
                throw .invalidState("bài \(id) trên kênh \(channel) \(why)")
            }
            targets = [d]
        }
        let halted = await haltedChannels()
        var outcome = Outcome()
        var retractable: [(DeliveryRecord, any Channel)] = []
        for d in targets {
            guard let c = channels[d.channel] else {
                outcome.skipped.append((d, "kênh không còn trong cấu hình"))
                continue
            }
            guard c.traits.supportsRetraction else {
                outcome.skipped.append((d, "kênh loại \(c.type) không hỗ trợ gỡ bài"))
                continue
            }
            if let reason = halted[d.channel] {
                outcome.skipped.append((d, "kênh đang bị dừng cho đến khi người vận hành xử lý (\(reason))"))
                continue
            }
            retractable.append((d, c))
        }
        if retractable.isEmpty {
            let reasons = outcome.skipped.map { "\($0.delivery.channel): \($0.reason)" }.joined(separator: "; ")
            throw .invalidState("bài \(id) không có bài đăng nào gỡ được\(reasons.isEmpty ? "" : " (\(reasons))")")
        }
        for (d, c) in retractable {
            let note: String?
            do {
                note = try await c.retract(ChannelResult(remoteID: d.remoteID, url: d.url), logger: logger)
            } catch {
                outcome.failed.append((d, "\(error)"))
                continue
            }
            do {
                outcome.retracted.append(try await store.retract(deliveryID: d.id, by: by, detail: note, at: now))
            } catch { throw .store(error) }
        }
        return outcome
    }

}
