import ChannelKit
import Foundation

/// One station's record of what is in which bulletin, kept in the channel's state folder so that
/// batching survives concurrent publishes, retries and restarts (Plugins/Radio/README.md, "Batching").
///
/// Every publish adds (or replaces, on a re-delivery) its item here, re-plans the slots that are
/// still open and re-renders every bulletin whose contents changed; the file is replaced atomically.
struct BulletinLedger: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var item: ChannelItem
        var deliveryID: String
        /// When the channel first got the item (orders items without a publish time).
        var receivedAt: Date
        /// Reading time of the item's part, seconds.
        var seconds: Double
        /// The bulletin the item is in: a slot's or an emergency's.
        var bulletin: String?
        /// The slot start, for slot bulletins.
        var slot: Date?
        /// For emergency bulletins: when it was produced.
        var emergencyAt: Date?
    }

    var entries: [Entry] = []
    /// Bulletin id → digest of what was last written for it (re-render when it differs).
    var written: [String: String] = [:]
    /// Bulletin id → estimated airtime of what was last written, seconds (for `radio.bulletin` records
    /// without rebuilding the script). Optional: ledgers written before it existed still load.
    var airtime: [String: Double]?

    /// Sort key inside a bulletin: priority first, then publish time, then id.
    static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        if a.item.priority != b.item.priority { return a.item.priority > b.item.priority }
        let ta = a.item.publishAt ?? a.receivedAt
        let tb = b.item.publishAt ?? b.receivedAt
        if ta != tb { return ta < tb }
        return a.item.id < b.item.id
    }

    static func load(path: String) throws -> BulletinLedger {
        guard FileManager.default.fileExists(atPath: path) else { return BulletinLedger() }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try decoder.decode(BulletinLedger.self, from: data)
    }

    func save(path: String) throws {
        try AtomicFile.write(try Self.encoder.encode(self), to: path)
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    private static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    /// Forgets bulletins more than `keep` before `now`.
    mutating func prune(now: Date, keep: TimeInterval = 14 * 86400) {
        entries.removeAll { ($0.slot ?? $0.emergencyAt ?? now) < now.addingTimeInterval(-keep) }
        let live = Set(entries.compactMap(\.bulletin))
        written = written.filter { live.contains($0.key) }
        airtime = airtime?.filter { live.contains($0.key) }
    }
}

/// Plans the slot bulletins of one station: which item goes into which slot.
struct SlotPlanner {
    var station: RadioStation
    var calendar: Calendar
    /// Bulletins close this long before their slot starts; a closed bulletin is never changed.
    var leadTime: TimeInterval
    /// Seconds of opening + closing of a slot bulletin starting at a date.
    var frameSeconds: (Date) -> Double

    static func bulletinID(_ start: Date, calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: start)
        return String(format: "%04d-%02d-%02d-%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }

    /// Whether a slot starting at `start` still takes items at `now`.
    func isOpen(_ start: Date, now: Date) -> Bool { start.timeIntervalSince(now) > leadTime }

    /// A move of an item to a later slot than it had, for the log.
    struct Move {
        var itemID: String
        var from: String
        var to: String
    }

    /// Assigns every slot entry that is not in a closed bulletin to the open slots, first come
    /// first served by priority then publish time; an item that does not fit a slot's maximum
    /// duration goes to the next slot. Returns the moves, or the item that fits no slot.
    func plan(_ ledger: inout BulletinLedger, now: Date) -> (moves: [Move], unplaceable: [String]) {
        var movable: [Int] = []
        for (i, e) in ledger.entries.enumerated() where e.emergencyAt == nil {
            if let slot = e.slot, !isOpen(slot, now: now) { continue }
            movable.append(i)
        }
        movable.sort { BulletinLedger.precedes(ledger.entries[$0], ledger.entries[$1]) }
        let before = Dictionary(
            uniqueKeysWithValues: movable.map { (ledger.entries[$0].item.id, ledger.entries[$0].bulletin) })
        var remaining = movable
        var moves: [Move] = []
        let openSlots = station.slotStarts(after: now, calendar: calendar).filter { isOpen($0.start, now: now) }
        for (start, slot) in openSlots {
            guard !remaining.isEmpty else { break }
            var room = slot.maxDuration.secondsValue - frameSeconds(start)
            let id = Self.bulletinID(start, calendar: calendar)
            var left: [Int] = []
            for i in remaining {
                if ledger.entries[i].seconds <= room {
                    room -= ledger.entries[i].seconds
                    ledger.entries[i].slot = start
                    ledger.entries[i].bulletin = id
                } else {
                    left.append(i)
                }
            }
            remaining = left
        }
        for i in movable {
            let e = ledger.entries[i]
            if let old = before[e.item.id] ?? nil, let new = e.bulletin, old != new, !remaining.contains(i) {
                moves.append(Move(itemID: e.item.id, from: old, to: new))
            }
        }
        let unplaceable = remaining.map { ledger.entries[$0].item.id }
        for i in remaining {
            ledger.entries[i].slot = nil
            ledger.entries[i].bulletin = nil
        }
        return (moves, unplaceable)
    }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Writing files so a reader never sees half of one: a temporary file in the same folder, then rename.
enum AtomicFile {
    static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temp = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try data.write(to: temp)
            // rename(2) replaces the target atomically.
            guard rename(temp.path, path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
    }
}
