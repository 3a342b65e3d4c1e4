import ChannelConfig
import ChannelKit
import Foundation
import Testing

@testable import Radio

@Suite struct RadioConfigTests {
    let location = ConfigLocation(file: "/etc/cchcd/cchcd.yaml", line: 1)

    func map(_ entries: [(String, ConfigValue)]) -> ConfigValue {
        .map(entries.map { (key: $0.0, value: $0.1, location: location) }, location)
    }

    func section(_ entries: [(String, ConfigValue)], base: String) throws -> ConfigSection {
        try ConfigSection(
            value: map(entries), path: "channels.radio", location: location, baseDirectory: base,
            secrets: SecretStore())
    }

    func stationValue(_ extra: [(String, ConfigValue)] = [], slots: [String] = ["06:00/15m", "17:00"]) -> ConfigValue {
        var entries: [(String, ConfigValue)] = [
            ("id", .scalar("tan-lap")), ("name", .scalar("Đài truyền thanh xã Tân Lập")),
            ("commune", .scalar("xã Tân Lập")), ("slots", .list(slots.map { .scalar($0) }, location)),
            ("folder", .scalar("out/tan-lap")),
        ]
        for (k, v) in extra {
            entries.removeAll { $0.0 == k }
            if case .null = v { continue }
            entries.append((k, v))
        }
        return map(entries)
    }

    func error(_ entries: [(String, ConfigValue)], base: String = "/srv") -> ConfigError? {
        do {
            let s = try section(entries, base: base)
            _ = try RadioSettings(section: s)
            try s.finish()
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            return nil
        }
    }

    @Test func readsStationsSlotsAndOptions() throws {
        let folder = try TempFolder()
        try "VT = văn thư\n".write(toFile: folder.path + "/tu-dien.txt", atomically: true, encoding: .utf8)
        let s = try section(
            [
                ("reading_rate", .scalar("180")), ("southern", .scalar("true")), ("document_symbol", .scalar("expand")),
                ("dictionary", .scalar("tu-dien.txt")), ("lead_time", .scalar("5m")), ("slot_duration", .scalar("20m")),
                ("stations", .list([stationValue()], location)),
            ], base: folder.path)
        let settings = try RadioSettings(section: s)
        try s.finish()
        #expect(settings.readingRate == 180)
        #expect(settings.readAloud == ReadAloudOptionsProbe.southernExpand)
        #expect(settings.leadTime == .seconds(300))
        let station = try #require(settings.stations.first)
        #expect(station.slots.map(\.description) == ["06:00/15m", "17:00/20m"])
        #expect(station.destination == .folder(folder.path + "/out/tan-lap"))
        #expect(ReadAloudNormalizerProbe.read("Lưu: VT", settings.dictionary) == "Lưu: văn thư")
        #expect(station.unit == "xã Tân Lập")  // reports count its bulletins for the commune by default
    }

    @Test func aStationsUnitIsReadAndMayNotBeEmpty() throws {
        let s = try section(
            [("stations", .list([stationValue([("unit", .scalar("UBND xã Tân Lập"))])], location))], base: "/srv")
        #expect(try RadioSettings(section: s).stations.first?.unit == "UBND xã Tân Lập")
        let e = error([("stations", .list([stationValue([("unit", .scalar(" "))])], location))])
        #expect(e?.path.hasSuffix("unit") == true, "\(String(describing: e))")
        // Neither unit nor commune: the station's name.
        let bare = try section(
            [("stations", .list([stationValue([("commune", .null)])], location))], base: "/srv")
        #expect(try RadioSettings(section: bare).stations.first?.unit == "Đài truyền thanh xã Tân Lập")
    }

