import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The repository's root (the SMTP helpers live in scripts/).
let smtpRepository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// Runs blocking work (a child process, file polling) on a GCD thread, off Swift concurrency's
/// cooperative pool: that pool has one thread per core, and a test blocking it stalls every other test
/// running in parallel.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

public struct SMTPTestServerError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// Runs a program to completion; returns its status, standard output and standard error.
@discardableResult
public func runTool(_ executable: String, _ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    try SpawnedProcess.run(executable, args)
}

/// A self-signed certificate for 127.0.0.1/localhost, made with the openssl command at test time (no
/// private key is ever committed).
public struct TestCertificate: Sendable {
    public let cert: String
    public let key: String

    /// Writes `cert.pem` and `key.pem` into `directory`.
    public static func make(in directory: String) async throws -> TestCertificate {
        try await offThePool { try TestCertificate(in: directory) }
    }

    /// An EC (P-256) key: quick to make, so the tests add little CPU load beside the others.

    init(in directory: String) throws {
        cert = directory + "/cert.pem"
        key = directory + "/key.pem"
        let r = try runTool(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", cert, "-days", "2",
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
    private var process: SpawnedProcess?
    private let arguments: [String]

    /// - Parameters:
    ///   - tls: certificate for STARTTLS (or implicit TLS with `implicitTLS`).
    ///   - auth: `user:password` required.
    ///   - reject: `address=code[:times]` rules.
    ///   - port: a fixed port (0: any free one).
    public init(
        tls: TestCertificate? = nil, implicitTLS: Bool = false, auth: String? = nil, reject: [String] = [],
        greeting421: Int = 0, port: Int = 0
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
    }

    /// A server that is already listening.
    public static func running(
        tls: TestCertificate? = nil, implicitTLS: Bool = false, auth: String? = nil, reject: [String] = [],
        greeting421: Int = 0
    ) async throws -> SMTPTestServer {
        let server = try SMTPTestServer(
            tls: tls, implicitTLS: implicitTLS, auth: auth, reject: reject, greeting421: greeting421)
        try await server.start()
        return server
    }

    /// A port nothing listens on now (bound to port 0, read back, released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SMTPTestServerError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, length) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard bound else { throw SMTPTestServerError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts the server and waits until it listens.
    public func start() async throws {
        try await offThePool { try self.startBlocking() }
    }

    func startBlocking() throws {
        let portFile = folder + "/port-\(UUID().uuidString.prefix(6))"
        let err = folder + "/server.log"
        let p = try SpawnedProcess(
            executable: "/usr/bin/env",
            arguments: ["python3"] + arguments + [
                "--port-file", portFile, "--port", String(port), "--max-lifetime", "600",
            ],
            stdout: "/dev/null", stderr: err)
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
    public func messages() async throws -> [[String: Any]] {
        let json = try await offThePool { try self.messagesJSON() }
        guard let list = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else {
            throw SMTPTestServerError("check-mail.py printed no list")
        }
        return list
    }

    func messagesJSON() throws -> String {
        let r = try runTool("/usr/bin/env", ["python3", smtpRepository + "/scripts/check-mail.py", maildir])
        guard r.status == 0 else { throw SMTPTestServerError("check-mail.py failed: \(r.stderr)") }
        return r.stdout
    }

    /// The SMTP events the server logged (`connect`, `rcpt`, `data`).
    public func events() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: eventsFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
