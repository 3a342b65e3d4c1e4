import ChannelConfig
import ChannelKit
import Foundation
import ReadAloud

/// The `radio` channel's configuration (Plugins/Radio/README.md).
public struct RadioSettings: Sendable {
    public var stations: [RadioStation]
    /// Syllables a minute (a newsreader reads 180–220).
    public var readingRate: Double = 200
    public var readAloud = ReadAloudOptions()
    /// Built-in abbreviations layered with the operator's file.
    public var dictionary: ReadAloudDictionary = .builtin
    /// A slot's bulletin closes this long before the slot starts.
    public var leadTime: Duration = .seconds(600)
    /// Write the announcer's `.docx` next to the script.
    public var docx = true
    /// Speech audio made with espeak-ng (and lame for MP3); nil: none.
    public var audio: AudioFormat?
    /// The espeak-ng voice.
    public var voice = "vi"
    /// Where the audio tools are, found on PATH at configuration time.
    public var espeakPath: String?
    public var lamePath: String?

    public enum AudioFormat: String, Sendable, CaseIterable {
        case wav, mp3
    }

    public init(stations: [RadioStation]) { self.stations = stations }

    /// Reads the channel's keys.
    ///
    /// - Parameter searchPath: where audio tools are looked for (default: `$PATH`).
    public init(section: ConfigSection, searchPath: String? = nil) throws(ConfigError) {
        if let rate = try section.double("reading_rate") {
            guard (60...400).contains(rate) else {
                throw section.error("reading_rate", "must be between 60 and 400 syllables a minute, found \(rate)")
            }
            readingRate = rate
        }
        readAloud.southern = try section.bool("southern") ?? false
        if let s = try section.oneOf("document_symbol", DocumentSymbolTreatment.allCases.map(\.rawValue)) {
            readAloud.documentSymbol = DocumentSymbolTreatment(rawValue: s)!
        }
        if let path = try section.path("dictionary") {
            do {
                dictionary = try ReadAloudDictionary.loading(file: path)
            } catch {
                throw section.error("dictionary", "\(error)")
            }
        }
        if let lead = try section.duration("lead_time") { leadTime = lead }
        docx = try section.bool("docx") ?? true
        if let a = try section.oneOf("audio", ["none"] + AudioFormat.allCases.map(\.rawValue)), a != "none" {
            audio = AudioFormat(rawValue: a)
            // A missing tool is a configuration error now, not a failed delivery at 06:00.
            guard let espeak = Self.findProgram("espeak-ng", searchPath: searchPath) else {
                throw section.error(
                    "audio", "\(a) audio needs espeak-ng, which is not on PATH (apt-get install espeak-ng)")
            }
            espeakPath = espeak
            if audio == .mp3 {
                guard let lame = Self.findProgram("lame", searchPath: searchPath) else {
                    throw section.error("audio", "mp3 audio needs lame, which is not on PATH (apt-get install lame)")
                }
                lamePath = lame
            }
        }
        if let v = try section.string("voice") {
            guard !v.isEmpty, v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "+" }) else {
                throw section.error("voice", "expected an espeak-ng voice name like vi, found \"\(v)\"")
            }
            voice = v
        }
        let defaultDuration = try section.duration("slot_duration") ?? .seconds(900)
        guard let list = try section.list("stations"), !list.isEmpty else {
            throw section.error("stations", "is required: at least one station (id, name, commune, slots, folder)")
        }
        var stations: [RadioStation] = []
        for (value, path, location) in list {
            let s = try section.section(of: value, path: path, location: location)
            let id = try s.requireString("id")
            guard id.unicodeScalars.allSatisfy({ ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" })
            else {
                throw s.error("id", "use lowercase letters, digits and hyphens (it names files), found \"\(id)\"")
            }
            guard !stations.contains(where: { $0.id == id }) else { throw s.error("id", "\"\(id)\" is used twice") }
            let name = try s.requireString("name")
            let commune = try s.string("commune") ?? ""
            let unit = try s.string("unit")
            if let unit, unit.trimmingCharacters(in: .whitespaces).isEmpty {
                throw s.error("unit", "is empty: leave it out to count the station's bulletins for its commune")
            }
            guard let slotTexts = try s.stringList("slots"), !slotTexts.isEmpty else {
                throw s.error("slots", "is required: broadcast times like 06:00/15m (start/maximum duration)")
            }
            var slots: [RadioSlot] = []
            for text in slotTexts {
                guard let slot = RadioSlot(text, defaultDuration: defaultDuration) else {
                    throw s.error("slots", "\"\(text)\" is not a slot like 06:00 or 06:00/15m")
                }
                guard !slots.contains(where: { $0.minuteOfDay == slot.minuteOfDay }) else {
                    throw s.error("slots", "\(slot.timeText) is given twice")
                }
                slots.append(slot)
            }
            let destination: RadioDestination
            switch (try s.path("folder"), try s.section("upload")) {
            case (let folder?, nil):
                destination = .folder(folder)
            case (nil, let upload?):
                destination = .upload(try Self.upload(upload))
            case (nil, nil):
                throw s.error("folder", "is required (or upload): where the station's bulletins go")
            case (_?, _?):
                throw s.error("upload", "give either folder or upload, not both")
            }
            try s.finish()
            stations.append(
                RadioStation(
                    id: id, name: name, commune: commune, unit: unit, slots: slots, destination: destination))
        }
        self.stations = stations
    }

    static func upload(_ s: ConfigSection) throws(ConfigError) -> RadioUpload {
        var url = try s.requireString("url")
        let lower = url.lowercased()
        guard ["ftp://", "ftps://", "sftp://", "http://", "https://"].contains(where: { lower.hasPrefix($0) }),
            let parsed = URL(string: url), parsed.host?.isEmpty == false
        else {
            throw s.error("url", "expected an ftp://, ftps://, sftp://, http:// or https:// URL, found \"\(url)\"")
        }
        guard parsed.user == nil, parsed.password == nil else {
            throw s.error("url", "credentials never go in the URL: use username and password_file")
        }
        if !url.hasSuffix("/") { url += "/" }
        var upload = RadioUpload(url: url, username: try s.string("username"), password: try s.secret("password"))
        if let method = try s.oneOf("method", ["PUT", "POST"]) {
            guard upload.isHTTP else { throw s.error("method", "applies to http:// and https:// uploads only") }
            upload.method = method
        }
        upload.hostKeySHA256 = try s.string("host_key_sha256")
        upload.knownHosts = try s.path("known_hosts")
        upload.privateKeyFile = try s.path("private_key_file")
        if upload.isSFTP {
            if let key = upload.hostKeySHA256 {
                let bare = key.hasPrefix("SHA256:") ? String(key.dropFirst(7)) : key
                let base64 = bare.padding(
                    toLength: ((bare.count + 3) / 4) * 4, withPad: "=", startingAt: 0)
                guard Data(base64Encoded: base64)?.count == 32 else {
                    throw s.error(
                        "host_key_sha256",
                        "expected the server key's SHA-256 fingerprint as ssh-keygen -lf prints it (SHA256:…43 characters), found \"\(key)\""
                    )
                }
            }
            if upload.hostKeySHA256 == nil && upload.knownHosts == nil {
                throw s.error(
                    "host_key_sha256",
                    "is required for sftp:// (or known_hosts): the server's key fingerprint, from ssh-keygen -lf on the server's host key; an unverified server could be anyone"
                )
            }
            for (key, file) in [("known_hosts", upload.knownHosts), ("private_key_file", upload.privateKeyFile)] {
                if let file, !FileManager.default.isReadableFile(atPath: file) {
                    throw s.error(key, "\(file) cannot be read")
                }
            }
        } else {
            for key in ["host_key_sha256", "known_hosts", "private_key_file"] where s.has(key) {
                throw s.error(key, "applies to sftp:// uploads only")
            }
        }
        try s.finish()
        return upload
    }

    /// The absolute path of `name` on PATH, or nil.
    public static func findProgram(_ name: String, searchPath: String? = nil) -> String? {
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
