import ChannelConfig
import ChannelKit
import Foundation
import Logging
import ReadAloud
import Synchronization
import Transport

/// The `radio` channel: broadcast bulletins (bản tin) for commune loudspeaker stations.
///
/// One instance serves one or more stations. Each delivery adds its item to the next open slot
/// bulletin of every station (or, for `khan-cap` items, to an emergency bulletin of its own, made
/// at once) and re-renders the bulletins whose contents changed: a read-aloud script (`.txt`) and a
/// manifest (`.manifest.json`, written last). Bulletins close ``RadioSettings/leadTime`` before
/// their slot; an item that does not fit a slot's maximum duration goes to the next slot.
///
/// The batching state lives in a ledger per station in the daemon's state folder, written
/// atomically and under a lock, so concurrent publishes, retries and restarts neither lose nor
/// duplicate an item: a re-delivery replaces the item's entry and re-renders its bulletin.
public struct RadioChannel: RecordingChannel {
    public let name: String
    public let type = "radio"
    /// Re-delivery replaces the item's entry and files: never a duplicate.
    public let traits = ChannelTraits(idempotent: true)

    public let settings: RadioSettings
    let writer: BulletinScriptWriter
    let stateFolder: String
    let calendar: Calendar
    let clock: @Sendable () -> Date
    private let lock: LedgerLock
    let uploads: BulletinUploader
    let logger: Logger

    /// Reads the channel's keys from its configuration section.
    ///
    /// - Throws: ``ConfigError`` naming the key path (a bad slot, a missing folder, a dictionary
    ///   file with a bad line…).
    public init(name: String, section: ConfigSection, context: ChannelContext, http: HTTPClient? = nil)
        throws(ConfigError)
    {
        self.init(name: name, settings: try RadioSettings(section: section), context: context, http: http)
    }

    /// - Parameters:
    ///   - clock: The time source (tests inject one; the daemon uses the system clock).
    ///   - http: The daemon's HTTP client, for `http(s)://` uploads.
    public init(
        name: String, settings: RadioSettings, context: ChannelContext,
        clock: @escaping @Sendable () -> Date = { Date() }, http: HTTPClient? = nil
    ) {
        self.name = name
        self.settings = settings
        writer = BulletinScriptWriter(
            normalizer: ReadAloudNormalizer(dictionary: settings.dictionary, options: settings.readAloud),
            readingRate: settings.readingRate, timeZone: context.timeZone)
        stateFolder = context.stateDirectory + "/radio/" + name
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = context.timeZone
        self.calendar = calendar
        self.clock = clock
        lock = LedgerLock()
        uploads = BulletinUploader(http: http)
        logger = context.logger
    }

