import ChannelConfig
import ChannelKit
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing
import Transport

@testable import Radio

/// A real FTP server: pyftpdlib (PyPI, installed by scripts/install-deps.sh --test), started per
/// test, reading at most 1 MiB a second. With `abortFirstUpload` it drops the session 0.3 s into
/// the first upload of a `.wav` (a file of megabytes), that is in the middle of the file.
final class FTPServer: @unchecked Sendable {
    let root: String
    let port: Int
    private let process: SpawnedProcess

    static let script = """
        import sys
        from pyftpdlib.authorizers import DummyAuthorizer
        from pyftpdlib.handlers import FTPHandler, ThrottledDTPHandler
        from pyftpdlib.servers import FTPServer
        root, abort_first = sys.argv[1], sys.argv[2] == "1"
        authorizer = DummyAuthorizer()
        authorizer.add_user("dai-xa", "mat-khau-ftp", root, perm="elradfmwMT")
        state = {"aborted": False}
        class Slow(ThrottledDTPHandler):
            read_limit = 1024 * 1024  # bytes a second: a file of megabytes takes seconds
        class Handler(FTPHandler):
            def ftp_STOR(self, file, mode="w"):
                result = FTPHandler.ftp_STOR(self, file, mode)
                if abort_first and not state["aborted"] and file.endswith(".wav.part"):
                    # Drop the session in the middle of the audio, as a failing link would.
                    state["aborted"] = True
                    self.ioloop.call_later(0.3, self.close)
                return result
        Handler.authorizer = authorizer
        Handler.dtp_handler = Slow
        server = FTPServer(("127.0.0.1", 0), Handler)
        print(server.socket.getsockname()[1], flush=True)
        server.serve_forever()
        """

    init(abortFirstUpload: Bool = false) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ftp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let scriptPath = root + ".py"
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        process = try SpawnedProcess(
            executable: "/usr/bin/env", arguments: ["python3", scriptPath, root, abortFirstUpload ? "1" : "0"],
            stdout: root + ".out", stderr: "/dev/null")
        guard let line = Self.lines(root + ".out", count: 1, of: process).first, let port = Int(line) else {
            process.terminate()
            throw FTPError(message: "pyftpdlib did not start (pip install pyftpdlib)")
        }
        self.port = port
    }

    struct FTPError: Error { var message: String }

    /// Starts a server without blocking a thread of the cooperative pool while Python starts.
    static func start(abortFirstUpload: Bool = false) async throws -> FTPServer {
        let result: Result<FTPServer, any Error> = await withCheckedContinuation { c in
            Thread.detachNewThread { c.resume(returning: Result { try FTPServer(abortFirstUpload: abortFirstUpload) }) }
        }
        return try result.get()
    }

    /// The first `count` lines the server wrote to its stdout file, waiting (up to 30 s) while it runs;
    /// fewer when it stopped first.
    static func lines(_ path: String, count: Int, of process: SpawnedProcess) -> [String] {
        let deadline = Date().addingTimeInterval(30)
        while true {
            let text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
            let complete = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            if complete.count >= count { return Array(complete.prefix(count)) }
            if !process.isRunning || Date() > deadline { return complete }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    deinit {
        // Not waitUntilExit: it spins a run loop, and this may run on a cooperative thread.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: root)
        try? FileManager.default.removeItem(atPath: root + ".py")
        try? FileManager.default.removeItem(atPath: root + ".out")
    }
}

/// A real SFTP server: asyncssh (PyPI, installed by scripts/install-deps.sh --test) through
/// scripts/sftp-test-server.py, with a fresh host key per test whose fingerprint the test pins.
final class SFTPServer: @unchecked Sendable {
    let root: String
    let port: Int
    /// `SHA256:…`, as ssh-keygen -lf prints it.
    let fingerprint: String
    private let process: SpawnedProcess

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/sftp-test-server.py").path

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sftp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        process = try SpawnedProcess(
            executable: "/usr/bin/env", arguments: ["python3", Self.script, root, "dai-xa", "mat-khau-sftp"],
            stdout: root + ".out", stderr: "/dev/null")
        let lines = FTPServer.lines(root + ".out", count: 2, of: process)
        fingerprint = lines.count == 2 ? lines[1] : ""
        guard let port = Int(lines.first ?? ""), fingerprint.hasPrefix("SHA256:") else {
            process.terminate()
            throw FTPServer.FTPError(message: "asyncssh did not start (pip install asyncssh)")
        }
        self.port = port
    }

    static func start() async throws -> SFTPServer {
        let result: Result<SFTPServer, any Error> = await withCheckedContinuation { c in
            Thread.detachNewThread { c.resume(returning: Result { try SFTPServer() }) }
        }
        return try result.get()
    }

    func files(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? []).sorted()
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: root)
        try? FileManager.default.removeItem(atPath: root + ".out")
    }
}

