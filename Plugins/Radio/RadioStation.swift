import ChannelConfig
import ChannelKit
import Foundation

/// A broadcast slot of a station: a start time of day and the longest bulletin it takes.
public struct RadioSlot: Sendable, Hashable, CustomStringConvertible {
    /// Minutes after local midnight.
    public var minuteOfDay: Int
    public var maxDuration: Duration

    public init(minuteOfDay: Int, maxDuration: Duration) {
        self.minuteOfDay = minuteOfDay
        self.maxDuration = maxDuration
    }

    /// `06:00/15m` (or `06:00`, which takes `defaultDuration`).
    public init?(_ text: String, defaultDuration: Duration) {
        let parts = text.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let hm = parts[0].split(separator: ":")
        guard hm.count == 2, hm[0].count <= 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]),
            (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        minuteOfDay = h * 60 + m
        if parts.count == 2 {
            guard let d = DurationText.parse(parts[1]), d > .zero else { return nil }
            maxDuration = d
        } else {
            maxDuration = defaultDuration
        }
    }

    /// `06:00`.
    public var timeText: String { String(format: "%02d:%02d", minuteOfDay / 60, minuteOfDay % 60) }
    public var description: String { "\(timeText)/\(DurationText.format(maxDuration))" }
}

/// One commune station a radio channel serves.
public struct RadioStation: Sendable, Hashable {
    /// A short name for files and logs (`tan-lap`).
    public var id: String
    /// Read in the opening (`Đài truyền thanh xã Tân Lập`).
    public var name: String
    /// The commune (`xã Tân Lập, huyện Mộc Châu`).
    public var commune: String
    /// The unit its bulletins count for in reports (`UBND xã Tân Lập`): the `unit` key, else the commune,
    /// else the station's name.
    public var unit: String
    /// Sorted by time of day.
    public var slots: [RadioSlot]
    public var destination: RadioDestination

    public init(
        id: String, name: String, commune: String, unit: String? = nil, slots: [RadioSlot],
        destination: RadioDestination
    ) {
        self.id = id
        self.name = name
        self.commune = commune
        self.unit = unit ?? (commune.isEmpty ? name : commune)
        self.slots = slots.sorted { $0.minuteOfDay < $1.minuteOfDay }
        self.destination = destination
    }

    /// The starts of this station's slots from `from` on, in order, for up to `days` days.
    func slotStarts(after from: Date, calendar: Calendar, days: Int = 31) -> [(start: Date, slot: RadioSlot)] {
        var out: [(Date, RadioSlot)] = []
        let day0 = calendar.startOfDay(for: from)
        for offset in 0..<days {
            guard let day = calendar.date(byAdding: .day, value: offset, to: day0) else { continue }
            for slot in slots {
                guard
                    let start = calendar.date(
                        bySettingHour: slot.minuteOfDay / 60, minute: slot.minuteOfDay % 60, second: 0, of: day)
                else { continue }
                if start > from { out.append((start, slot)) }
            }
        }
        return out
    }
}

/// Where a station's bulletins go.
public enum RadioDestination: Sendable, Hashable {
    /// A local folder (a shared drive, the input folder of an IP loudspeaker system).
    case folder(String)
    /// A remote folder: `ftp://`, `ftps://`, `sftp://` (libcurl) or `http(s)://` (PUT or POST).
    case upload(RadioUpload)
}

/// An upload destination. Files are staged in the channel's state folder first.
public struct RadioUpload: Sendable, Hashable {
    /// The remote folder, ending with `/`.
    public var url: String
    public var username: String?
    public var password: Secret?
    /// HTTP only: `PUT` (to the folder URL + file name) or `POST` (to the URL, file name in a header).
    public var method: String
    /// SFTP only: the server's host key fingerprint (`SHA256:…` as `ssh-keygen -lf` prints it).
    public var hostKeySHA256: String?
    /// SFTP only: a known_hosts file listing the server.
    public var knownHosts: String?
    /// SFTP only: a private key for public-key login.
    public var privateKeyFile: String?

    public init(url: String, username: String? = nil, password: Secret? = nil, method: String = "PUT") {
        self.url = url
        self.username = username
        self.password = password
        self.method = method
    }

    public var isHTTP: Bool { url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://") }
    public var isSFTP: Bool { url.lowercased().hasPrefix("sftp://") }
}
