import ChannelConfig
import ChannelKit
import DeliveryLog
import Config
import Foundation
import Logging
import Queue
import Transport

// One delivery: the request, the send, the outcome and its bookkeeping.
extension EngineCore {
    /// Publishes one delivery. Runs off the actor (building the request, the send, the outcome and its
    /// log line are per-delivery work that both cores can share); only the bookkeeping hops back.
    nonisolated func send(
        _ claimed: ClaimedDelivery, via entry: EngineChannel, setup: EngineSetup, startedAt: Date,
        installation: String
    ) async {
        let delivery = claimed.delivery
        var requestLogger = logger
        requestLogger[metadataKey: "delivery"] = "\(delivery.id)"
        var request = PublishRequest(
            deliveryID: delivery.id, attempt: delivery.attempts,
            previousAttemptInterrupted: delivery.interrupted,
            item: claimed.item.channelItem(for: entry.name, topicLabel: setup.config.topicLabel),
            earlierResults: claimed.earlierResults, finishedParts: claimed.finishedParts, logger: requestLogger)
        request.installationID = installation
        let sendStart = ContinuousClock.now
        let parted: PartedOutcome
        if let journal = sendJournal {
            let id = delivery.id
            let attempt = delivery.attempts
            if setup.reportsSends.contains(entry.name) {
                // The transport notes the moment it hands the first request that can change something to
                // the network; look-ups before it leave no mark.
                parted = await Self.publish(
                    request, on: entry.channel, observer: { journal.sent(id, attempt: attempt) })
            } else {
                journal.sent(id, attempt: attempt)
                parted = await entry.channel.publishInParts(request)
            }
        } else {
            parted = await entry.channel.publishInParts(request)
        }
        var outcome = parted.outcome
        if case .failed(let error) = outcome, error.haltsChannel, !(await halt(entry.name, error)) {
            // Already halted by another delivery's identical failure: this one waits, unburnt, for the fix.
            outcome = .retry(error, after: nil)
        }
        let finishedAt = clock.now()
        setup.meters[entry.name]?.sendDuration.record(duration: ContinuousClock.now - sendStart)
        if Task.isCancelled, parted.parts.isEmpty, case .retry(let error, _) = outcome, error.errorClass == .cancelled {
            // Abandoned at shutdown: the delivery stays leased and is recovered on the next start. (Parts
            // already sent are recorded instead: a retry must not send them again.)
            await finished(nil, channel: entry.name, startedAt: startedAt)
            return
        }
        var record = outcomeRecord(
            claimed, entry: entry, setup: setup, outcome: outcome, startedAt: startedAt, finishedAt: finishedAt)
        record.parts = parted.parts
        logOutcome(record, logger: requestLogger)
        await finished(
            record, outcome: outcome, channel: entry.name, startedAt: startedAt, hold: parted.holdChannel)
    }

    /// Publishes with `observer` bound as ``Transport/SendObserver/current``.
    private nonisolated static func publish(
        _ request: PublishRequest, on channel: any Channel, observer: @escaping @Sendable () -> Void
    ) async -> PartedOutcome {
        await SendObserver.$current.withValue(SendObserver(observer)) {
            await channel.publishInParts(request)
        }
    }

    /// Halts a channel that met an error only an operator can fix. Returns true when this call halted it.
    func halt(_ channel: String, _ error: ChannelError) -> Bool {
        guard gates[channel]?.circuit.halt(error) == true else { return false }
        logger.critical(
            "channel halted until an operator acts and reloads the configuration",
            metadata: ["channel": "\(channel)", "reason": "\(error.message)", "error_class": "\(error.errorClass)"])
        return true
    }

    /// A send ended: free its place, and queue its outcome for the next round's commit (nil: abandoned).
    func finished(
        _ record: DeliveryOutcome?, outcome: PublishOutcome? = nil, channel: String, startedAt: Date,
        hold: Duration? = nil
    ) {
        if let hold, hold > .zero {
            gates[channel]?.hold(hold, now: clock.now())
            logger.notice(
                "channel slows down: the platform asked for a pause",
                metadata: ["channel": "\(channel)", "pause": "\(DurationText.format(hold))"])
        }
        if let outcome {
            let now = clock.now()
            let meters = setup.meters[channel]
            switch outcome {
            case .delivered:
                meters?.delivered.increment()
                outcomesSeen[channel, default: (nil, nil, nil)].success = now
            case .retry(let error, _), .failed(let error):
                if case .retry = outcome { meters?.retry.increment() } else { meters?.failed.increment() }
                outcomesSeen[channel, default: (nil, nil, nil)].failure = now
                outcomesSeen[channel, default: (nil, nil, nil)].error = error.description
            }
        }
        if let outcome, let changed = gates[channel]?.circuit.record(outcome, now: clock.now()) {
            switch changed {
            case .open(let until):
                logger.warning(
                    "channel paused after failures (circuit open)",
                    metadata: [
                        "channel": "\(channel)", "failures": "\(gates[channel]?.circuit.consecutiveFailures ?? 0)",
                        "until": "\(LogClock(timeZone: config.timeZone).format(until))",
                    ])
            case .closed:
                logger.info("channel works again (circuit closed)", metadata: ["channel": "\(channel)"])
            case .probing, .halted:
                break
            }
        }
        // A recording channel's records may have changed with this delivery (a new bulletin).
        if setup.recording.contains(channel) {
            if recordsInFlight.contains(channel) {
                recordsDirty.insert(channel)
            } else {
                recordCheck[channel] = .some(clock.now())
            }
        }
        var published = true
        if let record {
            if case .delivered = record.next {
                figures.lastDelivery = record.attempt.finishedAt
            } else {
                published = false
            }
            if case .retry = record.next { knownNextDue[channel] = nil }
            pending.append(record)
        }
        gates[channel]?.finished(published: published, startedAt: startedAt)
        signal.notify()
    }

