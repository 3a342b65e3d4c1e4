import ChannelConfig
import ChannelKit
import Config
import Email
import Exec
import Facebook
import Foundation
import Logging
import Portal
import Radio
import Transport
import Webhook
import Zalo

/// A compiled-in channel type: its type word, a one-line summary, its sample configuration, and how
/// to build an instance from a configuration section.
public struct ChannelType: Sendable {
    public var type: String
    public var summary: String
    public var sampleConfig: String
    public var make:
        @Sendable (_ name: String, _ section: ConfigSection, _ context: ChannelContext, _ http: HTTPClient)
            throws(ConfigError) -> any Channel
}

/// The one list of channel types (Swift has no load-time registration to lean on). A new plugin adds
/// its line here; `ChannelRegistryTests` fails if a plugin folder is missing from it.
public enum BuiltinChannels {
    public static let all: [ChannelType] = [
        ChannelType(
            type: "portal",
            summary: "Cổng/Trang thông tin điện tử: generic HTTP, WordPress REST API, static HTML folder",
            sampleConfig: PortalChannel.sampleConfig
        ) { name, section, context, http throws(ConfigError) in
            try PortalChannel(name: name, section: section, context: context, http: http)
        },
        ChannelType(
            type: "webhook", summary: "POST a signed JSON payload to a URL", sampleConfig: WebhookChannel.sampleConfig
        ) { name, section, context, http throws(ConfigError) in
            try WebhookChannel(name: name, section: section, context: context, http: http)
        },
        ChannelType(
            type: "exec", summary: "run an external program per delivery (JSON on stdin, acknowledgement on stdout)",
            sampleConfig: ExecChannel.sampleConfig
        ) { name, section, context, _ throws(ConfigError) in
            try ExecChannel(name: name, section: section, context: context)
        },
        ChannelType(
            type: "email", summary: "email to distribution lists over SMTP, one message per recipient",
            sampleConfig: EmailChannel.sampleConfig
        ) { name, section, context, _ throws(ConfigError) in
            try EmailChannel(name: name, section: section, context: context)
        },
        ChannelType(
            type: "radio", summary: "bản tin for commune loudspeaker stations: read-aloud script, manifest, per slot",
            sampleConfig: RadioChannel.sampleConfig
        ) { name, section, context, http throws(ConfigError) in
            try RadioChannel(name: name, section: section, context: context, http: http)
        },
        ChannelType(
            type: "facebook",
            summary: "Facebook Page: text, link and photo posts (Graph API); comments, reactions, messages by webhook",
            sampleConfig: FacebookChannel.sampleConfig
        ) { name, section, context, http throws(ConfigError) in
            try FacebookChannel(name: name, section: section, context: context, http: http)
        },
        ChannelType(
            type: "zalo",
            summary: "Zalo Official Account: articles (create → verify), broadcast to followers, inbound webhooks",
            sampleConfig: ZaloChannel.sampleConfig
        ) { name, section, context, http throws(ConfigError) in
            try ZaloChannel(name: name, section: section, context: context, http: http)
        },
    ]

    public static func type(_ word: String) -> ChannelType? { all.first { $0.type == word } }

    /// Builds every configured channel (disabled ones too, so `cchc` can validate items for them),
    /// reading each section completely: unknown keys are errors naming the file and key path.
    public static func build(
        _ config: DaemonConfig, http: HTTPClient, logger: Logger, secrets: SecretStore = SecretStore()
    ) throws(ConfigError) -> [String: any Channel] {
        var out: [String: any Channel] = [:]
        for channel in config.channels {
            guard let type = type(channel.type) else {
                throw ConfigError(
                    "unknown channel type \"\(channel.type)\" (known: \(all.map(\.type).joined(separator: ", ")))",
                    path: "\(channel.name).type", location: channel.location)
            }
            let section = try channel.pluginSection(secrets: secrets)
            var channelLogger = logger
            channelLogger[metadataKey: "channel"] = "\(channel.name)"
            let context = ChannelContext(
                name: channel.name, timeZone: config.timeZone, stateDirectory: config.stateDirectory,
                logger: channelLogger)
            let instance = try type.make(channel.name, section, context, http)
            try section.finish()
            out[channel.name] = instance
        }
        return out
    }
}

extension DaemonConfig {
    /// The shared HTTP client's settings from the `network` section. TLS verification is always on.
    public var httpClientConfiguration: HTTPClientConfiguration {
        var c = HTTPClientConfiguration()
        c.caFile = network.caFile
        c.caPath = network.caPath
        c.connectTimeout = network.connectTimeout
        c.timeout = network.timeout
        c.maxConnectionsPerHost = network.maxConnectionsPerHost
        return c
    }
}
