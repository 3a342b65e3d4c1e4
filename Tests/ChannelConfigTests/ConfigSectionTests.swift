import ChannelConfig
import Foundation
import Testing

private func section(
    _ entries: [(String, ConfigValue)], path: String = "channels.x", env: [String: String] = [:],
    credentials: String? = nil
) throws -> ConfigSection {
    let loc = ConfigLocation(file: "cchcd.yaml", line: 1)
    let map = ConfigValue.map(
        entries.enumerated().map { (i, e) in (e.0, e.1, ConfigLocation(file: "cchcd.yaml", line: i + 2)) }, loc)
    return try ConfigSection(
        value: map, path: path, location: loc, baseDirectory: "/etc/cchcd",
        secrets: SecretStore(credentialsDirectory: credentials, environment: env))
}

@Suite struct ConfigSectionTests {
    @Test func readsTypedValuesAndRejectsUnreadKeys() throws {
        let s = try section([
            ("url", .scalar("https://a")), ("n", .scalar("12")), ("on", .scalar("yes")), ("d", .scalar("15m")),
            ("list", .list([.scalar("a"), .scalar("b")], ConfigLocation(file: "cchcd.yaml"))), ("typo", .scalar("x")),
        ])
        #expect(try s.requireString("url") == "https://a")
        #expect(try s.int("n") == 12)
        #expect(try s.bool("on") == true)
        #expect(try s.duration("d") == .seconds(900))
        #expect(try s.stringList("list") == ["a", "b"])
        let error = #expect(throws: ConfigError.self) { try s.finish() }
        #expect(error?.path == "channels.x.typo")
        #expect(error?.location.line == 7)
        #expect(error?.description.contains("unknown key \"typo\"") == true)
    }

    @Test func badValuesNameTheKeyAndLine() throws {
        let s = try section([
            ("n", .scalar("mười")), ("b", .scalar("maybe")), ("d", .scalar("soon")), ("r", .scalar("200")),
        ])
        #expect(throws: ConfigError.self) { try s.int("n") }
        #expect(throws: ConfigError.self) { try s.bool("b") }
        let e = #expect(throws: ConfigError.self) { try s.duration("d") }
        #expect(e?.path == "channels.x.d" && e?.location.line == 4)
        let range = #expect(throws: ConfigError.self) { try s.int("r", range: 1...100) }
        #expect(range?.message.contains("between 1 and 100") == true)
        #expect(throws: ConfigError.self) { try s.requireString("missing") }
    }

    @Test func relativePathsResolveAgainstTheConfigFolder() throws {
        let s = try section([("output", .scalar("portal/out")), ("abs", .scalar("/var/x"))])
        #expect(try s.path("output") == "/etc/cchcd/portal/out")
        #expect(try s.path("abs") == "/var/x")
    }

    @Test func secretsComeFromFilesCredentialsOrEnvironmentNeverInline() throws {
        let dir = NSTemporaryDirectory() + "ck-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "s3cr3t-file\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        try "s3cr3t-cred".write(toFile: dir + "/fb-token", atomically: true, encoding: .utf8)

        let fromFile = try section([("token_file", .scalar(dir + "/token"))])
        let secret = try fromFile.requireSecret("token")
        #expect(secret.reveal() == "s3cr3t-file")
        #expect("\(secret)" == "<secret>")
        #expect(String(reflecting: secret) == "<secret>")

        let fromCredential = try section([("token_credential", .scalar("fb-token"))], credentials: dir)
        #expect(try fromCredential.requireSecret("token").reveal() == "s3cr3t-cred")

        let fromEnv = try section([("token_env", .scalar("CCHC_TOKEN"))], env: ["CCHC_TOKEN": "s3cr3t-env"])
        #expect(try fromEnv.requireSecret("token").reveal() == "s3cr3t-env")

        let inline = try section([("token", .scalar("do-not-write-me"))])
        let e = #expect(throws: ConfigError.self) { try inline.secret("token") }
        #expect(e?.message.contains("token_file") == true)
        #expect(e?.description.contains("do-not-write-me") == false)

        let missingFile = try section([("token_file", .scalar(dir + "/nope"))])
        #expect(throws: ConfigError.self) { try missingFile.secret("token") }
        let noCredDir = try section([("token_credential", .scalar("fb-token"))], credentials: nil)
        let ce = #expect(throws: ConfigError.self) { try noCredDir.secret("token") }
        #expect(ce?.message.contains("CREDENTIALS_DIRECTORY") == true)
        let both = try section([("token_file", .scalar(dir + "/token")), ("token_env", .scalar("X"))])
        #expect(throws: ConfigError.self) { try both.secret("token") }
        let none = try section([])
        #expect(try none.secret("token") == nil)
        #expect(throws: ConfigError.self) { try none.requireSecret("token") }
    }

    @Test func durationsParseAndFormat() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("30s") == .seconds(30))
        #expect(DurationText.parse("1h") == .seconds(3600))
        #expect(DurationText.parse("2d") == .seconds(172_800))
        #expect(DurationText.parse("1.5") == .milliseconds(1500))
        #expect(DurationText.parse("-1s") == nil)
        #expect(DurationText.parse("ba phút") == nil)
        #expect(DurationText.format(.seconds(900)) == "15m")
        #expect(DurationText.format(.milliseconds(250)) == "250ms")
    }
}
