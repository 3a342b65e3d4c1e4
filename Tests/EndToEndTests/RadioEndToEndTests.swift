import Foundation
import TestSupport
import Testing

/// The workspace, handed to the thread that runs `cchc` (used by one test at a time).
private struct SendableWorkspace: @unchecked Sendable {
    let ws: Workspace
}

/// The radio channel through the real `cchcd` and `cchc`: approved items become bulletin files.
@Suite struct RadioEndToEndTests {
    @Test func approvedItemsBecomeASlotBulletinAndAnEmergencyBulletinInTheStationFolder() async throws {
        let ws = try Workspace()
        let box = SendableWorkspace(ws: ws)
        try ws.writeConfig(
            channels: """
                  radio-xa:
                    type: radio
                    lead_time: 0s
                    stations:
                      - id: tan-lap
                        name: Đài truyền thanh xã Tân Lập
                        commune: xã Tân Lập
                        slots: ["00:00/30m", "06:00/30m", "12:00/30m", "18:00/30m"]
                        folder: radio/tan-lap
                """)
        let config = ws.configPath
        let check = try await offThePool { try run(Binaries.cchcd, ["--config", config, "--check-config"]) }
        #expect(check.status == 0, "\(check.stderr)")
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }

        try ws.write(
            "items/thuong.md",
            itemFile(
                title: "Sơn La: 100% TTHC được tiếp nhận trực tuyến", channels: ["radio-xa"],
                body: "Ngày 03/01/2019, Chủ tịch UBND tỉnh ban hành Kế hoạch số 05/KH-UBND về tuyên truyền CCHC."))
        try ws.write(
            "items/khan.md",
            itemFile(
                title: "Thông báo tạm dừng tiếp nhận hồ sơ", channels: ["radio-xa"], extra: "priority: khan-cap",
                body: "Bộ phận một cửa tạm dừng tiếp nhận hồ sơ từ 14h đến 16h30 ngày 25/11/2026."))
        var ids: [String] = []
        for name in ["thuong", "khan"] {
            let add = try await offThePool { try box.ws.cli(["item", "add", box.ws.root + "/items/\(name).md"]) }
            #expect(add.status == 0, "\(add.stderr)")
            let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            ids.append(id)
            let approve = try await offThePool { try box.ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]) }
            #expect(approve.status == 0, "\(approve.stderr)")
        }
        for id in ids {
            try await eventually(15, "radio delivered", daemon: daemon) {
                try await offThePool { try box.ws.deliveryStates(id) } == ["radio-xa": "delivered"]
            }
        }
        let folder = ws.root + "/radio/tan-lap"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        let emergency = try #require(files.first { $0.hasPrefix("khan-cap-") && $0.hasSuffix(".txt") })
        let slot = try #require(files.first { !$0.hasPrefix("khan-cap-") && $0.hasSuffix(".txt") })
        #expect(files.count == 6, "\(files)")  // .txt, .docx and .manifest.json of each
        let slotText = try String(contentsOfFile: folder + "/" + slot, encoding: .utf8)
        #expect(slotText.hasPrefix("Đây là Đài truyền thanh xã Tân Lập. Mời bà con nghe bản tin cải cách hành chính"))
        #expect(
            slotText.contains(
                "Tin thứ nhất: Sơn La: một trăm phần trăm thủ tục hành chính được tiếp nhận trực tuyến.\nNgày ba tháng một năm hai nghìn không trăm mười chín, Chủ tịch Ủy ban nhân dân tỉnh ban hành Kế hoạch số năm về tuyên truyền cải cách hành chính."
            ))
        let emergencyText = try String(contentsOfFile: folder + "/" + emergency, encoding: .utf8)
        #expect(
            emergencyText.contains(
                "Thông báo khẩn: Thông báo tạm dừng tiếp nhận hồ sơ.\nBộ phận một cửa tạm dừng tiếp nhận hồ sơ từ mười bốn giờ đến mười sáu giờ ba mươi phút ngày hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu."
            ))
        #expect(!slotText.contains("tạm dừng"))
        let manifestName = slot.replacingOccurrences(of: ".txt", with: ".manifest.json")
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/" + manifestName)))
                as? [String: Any])
        #expect((manifest["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [ids[0]])

        let first = ids[0]
        let shown = try await offThePool { try box.ws.cli(["item", "show", first, "--json"]) }
        let show = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let delivery = try #require((show["deliveries"] as? [[String: Any]])?.first)
        #expect(delivery["remote_id"] as? String == "tan-lap/" + slot.replacingOccurrences(of: ".txt", with: ""))

        // cchc radio preview: an item, then the slot's bulletin, without delivering anything.
        let one = try await offThePool { try box.ws.cli(["radio", "preview", first]) }
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.hasPrefix("== Đài truyền thanh xã Tân Lập\nThời lượng dự kiến: "), "\(one.stdout)")
        #expect(one.stdout.contains("Tin thứ nhất: Sơn La: một trăm phần trăm thủ tục hành chính"))
        let bulletin = slot.replacingOccurrences(of: ".txt", with: "")  // YYYY-MM-DD-HHMM
        let day = String(bulletin.prefix(10))
        let hhmm = String(bulletin.suffix(4))
        let time = hhmm.prefix(2) + ":" + hhmm.suffix(2)
        let whole = try await offThePool {
            try box.ws.cli(["radio", "preview", "--slot", String(time), "--date", day, "--json"])
        }
        #expect(whole.status == 0, "\(whole.stderr)")
        let previews = try #require(try JSONSerialization.jsonObject(with: Data(whole.stdout.utf8)) as? [[String: Any]])
        #expect(previews.first?["bulletin"] as? String == bulletin)
        #expect(previews.first?["text"] as? String == slotText)
        #expect(previews.first?["estimated_seconds"] as? Double == manifest["estimated_seconds"] as? Double)
        let bad = try await offThePool { try box.ws.cli(["radio", "preview", "--slot", "07:15"]) }
        #expect(bad.status == 3)
        #expect(bad.stderr.contains("Đài truyền thanh xã Tân Lập không có khung giờ 07:15"), "\(bad.stderr)")
        let filesAfter = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }
        #expect(filesAfter.sorted() == files)

        // The emergency bulletin aired at once: it is on record in the delivery log, once, and the
        // report counts it (the slot bulletin joins when its slot comes).
        try await eventually(15, "the emergency bulletin in the delivery log", daemon: daemon) {
            ws.logLines().contains { ($0["bulletin_id"] as? String)?.hasPrefix("khan-cap-") == true }
        }
        let bulletins = ws.logLines().filter { $0["event"] as? String == "radio.bulletin" }
        let aired = try #require(bulletins.first { ($0["bulletin_id"] as? String)?.hasPrefix("khan-cap-") == true })
        #expect(aired["bulletin_id"] as? String == emergency.replacingOccurrences(of: ".txt", with: ""))
        #expect(aired["unit"] as? String == "xã Tân Lập" && aired["item_id"] as? String == ids[1])
        let emergencyManifest = try #require(
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf: URL(
                        fileURLWithPath: folder + "/"
                            + emergency.replacingOccurrences(of: ".txt", with: ".manifest.json"))
                )) as? [String: Any])
        #expect(aired["duration_s"] as? Double == emergencyManifest["estimated_seconds"] as? Double)
        #expect(bulletins.filter { $0["bulletin_id"] as? String == aired["bulletin_id"] as? String }.count == 1)
        try validateAgainstSchema(ws.logDir)
        let (from, to) = (localDay(-1), localDay(1))
        let report = try await offThePool {
            try box.ws.cli(["report", "--from", from, "--to", to, "--calendar", "--json"])
        }
        #expect(report.status == 0, "\(report.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let radio = try #require((object["radio"] as? [[String: Any]])?.first)
        #expect(radio["channel"] as? String == "radio-xa" && radio["unit"] as? String == "xã Tân Lập")
        #expect(radio["bulletins"] as? Int == bulletins.count)
        let seconds = bulletins.compactMap { $0["duration_s"] as? Double }.reduce(0, +)
        #expect(radio["minutes"] as? Double == (seconds / 60 * 10).rounded() / 10)

        daemon.terminate()
        #expect(daemon.process.terminationStatus == 0, "\(daemon.output)")
    }

    /// Speech audio in the running daemon: espeak-ng and lame are spawned with posix_spawn (not
    /// Foundation's Process), with a minimal environment and only descriptors 0–2. Wrappers on the
    /// daemon's PATH record what they were given, then run the real tools.
    @Test func speechAudioToolsAreSpawnedCleanAndMakeWAVAndMP3() async throws {
        let ws = try Workspace()
        let box = SendableWorkspace(ws: ws)
        let tools = ws.root + "/tools"
        try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
        for tool in ["espeak-ng", "lame"] {
            let path = tools + "/" + tool
            try """
            #!/bin/sh
            env > "$0.env"
            python3 -c 'import os; print(" ".join(sorted(os.listdir("/proc/self/fd"), key=int)))' > "$0.fds"
            exec /usr/bin/\(tool) "$@"

            """.write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
        }
        try ws.writeConfig(
            channels: """
                  radio-xa:
                    type: radio
                    lead_time: 0s
                    audio: mp3
                    stations:
                      - id: tan-lap
                        name: Đài truyền thanh xã Tân Lập
                        commune: xã Tân Lập
                        slots: ["00:00/30m", "06:00/30m", "12:00/30m", "18:00/30m"]
                        folder: radio/tan-lap
                """)
        let secret = "bi-mat-cua-may-chu-\(UUID().uuidString.prefix(8))"
        let daemon = try Daemon(
            ws,
            environment: [
                "PATH": tools + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                "CCHC_TEST_SECRET": secret,
            ])
        defer { daemon.terminate() }
        try ws.write(
            "items/khan.md",
            itemFile(
                title: "Thông báo tạm dừng tiếp nhận hồ sơ", channels: ["radio-xa"], extra: "priority: khan-cap",
                body: "Bộ phận một cửa tạm dừng tiếp nhận hồ sơ từ 14h đến 16h30."))
        let add = try await offThePool { try box.ws.cli(["item", "add", box.ws.root + "/items/khan.md"]) }
        #expect(add.status == 0, "\(add.stderr)")
        let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let approve = try await offThePool { try box.ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]) }
        #expect(approve.status == 0, "\(approve.stderr)")
        try await eventually(60, "radio delivered", daemon: daemon) {
            try await offThePool { try box.ws.deliveryStates(id) } == ["radio-xa": "delivered"]
        }
        let folder = ws.root + "/radio/tan-lap"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        let wav = try #require(files.first { $0.hasSuffix(".wav") }, "\(files)")
        let mp3 = try #require(files.first { $0.hasSuffix(".mp3") }, "\(files)")
        let wavData = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + wav))
        #expect(wavData.prefix(4) == Data("RIFF".utf8) && wavData.count > 10_000)
        let mp3Data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + mp3))
        // An MPEG audio frame's sync word (11 bits set; lame writes MPEG-2 for espeak-ng's 22,050 Hz).
        let sync = mp3Data.count > 1000 && mp3Data[0] == 0xFF && mp3Data[1] & 0xE0 == 0xE0
        #expect(mp3Data.prefix(3) == Data("ID3".utf8) || sync, "\(Array(mp3Data.prefix(4)))")
        for tool in ["espeak-ng", "lame"] {
            let env = try String(contentsOfFile: tools + "/\(tool).env", encoding: .utf8)
            #expect(!env.contains(secret), "\(tool) got the daemon's environment")
            #expect(env.contains("LANG=C.UTF-8") && env.contains("PATH=/usr/local/bin:/usr/bin:/bin"), "\(env)")
            let fds = try String(contentsOfFile: tools + "/\(tool).fds", encoding: .utf8)
            // 0–2, and the folder python is listing.
            #expect(fds.trimmingCharacters(in: .whitespacesAndNewlines) == "0 1 2 3", "\(tool): \(fds)")
        }
        daemon.terminate()
        #expect(daemon.process.terminationStatus == 0, "\(daemon.output)")
    }
}
