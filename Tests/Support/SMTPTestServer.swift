import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The repository's root (the SMTP helpers live in scripts/).
let smtpRepository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

public struct SMTPTestServerError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// Runs a program to completion; returns its status and standard output.
@discardableResult
public func runTool(_ executable: String, _ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// A self-signed certificate for 127.0.0.1/localhost, made with the openssl command at test time (no
/// private key is ever committed).
public struct TestCertificate: Sendable {
    public let cert: String
    public let key: String

    /// Writes `cert.pem` and `key.pem` into `directory`.
    public init(in directory: String) throws {
        cert = directory + "/cert.pem"
        key = directory + "/key.pem"
        let r = try runTool(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            ])
        guard r.status == 0 else { throw SMTPTestServerError("openssl failed: \(r.stderr)") }
    }
}

/// The real SMTP server (aiosmtpd, scripts/smtp-test-server.py) writing to a Maildir.
public final class SMTPTestServer: @unchecked Sendable {
    /// A temporary folder holding the Maildir, the event log and the server's stderr; removed on deinit.
    public let folder: String
    public let maildir: String
    public let eventsFile: String
    public private(set) var port: Int = 0
    private var process: Process?
    private let arguments: [String]

    /// - Parameters:
    ///   - tls: certificate for STARTTLS (or implicit TLS with `implicitTLS`).
    ///   - auth: `user:password` required.
    ///   - reject: `address=code[:times]` rules.
    ///   - port: a fixed port (0: any free one).
    ///   - start: false to create it stopped (a server that is down), started later with ``start()``.
    public init(
        tls: TestCertificate? = nil, implicitTLS: Bool = false, auth: String? = nil, reject: [String] = [],
        greeting421: Int = 0, port: Int = 0, start: Bool = true
    ) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        maildir = folder + "/Maildir"
        eventsFile = folder + "/events.jsonl"
        var args = [smtpRepository + "/scripts/smtp-test-server.py", "--maildir", maildir, "--events", eventsFile]
        if let tls { args += ["--tls-cert", tls.cert, "--tls-key", tls.key] }
        if implicitTLS { args.append("--implicit-tls") }
        if let auth { args += ["--auth", auth] }
        for r in reject { args += ["--reject", r] }
        if greeting421 > 0 { args += ["--greeting-421", String(greeting421)] }
        arguments = args
        self.port = port == 0 ? try Self.freePort() : port
        if start { try self.start() }
    }

    /// A port nothing listens on now.
    public static func freePort() throws -> Int {
        let r = try runTool(
            "/usr/bin/env",
            ["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
        guard let p = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw SMTPTestServerError("no free port: \(r.stderr)")
        }
        return p
    }

    public func start() throws {
        let portFile = folder + "/port-\(UUID().uuidString.prefix(6))"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments =
            ["python3"] + arguments + ["--port-file", portFile, "--port", String(port), "--max-lifetime", "600"]
        p.standardOutput = FileHandle.nullDevice
        let err = folder + "/server.log"
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(15)
        while !FileManager.default.fileExists(atPath: portFile) {
            guard p.isRunning, Date() < deadline else {
                let log = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
                throw SMTPTestServerError("the SMTP test server did not start: \(log)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    public func stop() {
        guard let p = process else { return }
        if p.isRunning {
            // SIGKILL: the server keeps nothing in memory that matters (each message is renamed into
            // the Maildir when complete), and SIGKILL cannot be blocked.
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        process = nil
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    public var url: String { "smtp://127.0.0.1:\(port)" }
    public var smtpsURL: String { "smtps://127.0.0.1:\(port)" }

    /// The stored messages, parsed by scripts/check-mail.py (Python's email package, policy=default).
    public func messages() throws -> [[String: Any]] {
        let r = try runTool("/usr/bin/env", ["python3", smtpRepository + "/scripts/check-mail.py", maildir])
        guard r.status == 0, let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        else { throw SMTPTestServerError("check-mail.py failed: \(r.stderr)") }
        return list
    }

    /// The SMTP events the server logged (`connect`, `rcpt`, `data`).
    public func events() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: eventsFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
