import Foundation
import Testing
import Queue
import Transport

@Suite(.serialized)
struct ListenerTests {
    /// The port the daemon's listener bound (it logs it; the test asks for port 0).
    func port(of daemon: Daemon) async throws -> Int {
        var found: Int?
        try await eventually(10, "the http listener", daemon: daemon) {
            guard let r = daemon.output.range(of: "http listener on 127.0.0.1:") else { return false }
            found = Int(daemon.output[r.upperBound...].prefix { $0.isNumber })
            return found != nil
        }
        return found!
    }

    @Test func healthStatusAndMetricsFollowTheDeliveries() async throws {
        let portal = try await portalSink()
        defer { Task { try? await portal.shutdown() } }
        let ws = try Workspace()
        try ws.writeConfig(
            channels: genericPortal("portal-tinh", url: "\(portal.baseURL)/api/articles"), http: "127.0.0.1:0")
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        let base = "http://127.0.0.1:\(try await port(of: daemon))"
        let http = try HTTPClient()
        defer { http.shutdown() }

        var health = try await http.execute(HTTPRequest(url: base + "/healthz"))
        try await eventually(10, "healthy", daemon: daemon) {
            health = try await http.execute(HTTPRequest(url: base + "/healthz"))
            return health.status == 200
        }
        #expect(health.bodyText.contains("\"status\":\"ok\""))

        try ws.write("items/a.md", itemFile(title: "Đếm được", channels: ["portal-tinh"]))
        let id = try ws.cli(["item", "add", ws.root + "/items/a.md"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)
        try await eventually(10, "delivered", daemon: daemon) {
            try ws.deliveryStates(id)["portal-tinh"] == "delivered"
        }

        let status = try await http.execute(HTTPRequest(url: base + "/status"))
        #expect(status.status == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any])
        let channel = try #require((object["channels"] as? [String: Any])?["portal-tinh"] as? [String: Any])
        #expect(channel["circuit"] as? String == "closed")
        #expect(channel["last_success"] is String)
        #expect((object["deliveries"] as? [String: Int])?["delivered"] == 1)

        // One good and one broken file through the inbox, counted by result.
        try ws.write("inbox/tin.md", itemFile(title: "Qua hộp thư", channels: ["portal-tinh"]))
        try ws.write("inbox/hong.md", "---\ntitle: [không đóng\n---\nthân bài\n")
        try await eventually(10, "both inbox files handled", daemon: daemon) {
            FileManager.default.fileExists(atPath: ws.root + "/inbox/accepted/tin.md")
                && FileManager.default.fileExists(atPath: ws.root + "/inbox/rejected/hong.md")
        }

        // /metrics, read by Prometheus's own parser.
        let metrics = try await http.execute(HTTPRequest(url: base + "/metrics"))
        #expect(metrics.status == 200)
        let file = ws.root + "/metrics.txt"
        try Data(metrics.body).write(to: URL(fileURLWithPath: file))
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            values = {}
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    values[(s.name, tuple(sorted(s.labels.items())))] = s.value
            def get(name, **labels):
                return values.get((name, tuple(sorted(labels.items()))))
            assert get("cchc_attempts_total", channel="portal-tinh", outcome="delivered") == 1, values
            assert get("cchc_deliveries", state="delivered") == 1, values
            assert get("cchc_deliveries", state="pending") == 0, values
            assert get("cchc_channel_paused", channel="portal-tinh") == 0, values
            assert get("cchc_send_duration_seconds_count", channel_type="portal") == 1, values
            assert get("cchc_inbox_files_total", result="accepted") == 1, values
            assert get("cchc_inbox_files_total", result="rejected") == 1, values
            print("ok")
            """
        let parsed = try run("/usr/bin/env", ["python3", "-c", script, file])
        #expect(
            parsed.status == 0 && parsed.stdout.contains("ok"), "\(parsed.stdout)\(parsed.stderr)\n\(metrics.bodyText)")
    }
}

@Suite struct OrphanedChannelTests {
    /// `http.listen: unix:PATH` serves the same endpoints on a unix socket (for a reverse proxy),
    /// and a socket file left by a killed daemon does not stop the next one from binding.
    @Test func theListenerServesAUnixSocketAndReplacesAStaleOne() async throws {
        let ws = try Workspace()
        let socket = ws.root + "/http.sock"
        try ws.writeConfig(channels: "  {}", http: "unix:\(socket)")
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(5)
            s.connect(sys.argv[1])
            s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: cchcd\\r\\nConnection: close\\r\\n\\r\\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, body = data.partition(b"\\r\\n\\r\\n")
            print(head.split(b"\\r\\n")[0].decode())
            print(body.decode())
            """
        try ws.write("get.py", script)
        for round in 1...2 {
            let daemon = try Daemon(ws)
            defer { daemon.terminate() }
            try await eventually(10, "healthy over the unix socket (run \(round))", daemon: daemon) {
                let r = try run("/usr/bin/env", ["python3", ws.root + "/get.py", socket])
                return r.status == 0 && r.stdout.hasPrefix("HTTP/1.1 200") && r.stdout.contains("\"status\":\"ok\"")
            }
            #expect(daemon.output.contains("http listener on unix:\(socket)"))
            // The first daemon dies without cleaning up; its socket file stays behind.
            if round == 1 {
                daemon.kill9()
                #expect(FileManager.default.fileExists(atPath: socket))
            }
        }
    }

    @Test func channelListShowsWaitingDeliveriesOfARemovedChannel() throws {
        let ws = try Workspace()
        let both =
            genericPortal("portal-tinh", url: "http://127.0.0.1:9/a") + genericPortal("cu", url: "http://127.0.0.1:9/b")
        try ws.writeConfig(channels: both)
        try ws.write("items/a.md", itemFile(title: "Chờ kênh cũ", channels: ["portal-tinh", "cu"]))
        let id = try ws.cli(["item", "add", ws.root + "/items/a.md"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(try ws.cli(["item", "approve", id, "--by", "Nguyễn Văn A"]).status == 0)
        // The channel "cu" leaves the configuration (no daemon runs: nothing is sent meanwhile).
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/a"))
        let list = try ws.cli(["channel", "list", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        let orphaned = try #require(object["orphaned"] as? [[String: Any]])
        #expect(orphaned.count == 1)
        #expect(orphaned.first?["name"] as? String == "cu")
        #expect(orphaned.first?["waiting"] as? Int == 1)
        let channels = try #require(object["channels"] as? [[String: Any]])
        #expect(channels.first?["waiting"] as? Int == 1)
        let text = try ws.cli(["channel", "list"])
        #expect(text.stdout.contains("cu  (không còn trong cấu hình)  1 lần gửi đang chờ"))
    }
}

@Suite struct BackupTests {
    @Test func backupCopiesTheStoreWhileTheDaemonRunsAndNeverOverwrites() async throws {
        let ws = try Workspace()
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/a"))
        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        try ws.write("items/a.md", itemFile(title: "Sao lưu", channels: ["portal-tinh"]))
        let id = try ws.cli(["item", "add", ws.root + "/items/a.md"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let backup = try ws.cli(["backup", ws.root + "/backup.sqlite"])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("Đã sao lưu"))
        let copy = try SQLiteStore(
            path: ws.root + "/backup.sqlite", timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
        #expect(try await copy.item(id)?.content.title == "Sao lưu")
        let again = try ws.cli(["backup", ws.root + "/backup.sqlite"])
        #expect(again.status == 64)
        #expect(again.stderr.contains("đã có"))
    }
}

@Suite(.serialized)
struct WedgedEngineTests {
    /// A round that does not finish (the store hangs): watchdog pings stop and /healthz says 503;
    /// when it finishes, both recover.
    @Test func aStuckRoundStopsTheWatchdogAndFailsHealth() async throws {
        let ws = try Workspace()
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/a"), http: "127.0.0.1:0")
        // This test's engine settings replace the harness's line.
        let config = try String(contentsOfFile: ws.configPath, encoding: .utf8)
            .replacingOccurrences(
                of: "engine: { shutdown_grace: 5s }", with: "engine: { shutdown_grace: 2s, stuck_after: 1s }")
        try config.write(toFile: ws.configPath, atomically: true, encoding: .utf8)
        let wedge = ws.root + "/wedge"
        let systemd = try NotifySocket(path: ws.root + "/notify.sock")
        let daemon = try Daemon(
            ws,
            environment: [
                "NOTIFY_SOCKET": systemd.address, "WATCHDOG_USEC": "400000", "CCHCD_TEST_WEDGE_FILE": wedge,
            ])
        defer { daemon.terminate() }
        let port = try await ListenerTests().port(of: daemon)
        let http = try HTTPClient()
        defer { http.shutdown() }
        let healthz = "http://127.0.0.1:\(port)/healthz"
        try await eventually(10, "READY and pings", daemon: daemon) {
            systemd.count("READY=1") == 1 && systemd.count("WATCHDOG=1") >= 2
        }
        #expect(try await http.execute(HTTPRequest(url: healthz)).status == 200)

        // Wedge the next round, and cause one (cchc's change wakes the engine).
        _ = FileManager.default.createFile(atPath: wedge, contents: nil)
        try ws.write("items/a.md", itemFile(title: "Đánh thức", channels: ["portal-tinh"]))
        #expect(try ws.cli(["item", "add", ws.root + "/items/a.md"]).status == 0)
        var unhealthy: HTTPResponse?
        try await eventually(10, "/healthz 503", daemon: daemon) {
            let r = try await http.execute(HTTPRequest(url: healthz))
            unhealthy = r
            return r.status == 503
        }
        #expect(unhealthy?.bodyText.contains("a round has been running") == true)
        // No pings while stuck (the round has been running longer than WATCHDOG_USEC).
        try await Task.sleep(for: .milliseconds(700))
        let before = systemd.count("WATCHDOG=1")
        try await Task.sleep(for: .milliseconds(900))
        #expect(systemd.count("WATCHDOG=1") == before)

        // Unwedged: healthy again, pings resume.
        try FileManager.default.removeItem(atPath: wedge)
        try await eventually(10, "healthy again", daemon: daemon) {
            try await http.execute(HTTPRequest(url: healthz)).status == 200
        }
        let after = systemd.count("WATCHDOG=1")
        try await eventually(5, "pings resume", daemon: daemon) { systemd.count("WATCHDOG=1") > after }
    }
}

@Suite struct BadInputTests {
    @Test func badFilesConfigsAndArgumentsGetSpecificErrorsAndExitCodes() throws {
        let ws = try Workspace()
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/a"))
        // An item file with an unknown key: exit 5, the file, line and field named, nothing stored.
        try ws.write(
            "items/bad.md",
            "---\ntitle: \"Tin\"\ntopic: tthc\nunit: U\nchannels: [portal-tinh]\ntieu_de: x\n---\nNội dung\n")
        let bad = try ws.cli(["item", "add", ws.root + "/items/bad.md"])
        #expect(bad.status == 5)
        #expect(bad.stderr.contains("bad.md:6"))
        #expect(bad.stderr.contains("tieu_de"))
        #expect(try ws.cli(["item", "list", "--json"]).stdout.contains("\"items\" : ["))
        #expect(!(try ws.cli(["item", "list"]).stdout.contains("Tin")))
        // A missing file: exit 3.
        #expect(try ws.cli(["item", "add", ws.root + "/items/none.md"]).status == 3)
        // An empty --by: exit 64, in Vietnamese.
        let noName = try ws.cli(["item", "reject", "2026-11-0001", "--by", " "])
        #expect(noName.status == 64)
        #expect(noName.stderr.contains("họ tên"))

        // A broken configuration: cchc config check and cchcd --check-config both exit 78 naming the key.
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/a"), extra: "retri: 3")
        let check = try ws.cli(["config", "check"])
        #expect(check.status == 78)
        #expect(check.stderr.contains("retri"))
        let daemonCheck = try run(Binaries.cchcd, ["--config", ws.configPath, "--check-config"])
        #expect(daemonCheck.status == 78)
        #expect(daemonCheck.stderr.contains("retri"))
        // A bad listen address, and an unknown channel type for --sample-config.
        try ws.writeConfig(channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/a"), http: "nowhere")
        let listen = try run(Binaries.cchcd, ["--config", ws.configPath, "--check-config"])
        #expect(listen.status == 78)
        #expect(listen.stderr.contains("http.listen"))
        let sample = try run(Binaries.cchcd, ["--sample-config", "fax"])
        #expect(sample.status == 64)
        #expect(sample.stderr.contains("portal, webhook, exec"))
    }
}
