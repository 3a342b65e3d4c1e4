import ChannelConfig
import ChannelKit
import ChannelRegistry
import Config
import Engine
import Foundation
import Intake
import Scheduling
import Listener
import Logging
import Queue
import Reports
import Transport
import WebApp

/// What one configuration builds: its channels, and everything the running parts take from the
/// configuration. Start-up and reload both make one with ``make(_:http:secrets:logger:)`` and hand
/// it to the parts through ``DaemonAssembly``, so the two cannot wire the daemon differently.
struct DaemonBuild: Sendable {
    let config: DaemonConfig
    /// Every configured channel by name (disabled ones too: items naming them are still checked).
    let channels: [String: any Channel]

    /// Reads nothing, builds every channel (which reads its secrets and checks its section completely).
    /// - Throws: ``ConfigError`` naming the file, key path and line.
    static func make(
        _ config: DaemonConfig, http: HTTPClient, secrets: SecretStore, logger: Logger
    ) throws(ConfigError) -> DaemonBuild {
        DaemonBuild(
            config: config, channels: try BuiltinChannels.build(config, http: http, logger: logger, secrets: secrets))
    }

    /// The engine's channels, in configuration order.
    var engineChannels: [EngineChannel] {
        config.channels.compactMap { c in channels[c.name].map { EngineChannel(channel: $0, config: c) } }
    }

    /// The channels whose inbound routes (webhooks) the listener serves.
    var inboundChannels: [any Channel] { config.channels.compactMap { channels[$0.name] } }

    var planner: DeliveryPlanner { DeliveryPlanner(config: config) }

    func intake(store: any Store) -> ItemIntake {
        let planner = self.planner
        return ItemIntake(config: config, channels: channels, store: store) { planner.plan($0) }
    }

    /// The scheduled reports (`reports.schedule`), or nil when none are configured.
    var scheduledReports: ScheduledReports? {
        guard let schedule = config.reports.schedule else { return nil }
        var reports = ScheduledReports(
            schedule: schedule, settings: config.reports, logDirectory: config.deliveryLogDirectory,
            timeZone: config.timeZone,
            topicLabels: Dictionary(config.topics.map { ($0.key, $0.label) }, uniquingKeysWith: { a, _ in a }))
        reports.channelLabels = config.channelLabels
        return reports
    }

    /// Applies this build to a running web app.
    func configure(_ web: WebApp) {
        let planner = self.planner
        guard let settings = config.web else { return }
        web.reconfigure(
            settings: settings, topics: config.topics, channels: channels, channelOrder: config.channels.map(\.name),
            plan: { planner.plan($0) })
    }
}

/// Where the two listeners bind (`http.listen`, `web.listen`), parsed; errors name the file and key.
struct ListenAddresses: Sendable {
    var http: Listener.Address?
    var web: WebAddress?

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(_ config: DaemonConfig) throws(Invalid) {
        if let text = config.httpListen {
            guard let address = Listener.parseAddress(text) else {
                throw Invalid(
                    description:
                        "\(config.path): http.listen: \"\(text)\" is not an address like 127.0.0.1:8640 or unix:/run/cchcd/http.sock"
                )
            }
            http = address
        }
        if let web = config.web {
            guard let address = WebAddress.parse(web.listen) else {
                throw Invalid(
                    description:
                        "\(config.path): web.listen: \"\(web.listen)\" is not an address like 127.0.0.1:8650 or unix:/run/cchcd/web.sock"
                )
            }
            self.web = address
        }
    }
}
