import ArgumentParser
import ChannelKit
import Config
import Foundation
import Intake
import Workflows

/// `cchc radio preview`: what an item or a slot's bulletin will sound like, without delivering.
struct RadioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radio", abstract: "Đài truyền thanh: xem trước bản tin.", subcommands: [Preview.self])

    struct Preview: AsyncParsableCommand {
        /// An item file rather than an item id: ids have no `/` and no file extension.
        static func looksLikeFile(_ word: String) -> Bool {
            word.contains("/") || [".md", ".yaml", ".yml"].contains { word.lowercased().hasSuffix($0) }
        }

        static let configuration = CommandConfiguration(
            abstract:
                "In bài đọc (đã chuyển sang lời đọc) và thời lượng dự kiến của một bài hoặc một bản tin; không gửi gì.",
            discussion: """
                cchc radio preview MÃ-BÀI            một bài trong hàng đợi, như đài sẽ đọc
                cchc radio preview bai.md            một tệp bài viết chưa thêm vào hàng đợi
                cchc radio preview --slot 17:00 [--date 2026-11-22] [--station tan-lap]
                                                     bản tin của khung giờ đó, theo các bài đã xếp vào
                """)
        @Argument(help: "Mã bài, hoặc tệp bài viết chưa thêm (khi không dùng --slot).") var item: String?
        @Option(help: "Khung giờ phát, dạng HH:MM.") var slot: String?
        @Option(help: "Ngày phát, dạng YYYY-MM-DD (mặc định: hôm nay).") var date: String?
        @Option(help: "Tên kênh radio (mặc định: kênh radio duy nhất trong cấu hình).") var channel: String?
        @Option(help: "Mã đài (mặc định: mọi đài của kênh).") var station: String?
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await perform(json: options.json) { () async throws(CLIError) in
                guard (item == nil) != (slot == nil) else {
                    throw CLIError(
                        code: "usage", message: "cần đúng một trong hai: MÃ-BÀI hoặc --slot HH:MM", exit: 64)
                }
                let session = try Session.open(json: options.json)
                let (channels, http) = try session.channels()
                defer { http.shutdown() }
                let chosen: RadioPreviews
                do throws(RadioPreviews.Failure) {
                    chosen = try RadioPreviews(channels: channels, name: channel)
                } catch {
                    switch error.kind {
                    case .notFound: throw CLIError(code: "not-found", message: error.description, exit: Exit.notFound)
                    case .ambiguous: throw CLIError(code: "usage", message: error.description, exit: 64)
                    }
                }
                let previews: [RadioPreviews.Preview]
                if let file = item, Self.looksLikeFile(file) {
                    let path = ConfigLoader.resolvePath(file, environment: [:])
                    guard FileManager.default.fileExists(atPath: path) else {
                        throw CLIError(code: "not-found", message: "không tìm thấy tệp \(file)", exit: Exit.notFound)
                    }
                    let parsed: ParsedItem
                    do throws(IntakeError) {
                        parsed = try ItemFileReader(config: session.config).read(path: path, trusted: false)
                    } catch {
                        throw CLIError(code: "invalid-item", message: error.description, exit: Exit.invalidItem)
                    }
                    let probe = parsed.content.channelItem(
                        for: chosen.name, id: parsed.id ?? "xem-truoc", topicLabel: session.config.topicLabel)
                    previews = chosen.preview(item: probe, station: station)
                } else if let id = item {
                    let record: ItemRecordBox
                    do {
                        guard let r = try await session.store.item(id) else {
                            throw CLIError(code: "not-found", message: "không có bài \(id)", exit: Exit.notFound)
                        }
                        record = ItemRecordBox(
                            item: r.channelItem(for: chosen.name, topicLabel: session.config.topicLabel))
                    } catch let e as CLIError {
                        throw e
                    } catch {
                        throw session.storeError(error)
                    }
                    previews = chosen.preview(item: record.item, station: station)
                } else {
                    let (minute, day) = try parseSlot(timeZone: session.config.timeZone)
                    do throws(ChannelError) {
                        previews = try chosen.preview(station: station, minuteOfDay: minute, day: day)
                    } catch {
                        throw CLIError(code: "not-found", message: error.message, exit: Exit.notFound)
                    }
                }
                print(previews, timeZone: session.config.timeZone)
            }
        }

        struct ItemRecordBox { var item: ChannelItem }

        func parseSlot(timeZone: TimeZone) throws(CLIError) -> (Int, Date) {
            let parts = (slot ?? "").split(separator: ":")
            guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h),
                (0..<60).contains(m)
            else {
                throw CLIError(code: "usage", message: "--slot phải có dạng HH:MM, ví dụ 17:00", exit: 64)
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            var day = Date()
            if let date {
                let d = date.split(separator: "-").compactMap { Int($0) }
                guard d.count == 3,
                    let parsed = calendar.date(from: DateComponents(year: d[0], month: d[1], day: d[2], hour: 12))
                else {
                    throw CLIError(code: "usage", message: "--date phải có dạng YYYY-MM-DD", exit: 64)
                }
                day = parsed
            }
            return (h * 60 + m, day)
        }

        func print(_ previews: [RadioPreviews.Preview], timeZone: TimeZone) {
            if options.json {
                Output.printJSON(
                    previews.map { p -> [String: Any] in
                        [
                            "station": p.stationID, "bulletin": p.bulletin as Any,
                            "max_duration_seconds": p.maxDuration.map { Double($0.components.seconds) } as Any,
                            "syllables": p.syllables,
                            "estimated_seconds": (p.seconds * 10).rounded() / 10,
                            "reading_rate": p.readingRate, "text": p.text,
                            "items": p.items.map {
                                [
                                    "id": $0.id ?? "", "syllables": $0.syllables,
                                    "estimated_seconds": ($0.seconds * 10).rounded() / 10,
                                ] as [String: Any]
                            },
                            "unknown_tokens": p.unknownTokens,
                        ]
                    })
                return
            }
            for p in previews {
                var head = "== \(p.stationName)"
                if let b = p.bulletin { head += " — bản tin \(b)" }
                Swift.print(head)
                var duration =
                    "Thời lượng dự kiến: \(Self.minutes(p.seconds)) (\(p.syllables) âm tiết, \(Int(p.readingRate)) âm tiết/phút)"
                if let max = p.maxDuration { duration += "; tối đa \(Self.minutes(Double(max.components.seconds)))" }
                Swift.print(duration)
                if p.bulletin != nil {
                    Swift.print(p.items.isEmpty ? "Chưa có bài nào trong bản tin này." : "Số bài: \(p.items.count)")
                }
                for part in p.items where p.bulletin != nil {
                    Swift.print("  - \(part.title ?? part.id ?? "") (\(Self.minutes(part.seconds)))")
                }
                if !p.unknownTokens.isEmpty {
                    Swift.print("Từ viết tắt chưa có trong từ điển: \(p.unknownTokens.joined(separator: ", "))")
                }
                Swift.print("")
                Swift.print(p.text)
            }
        }

        static func minutes(_ seconds: Double) -> String {
            let s = Int(seconds.rounded())
            return s >= 60 ? "\(s / 60) phút \(s % 60) giây" : "\(s) giây"
        }
    }
}
