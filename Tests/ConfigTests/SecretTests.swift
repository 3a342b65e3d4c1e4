import ChannelConfig
import ChannelKit
import Foundation
import Testing

@testable import Config

@Suite("Secrets in channel sections")
struct SecretTests {
    /// Loads a config whose only channel is `portal` with `lines` in its section, and returns the
    /// plugin's view of that section.
    func pluginSection(
        _ lines: String, folder: TempFolder, secrets: SecretStore = isolatedSecrets
    ) throws -> (section: ConfigSection, path: String) {
        let text = """
            timezone: Asia/Ho_Chi_Minh
            channels:
              portal:
                type: portal
                after: null
                url: https://cchc.example.gov.vn
            \(lines)
            """
        let path = try folder.write("etc/cchcd.yaml", text)
        let config = try ConfigLoader.load(path: path, secrets: secrets)
        let channel = try #require(config.channel(named: "portal"))
        return (try channel.pluginSection(secrets: secrets), path)
    }

    func secretError(_ section: ConfigSection, _ key: String) -> ConfigError? {
        do {
            let secret = try section.secret(key)
            Issue.record("expected an error, got \(String(describing: secret))")
            return nil
        } catch {
            return error
        }
    }

    @Test("a secret written inline is refused, without repeating it, pointing to password_file")
    func inlineSecret() throws {
        let folder = try TempFolder()
        let (section, path) = try pluginSection("    password: hunter2-very-secret", folder: folder)
        let error = try #require(secretError(section, "password"))
        #expect(error.path == "channels.portal.password")
        #expect(error.location.file == path)
        #expect(error.location.line == 7)
        #expect(error.message.contains("password_file"))
        #expect(!error.description.contains("hunter2"))
        // The plugin read the key (through secret()), so finish() does not complain about it too.
        _ = try section.string("url")
        try section.finish()
    }

    @Test("a secret from a file relative to the config's folder; its description is redacted")
    func fromFile() throws {
        let folder = try TempFolder()
        try folder.write("etc/secrets/portal-password", "s3cr3t-Mật-khẩu\n")
        let (section, _) = try pluginSection("    password_file: secrets/portal-password", folder: folder)
        let secret = try #require(try section.secret("password"))
        #expect(secret.reveal() == "s3cr3t-Mật-khẩu")
        #expect("\(secret)" == "<secret>")
        #expect(String(reflecting: secret) == "<secret>")
        #expect(!"\([secret])".contains("s3cr3t"))
        #expect(!"\(Optional(secret) as Any)".contains("s3cr3t"))
        _ = try section.string("url")
        try section.finish()
    }

    @Test("a secret from the environment and from the systemd credentials folder")
    func fromEnvironmentAndCredentials() throws {
        let folder = try TempFolder()
        try folder.write("creds/fb-token", "token-from-credentials")
        let secrets = SecretStore(credentialsDirectory: folder.path + "/creds", environment: ["PORTAL_PW": "from-env"])
        let (section, _) = try pluginSection(
            "    password_env: PORTAL_PW\n    token_credential: fb-token", folder: folder, secrets: secrets)
        #expect(try section.secret("password")?.reveal() == "from-env")
        #expect(try section.secret("token")?.reveal() == "token-from-credentials")
        #expect(try section.secret("absent") == nil)
        _ = try section.string("url")
        try section.finish()
    }

    @Test("secrets that cannot be found name their key")
    func missingSecrets() throws {
        let folder = try TempFolder()
        let (s1, _) = try pluginSection("    password_file: secrets/nope", folder: folder)
        let e1 = try #require(secretError(s1, "password"))
        #expect(e1.path == "channels.portal.password_file")
        #expect(e1.message.contains(folder.path + "/etc/secrets/nope"))

        let (s2, _) = try pluginSection("    password_env: NOT_SET_ANYWHERE", folder: folder)
        let e2 = try #require(secretError(s2, "password"))
        #expect(e2.path == "channels.portal.password_env")
        #expect(e2.message.contains("NOT_SET_ANYWHERE"))

        let (s3, _) = try pluginSection("    password_credential: pw", folder: folder)
        let e3 = try #require(secretError(s3, "password"))
        #expect(e3.path == "channels.portal.password_credential")
        #expect(e3.message.contains("CREDENTIALS_DIRECTORY"))

        try folder.write("etc/empty", "\n")
        let (s4, _) = try pluginSection("    password_file: empty", folder: folder)
        #expect(secretError(s4, "password")?.message.contains("empty") == true)

        let (s5, _) = try pluginSection("    password_file: a\n    password_env: B", folder: folder)
        let e5 = try #require(secretError(s5, "password"))
        #expect(e5.message.contains("only one"))

        let (s6, _) = try pluginSection("", folder: folder)
        do {
            _ = try s6.requireSecret("password")
            Issue.record("expected an error")
        } catch {
            #expect(error.path == "channels.portal.password")
            #expect(error.message.contains("password_file"))
        }
    }

    @Test("the plugin's view: engine keys are taken, the plugin's own unknown keys are errors")
    func pluginView() throws {
        let folder = try TempFolder()
        let (section, path) = try pluginSection(
            "    slots: [\"06:00\"]\n    rate: 1/s\n    max_concurrency: 2\n    retry: { attempts: 2 }\n    usernme: x",
            folder: folder)
        _ = try section.string("url")
        do {
            try section.finish()
            Issue.record("expected an unknown key")
        } catch {
            #expect(error.path == "channels.portal.usernme")
            #expect(error.location.file == path)
            #expect(error.location.line == 11)
        }
    }
}

@Suite("Config values")
struct ConfigValueTests {
    @Test("slots, quiet hours, rates and durations parse and print")
    func parsing() {
        #expect(Slot("06:00")?.description == "06:00/15m")
        #expect(Slot("6:00 / 1h")?.length == .seconds(3600))
        #expect(Slot("25:00") == nil)
        #expect(Slot("06:00/25h") == nil)
        #expect(Slot("06:0") == nil)
        #expect(QuietHours("22:00-06:00")?.contains(23 * 60) == true)
        #expect(QuietHours("22:00-06:00")?.contains(5 * 60 + 59) == true)
        #expect(QuietHours("22:00-06:00")?.contains(6 * 60) == false)
        #expect(QuietHours("22:00-06:00")?.contains(12 * 60) == false)
        #expect(QuietHours("12:00-13:00")?.contains(12 * 60 + 30) == true)
        #expect(QuietHours("12:00-13:00")?.contains(13 * 60) == false)
        #expect(RateLimit("10/s") == RateLimit(count: 10, per: .seconds(1)))
        #expect(RateLimit("100/min") == RateLimit(count: 100, per: .seconds(60)))
        #expect(RateLimit("1000/h")?.description == "1000/1h")
        #expect(RateLimit("5/0s") == nil)
        #expect(RateLimit("-5/s") == nil)
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("1.5m") == .seconds(90))
        #expect(DurationText.parse("2d") == .seconds(172_800))
        #expect(DurationText.parse("12") == .seconds(12))
        #expect(DurationText.parse("-1s") == nil)
        #expect(DurationText.parse("soon") == nil)
        #expect(DurationText.format(.milliseconds(1500)) == "1500ms")
        #expect(DurationText.format(.seconds(0)) == "0s")
    }
}
