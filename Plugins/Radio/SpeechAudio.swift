import ChannelKit
import Foundation

/// Speech audio of a bulletin script: WAV from espeak-ng's Vietnamese voice, MP3 through lame.
struct SpeechAudio {
    var settings: RadioSettings

    /// The audio files (`<name>.wav`, and `<name>.mp3` for MP3) of `text`.
    func make(text: String, format: RadioSettings.AudioFormat, name: String) throws(ChannelError) -> [(String, Data)] {
        guard let espeak = settings.espeakPath else {
            throw ChannelError(.config, "audio is enabled but espeak-ng was not found at configuration time")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cchc-radio-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: dir.appendingPathComponent("script.txt"))
        } catch {
            throw ChannelError(.local, "a temporary folder for the audio could not be made: \(error)")
        }
        let wav = dir.appendingPathComponent("script.wav").path
        // espeak-ng's speed is in words a minute; a Vietnamese word is a syllable.
        try run(
            espeak,
            [
                "-v", settings.voice, "-s", String(Int(settings.readingRate)), "-w", wav, "-f",
                dir.appendingPathComponent("script.txt").path,
            ])
        var out: [(String, Data)] = []
        guard let wavData = FileManager.default.contents(atPath: wav), wavData.count > 44 else {
            throw ChannelError(.local, "espeak-ng produced no audio")
        }
        out.append(("\(name).wav", wavData))
        if format == .mp3 {
            guard let lame = settings.lamePath else {
                throw ChannelError(.config, "mp3 audio is enabled but lame was not found at configuration time")
            }
            let mp3 = dir.appendingPathComponent("script.mp3").path
            try run(lame, ["--quiet", "-V", "5", wav, mp3])
            guard let mp3Data = FileManager.default.contents(atPath: mp3), !mp3Data.isEmpty else {
                throw ChannelError(.local, "lame produced no MP3")
            }
            out.append(("\(name).mp3", mp3Data))
        }
        return out
    }

    /// Runs a program to completion (on the caller's thread, which is not the cooperative pool's).
    private func run(_ program: String, _ arguments: [String]) throws(ChannelError) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        do {
            try p.run()
        } catch {
            throw ChannelError(.local, "\(program) could not be started: \(error)")
        }
        let message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationReason == .exit, p.terminationStatus == 0 else {
            let text = String(decoding: message.prefix(300), as: UTF8.self)
            throw ChannelError(
                .local,
                "\(URL(fileURLWithPath: program).lastPathComponent) failed (status \(p.terminationStatus)): \(text)")
        }
    }
}
