import Config
import Foundation

/// Which configuration keys a reload (SIGHUP) cannot apply to the running daemon.
///
/// Everything else applies on reload: `channels` (and `channels.d/`), `retry`, `engine.*`, `topics`,
/// `reports`, `inbox.media_roots`/`max_item_size`/`max_media_size` and the web app's `web.*` settings
/// other than its address. The keys below are used once, at start-up, by parts that live as long as
/// the process (the store, the delivery-log folder, the inbox watch, the shared HTTP client, the two
/// listeners' sockets); a reload that changes one keeps the running value, applies the rest, and logs
/// exactly which keys it did not apply. docs/operations.md lists the same keys (a test compares them;
/// `cchcd --restart-only-keys` prints this list).
enum ReloadScope {
    /// One restart-only key: how to tell it changed, and how to keep the running value.
    struct Key: Sendable {
        /// As written in the configuration (`http.listen`).
        let name: String
        let changed: @Sendable (_ running: DaemonConfig, _ next: DaemonConfig) -> Bool
        let keep: @Sendable (_ running: DaemonConfig, _ next: inout DaemonConfig) -> Void
    }

    static let restartOnly: [Key] = [
        key("state_dir", \.stateDirectory),
        key("delivery_log.dir", \.deliveryLogDirectory),
        key("timezone", \.timeZone),
        Key(
            name: "inbox.path",
            changed: { $0.inbox.path != $1.inbox.path },
            keep: { running, next in
                // The web app's upload folder defaults to the inbox's media folder: it follows the inbox kept.
                if let web = next.web, web.mediaDirectory == next.inbox.path + "/media" {
                    next.web?.mediaDirectory = running.inbox.path + "/media"
                }
                next.inbox.path = running.inbox.path
            }),
        key("inbox.enabled", \.inbox.enabled),
        key("inbox.trusted", \.inbox.trusted),
        key("network.ca_file", \.network.caFile),
        key("network.ca_path", \.network.caPath),
        key("network.connect_timeout", \.network.connectTimeout),
        key("network.timeout", \.network.timeout),
        key("network.max_connections_per_host", \.network.maxConnectionsPerHost),
        key("http.listen", \.httpListen),
        key("http.idle_timeout", \.httpLimits.idleTimeout),
        key("http.read_timeout", \.httpLimits.readTimeout),
        key("http.max_connections", \.httpLimits.maxConnections),
        // Adding or removing the web app starts or stops a listener: a restart.
        Key(
            name: "web",
            changed: { ($0.web == nil) != ($1.web == nil) },
            keep: { running, next in if (running.web == nil) != (next.web == nil) { next.web = running.web } }),
        Key(
            name: "web.listen",
            changed: { running, next in
                guard let old = running.web, let new = next.web else { return false }
                return old.listen != new.listen
            },
            keep: { running, next in
                if let old = running.web, next.web != nil { next.web?.listen = old.listen }
            }),
    ]

    /// The names of the restart-only keys, in the order above.
    static var names: [String] { restartOnly.map(\.name) }

    /// `next` with the running value of every restart-only key it changes, and the names of those keys.
    static func applicable(running: DaemonConfig, next: DaemonConfig) -> (config: DaemonConfig, notApplied: [String]) {
        var effective = next
        var notApplied: [String] = []
        for key in restartOnly where key.changed(running, next) {
            key.keep(running, &effective)
            notApplied.append(key.name)
        }
        return (effective, notApplied)
    }

    private static func key<Value: Equatable & Sendable>(
        _ name: String, _ path: any WritableKeyPath<DaemonConfig, Value> & Sendable
    ) -> Key {
        Key(
            name: name, changed: { $0[keyPath: path] != $1[keyPath: path] },
            keep: { running, next in next[keyPath: path] = running[keyPath: path] })
    }
}
