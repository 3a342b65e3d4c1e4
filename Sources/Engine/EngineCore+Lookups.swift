import ChannelKit
import Config
import Foundation
import Logging
import Queue

// What the engine asks channels besides sending: what an interrupted send did, and their own records.
extension EngineCore {
    /// Asks the recording channels whose time has come for their records (off the actor).
    func askForRecords(now: Date, wake: inout Date?, group: inout DiscardingTaskGroup) {
        for entry in channels where setup.recording.contains(entry.name) {
            guard let recording = entry.channel as? any RecordingChannel, !recordsInFlight.contains(entry.name) else {
                continue
            }
            let due: Date? = recordCheck[entry.name] ?? now
            guard let due else { continue }
            if due > now {
                wake = earliest(wake, due)
                continue
            }
            recordsInFlight.insert(entry.name)
            let type = entry.config.type
            let name = entry.name
            group.addTask { await self.collectRecords(recording, name: name, type: type, now: now) }
        }
    }

    /// Asks the channels that can look for what an interrupted send published about their `uncertain`
    /// deliveries, and resolves those the channel is sure of (once, at start; off the actor: the look-ups
    /// are network calls). The others stay for a person (`cchc delivery resolve`).
    nonisolated func resolveInterrupted() async {
        let setup = await self.setup
        var lookups: [String: any InterruptionLookup] = [:]
        for entry in setup.channels {
            if let lookup = entry.channel as? any InterruptionLookup { lookups[entry.name] = lookup }
        }
        let uncertain: [DeliveryRecord]
        do {
            uncertain = try await store.uncertainDeliveries().filter { lookups[$0.channel] != nil }
        } catch {
            logger.error("cannot read the uncertain deliveries to look them up", metadata: ["error": "\(error)"])
            return
        }
        var resolved = 0
        for delivery in uncertain {
            if Task.isCancelled || isStopping { break }
            guard let lookup = lookups[delivery.channel] else { continue }
            var requestLogger = logger
            requestLogger[metadataKey: "delivery"] = "\(delivery.id)"
            do {
                guard let item = try await store.item(delivery.itemID) else { continue }
                var earlier: [String: ChannelResult] = [:]
                for other in try await store.deliveries(itemID: delivery.itemID) where other.state == .delivered {
                    earlier[other.channel] = ChannelResult(remoteID: other.remoteID, url: other.url)
                }
                var request = PublishRequest(
                    deliveryID: delivery.id, attempt: delivery.attempts, previousAttemptInterrupted: true,
                    item: item.channelItem(for: delivery.channel, topicLabel: setup.config.topicLabel),
                    earlierResults: earlier, logger: requestLogger)
                request.installationID = await self.installationID
                switch await lookup.lookUpInterrupted(request) {
                case .found(let result, let detail):
                    _ = try await store.resolve(
                        deliveryID: delivery.id, .delivered(result), by: "cchcd", at: clock.now())
                    requestLogger.notice(
                        "interrupted send was published after all; resolved as delivered",
                        metadata: ["detail": "\(detail)", "url": "\(result.url ?? "-")"])
                    resolved += 1
                case .notPublished(let detail):
                    _ = try await store.resolve(deliveryID: delivery.id, .resend, by: "cchcd", at: clock.now())
                    requestLogger.notice(
                        "interrupted send was not published; sending it again", metadata: ["detail": "\(detail)"])
                    resolved += 1
                case .undecided(let reason):
                    requestLogger.warning(
                        "interrupted send left uncertain for a person (cchc delivery resolve)",
                        metadata: ["reason": "\(reason)"])
                }
            } catch {
                requestLogger.error("resolving the interrupted send failed", metadata: ["error": "\(error)"])
            }
        }
        if resolved > 0 { invalidate(); signal.notify() }
    }

    /// Asks a recording channel for its records and stores them (off the actor; the bookkeeping hops back).
    private nonisolated func collectRecords(_ channel: any RecordingChannel, name: String, type: String, now: Date)
        async
    {
        let (records, next) = await channel.records(upTo: now)
        var retryAt: Date? = next
        var stored = 0
        if !records.isEmpty {
            do {
                stored = try await store.recordChannelRecords(
                    channel: name, channelType: type, records: records, at: clock.now()
                ).stored
            } catch {
                logger.error(
                    "storing the channel's records failed; asking again in a minute",
                    metadata: ["channel": "\(name)", "error": "\(error)"])
                retryAt = now.addingTimeInterval(60)
            }
        }
        if stored > 0 { logger.info("channel records stored", metadata: ["channel": "\(name)", "count": "\(stored)"]) }
        await recordsCollected(name, next: retryAt, stored: stored)
    }

    func recordsCollected(_ name: String, next: Date?, stored: Int) {
        recordsInFlight.remove(name)
        // A delivery that finished meanwhile may have changed the records: look again at once.
        recordCheck[name] = .some(recordsDirty.remove(name) != nil ? clock.now() : next)
        signal.notify()
    }

}
