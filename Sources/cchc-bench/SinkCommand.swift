import ArgumentParser
import BenchKit
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `cchc-bench sink`: the benchmarks' HTTP sink (BenchKit's ``BenchSink``) as a process of its own.
///
/// `cchc-bench drain` starts it as a child, so that the sink does not share a process with what it
/// measures. It answers until SIGTERM or SIGINT, or until the process that started it is gone.
struct SinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "Run the benchmarks' HTTP sink until SIGTERM (cchc-bench drain starts it as a child).")

    @Option(help: "Port on 127.0.0.1; 0 picks a free one.") var port = 0
    @Option(help: "Write the port to this file once listening (written, then renamed into place).")
    var portFile: String?
    @Option(help: "Event-loop threads.") var threads = 1

    func run() async throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port: expected 0–65535, found \(port)") }
        guard threads >= 1 else { throw ValidationError("--threads: expected at least 1, found \(threads)") }
        let parent = getppid()
        let (stops, stop) = AsyncStream.makeStream(of: String.self)
        let signalQueue = DispatchQueue(label: "cchc-bench.sink.signals")
        let sources = [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: signalQueue)
            source.setEventHandler { stop.yield(name) }
            source.resume()
            return source
        }
        let sink = try await BenchSink.start(port: port, eventLoopThreads: threads)
        if let portFile {
            let temporary = portFile + ".tmp"
            try "\(sink.port)\n".write(toFile: temporary, atomically: false, encoding: .utf8)
            guard rename(temporary, portFile) == 0 else {
                throw ValidationError("--port-file: cannot rename \(temporary) to \(portFile): errno \(errno)")
            }
        } else {
            print(sink.port)
        }
        // An orphaned sink would listen forever: stop when the parent is gone (re-parented to init).
        let watchParent = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                if getppid() != parent { stop.yield("the parent process exited") }
            }
        }
        for await _ in stops { break }
        watchParent.cancel()
        try await sink.shutdown()
        withExtendedLifetime(sources) {}
    }
}
