import Foundation
import Transport

/// A ``BenchSink`` running in a process of its own (`cchc-bench sink`), and the way to read its counts.
///
/// The sink must not share a process with what it measures, as an nginx would not: the daemon, the raw
/// libcurl load and the sink then share the machine's cores the same way in every measurement. The
/// child writes its port to a file once it listens; ``summary()`` and ``report()`` ask it over HTTP.
public final class SinkProcess: Sendable {
    /// The child.
    public let process: SpawnedProcess
    /// The port the sink listens on (127.0.0.1).
    public let port: Int
    /// Where the child's standard output and error go.
    public let logPath: String
    private let http: HTTPClient

    /// `"http://127.0.0.1:PORT"`, with no trailing slash.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `<executable> sink --port 0 --port-file <folder>/sink.port --threads <threads>` and waits
    /// until it listens.
    ///
    /// - Parameters:
    ///   - executable: A `cchc-bench` binary.
    ///   - folder: An existing folder for the port file and the child's output (`sink.log`).
    ///   - threads: The sink's event-loop threads.
    ///   - timeout: Seconds to wait for the port file.
    /// - Throws: ``BenchError`` when the child exits or does not listen in time (with what it said).
    public init(executable: String, folder: String, threads: Int = 1, timeout: Double = 30) throws {
        let portFile = folder + "/sink.port"
        logPath = folder + "/sink.log"
        try? FileManager.default.removeItem(atPath: portFile)
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        let child = try SpawnedProcess(
            executable: executable,
            arguments: ["sink", "--port", "0", "--port-file", portFile, "--threads", String(threads)],
            environment: environment, stdout: folder + "/sink.log", stderr: folder + "/sink.log")
        process = child
        do {
            port = try Self.waitForPort(portFile, child: child, log: folder + "/sink.log", timeout: timeout)
            var configuration = HTTPClientConfiguration()
            configuration.timeout = .seconds(30)
            configuration.maxConnectionsPerHost = 1
            http = try HTTPClient(configuration: configuration)
        } catch {
            child.signal(SIGKILL)
            child.waitUntilExit()
            throw error
        }
    }

    /// Waits for the child to write its port to `portFile`.
    private static func waitForPort(_ portFile: String, child: SpawnedProcess, log: String, timeout: Double) throws
        -> Int
    {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8) {
                guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                    throw BenchError("\(portFile): not a port number: \"\(text)\"")
                }
                return port
            }
            guard child.isRunning else {
                throw BenchError(
                    "the sink exited with status \(child.terminationStatus) before listening: " + outputTail(log))
            }
            guard Date() < deadline else {
                throw BenchError("the sink did not write \(portFile) within \(Int(timeout)) s: " + outputTail(log))
            }
            usleep(10_000)
        }
    }

    deinit {
        http.shutdown()
        if process.isRunning {
            process.signal(SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The sink's counts so far (``BenchSink/summaryPath``).
    public func summary() async throws -> SinkSummary { try await get(BenchSink.summaryPath) }

    /// Every delivery the sink counted, with arrival times (``BenchSink/reportPath``).
    public func report() async throws -> SinkReport { try await get(BenchSink.reportPath) }

    /// Stops the child with SIGTERM and waits for it.
    ///
    /// - Throws: ``BenchError`` when it does not exit within 10 s (it is then killed) or exits non-zero.
    public func stop() throws {
        http.shutdown()
        process.terminate()
        guard process.waitUntilExit(timeout: 10) else {
            process.signal(SIGKILL)
            process.waitUntilExit()
            throw BenchError("the sink did not stop within 10 s of SIGTERM: " + outputTail(logPath))
        }
        guard process.terminationStatus == 0 else {
            throw BenchError("the sink exited with status \(process.terminationStatus): " + outputTail(logPath))
        }
    }

    private func get<T: Decodable>(_ path: String) async throws -> T {
        let response = try await http.execute(HTTPRequest(url: baseURL + path))
        guard response.status == 200 else {
            throw BenchError("GET \(baseURL + path) answered \(response.status): \(response.bodyText.prefix(200))")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw BenchError("GET \(baseURL + path): not a \(T.self): \(error)")
        }
    }

}

/// The end of a child's output file (at most 3,000 characters), for an error message.
public func outputTail(_ path: String) -> String {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return text.isEmpty ? "(no output)" : "\n" + String(text.suffix(3000))
}