    private nonisolated func logOutcome(_ record: DeliveryOutcome, logger: Logger) {
        let line = record.logLine
        switch record.next {
        case .delivered:
            logger.info("delivered", metadata: ["attempt": "\(line.attempt ?? 0)", "url": "\(line.url ?? "-")"])
        case .retry:
            logger.warning(
                "attempt failed; will retry",
                metadata: [
                    "attempt": "\(line.attempt ?? 0)", "error_class": "\(line.error_class ?? "-")",
                    "error": "\(line.error ?? "")",
                    "retry_at": "\(line.retry_at ?? "-")",
                ])
        case .uncertain:
            logger.error(
                "delivery uncertain: the answer was lost; a person decides (cchc delivery resolve)",
                metadata: ["attempt": "\(line.attempt ?? 0)", "error": "\(line.error ?? "")"])
        case .failed:
            logger.error(
                "delivery failed",
                metadata: [
                    "attempt": "\(line.attempt ?? 0)", "error_class": "\(line.error_class ?? "-")",
                    "error": "\(line.error ?? "")",
                    "detail": "\(line.detail ?? "")",
                ])
        }
    }

    private nonisolated func outcomeRecord(
        _ claimed: ClaimedDelivery, entry: EngineChannel, setup: EngineSetup, outcome: PublishOutcome, startedAt: Date,
        finishedAt: Date
    ) -> DeliveryOutcome {
        let delivery = claimed.delivery
        let item = claimed.item
        let logClock = LogClock(timeZone: setup.config.timeZone)
        var line = LogLine(
            ts: logClock.format(finishedAt), event: .deliveryDelivered, item_id: item.id,
            item_title: item.content.title,
            unit: item.content.unit, topic: item.content.topic, channel: entry.name, channel_type: entry.config.type,
            delivery_id: delivery.id, attempt: delivery.attempts,
            duration_ms: Int((finishedAt.timeIntervalSince(startedAt) * 1000).rounded()), actor: "cchcd")
        var attempt = AttemptRecord(
            deliveryID: delivery.id, number: delivery.attempts, startedAt: startedAt, finishedAt: finishedAt,
            outcome: .delivered)
        let next: DeliveryOutcome.Next
        switch outcome {
        case .delivered(let result, let detail):
            next = .delivered
            attempt.remoteID = result.remoteID
            attempt.url = result.url
            attempt.message = detail
            line.eventKind = .deliveryDelivered
            line.state = DeliveryState.delivered.rawValue
            line.remote_id = result.remoteID
            line.url = result.url
            line.detail = detail
        case .retry(let error, let after):
            let policy = setup.retryPolicies[entry.name] ?? RetryPolicy(settings: setup.config.retry)
            let made = delivery.attempts - delivery.attemptBase
            let lost = error.errorClass == .uncertain
            attempt.errorClass = error.errorClass.rawValue
            attempt.message = error.message
            attempt.code = error.code
            line.error_class = error.errorClass.rawValue
            line.error = error.message
            line.code = error.code
            if lost && (!setup.canLookUp.contains(entry.name) || !policy.allowsAnother(afterAttempt: made)) {
                // Sent, answer lost, and nothing will look for what it did: a person decides.
                next = .uncertain
                attempt.outcome = .interrupted
                line.eventKind = .deliveryUncertain
                line.state = DeliveryState.uncertain.rawValue
                line.detail =
                    setup.canLookUp.contains(entry.name)
                    ? "the answer was lost and no attempts are left: a person decides"
                    : "the answer was lost and the channel cannot look for what the send did: a person decides"
            } else if policy.allowsAnother(afterAttempt: made) {
                var delay = policy.delay(afterAttempt: made, retryAfter: after)
                if lost {
                    // The lost send may still land: the next attempt (and its look-up) waits until it has settled.
                    let settle = entry.config.settings.settle
                    if delay < settle { delay = settle }
                    line.detail = "the answer was lost: the next attempt looks for what this one did first"
                }
                let retryAt = finishedAt.addingTimeInterval(delay.seconds)
                let at = setup.policies[entry.name]?.fit(retryAt) ?? retryAt
                next = .retry(at: at)
                attempt.outcome = .retry
                line.eventKind = .deliveryRetry
                line.state = DeliveryState.retryWait.rawValue
                line.retry_at = logClock.format(at)
            } else {
                next = .failed
                attempt.outcome = .failed
                line.eventKind = .deliveryFailed
                line.state = DeliveryState.failed.rawValue
                line.detail = "attempts exhausted (\(made))"
            }
        case .failed(let error):
            next = .failed
            attempt.outcome = .failed
            attempt.errorClass = error.errorClass.rawValue
            attempt.message = error.message
            attempt.code = error.code
            line.eventKind = .deliveryFailed
            line.state = DeliveryState.failed.rawValue
            line.error_class = error.errorClass.rawValue
            line.error = error.message
            line.code = error.code
        }
        return DeliveryOutcome(deliveryID: delivery.id, attempt: attempt, next: next, logLine: line, leaseOwner: owner)
    }
}
