import ArgumentParser
import Foundation

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Nhật ký phát hành.", subcommands: [Tail.self])

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "In các dòng cuối của nhật ký phát hành (JSON Lines).")
        @Option(name: [.customShort("n"), .customShort("l"), .long], help: "Số dòng (-n 3 như lệnh tail).")
        var lines: Int = 20
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                guard lines >= 1 else {
                    throw CLIError(code: "usage", message: "-n: số dòng phải từ 1 trở lên", exit: 64)
                }
                let config = try Session.loadConfig().config
                let dir = config.deliveryLogDirectory
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
                    .filter { $0.hasPrefix("delivery-") && $0.hasSuffix(".jsonl") }.sorted()
                var collected: [String] = []
                for file in files.reversed() where collected.count < lines {
                    guard let data = FileManager.default.contents(atPath: dir + "/" + file) else { continue }
                    let fileLines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
                    collected = Array(fileLines.suffix(lines - collected.count)) + collected
                }
                if collected.isEmpty && !options.json {
                    print("Nhật ký phát hành chưa có dòng nào (\(dir)).")
                }
                // The lines are JSON already: --json prints them unchanged, one per line.
                for line in collected { print(line) }
            }
        }
    }
}