    @Test func badValuesNameTheirKey() {
        let e1 = error([("stations", .list([stationValue(slots: ["6h"])], location))])
        #expect(e1?.path == "channels.radio.stations[0].slots")
        #expect(e1?.message.contains("\"6h\" is not a slot like 06:00 or 06:00/15m") == true)
        let e2 = error([("stations", .list([stationValue([("folder", .null)])], location))])
        #expect(e2?.path == "channels.radio.stations[0].folder")
        let e3 = error([("stations", .list([stationValue([("id", .scalar("Tân Lập"))])], location))])
        #expect(e3?.path == "channels.radio.stations[0].id")
        let e4 = error([("stations", .list([stationValue(), stationValue()], location))])
        #expect(e4?.message == "\"tan-lap\" is used twice")
        let e5 = error([])
        #expect(e5?.path == "channels.radio.stations")
        let e6 = error([("reading_rate", .scalar("1000")), ("stations", .list([stationValue()], location))])
        #expect(e6?.path == "channels.radio.reading_rate")
        let e7 = error([("document_symbol", .scalar("read")), ("stations", .list([stationValue()], location))])
        #expect(e7?.path == "channels.radio.document_symbol")
        let e8 = error([
            ("dictionary", .scalar("/nonexistent/tu-dien.txt")), ("stations", .list([stationValue()], location)),
        ])
        #expect(e8?.path == "channels.radio.dictionary")
        let e9 = error([("stations", .list([stationValue([("colour", .scalar("red"))])], location))])
        #expect(e9?.path == "channels.radio.stations[0].colour")
        let e10 = error([("stations", .list([stationValue(slots: ["06:00", "06:00/5m"])], location))])
        #expect(e10?.message == "06:00 is given twice")
    }

    @Test func uploadDestinations() throws {
        let folder = try TempFolder()
        try "mat-khau\n".write(toFile: folder.path + "/ftp-pass", atomically: true, encoding: .utf8)
        func upload(_ entries: [(String, ConfigValue)]) -> ConfigValue {
            stationValue([("folder", .null), ("upload", map(entries))])
        }
        let s = try section(
            [
                (
                    "stations",
                    .list(
                        [
                            upload([
                                ("url", .scalar("ftps://ftp.example.vn/dai/tan-lap")), ("username", .scalar("dai")),
                                ("password_file", .scalar("ftp-pass")),
                            ])
                        ], location)
                )
            ], base: folder.path)
        let settings = try RadioSettings(section: s)
        try s.finish()
        guard case .upload(let u) = settings.stations.first?.destination else {
            Issue.record("not an upload")
            return
        }
        #expect(u.url == "ftps://ftp.example.vn/dai/tan-lap/")
        #expect(u.username == "dai" && u.password?.reveal() == "mat-khau" && !u.isHTTP)

        let bad = error([("stations", .list([upload([("url", .scalar("gopher://x/"))])], location))])
        #expect(bad?.path == "channels.radio.stations[0].upload.url")
        let creds = error([("stations", .list([upload([("url", .scalar("ftp://dai:pw@x/"))])], location))])
        #expect(creds?.message == "credentials never go in the URL: use username and password_file")
        let method = error([
            ("stations", .list([upload([("url", .scalar("ftp://x/")), ("method", .scalar("POST"))])], location))
        ])
        #expect(method?.path == "channels.radio.stations[0].upload.method")
        let both = error([
            ("stations", .list([stationValue([("upload", map([("url", .scalar("ftp://x/"))]))])], location))
        ])
        #expect(both?.message == "give either folder or upload, not both")
        let secret = error([
            ("stations", .list([upload([("url", .scalar("ftp://x/")), ("password", .scalar("lo-ra"))])], location))
        ])
        #expect(secret?.path == "channels.radio.stations[0].upload.password")
    }

