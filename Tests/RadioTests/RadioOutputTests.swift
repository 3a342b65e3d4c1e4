import ChannelKit
import Foundation
import Logging
import Testing
import ZIPFoundation

@testable import Radio

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Collects the text of `w:t` elements, one string per `w:p` paragraph; fails on malformed XML.
final class WordText: NSObject, XMLParserDelegate {
    var paragraphs: [String] = []
    private var current = ""
    private var inText = false

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if name == "w:t" { inText = true }
        if name == "w:p" { current = "" }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "w:t" { inText = false }
        if name == "w:p" { paragraphs.append(current) }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { current += string } }
}

extension RadioSpeechSuites {
    @Suite struct RadioOutputTests {
        func channel(_ folder: TempFolder, audio: RadioSettings.AudioFormat?) throws -> RadioChannel {
            var settings = RadioSettings(stations: [station(folder.path + "/out")])
            settings.audio = audio
            settings.espeakPath = RadioSettings.findProgram("espeak-ng")
            settings.lamePath = RadioSettings.findProgram("lame")
            return RadioChannel(
                name: "radio-xa", settings: settings,
                context: ChannelContext(
                    name: "radio-xa", timeZone: hanoi, stateDirectory: folder.path + "/state",
                    logger: Logger(label: "t")),
                clock: ManualClock(local(2026, 11, 22, 1, 30)).function)
        }

        /// The three corpus items' bulletin as a .docx: a valid ZIP whose every part is well-formed XML,
        /// Times New Roman 14 pt, the header block and every line of the script.
        @Test func theAnnouncersDocxIsWellFormedWithTheScript() async throws {
            let folder = try TempFolder()
            let radio = try channel(folder, audio: nil)
            for i in corpusItems { _ = await radio.publish(request(i)) }
            let archive = try Archive(
                url: URL(fileURLWithPath: folder.path + "/out/2026-11-22-0600.docx"), accessMode: .read)
            var parts: [String: Data] = [:]
            for entry in archive {
                var data = Data()
                _ = try archive.extract(entry) { data.append($0) }
                parts[entry.path] = data
            }
            #expect(
                Set(parts.keys) == [
                    "[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "word/_rels/document.xml.rels",
                    "word/styles.xml", "word/document.xml",
                ])
            for (name, data) in parts {
                let parser = XMLParser(data: data)
                #expect(parser.parse(), "\(name) is not well-formed XML: \(String(describing: parser.parserError))")
            }
            let styles = String(decoding: parts["word/styles.xml"] ?? Data(), as: UTF8.self)
            #expect(styles.contains("Times New Roman") && styles.contains("<w:sz w:val=\"28\"/>"))
            let text = WordText()
            let parser = XMLParser(data: parts["word/document.xml"] ?? Data())
            parser.delegate = text
            #expect(parser.parse())
            let paragraphs = text.paragraphs
            for expected in [
                "ĐÀI TRUYỀN THANH XÃ TÂN LẬP", "xã Tân Lập", "BẢN TIN CẢI CÁCH HÀNH CHÍNH",
                "Phát lúc 06:00 ngày 22/11/2026",
            ] {
                #expect(paragraphs.contains(expected), "\(expected) missing from \(paragraphs.prefix(8))")
            }
            #expect(paragraphs.contains { $0.hasPrefix("Thời lượng dự kiến: ") })
            #expect(paragraphs.contains { $0.hasPrefix("Tin 2 — khoảng ") })
            let script = try folder.text("out/2026-11-22-0600.txt")
            for line in script.split(separator: "\n") {
                #expect(paragraphs.contains(String(line)), "script line missing from the docx: \(line)")
            }
        }

        /// WAV through espeak-ng (installed by scripts/install-deps.sh --test): a valid RIFF/WAVE header
        /// whose duration is plausible for the text at the reading rate; MP3 through lame.
        @Test func speechAudioHasAValidWavHeaderAndAPlausibleDuration() async throws {
            let folder = try TempFolder()
            let radio = try channel(folder, audio: .mp3)
            for i in corpusItems { _ = await radio.publish(request(i)) }
            let wav = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/out/2026-11-22-0600.wav"))
            func u32(_ o: Int) -> UInt32 { wav[o..<o + 4].enumerated().reduce(0) { $0 | UInt32($1.1) << (8 * $1.0) } }
            func u16(_ o: Int) -> UInt16 { UInt16(wav[o]) | UInt16(wav[o + 1]) << 8 }
            #expect(String(decoding: wav[0..<4], as: UTF8.self) == "RIFF")
            #expect(String(decoding: wav[8..<12], as: UTF8.self) == "WAVE")
            #expect(String(decoding: wav[12..<16], as: UTF8.self) == "fmt ")
            #expect(u16(20) == 1)  // PCM
            let channels = Int(u16(22))
            let sampleRate = Double(u32(24))
            let bits = Int(u16(34))
            #expect(channels == 1 && bits == 16 && sampleRate > 8000)
            // espeak-ng writes the data chunk right after the 16-byte fmt chunk.
            #expect(String(decoding: wav[36..<40], as: UTF8.self) == "data")
            let dataBytes = Int(u32(40))
            #expect(dataBytes > 0 && dataBytes <= wav.count - 44)
            let seconds = Double(dataBytes) / (sampleRate * Double(channels * bits / 8))
            let manifest = try folder.json("out/2026-11-22-0600.manifest.json")
            let estimate = try #require(manifest["estimated_seconds"] as? Double)
            // A synthesiser is not a newsreader: within a factor of two of the syllable-rate estimate.
            #expect(seconds > estimate * 0.5 && seconds < estimate * 2, "wav \(seconds) s, estimate \(estimate) s")
            let mp3 = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/out/2026-11-22-0600.mp3"))
            #expect(mp3.starts(with: [0x49, 0x44, 0x33]) || (mp3.first == 0xFF && (mp3[1] & 0xE0) == 0xE0))
            let names = (manifest["files"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(
                names == [
                    "2026-11-22-0600.txt", "2026-11-22-0600.docx", "2026-11-22-0600.wav", "2026-11-22-0600.mp3",
                ])
        }
    }
}