    public func validate(_ item: ChannelItem) -> [ValidationProblem] {
        let body = item.override["radio"] ?? item.override["text"] ?? item.body
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return [ValidationProblem(field: "body", message: "nội dung bài đọc đang trống")]
        }
        guard item.priority != .emergency else { return [] }
        let seconds = writer.itemPart(item, position: 2).seconds
        for station in settings.stations {
            let longest = station.slots.map(\.maxDuration).max() ?? .zero
            let room = longest.secondsValue - frameSeconds(station, Date())
            if seconds > room {
                return [
                    ValidationProblem(
                        field: "body",
                        message:
                            "bài đọc mất khoảng \(Self.minutesText(seconds)), dài hơn khung giờ dài nhất của \(station.name) (\(Self.minutesText(room)) cho tin); hãy rút gọn hoặc viết bản đọc riêng (overrides)"
                    )
                ]
            }
        }
        return []
    }

    public func check() async throws(ChannelError) -> String {
        for station in settings.stations {
            if case .folder(let folder) = station.destination {
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    throw ChannelError(.local, "không tạo được thư mục \(folder) của \(station.name)")
                }
                guard FileManager.default.isWritableFile(atPath: folder) else {
                    throw ChannelError(.local, "không ghi được vào thư mục \(folder) của \(station.name)")
                }
            }
        }
        return settings.stations.map { "\($0.name) (\($0.slots.map(\.timeText).joined(separator: ", ")))" }
            .joined(separator: "; ")
    }

    public func publish(_ request: PublishRequest) async -> PublishOutcome {
        if Task.isCancelled { return .retry(ChannelError(.cancelled, "cancelled before the bulletin was written")) }
        let now = clock()
        // File writes, speech synthesis and uploads block: they run on a thread of their own, not
        // on Swift's cooperative pool; the lock serialises this channel's ledger updates.
        let result: Result<[Placement], ChannelError> = await Self.offPool {
            lock.mutex.withLock { _ in
                Result { () throws(ChannelError) in
                    try settings.stations.map { station throws(ChannelError) in
                        try add(request, to: station, now: now)
                    }
                }
            }
        }
        if case .success = result {
            for station in settings.stations {
                guard case .upload(let upload) = station.destination else { continue }
                if let error = await uploadPending(station, upload, force: request.item.id, logger: request.logger) {
                    return error.errorClass == .rejected || error.errorClass == .auth || error.errorClass == .config
                        ? .failed(error) : .retry(error)
                }
            }
        }
        switch result {
        case .success(let placed):
            let detail = placed.map { "\($0.station): \($0.bulletin)" }.joined(separator: "; ")
            let first = placed.first
            let url = first.flatMap { p in p.folder.map { "file://\($0)/\(p.bulletin).txt" } }
            return .delivered(
                ChannelResult(remoteID: placed.map { "\($0.station)/\($0.bulletin)" }.joined(separator: ","), url: url),
                detail: "bản tin " + detail)
        case .failure(let error):
            if error.errorClass == .rejected { return .failed(error) }
            return .retry(error)
        }
    }

    /// Runs `body` on a new thread and returns its result.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            Thread.detachNewThread { c.resume(returning: body()) }
        }
    }

    /// Every bulletin whose air time has come (within the ledger's two weeks) is on record as a
    /// `radio.bulletin`: the station's unit, the estimated airtime of its script, its items. The store
    /// keeps each once, so this lists them all each time; `next` is the earliest bulletin still to air.
    public func records(upTo now: Date) async -> (records: [ChannelRecord], next: Date?) {
        await Self.offPool {
            lock.mutex.withLock { _ -> ([ChannelRecord], Date?) in
                var records: [ChannelRecord] = []
                var next: Date?
                for station in settings.stations {
                    let ledger: BulletinLedger
                    do {
                        ledger = try BulletinLedger.load(path: ledgerPath(station))
                    } catch {
                        logger.error(
                            "radio: the bulletin ledger cannot be read; its bulletins are not on record yet",
                            metadata: ["station": "\(station.id)", "error": "\(error)"])
                        continue
                    }
                    var groups: [String: [BulletinLedger.Entry]] = [:]
                    for e in ledger.entries { if let b = e.bulletin { groups[b, default: []].append(e) } }
                    for (id, var entries) in groups.sorted(by: { $0.key < $1.key }) {
                        guard let at = entries.first?.slot ?? entries.first?.emergencyAt else { continue }
                        guard at <= now else {
                            next = next.map { min($0, at) } ?? at
                            continue
                        }
                        entries.sort(by: BulletinLedger.precedes)
                        // What was written is what airs: its airtime was kept when it was rendered.
                        let seconds = ledger.airtime?[id] ?? script(entries: entries, station: station).seconds
                        records.append(
                            ChannelRecord(
                                event: "radio.bulletin", key: "\(station.id)/\(id)", occurredAt: at, unit: station.unit,
                                durationSeconds: (seconds * 10).rounded() / 10, reference: id,
                                itemIDs: entries.map(\.item.id), detail: "\(station.name): \(entries.count) tin"))
                    }
                }
                return (records, next)
            }
        }
    }

    struct Placement {
        var station: String
        var bulletin: String
        var folder: String?
    }

    /// When a bulletin airs, from its id (`2026-11-25-0600`, `khan-cap-2026-11-25-081530`).
    func airTime(ofBulletin id: String) -> Date? {
        let digits = (id.hasPrefix("khan-cap-") ? String(id.dropFirst(9)) : id).split(separator: "-")
        guard digits.count == 4, let y = Int(digits[0]), let mo = Int(digits[1]), let d = Int(digits[2]),
            digits[3].count == 4 || digits[3].count == 6, let hms = Int(digits[3])
        else { return nil }
        let (h, mi, sec) = digits[3].count == 4 ? (hms / 100, hms % 100, 0) : (hms / 10000, hms / 100 % 100, hms % 100)
        return calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: sec))
    }

    func ledgerPath(_ station: RadioStation) -> String { "\(stateFolder)/\(station.id).json" }

    func frameSeconds(_ station: RadioStation, _ at: Date) -> Double {
        let f = writer.frame(station: station, at: at, emergency: false)
        return f.opening.seconds + f.closing.seconds
    }

    /// Adds the request's item to `station`'s ledger and re-renders what changed. Runs under the lock.
    private func add(_ request: PublishRequest, to station: RadioStation, now: Date) throws(ChannelError)
        -> Placement
    {
        let item = request.item
        let logger = request.logger
        var ledger: BulletinLedger
        do {
            ledger = try BulletinLedger.load(path: ledgerPath(station))
        } catch {
            throw ChannelError(.local, "the bulletin ledger \(ledgerPath(station)) cannot be read: \(error)")
        }
        let before = Set(ledger.written.keys)
        ledger.prune(now: now)
        if case .upload = station.destination {
            // The staging copies of bulletins aired more than two weeks ago go (the station's server
            // keeps its own; the upload state forgets them without removing anything remotely).
            for id in before.subtracting(ledger.written.keys) {
                RenderedBulletin.remove(id: id, fromFolder: outputFolder(station))
            }
        }
        let seconds = writer.itemPart(item, position: 2, emergency: item.priority == .emergency).seconds
        if let i = ledger.entries.firstIndex(where: { $0.item.id == item.id }) {
            ledger.entries[i].item = item
            ledger.entries[i].deliveryID = request.deliveryID
            ledger.entries[i].seconds = seconds
        } else if item.priority == .emergency {
            var c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: now)
            c.nanosecond = nil
            let id = String(
                format: "khan-cap-%04d-%02d-%02d-%02d%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!
            )
            ledger.entries.append(
                .init(
                    item: item, deliveryID: request.deliveryID, receivedAt: now, seconds: seconds, bulletin: id,
                    slot: nil, emergencyAt: now))
        } else {
            ledger.entries.append(
                .init(
                    item: item, deliveryID: request.deliveryID, receivedAt: now, seconds: seconds, bulletin: nil,
                    slot: nil, emergencyAt: nil))
        }

        let planner = SlotPlanner(
            station: station, calendar: calendar, leadTime: settings.leadTime.secondsValue,
            frameSeconds: { frameSeconds(station, $0) })
        let (moves, unplaceable) = planner.plan(&ledger, now: now)
        for move in moves {
            logger.info(
                "radio: item moved to a later bulletin (slot full or a higher priority came first)",
                metadata: [
                    "station": "\(station.id)", "item": "\(move.itemID)", "from": "\(move.from)", "to": "\(move.to)",
                ])
        }
        if unplaceable.contains(item.id) {
            ledger.entries.removeAll { $0.item.id == item.id }
            throw ChannelError(
                .rejected,
                "bài đọc mất khoảng \(Self.minutesText(seconds)), không vừa khung giờ nào của \(station.name)")
        }
        for id in unplaceable {
            logger.warning(
                "radio: item fits no open slot in the next 31 days",
                metadata: ["station": "\(station.id)", "item": "\(id)"])
        }
        guard let bulletin = ledger.entries.first(where: { $0.item.id == item.id })?.bulletin else {
            throw ChannelError(.local, "the item was not placed in a bulletin")
        }
        try save(ledger, station)

        // Re-render every bulletin still open whose text changed, and always the item's own
        // (a re-delivery after a crash rewrites files that may be missing).
        var groups: [String: [BulletinLedger.Entry]] = [:]
        for e in ledger.entries {
            guard let b = e.bulletin else { continue }
            let open = e.emergencyAt != nil || (e.slot.map { planner.isOpen($0, now: now) } ?? false)
            if open || b == bulletin { groups[b, default: []].append(e) }
        }
        for (id, var entries) in groups.sorted(by: { $0.key < $1.key }) {
            entries.sort(by: BulletinLedger.precedes)
            // The script decides everything else in the files (the .docx and audio are made from it).
            let script = script(entries: entries, station: station)
            let digest = RenderedBulletin.sha256(Data(script.text.utf8))
            guard ledger.written[id] != digest || id == bulletin else { continue }
            let rendered = try render(id: id, entries: entries, station: station, script: script)
            do {
                try write(rendered, station: station)
            } catch {
                throw ChannelError(.local, "bulletin \(id) for \(station.id) could not be written: \(error)")
            }
            ledger.written[id] = digest
            ledger.airtime = (ledger.airtime ?? [:]).merging([id: script.seconds]) { $1 }
        }
        // Bulletins left empty by moves: their files go.
        for id in ledger.written.keys where groups[id] == nil && !ledger.entries.contains(where: { $0.bulletin == id })
        {
            RenderedBulletin.remove(id: id, fromFolder: outputFolder(station))
            ledger.written[id] = nil
            ledger.airtime?[id] = nil
        }
        try save(ledger, station)
        if case .folder(let folder) = station.destination {
            return Placement(station: station.id, bulletin: bulletin, folder: folder)
        }
        return Placement(station: station.id, bulletin: bulletin, folder: nil)
    }

    private func save(_ ledger: BulletinLedger, _ station: RadioStation) throws(ChannelError) {
        do {
            try ledger.save(path: ledgerPath(station))
        } catch {
            throw ChannelError(.local, "the bulletin ledger \(ledgerPath(station)) cannot be written: \(error)")
        }
    }

    func script(entries: [BulletinLedger.Entry], station: RadioStation) -> BulletinScript {
        let emergency = entries.first?.emergencyAt != nil
        let at = entries.first?.slot ?? entries.first?.emergencyAt ?? clock()
        return writer.script(station: station, at: at, items: entries.map(\.item), emergency: emergency)
    }

    /// The files and manifest of a bulletin.
    func render(id: String, entries: [BulletinLedger.Entry], station: RadioStation, script: BulletinScript)
        throws(ChannelError) -> RenderedBulletin
    {
        let emergency = entries.first?.emergencyAt != nil
        let at = entries.first?.slot ?? entries.first?.emergencyAt ?? clock()
        let txt = Data(script.text.utf8)
        let maxDuration =
            emergency
            ? nil
            : station.slots.first { slot in
                calendar.component(.hour, from: at) * 60 + calendar.component(.minute, from: at) == slot.minuteOfDay
            }?.maxDuration
        var files: [(String, Data)] = [("\(id).txt", txt)]
        if settings.docx {
            do {
                files.append(
                    (
                        "\(id).docx",
                        try BulletinDocument.make(
                            script: script, station: station, airTime: at, emergency: emergency,
                            maxDuration: maxDuration, calendar: calendar)
                    ))
            } catch {
                throw ChannelError(.local, "the .docx of bulletin \(id) could not be made: \(error)")
            }
        }
        if let audio = settings.audio {
            files += try SpeechAudio(settings: settings).make(text: script.text, format: audio, name: id)
        }
        let itemParts = script.parts.filter { $0.role == "item" }
        let manifest = BulletinManifest(
            channel: name, station: .init(id: station.id, name: station.name, commune: station.commune), bulletin: id,
            kind: emergency ? "khan-cap" : "slot", airTime: RFC3339Local.string(at, calendar: calendar),
            maxDurationSeconds: maxDuration?.secondsValue, readingRate: settings.readingRate,
            syllables: script.syllables, estimatedSeconds: (script.seconds * 10).rounded() / 10,
            items: zip(entries, itemParts).map { e, p in
                .init(
                    id: e.item.id, title: e.item.title, priority: e.item.priority.rawValue, deliveryID: e.deliveryID,
                    syllables: p.syllables, estimatedSeconds: (p.seconds * 10).rounded() / 10)
            },
            files: files.map { .init(name: $0.0, bytes: $0.1.count, sha256: RenderedBulletin.sha256($0.1)) },
            unknownTokens: script.unknownTokens)
        return RenderedBulletin(id: id, files: files, manifest: manifest)
    }

    private func write(_ bulletin: RenderedBulletin, station: RadioStation) throws {
        try bulletin.write(toFolder: outputFolder(station))
    }

    /// Where a station's files are written: its folder, or for uploads the staging folder in the
    /// channel's state folder.
    func outputFolder(_ station: RadioStation) -> String {
        switch station.destination {
        case .folder(let folder): folder
        case .upload: "\(stateFolder)/\(station.id)-outbox"
        }
    }

    /// Uploads every staged bulletin of `station` whose manifest differs from what was last
    /// uploaded (any another publish re-rendered), and always the bulletin holding `force` (a
    /// re-delivery replaces the remote files). Returns the first failure.
    private func uploadPending(_ station: RadioStation, _ upload: RadioUpload, force itemID: String, logger: Logger)
        async -> ChannelError?
    {
        await uploads.exclusively { () async -> ChannelError? in
            let statePath = "\(stateFolder)/\(station.id)-uploaded.json"
            let folder = outputFolder(station)
            // A consistent snapshot of the staged files: taken under the ledger lock.
            let snapshot = await Self.offPool {
                lock.mutex.withLock { _ in
                    let bulletin = try? BulletinLedger.load(path: ledgerPath(station)).entries
                        .first { $0.item.id == itemID }?.bulletin
                    return StagedBulletin.snapshot(
                        folder: folder, uploadedState: statePath, force: bulletin ?? nil, now: clock(),
                        airTime: { id in airTime(ofBulletin: id) })
                }
            }
            var uploaded = snapshot.uploaded
            func save() -> ChannelError? {
                do {
                    try AtomicFile.write(try JSONEncoder().encode(uploaded), to: statePath)
                    return nil
                } catch {
                    return ChannelError(.local, "\(statePath) cannot be written: \(error)")
                }
            }
            for bulletin in snapshot.pending {
                if let error = await uploads.send(bulletin, to: upload) {
                    logger.warning(
                        "radio: upload failed",
                        metadata: ["station": "\(station.id)", "bulletin": "\(bulletin.id)", "error": "\(error)"])
                    return error
                }
                uploaded[bulletin.id] = UploadedBulletin(
                    digest: bulletin.manifestDigest, files: bulletin.files.map(\.name))
                if let error = save() { return error }
            }
            for (id, files) in snapshot.emptied {
                if let error = await uploads.remove(files, bulletin: id, from: upload) {
                    logger.warning(
                        "radio: removing an emptied bulletin from the station's server failed",
                        metadata: ["station": "\(station.id)", "bulletin": "\(id)", "error": "\(error)"])
                    return error
                }
                logger.info(
                    "radio: emptied bulletin removed from the station's server",
                    metadata: ["station": "\(station.id)", "bulletin": "\(id)"])
                uploaded[id] = nil
                if let error = save() { return error }
            }
            return nil
        }
    }

    static func minutesText(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60) phút \(s % 60) giây" : "\(s) giây"
    }
}

/// The lock that serialises ledger updates of one channel instance (publishes run concurrently).
final class LedgerLock: Sendable {
    let mutex = Mutex(())
}

/// RFC 3339 in the configured time zone (`2026-11-22T06:00:00+07:00`).
enum RFC3339Local {
    static func string(_ date: Date, calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let offset = calendar.timeZone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
            + sign + String(format: "%02d:%02d", abs(offset) / 3600, abs(offset) % 3600 / 60)
    }
}
