import ChannelKit
import Foundation
import ProcessSpawn

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

    /// How long one program may run: espeak-ng reads a half-hour bulletin in seconds.
    static let timeout: Duration = .seconds(300)

    /// Runs a program to completion. The caller is the rendering's own thread (not a cooperative one),
    /// which waits; the program is spawned with posix_spawn (``ChildProcess``), with a minimal
    /// environment (nothing of the daemon's, which may hold secrets), no descriptor of the daemon's, and
    /// killed with its process group if it overruns ``timeout``.
    private func run(_ program: String, _ arguments: [String]) throws(ChannelError) {
        let name = URL(fileURLWithPath: program).lastPathComponent
        let child = ChildProcess(
            executable: program, arguments: arguments,
            environment: ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"], timeout: Self.timeout)
        let result: ChildProcess.Result
        do {
            result = try child.runBlocking()
        } catch {
            throw ChannelError(.local, "\(program) could not be started: \(error.message)")
        }
        let text = String(decoding: result.stderr.prefix(300), as: UTF8.self)
        if result.timedOut {
            throw ChannelError(.local, "\(name) did not finish within \(Self.timeout) and was stopped")
        }
        switch result.ending {
        case .exited(0):
            return
        case .exited(let status):
            throw ChannelError(.local, "\(name) failed (status \(status)): \(text)")
        case .signalled(let signal):
            throw ChannelError(.local, "\(name) was killed by signal \(signal): \(text)")
        }
    }
}
