import ArgumentParser
import Foundation

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Cấu hình.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Kiểm tra tệp cấu hình và mọi kênh trong đó.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                // Checking the configuration needs no store: nothing is opened or created.
                let (config, path) = try Session.loadConfig()
                let (_, http) = try Session.channels(for: config)
                http.shutdown()
                if options.json {
                    Output.printJSON(["ok": true, "path": path, "channels": config.channels.map(\.name)])
                } else {
                    print(
                        "Cấu hình hợp lệ: \(path) (\(config.channels.count) kênh: \(config.channels.map(\.name).joined(separator: ", ")))"
                    )
                }
            }
        }
    }
}
