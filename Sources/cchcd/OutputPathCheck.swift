import ChannelConfig
import ChannelKit
import Config
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `--check-config`: the folders channels write to (`output:` keys: the static portal, radio stations) must be
/// writable by the service user and, under the unit's `ProtectSystem=strict`, covered by `ReadWritePaths=`
/// or the unit's state/log/runtime folders (issue 14: a check as root passed, then the service failed).
struct OutputPathCheck {
    /// The user the service runs as (`User=` in the unit; default `cchcd`).
    var serviceUser: String
    /// Unit files read for `ReadWritePaths=` and friends, with their drop-ins.
    var unitFiles: [String]

    static func standard() -> OutputPathCheck {
        let environment = ProcessInfo.processInfo.environment
        let unit =
            environment["CCHCD_UNIT_FILE"].map { [$0] } ?? [
                "/etc/systemd/system/cchcd.service", "/usr/lib/systemd/system/cchcd.service",
                "/lib/systemd/system/cchcd.service",
            ]
        return OutputPathCheck(serviceUser: environment["CCHCD_SERVICE_USER"] ?? "cchcd", unitFiles: unit)
    }

    /// Every `output:` value in the channels' sections, resolved, with the channel's name.
    static func outputs(of config: DaemonConfig) -> [(channel: String, path: String)] {
        var out: [(String, String)] = []
        func walk(_ value: ConfigValue, channel: ChannelConfig) {
            switch value {
            case .map(let entries, _):
                for entry in entries {
                    if entry.key == "output", case .scalar(let s) = entry.value {
                        let path =
                            s.hasPrefix("/")
                            ? s
                            : URL(fileURLWithPath: channel.baseDirectory).appendingPathComponent(s).standardizedFileURL
                                .path
                        out.append((channel.name, path))
                    } else {
                        walk(entry.value, channel: channel)
                    }
                }
            case .list(let items, _):
                for item in items { walk(item, channel: channel) }
            default:
                break
            }
        }
        for channel in config.channels where channel.enabled { walk(channel.section, channel: channel) }
        return out
    }

    /// Problems, one line each (empty: all fine).
    func problems(_ config: DaemonConfig) -> [String] {
        var problems: [String] = []
        let identity = Self.identity(of: serviceUser)
        let unit = UnitPaths.read(unitFiles)
        for (channel, path) in Self.outputs(of: config) {
            let who = identity == nil ? "this user" : "the service user \(serviceUser)"
            if !Self.canCreateOrWrite(path, as: identity) {
                problems.append("channel \(channel): \(who) cannot write \(path) (or create it)")
            }
            if let unit, unit.strict, !unit.writable.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
                problems.append(
                    "channel \(channel): \(path) is read-only under the unit's ProtectSystem=strict (\(unit.file)); add ReadWritePaths=\(path)"
                )
            }
        }
        return problems
    }

    struct Identity {
        var uid: uid_t
        var groups: [gid_t]
    }

    /// The service user's ids when this process is root and the user exists (checked as that user);
    /// otherwise nil (checked as this process).
    static func identity(of user: String) -> Identity? {
        guard geteuid() == 0, let pw = getpwnam(user) else { return nil }
        let uid = pw.pointee.pw_uid
        let gid = pw.pointee.pw_gid
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(user, gid, &groups, &count)
        }
        return Identity(uid: uid, groups: Array(groups.prefix(Int(max(count, 0)))))
    }

    /// Whether the path (or, when missing, its nearest existing ancestor, where it would be created) is
    /// writable and searchable.
    static func canCreateOrWrite(_ path: String, as identity: Identity?) -> Bool {
        var candidate = path
        var st = stat()
        while stat(candidate, &st) != 0 {
            let parent = (candidate as NSString).deletingLastPathComponent
            if parent == candidate || parent.isEmpty { return false }
            candidate = parent
        }
        guard let identity else { return access(candidate, W_OK | X_OK) == 0 }
        if identity.uid == 0 { return true }
        let mode = st.st_mode
        let bits: mode_t
        if st.st_uid == identity.uid {
            bits = (mode >> 6) & 0o7
        } else if identity.groups.contains(st.st_gid) {
            bits = (mode >> 3) & 0o7
        } else {
            bits = mode & 0o7
        }
        let isDirectory = (mode & S_IFMT) == S_IFDIR
        return bits & 0o2 != 0 && (!isDirectory || bits & 0o1 != 0)
    }
}

/// What a unit file (and its drop-ins) leaves writable under `ProtectSystem=strict`.
struct UnitPaths {
    var file: String
    var strict: Bool
    var writable: [String]

    static func read(_ candidates: [String]) -> UnitPaths? {
        guard let file = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else { return nil }
        var texts = [(try? String(contentsOfFile: file, encoding: .utf8)) ?? ""]
        let dropIns = "/etc/systemd/system/" + (file as NSString).lastPathComponent + ".d"
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: dropIns)) ?? []).sorted()
        where name.hasSuffix(".conf") {
            texts.append((try? String(contentsOfFile: dropIns + "/" + name, encoding: .utf8)) ?? "")
        }
        var unit = UnitPaths(file: file, strict: false, writable: [])
        for line in texts.joined(separator: "\n").split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { continue }
            let key = String(trimmed[..<eq])
            let values = trimmed[trimmed.index(after: eq)...].split(separator: " ").map {
                String($0.drop { $0 == "-" || $0 == "+" })
            }
            switch key {
            case "ProtectSystem": unit.strict = values.first == "strict"
            case "ReadWritePaths": unit.writable += values
            case "StateDirectory": unit.writable += values.map { "/var/lib/" + $0 }
            case "LogsDirectory": unit.writable += values.map { "/var/log/" + $0 }
            case "RuntimeDirectory": unit.writable += values.map { "/run/" + $0 }
            case "CacheDirectory": unit.writable += values.map { "/var/cache/" + $0 }
            default: break
            }
        }
        return unit
    }
}
