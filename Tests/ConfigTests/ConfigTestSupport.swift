import ChannelConfig
import ChannelKit
import Foundation
import Testing

@testable import Config

/// A fresh temporary folder, removed when the value goes away.
final class TempFolder: @unchecked Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("config-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` (sub-folders created) and returns the absolute path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let full = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: full).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The 1-based number of the first line of `text` containing `needle`.
func lineOf(_ needle: String, in text: String, occurrence: Int = 1) -> Int? {
    var seen = 0
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    where line.contains(needle) {
        seen += 1
        if seen == occurrence { return i + 1 }
    }
    return nil
}

/// A secret store that sees nothing of the real process environment.
let isolatedSecrets = SecretStore(credentialsDirectory: nil, environment: [:])

/// Loads `path` and returns the error it fails with (recording an issue when it loads).
func loadError(
    _ path: String, secrets: SecretStore = isolatedSecrets, sourceLocation: SourceLocation = #_sourceLocation
) -> ConfigError? {
    do {
        _ = try ConfigLoader.load(path: path, secrets: secrets)
        Issue.record("expected the configuration to be refused", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Writes a main config file `cchcd.yaml` and returns the error loading it gives.
func configError(
    _ yaml: String, in folder: TempFolder, sourceLocation: SourceLocation = #_sourceLocation
) throws -> ConfigError? {
    let path = try folder.write("cchcd.yaml", yaml)
    return loadError(path, sourceLocation: sourceLocation)
}