    @Test func sftpNeedsTheServersHostKeyAndOnlySFTPTakesIt() throws {
        func upload(_ entries: [(String, ConfigValue)]) -> [(String, ConfigValue)] {
            [("stations", .list([stationValue([("folder", .null), ("upload", map(entries))])], location))]
        }
        let fingerprint = "SHA256:VmHb4q/U0Mv9z96OdlBNHqxULotM7SrmNe87Hi700i4"
        let s = try section(
            upload([("url", .scalar("sftp://sftp.example.vn/dai/")), ("host_key_sha256", .scalar(fingerprint))]),
            base: "/srv")
        guard case .upload(let u) = try RadioSettings(section: s).stations.first?.destination else {
            Issue.record("not an upload")
            return
        }
        #expect(u.isSFTP && u.hostKeySHA256 == fingerprint)

        let missing = error(upload([("url", .scalar("sftp://sftp.example.vn/dai/"))]))
        #expect(missing?.path == "channels.radio.stations[0].upload.host_key_sha256")
        #expect(missing?.message.contains("is required for sftp://") == true)
        let garbled = error(
            upload([("url", .scalar("sftp://sftp.example.vn/dai/")), ("host_key_sha256", .scalar("SHA256:abc"))]))
        #expect(garbled?.message.contains("SHA-256 fingerprint") == true, "\(String(describing: garbled))")
        let unreadable = error(
            upload([("url", .scalar("sftp://sftp.example.vn/dai/")), ("known_hosts", .scalar("/nonexistent/kh"))]))
        #expect(unreadable?.path == "channels.radio.stations[0].upload.known_hosts")
        let ftp = error(upload([("url", .scalar("ftp://x/")), ("host_key_sha256", .scalar(fingerprint))]))
        #expect(ftp?.message == "applies to sftp:// uploads only")
    }

    @Test func audioNeedsItsToolsAtConfigurationTime() throws {
        func load(_ audio: String, path: String) throws -> RadioSettings {
            let s = try section(
                [("audio", .scalar(audio)), ("stations", .list([stationValue()], location))], base: "/srv")
            let settings = try RadioSettings(section: s, searchPath: path)
            try s.finish()
            return settings
        }
        do {
            _ = try load("wav", path: "/nonexistent")
            Issue.record("no error without espeak-ng")
        } catch let e as ConfigError {
            #expect(e.path == "channels.radio.audio")
            #expect(e.message == "wav audio needs espeak-ng, which is not on PATH (apt-get install espeak-ng)")
        }
        // A folder with espeak-ng but no lame: WAV works, MP3 is refused.
        let folder = try TempFolder()
        #expect(
            FileManager.default.createFile(
                atPath: folder.path + "/espeak-ng", contents: Data("#!/bin/sh\n".utf8),
                attributes: [.posixPermissions: 0o755]))
        #expect(try load("wav", path: folder.path).espeakPath == folder.path + "/espeak-ng")
        #expect(try load("none", path: folder.path).audio == nil)
        do {
            _ = try load("mp3", path: folder.path)
            Issue.record("no error without lame")
        } catch let e as ConfigError {
            #expect(e.message == "mp3 audio needs lame, which is not on PATH (apt-get install lame)")
        }
    }

    @Test func aDictionaryFileWithABadLineIsAConfigErrorNamingTheLine() throws {
        let folder = try TempFolder()
        try "VT = văn thư\nkhông có dấu bằng\n".write(
            toFile: folder.path + "/tu-dien.txt", atomically: true, encoding: .utf8)
        let e = error(
            [("dictionary", .scalar("tu-dien.txt")), ("stations", .list([stationValue()], location))],
            base: folder.path)
        #expect(e?.path == "channels.radio.dictionary")
        #expect(e?.message.contains("tu-dien.txt:2: expected KEY = reading") == true)
    }
}

import ReadAloud

enum ReadAloudOptionsProbe {
    static let southernExpand = ReadAloudOptions(southern: true, documentSymbol: .expand)
}

enum ReadAloudNormalizerProbe {
    static func read(_ text: String, _ d: ReadAloudDictionary) -> String {
        ReadAloudNormalizer(dictionary: d).normalize(text).text
    }
}
