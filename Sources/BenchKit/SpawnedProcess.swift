import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with `posix_spawn`: the benchmark's `cchcd` and sink, the tests' real binaries and tools.
///
/// Written by hand instead of Foundation's `Process` because `Process.run()` in the toolchain's
/// Foundation (6.3.1) crashes intermittently on Linux: it reads `/proc/self/fd` with a 256-byte copy of
/// each `dirent` (`findMaximumOpenFromProcSelfFD`), which runs past glibc's buffer when the next page is
/// unmapped (swift-corelibs-foundation PR #5472, fixed after this toolchain). A suite that starts hundreds
/// of `cchc` and `cchcd` processes met it about once in five runs. This also starts children with an empty
/// signal mask and default handlers (Foundation passes its blocked signals on) and without the test
/// process's other descriptors.
///
/// Standard input comes from a file (or /dev/null); standard output and error go to files: nothing to
/// drain while waiting, so no pipe can fill up and stall the child.
public final class SpawnedProcess: @unchecked Sendable {
    public let processIdentifier: pid_t
    private let exit = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`; `environment` nil: this process's own.
    public init(
        executable: String, arguments: [String], environment: [String: String]? = nil, stdin: String? = nil,
        stdout: String, stderr: String
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        // posix_spawn_file_actions_addclosefrom_np (glibc 2.34) is not in Swift's Glibc module: found by name.
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw CocoaError(
                .fileNoSuchFile,
                userInfo: [NSFilePathErrorKey: executable, NSLocalizedDescriptionKey: String(cString: strerror(rc))])
        }
        processIdentifier = pid
    }

    /// Whether the child has not exited yet (reaps it when it has).
    public var isRunning: Bool {
        exit.withLock { status in
            if status != nil { return false }
            var raw: Int32 = 0
            let r = waitpid(processIdentifier, &raw, WNOHANG)
            if r == processIdentifier {
                status = Self.decode(raw)
                return false
            }
            return r == 0
        }
    }

    /// Waits for the child to exit.
    public func waitUntilExit() {
        if exit.withLock({ $0 != nil }) { return }
        var raw: Int32 = 0
        while true {
            let r = waitpid(processIdentifier, &raw, 0)
            if r == processIdentifier { break }
            if r < 0 && errno == EINTR { continue }
            // Already reaped (by isRunning on another thread): its status is recorded there.
            return
        }
        let decoded = Self.decode(raw)
        exit.withLock { if $0 == nil { $0 = decoded } }
    }

    /// The exit code, or the number of the signal that ended it (as Foundation's `Process` reports it).
    public var terminationStatus: Int32 {
        waitUntilExit()
        return exit.withLock { $0 ?? -1 }
    }

    /// SIGTERM.
    public func terminate() { kill(processIdentifier, SIGTERM) }

    /// Sends `signal` (SIGKILL, SIGINT, …) unless the child has already exited and been reaped.
    public func signal(_ signal: Int32) {
        if isRunning { kill(processIdentifier, signal) }
    }

    /// Waits up to `seconds` for the child to exit; true when it has.
    public func waitUntilExit(timeout seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning {
            if Date() >= deadline { return false }
            usleep(10_000)
        }
        return true
    }

    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : signal
    }

    /// Runs a program to its end and returns its exit status and output.
    public static func run(
        _ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let folder = NSTemporaryDirectory() + "spawn-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var stdinPath: String?
        if let input {
            stdinPath = folder + "/stdin"
            try Data(input.utf8).write(to: URL(fileURLWithPath: stdinPath!))
        }
        let child = try SpawnedProcess(
            executable: executable, arguments: arguments, environment: environment, stdin: stdinPath,
            stdout: folder + "/stdout", stderr: folder + "/stderr")
        let status = child.terminationStatus
        let out = FileManager.default.contents(atPath: folder + "/stdout") ?? Data()
        let err = FileManager.default.contents(atPath: folder + "/stderr") ?? Data()
        return (status, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
