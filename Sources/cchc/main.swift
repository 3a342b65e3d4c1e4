import ArgumentParser
import Foundation

// `--config` is accepted before or after the subcommand (DESIGN.md §13): take it out of the
// arguments wherever it stands and hand it to every command through CCHC_CONFIG.
var arguments = Array(CommandLine.arguments.dropFirst())
if let i = arguments.firstIndex(where: { $0 == "--config" }), i + 1 < arguments.count {
    setenv("CCHC_CONFIG", arguments[i + 1], 1)
    arguments.removeSubrange(i...(i + 1))
} else if let i = arguments.firstIndex(where: { $0.hasPrefix("--config=") }) {
    setenv("CCHC_CONFIG", String(arguments[i].dropFirst("--config=".count)), 1)
    arguments.remove(at: i)
}
// `--json` likewise: every command that prints takes it, and officers' scripts put it first
// (`cchc --json item show ID`). Move it to the end, where the leaf command reads it.
if let i = arguments.firstIndex(of: "--json"), arguments.firstIndex(of: "--") ?? arguments.count > i {
    arguments.remove(at: i)
    arguments.append("--json")
}
// ArgumentParser's async `main(_:)` loses overload resolution to the synchronous one at a call site
// like this (which then refuses to run async commands), so parse and run here; `AsyncRunnable` names
// the async `run()` unambiguously.
do {
    var command = try CCHC.parseAsRoot(arguments)
    if let runnable = command as? any AsyncRunnable {
        try await runnable.run()
    } else {
        try command.run()
    }
} catch {
    // Help and version, and the commands' own exit codes, go through as they are; ArgumentParser's
    // English usage errors reach officers in Vietnamese.
    if error is ExitCode || CCHC.exitCode(for: error) == .success {
        CCHC.exit(withError: error)
    }
    let english = CCHC.message(for: error)
    FileHandle.standardError.write(Data(UsageText.vietnamese(english, arguments: arguments).utf8))
    exit(64)
}
