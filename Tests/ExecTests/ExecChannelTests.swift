import ChannelConfig
import ChannelKit
import Foundation
import Testing
import TestSupport

@testable import Exec

@Suite struct ExecChannelTests {
    let folder: ScriptFolder

    init() throws { folder = try ScriptFolder() }

    func channel(_ script: String, _ extra: [(String, Any)] = []) throws -> ExecChannel {
        let section = try makeSection(
            [("command", script)] + extra, path: "channels.ex", base: folder.path, file: folder.path + "/cchcd.yaml")
        let channel = try ExecChannel(name: "ex", section: section, context: makeContext())
        try section.finish()
        return channel
    }

    @Test func deliveredAckAndTheStdinMessage() async throws {
        let script = try folder.script(
            "ok.sh",
            """
            #!/bin/sh
            cat > "$(dirname "$0")/in.json"
            echo "some progress text"
            echo '{"status":"delivered","remote_id":"r-1","url":"https://archive.example/1","detail":"appended"}'
            echo ""
            """)
        let outcome = try await channel(script).publish(request(interrupted: true))
        #expect(
            outcome
                == .delivered(ChannelResult(remoteID: "r-1", url: "https://archive.example/1"), detail: "appended"))

        let input = try #require(folder.read("in.json"))
        #expect(input.hasSuffix("}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(input.utf8)) as? [String: Any])
        #expect(object["protocol"] as? Int == 1)
        #expect(object["delivery_id"] as? String == "d-123")
        #expect(object["attempt"] as? Int == 2)
        #expect(object["previous_attempt_interrupted"] as? Bool == true)
        #expect(object["channel"] as? String == "ex")
        let item = try #require(object["item"] as? [String: Any])
        #expect(item["id"] as? String == "2026-11-0042")
        #expect(item["title"] as? String == sampleItem.title)
        #expect(item["body"] as? String == "Nội dung **bài viết**.")
        #expect(item["body_html"] as? String == "<p>Nội dung <strong>bài viết</strong>.</p>")
        #expect(item["topic"] as? String == "tthc")
        #expect(item["topic_label"] as? String == "Cải cách thủ tục hành chính")
        #expect(item["unit"] as? String == "Sở Nội vụ")
        #expect(item["publish_at"] as? String == "2026-11-25T08:00:00+07:00")
        #expect(item["priority"] as? String == "thuong")
        let media = try #require(item["media"] as? [[String: Any]])
        #expect(media.first?["path"] as? String == "/srv/media/a.jpg")
        #expect(media.first?["caption"] as? String == "Ảnh bìa")
        let results = try #require(object["results"] as? [String: [String: Any]])
        #expect(results["portal-tinh"]?["url"] as? String == "https://cchc.example.gov.vn/?p=42")
        #expect(results["portal-tinh"]?["remote_id"] as? String == "42")
    }

    @Test func retryAckWithDelay() async throws {
        let script = try folder.script(
            "retry.sh",
            """
            #!/bin/sh
            cat > /dev/null
            echo '{"status":"retry","reason":"sink busy","retry_after_seconds":30}'
            """)
        let outcome = try await channel(script).publish(request())
        #expect(outcome == .retry(ChannelError(.server, "sink busy"), after: .seconds(30)))
    }

    @Test func failedAckIsPermanent() async throws {
        let script = try folder.script(
            "failed.sh",
            """
            #!/bin/sh
            cat > /dev/null
            echo '{"status":"failed","reason":"title too long for the sink","error_class":"rejected"}'
            """)
        let outcome = try await channel(script).publish(request())
        #expect(outcome == .failed(ChannelError(.rejected, "title too long for the sink")))
    }

    @Test func nonZeroExitIsRetryable() async throws {
        let script = try folder.script(
            "exit3.sh",
            """
            #!/bin/sh
            echo "cannot reach the archive" >&2
            exit 3
            """)
        let outcome = try await channel(script).publish(request())
        guard case .retry(let error, _) = outcome else {
            Issue.record("expected retry, got \(outcome)")
            return
        }
        #expect(error.errorClass == .local)
        #expect(error.code == 3)
        #expect(error.message.contains("status 3"))
        #expect(error.message.contains("cannot reach the archive"))
    }

    @Test func deliveredAckCountsEvenWithNonZeroExit() async throws {
        let script = try folder.script(
            "late-fail.sh",
            """
            #!/bin/sh
            cat > /dev/null
            echo '{"status":"delivered","remote_id":"x"}'
            exit 1
            """)
        let outcome = try await channel(script).publish(request())
        #expect(outcome == .delivered(ChannelResult(remoteID: "x"), detail: nil))
    }

    @Test func timeoutKillsTheProcessGroup() async throws {
        let script = try folder.script(
            "hang.sh",
            """
            #!/bin/sh
            trap 'echo term > "$(dirname "$0")/got-term"; exit 143' TERM
            echo $$ > "$(dirname "$0")/main.pid"
            sleep 30 &
            echo $! > "$(dirname "$0")/child.pid"
            sleep 30
            """)
        let started = ContinuousClock.now
        let outcome = try await channel(script, [("timeout", "700ms")]).publish(request())
        let elapsed = ContinuousClock.now - started
        guard case .retry(let error, _) = outcome else {
            Issue.record("expected retry, got \(outcome)")
            return
        }
        #expect(error.errorClass == .timeout)
        // SIGTERM reaches the program (not blocked, not ignored): its trap ran.
        #expect(folder.read("got-term")?.hasPrefix("term") == true)
        // Long before the program's own 30 s: the timeout ended it.
        #expect(elapsed < .seconds(10))
        let mainPID = try #require(
            folder.read("main.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        let childPID = try #require(
            folder.read("child.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        // The grandchild is reaped by init; give it a moment.
        for _ in 0..<50 where !(processIsGone(mainPID) && processIsGone(childPID)) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(processIsGone(mainPID))
        #expect(processIsGone(childPID))
    }

    @Test func programIgnoringSIGTERMIsKilled() async throws {
        let script = try folder.script(
            "stubborn.sh",
            """
            #!/bin/sh
            trap '' TERM
            echo $$ > "$(dirname "$0")/main.pid"
            while true; do sleep 0.1; done
            """)
        let outcome = try await channel(script, [("timeout", "300ms")]).publish(request())
        guard case .retry(let error, _) = outcome else {
            Issue.record("expected retry, got \(outcome)")
            return
        }
        #expect(error.errorClass == .timeout)
        let mainPID = try #require(
            folder.read("main.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        #expect(processIsGone(mainPID))
    }

    @Test func garbageOutputIsABadResponse() async throws {
        let script = try folder.script(
            "garbage.sh",
            """
            #!/bin/sh
            cat > /dev/null
            echo 'OK, done!'
            """)
        let outcome = try await channel(script).publish(request())
        guard case .retry(let error, _) = outcome else {
            Issue.record("expected retry, got \(outcome)")
            return
        }
        #expect(error.errorClass == .badResponse)
        #expect(error.message.contains("OK, done!"))

        let silent = try folder.script("silent.sh", "#!/bin/sh\ncat > /dev/null\n")
        guard case .retry(let error2, _) = try await channel(silent).publish(request()) else {
            Issue.record("expected retry")
            return
        }
        #expect(error2.errorClass == .badResponse)

        let noStatus = try folder.script("nostatus.sh", "#!/bin/sh\necho '{\"state\":\"ok\"}'\n")
        guard case .retry(let error3, _) = try await channel(noStatus).publish(request()) else {
            Issue.record("expected retry")
            return
        }
        #expect(error3.message.contains("status"))
    }

    @Test func largeStderrAndUnreadLargeInputDoNotDeadlock() async throws {
        // The program writes 300 KB to stderr before reading anything, then ignores its input;
        // the item is 400 KB. Both pipes overflow unless they are served concurrently.
        let script = try folder.script(
            "noisy.sh",
            """
            #!/bin/sh
            i=0
            while [ $i -lt 3000 ]; do
              echo "warning line $i: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" >&2
              i=$((i+1))
            done
            echo '{"status":"delivered","remote_id":"big"}'
            """)
        var item = sampleItem
        item.body = String(repeating: "Nội dung dài. ", count: 25_000)
        let capture = LogCapture()
        let outcome = try await channel(script, [("timeout", "20s")]).publish(request(item, logger: capture.logger))
        #expect(outcome == .delivered(ChannelResult(remoteID: "big"), detail: nil))
        // The program succeeded: its standard error is information, not a warning.
        #expect(!capture.messages.contains { $0.level == .warning })
        let notes = capture.messages.filter { $0.level == .info && $0.text.hasPrefix("exec stderr") }
        #expect(notes.first?.text.contains("warning line 0") == true)
        let logged = notes.map(\.text.utf8.count).reduce(0, +)
        #expect(logged < 4096)
        #expect(notes.contains { $0.text.contains("truncated") })
    }

    @Test func standardErrorOfAFailingProgramIsAWarning() async throws {
        let script = try folder.script(
            "fails.sh",
            """
            #!/bin/sh
            echo "cannot reach the archive" >&2
            exit 3
            """)
        let capture = LogCapture()
        _ = try await channel(script, [("timeout", "20s")]).publish(request(sampleItem, logger: capture.logger))
        #expect(
            capture.messages.contains { $0.level == .warning && $0.text == "exec stderr: cannot reach the archive" })
    }

    @Test func environmentArgumentsAndWorkingDirectory() async throws {
        let work = folder.path + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let script = try folder.script(
            "env.sh",
            """
            #!/bin/sh
            cat > /dev/null
            printf '{"status":"delivered","remote_id":"%s|%s|%s|%s|%s","url":"%s"}\\n' "$CCHC_CHANNEL" "$LANG" "$ARCHIVE_MODE" "$1" "$2" "$(pwd)"
            """)
        let outcome = try await channel(
            "env.sh",
            [("args", ["--out", "a b"]), ("env", [("ARCHIVE_MODE", "append")]), ("working_dir", "work")]
        ).publish(request())
        _ = script
        #expect(
            outcome
                == .delivered(ChannelResult(remoteID: "ex|C.UTF-8|append|--out|a b", url: work), detail: nil))
    }

    @Test func programGetsOnlyStandardDescriptorsAndDefaultSignals() async throws {
        // A descriptor the daemon opened without close-on-exec must not reach the program.
        let leaked = open("/dev/null", O_RDONLY)
        defer { close(leaked) }
        let script = try folder.script(
            "fds.sh",
            """
            #!/bin/sh
            cat > /dev/null
            if [ -e /proc/$$/fd/\(leaked) ]; then fd=leaked; else fd=closed; fi
            sig=$(grep -E '^(SigBlk|SigIgn)' /proc/$$/status | tr -s ' \t' ' ' | tr '\n' ' ')
            printf '{"status":"delivered","remote_id":"%s","url":"%s"}\n' "$fd" "$sig"
            """)
        let outcome = try await channel(script).publish(request())
        guard case .delivered(let result, _) = outcome else {
            Issue.record("expected delivered, got \(outcome)")
            return
        }
        #expect(result.remoteID == "closed")
        #expect(result.url?.contains("SigBlk: 0000000000000000") == true)
    }

    @Test func cancellationStopsTheProgram() async throws {
        let script = try folder.script(
            "slow.sh",
            """
            #!/bin/sh
            echo $$ > "$(dirname "$0")/main.pid"
            sleep 30
            """)
        let channel = try channel(script)
        let task = Task { await channel.publish(request()) }
        for _ in 0..<50 where folder.read("main.pid") == nil { try await Task.sleep(for: .milliseconds(50)) }
        task.cancel()
        let outcome = await task.value
        guard case .retry(let error, _) = outcome else {
            Issue.record("expected retry, got \(outcome)")
            return
        }
        #expect(error.errorClass == .cancelled)
    }

    @Test func configErrorsNameTheKey() throws {
        func error(_ entries: [(String, Any)]) -> ConfigError? {
            do {
                let section = try makeSection(
                    entries, path: "channels.ex", base: folder.path, file: folder.path + "/cchcd.yaml")
                _ = try ExecChannel(name: "ex", section: section, context: makeContext())
                try section.finish()
                return nil
            } catch {
                return error
            }
        }
        #expect(error([])?.path == "channels.ex.command")
        #expect(error([("command", "missing.sh")])?.message.contains("does not exist") == true)
        try "#!/bin/sh\n".write(toFile: folder.path + "/plain.sh", atomically: true, encoding: .utf8)
        #expect(error([("command", "plain.sh")])?.message.contains("not an executable") == true)
        let ok = try folder.script("ok.sh", "#!/bin/sh\n")
        #expect(error([("command", ok), ("timeout", "soon")])?.path == "channels.ex.timeout")
        #expect(error([("command", ok), ("working_dir", "nowhere")])?.path == "channels.ex.working_dir")
        #expect(error([("command", ok), ("comand", "x")])?.path == "channels.ex.comand")
        #expect(error([("command", ok), ("idempotent", "true")]) == nil)
    }

    @Test func idempotentTrait() throws {
        let ok = try folder.script("ok.sh", "#!/bin/sh\n")
        #expect(try channel(ok).traits.idempotent == false)
        #expect(try channel(ok, [("idempotent", "yes")]).traits.idempotent == true)
    }

    @Test func exampleScriptAppendsAndAcknowledges() async throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/exec-example.py").path
        guard
            FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
                || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/python3")
        else { return }
        let out = folder.path + "/archive.jsonl"
        let channel = try channel(example, [("args", ["--out", out])])
        let first = await channel.publish(request())
        #expect(
            first
                == .delivered(
                    ChannelResult(remoteID: "2026-11-0042", url: "file://" + out + "#2026-11-0042"), detail: "appended")
        )
        // A retry of the same delivery is recognised (the example deduplicates on delivery_id).
        let second = await channel.publish(request(interrupted: true))
        guard case .delivered(_, let detail) = second else {
            Issue.record("expected delivered, got \(second)")
            return
        }
        #expect(detail == "already appended")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
    }
}