extension RadioSpeechSuites {
    @Suite struct RadioUploadTests {
        func channel(
            _ folder: TempFolder, upload: RadioUpload, http: HTTPClient? = nil, audio: Bool = false,
            slots: [String] = ["06:00/15m"], clock: ManualClock = ManualClock(local(2026, 11, 22, 1, 30))
        ) -> RadioChannel {
            let station = RadioStation(
                id: "tan-lap", name: "Đài truyền thanh xã Tân Lập", commune: "xã Tân Lập",
                slots: slots.map { RadioSlot($0, defaultDuration: .seconds(900))! }, destination: .upload(upload))
            var settings = RadioSettings(stations: [station])
            if audio {
                settings.audio = .wav
                settings.espeakPath = RadioSettings.findProgram("espeak-ng")
            }
            return RadioChannel(
                name: "radio-xa", settings: settings,
                context: ChannelContext(
                    name: "radio-xa", timeZone: hanoi, stateDirectory: folder.path + "/state",
                    logger: Logger(label: "t")),
                clock: clock.function, http: http)
        }

        func staged(_ folder: TempFolder) -> String { folder.path + "/state/radio/radio-xa/tan-lap-outbox" }

        @Test func ftpUploadInterruptedMidFileIsRetriedAndTheFinalFilesAreCompleteAndIdentical() async throws {
            let server = try await FTPServer.start(abortFirstUpload: true)
            let folder = try TempFolder()
            let radio = channel(
                folder,
                upload: RadioUpload(
                    url: "ftp://127.0.0.1:\(server.port)/dai/tan-lap/", username: "dai-xa",
                    password: Secret("mat-khau-ftp")), audio: true)
            let big = item("big", "Tin dài", String(repeating: words(100) + "\n", count: 2))
            let first = await radio.publish(request(big))
            guard case .retry(let error, _) = first else {
                Issue.record("expected a retry, got \(first)")
                return
            }
            #expect(!error.message.contains("mat-khau-ftp"))
            let remote = server.root + "/dai/tan-lap"
            // The interrupted audio never appears under its real name, nor does the manifest.
            #expect(FileManager.default.fileExists(atPath: remote + "/2026-11-22-0600.txt"))
            #expect(!FileManager.default.fileExists(atPath: remote + "/2026-11-22-0600.wav"))
            #expect(!FileManager.default.fileExists(atPath: remote + "/2026-11-22-0600.manifest.json"))
            let wavSize = try FileManager.default.attributesOfItem(atPath: staged(folder) + "/2026-11-22-0600.wav")[
                .size]
            #expect((wavSize as? Int ?? 0) > 1_000_000, "the audio must outlast the 0.3 s before the drop")

            let second = await radio.publish(request(big, attempt: 2))
            guard case .delivered = second else {
                Issue.record("expected delivery on retry, got \(second)")
                return
            }
            let local = try FileManager.default.contentsOfDirectory(atPath: staged(folder)).filter {
                !$0.hasPrefix(".")
            }
            .sorted()
            let uploaded = try FileManager.default.contentsOfDirectory(atPath: remote).filter { !$0.hasPrefix(".") }
                .sorted()
            #expect(
                local == [
                    "2026-11-22-0600.docx", "2026-11-22-0600.manifest.json", "2026-11-22-0600.txt",
                    "2026-11-22-0600.wav",
                ])
            #expect(uploaded == local)
            for name in local {
                let a = try Data(contentsOf: URL(fileURLWithPath: staged(folder) + "/" + name))
                let b = try Data(contentsOf: URL(fileURLWithPath: remote + "/" + name))
                #expect(a == b, "\(name) differs")
            }
            // The manifest's checksums hold for the uploaded files.
            let manifest =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: remote + "/2026-11-22-0600.manifest.json")))
                as? [String: Any]
            for f in manifest?["files"] as? [[String: Any]] ?? [] {
                let data = try Data(contentsOf: URL(fileURLWithPath: remote + "/" + (f["name"] as? String ?? "")))
                #expect(f["sha256"] as? String == RenderedBulletin.sha256(data))
            }

            // A second item re-renders the bulletin: the remote files are replaced, not duplicated.
            _ = await radio.publish(request(item("small", "Tin ngắn", "Nội dung ngắn.")))
            let after = try FileManager.default.contentsOfDirectory(atPath: remote).filter { !$0.hasPrefix(".") }
                .sorted()
            #expect(after == local)
            #expect(try String(contentsOfFile: remote + "/2026-11-22-0600.txt", encoding: .utf8).contains("Tin ngắn"))
        }

        @Test func ftpWithAWrongPasswordFailsWithoutLeakingIt() async throws {
            let server = try await FTPServer.start()
            let folder = try TempFolder()
            let radio = channel(
                folder,
                upload: RadioUpload(
                    url: "ftp://127.0.0.1:\(server.port)/dai/", username: "dai-xa", password: Secret("sai-mat-khau")))
            let outcome = await radio.publish(request(item("a", "Tin", "Nội dung.")))
            switch outcome {
            case .retry(let e, _), .failed(let e):
                #expect(!e.message.contains("sai-mat-khau"))
                #expect(e.message.contains("upload of 2026-11-22-0600"))
            case .delivered:
                Issue.record("delivered with a wrong password")
            }
        }

        @Test func httpPutUploadRetriedAfterAServerErrorEndsWithIdenticalFiles() async throws {
            let calls = Mutex(0)
            let server = try await LoopbackHTTPServer.start { _ in
                let n = calls.withLock {
                    $0 += 1
                    return $0
                }
                return n == 1 ? .json(503, #"{"message":"bảo trì"}"#) : .json(201, "{}")
            }
            let http = try HTTPClient()
            defer {
                http.shutdown()
                Task { try? await server.shutdown() }
            }
            let folder = try TempFolder()
            let radio = channel(
                folder,
                upload: RadioUpload(url: server.baseURL + "/dai/tan-lap/", username: "dai-xa", password: Secret("pw")),
                http: http)
            let i = item("a", "Tin Sơn La", "Ngày 03/01/2019, UBND tỉnh ban hành kế hoạch.")
            let first = await radio.publish(request(i))
            guard case .retry(let error, _) = first else {
                Issue.record("expected a retry, got \(first)")
                return
            }
            #expect(error.errorClass == .server)
            let second = await radio.publish(request(i, attempt: 2))
            guard case .delivered = second else {
                Issue.record("expected delivery, got \(second)")
                return
            }
            let requests = server.requests.dropFirst()  // the 503
            #expect(
                requests.map(\.path) == [
                    "/dai/tan-lap/2026-11-22-0600.txt", "/dai/tan-lap/2026-11-22-0600.docx",
                    "/dai/tan-lap/2026-11-22-0600.manifest.json",
                ])
            for r in requests {
                #expect(r.method == "PUT")
                let name = String(r.path.split(separator: "/").last ?? "")
                let local = try Data(contentsOf: URL(fileURLWithPath: staged(folder) + "/" + name))
                #expect(Data(r.body) == local, "\(name) differs")
                #expect(r.header("X-CCHC-Filename") == name)
                #expect(r.header("Authorization") == "Basic " + Data("dai-xa:pw".utf8).base64EncodedString())
            }
            // Nothing changed: a re-delivery uploads the bulletin again (it replaces), nothing else.
            server.clearRequests()
            _ = await radio.publish(request(i, attempt: 3))
            #expect(server.requests.count == 3)
        }

        func sftp(_ server: SFTPServer, fingerprint: String? = nil) -> RadioUpload {
            var upload = RadioUpload(
                url: "sftp://127.0.0.1:\(server.port)/dai/tan-lap/", username: "dai-xa",
                password: Secret("mat-khau-sftp"))
            upload.hostKeySHA256 = fingerprint ?? server.fingerprint
            return upload
        }

        @Test func sftpUploadsReplaceTheRemoteFilesAndAnEmptiedBulletinIsRemovedFromTheServer() async throws {
            let server = try await SFTPServer.start()
            let folder = try TempFolder()
            let radio = channel(folder, upload: sftp(server), slots: ["06:00/1m", "17:00/20m"])
            let short = item("a", "Tin ngắn", "Nội dung ngắn.")
            guard case .delivered = await radio.publish(request(short)) else {
                Issue.record("not delivered")
                return
            }
            let names = ["2026-11-22-0600.docx", "2026-11-22-0600.manifest.json", "2026-11-22-0600.txt"]
            #expect(server.files("dai/tan-lap") == names)
            for name in names {
                let a = try Data(contentsOf: URL(fileURLWithPath: staged(folder) + "/" + name))
                let b = try Data(contentsOf: URL(fileURLWithPath: server.root + "/dai/tan-lap/" + name))
                #expect(a == b, "\(name) differs")
            }
            // Another item re-renders the bulletin: the remote files are replaced (an SFTP rename onto an
            // existing file fails, so the old one is removed first), never duplicated.
            _ = await radio.publish(request(item("b", "Tin thứ hai", "Nội dung.")))
            #expect(server.files("dai/tan-lap") == names)
            #expect(
                try String(contentsOfFile: server.root + "/dai/tan-lap/2026-11-22-0600.txt", encoding: .utf8)
                    .contains("Tin thứ hai"))
            // Both items grow past the 06:00 slot's minute: they move to 17:00, the 06:00 bulletin is
            // empty and its files leave the station's server too.
            for id in ["a", "b"] {
                _ = await radio.publish(request(item(id, "Tin dài \(id)", words(200)), attempt: 2))
            }
            #expect(
                server.files("dai/tan-lap") == [
                    "2026-11-22-1700.docx", "2026-11-22-1700.manifest.json", "2026-11-22-1700.txt",
                ])
        }

        @Test func sftpRefusesAServerWhoseHostKeyIsNotThePinnedOne() async throws {
            let server = try await SFTPServer.start()
            let folder = try TempFolder()
            let other =
                "SHA256:" + Data(repeating: 7, count: 32).base64EncodedString().replacingOccurrences(of: "=", with: "")
            let radio = channel(folder, upload: sftp(server, fingerprint: other))
            let outcome = await radio.publish(request(item("a", "Tin", "Nội dung.")))
            guard case .retry(let error, _) = outcome else {
                Issue.record("expected a refusal, got \(outcome)")
                return
            }
            #expect(error.errorClass == .tls, "\(error)")
            #expect(!error.message.contains("mat-khau-sftp"))
            #expect(server.files("dai").isEmpty)
        }

        @Test func ftpRemovesAnEmptiedBulletinFromTheServer() async throws {
            let server = try await FTPServer.start()
            let folder = try TempFolder()
            let radio = channel(
                folder,
                upload: RadioUpload(
                    url: "ftp://127.0.0.1:\(server.port)/dai/", username: "dai-xa", password: Secret("mat-khau-ftp")),
                slots: ["06:00/1m", "17:00/20m"])
            _ = await radio.publish(request(item("a", "Tin ngắn", "Nội dung ngắn.")))
            let remote = {
                ((try? FileManager.default.contentsOfDirectory(atPath: server.root + "/dai")) ?? []).sorted()
            }
            #expect(remote().contains("2026-11-22-0600.txt"))
            guard case .delivered = await radio.publish(request(item("a", "Tin dài", words(200)), attempt: 2)) else {
                Issue.record("not delivered")
                return
            }
            #expect(remote() == ["2026-11-22-1700.docx", "2026-11-22-1700.manifest.json", "2026-11-22-1700.txt"])
        }

        @Test func stagingCopiesOfBulletinsAiredTwoWeeksAgoGoButTheServerKeepsThem() async throws {
            let server = try await FTPServer.start()
            let folder = try TempFolder()
            let clock = ManualClock(local(2026, 11, 22, 1, 30))
            let radio = channel(
                folder,
                upload: RadioUpload(
                    url: "ftp://127.0.0.1:\(server.port)/dai/", username: "dai-xa", password: Secret("mat-khau-ftp")),
                clock: clock)
            _ = await radio.publish(request(item("a", "Tin cũ", "Nội dung.")))
            let remote = {
                ((try? FileManager.default.contentsOfDirectory(atPath: server.root + "/dai")) ?? []).sorted()
            }
            let old = ["2026-11-22-0600.docx", "2026-11-22-0600.manifest.json", "2026-11-22-0600.txt"]
            #expect(remote() == old)
            // Fifteen days later another item: the old bulletin's staging copy goes, nothing is removed
            // from the station's server, the new bulletin is uploaded.
            clock.set(local(2026, 12, 7, 1, 30))
            guard case .delivered = await radio.publish(request(item("b", "Tin mới", "Nội dung."))) else {
                Issue.record("not delivered")
                return
            }
            #expect(
                folder.files("state/radio/radio-xa/tan-lap-outbox") == [
                    "2026-12-07-0600.docx", "2026-12-07-0600.manifest.json", "2026-12-07-0600.txt",
                ])
            #expect(
                remote() == old + ["2026-12-07-0600.docx", "2026-12-07-0600.manifest.json", "2026-12-07-0600.txt"])
            let state = try folder.text("state/radio/radio-xa/tan-lap-uploaded.json")
            #expect(!state.contains("2026-11-22-0600") && state.contains("2026-12-07-0600"))
        }
    }
}
