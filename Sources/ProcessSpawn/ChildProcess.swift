import Foundation

// Linux only (the daemon's platform): posix_spawn's closefrom/chdir extensions are glibc's.
import Glibc

/// Runs one program to completion without blocking a cooperative thread: pipes are served by
/// dedicated threads (stdin written while stdout and stderr are read, so a program that writes a
/// lot before reading cannot deadlock on a full pipe), and a dedicated thread waits for the exit and
/// resumes a continuation.
///
/// Spawned with `posix_spawn` rather than Foundation's `Process`, which passes on the signal mask of
/// the spawning thread (Swift's cooperative threads block SIGTERM, so the program could not be
/// stopped gracefully), the ignored SIGPIPE, and every file descriptor the daemon opened without
/// close-on-exec. Here the program starts with default signal handling, no signals blocked, only
/// descriptors 0–2 open, and as the leader of a new process group, so a timeout or a cancellation
/// signals the program and whatever it started: SIGTERM, then SIGKILL after ``killGrace``.
public struct ChildProcess: Sendable {
    public struct Result: Sendable {
        public enum Ending: Sendable, Equatable {
            case exited(Int32)
            case signalled(Int32)
        }
        public var ending: Ending
        public var stdout: [UInt8]
        /// stdout went over the cap; the rest was read and dropped.
        public var stdoutTruncated: Bool
        public var stderr: [UInt8]
        public var stderrTruncated: Bool
        public var timedOut: Bool
        public var cancelled: Bool
    }

    public struct LaunchError: Error, Sendable {
        public var message: String
    }

    public var executable: String
    public var arguments: [String]
    /// The program's whole environment: nothing of the daemon's own (which may hold secrets) is passed on.
    public var environment: [String: String]
    public var workingDirectory: String?
    public var timeout: Duration
    public var stdoutLimit: Int = 1 << 20
    public var stderrLimit: Int = 64 << 10
    public var killGrace: Duration = .seconds(2)

    public init(
        executable: String, arguments: [String], environment: [String: String], workingDirectory: String? = nil,
        timeout: Duration
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeout = timeout
    }

    /// A program that exits before reading its input must not kill the daemon with SIGPIPE.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Runs the program with `input` on its stdin; returns when it has exited and its output is read.
    public func run(input: [UInt8]) async throws(LaunchError) -> Result {
        _ = Self.ignoreSIGPIPE
        let stdinPipe = try Self.makePipe()
        let stdoutPipe: (read: Int32, write: Int32)
        let stderrPipe: (read: Int32, write: Int32)
        do {
            stdoutPipe = try Self.makePipe()
        } catch {
            Self.close(stdinPipe.read, stdinPipe.write)
            throw error
        }
        do {
            stderrPipe = try Self.makePipe()
        } catch {
            Self.close(stdinPipe.read, stdinPipe.write, stdoutPipe.read, stdoutPipe.write)
            throw error
        }

        let spawned = spawn(stdin: stdinPipe.read, stdout: stdoutPipe.write, stderr: stderrPipe.write)
        // The child has its own copies; ours would keep the pipes from ever reaching end-of-file.
        Self.close(stdinPipe.read, stdoutPipe.write, stderrPipe.write)
        let pid: pid_t
        switch spawned {
        case .success(let p):
            pid = p
        case .failure(let error):
            Self.close(stdinPipe.write, stdoutPipe.read, stderrPipe.read)
            throw error
        }

        let state = RunState()
        let stdoutLimit = stdoutLimit
        let stderrLimit = stderrLimit
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
            let signalNumber = status & 0x7f
            state.exited(signalNumber == 0 ? .exited((status >> 8) & 0xff) : .signalled(signalNumber))
        }
        Thread.detachNewThread {
            let (bytes, truncated) = PipeIO.readAll(stdoutPipe.read, limit: stdoutLimit, stop: state)
            Self.close(stdoutPipe.read)
            state.stdoutDone(bytes, truncated: truncated)
        }
        Thread.detachNewThread {
            let (bytes, truncated) = PipeIO.readAll(stderrPipe.read, limit: stderrLimit, stop: state)
            Self.close(stderrPipe.read)
            state.stderrDone(bytes, truncated: truncated)
        }
        Thread.detachNewThread {
            PipeIO.writeAll(stdinPipe.write, input)
            Self.close(stdinPipe.write)
        }

        let grace = killGrace
        let timeout = timeout
        let watchdog = Task {
            do {
                try await Task.sleep(for: timeout)
            } catch {
                return
            }
            state.markTimedOut()
            await Self.terminate(group: pid, state: state, grace: grace)
        }
        // After the program exits, something it started may still hold the pipes open.
        let reaper = Task {
            await state.waitForExit()
            do {
                try await Task.sleep(for: grace)
            } catch {
                return
            }
            if !state.isComplete {
                _ = killpg(pid, SIGKILL)
                try? await Task.sleep(for: .seconds(1))
                state.stopReading()
            }
        }

        let result = await withTaskCancellationHandler {
            await state.waitForCompletion()
        } onCancel: {
            state.markCancelled()
            Task { await Self.terminate(group: pid, state: state, grace: grace) }
        }
        watchdog.cancel()
        reaper.cancel()
        return result
    }

    /// ``run(input:)`` for a caller on a thread of its own (never a cooperative one: it blocks until the
    /// program is done), such as the radio channel's rendering, which runs under a lock on a dedicated
    /// thread.
    public func runBlocking(input: [UInt8] = []) throws(LaunchError) -> Result {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let child = self
        Task {
            do throws(LaunchError) {
                box.set(.success(try await child.run(input: input)))
            } catch {
                box.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        return try box.get()
    }

    private func spawn(stdin: Int32, stdout: Int32, stderr: Int32) -> Swift.Result<pid_t, LaunchError> {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        if let closeFrom = GlibcExtensions.addCloseFrom {
            _ = closeFrom(&actions, 3)
        }
        if let workingDirectory {
            guard let addChdir = GlibcExtensions.addChdir else {
                return .failure(LaunchError(message: "working_dir needs glibc 2.29 or later"))
            }
            _ = addChdir(&actions, workingDirectory)
        }

        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        var rc: Int32 = 0
        for attempt in 1...5 {
            rc = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
                (envp + [nil]).withUnsafeBufferPointer { envpBuffer in
                    posix_spawn(
                        &pid, executable, &actions, &attributes, argvBuffer.baseAddress!, envpBuffer.baseAddress!)
                }
            }
            // ETXTBSY: the program file is still open for writing somewhere — an operator replacing the
            // script, or a descriptor that another thread's fork inherited for an instant while the file
            // was written. It clears by itself within milliseconds.
            guard rc == ETXTBSY else { break }
            usleep(UInt32(20_000 * attempt))
        }
        guard rc == 0 else {
            return .failure(LaunchError(message: "cannot start \(executable): \(String(cString: strerror(rc)))"))
        }
        return .success(pid)
    }

    /// A close-on-exec pipe whose ends are above 2 (so that dup2 onto 0–2 always copies them).
    private static func makePipe() throws(LaunchError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        let rc: Int32
        if let pipe2 = GlibcExtensions.pipe2 {
            rc = pipe2(&fds, O_CLOEXEC)
        } else {
            rc = pipe(&fds)
            for fd in fds where rc == 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        guard rc == 0 else {
            throw LaunchError(message: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        for i in 0..<2 where fds[i] < 3 {
            let moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)
            Glibc.close(fds[i])
            fds[i] = moved
        }
        return (fds[0], fds[1])
    }

    private static func close(_ fds: Int32...) {
        for fd in fds where fd >= 0 { _ = Glibc.close(fd) }
    }

    private static func terminate(group pid: Int32, state: RunState, grace: Duration) async {
        guard !state.hasExited else { return }
        _ = killpg(pid, SIGTERM)
        try? await Task.sleep(for: grace)
        if !state.isComplete { _ = killpg(pid, SIGKILL) }
    }
}

/// glibc functions that Swift's Glibc module does not import (they are behind `_GNU_SOURCE`),
/// looked up at run time.
enum GlibcExtensions {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) ->
        Int32
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34).
    static var addCloseFrom: AddCloseFrom? { lookup("posix_spawn_file_actions_addclosefrom_np") }
    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29).
    static var addChdir: AddChdir? { lookup("posix_spawn_file_actions_addchdir_np") }
    static var pipe2: Pipe2? { lookup("pipe2") }

    private static func lookup<F>(_ name: String) -> F? {
        // RTLD_DEFAULT is a null handle in glibc.
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: F.self)
    }
}

/// Blocking reads and writes on raw pipe descriptors, for the dedicated threads.
enum PipeIO {
    static func readAll(_ fd: Int32, limit: Int, stop: RunState) -> ([UInt8], Bool) {
        var collected: [UInt8] = []
        var truncated = false
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 200)
            if ready == 0 {
                if stop.readingStopped { break }
                continue
            }
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                break
            }
            if n == 0 { break }
            let room = max(0, limit - collected.count)
            if n > room { truncated = true }
            collected.append(contentsOf: buffer[0..<min(n, room)])
        }
        return (collected, truncated)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return  // EPIPE: the program closed its input; what it prints decides.
            }
            offset += n
        }
    }
}

/// What the threads and the termination handler report, and the continuation waiting for all of it.
final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var ending: ChildProcess.Result.Ending?
    private var stdout: ([UInt8], Bool)?
    private var stderr: ([UInt8], Bool)?
    private var timedOut = false
    private var cancelled = false
    private var stopped = false
    private var completionWaiter: CheckedContinuation<ChildProcess.Result, Never>?
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []

    var hasExited: Bool { lock.withLock { ending != nil } }
    var isComplete: Bool { lock.withLock { ending != nil && stdout != nil && stderr != nil } }
    var readingStopped: Bool { lock.withLock { stopped } }

    func markTimedOut() { lock.withLock { timedOut = true } }
    func markCancelled() { lock.withLock { cancelled = true } }
    func stopReading() { lock.withLock { stopped = true } }

    func exited(_ ending: ChildProcess.Result.Ending) {
        let waiters = lock.withLock {
            self.ending = ending
            defer { exitWaiters = [] }
            return exitWaiters
        }
        for waiter in waiters { waiter.resume() }
        resumeIfComplete()
    }

    func stdoutDone(_ bytes: [UInt8], truncated: Bool) {
        lock.withLock { stdout = (bytes, truncated) }
        resumeIfComplete()
    }

    func stderrDone(_ bytes: [UInt8], truncated: Bool) {
        lock.withLock { stderr = (bytes, truncated) }
        resumeIfComplete()
    }

    func waitForExit() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = lock.withLock {
                if ending != nil { return true }
                exitWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    func waitForCompletion() async -> ChildProcess.Result {
        await withCheckedContinuation { continuation in
            lock.withLock { completionWaiter = continuation }
            resumeIfComplete()
        }
    }

    private func resumeIfComplete() {
        let ready: (CheckedContinuation<ChildProcess.Result, Never>, ChildProcess.Result)? = lock.withLock {
            guard let waiter = completionWaiter, let ending, let stdout, let stderr else { return nil }
            completionWaiter = nil
            let result = ChildProcess.Result(
                ending: ending, stdout: stdout.0, stdoutTruncated: stdout.1, stderr: stderr.0,
                stderrTruncated: stderr.1, timedOut: timedOut, cancelled: cancelled)
            return (waiter, result)
        }
        if let (waiter, result) = ready { waiter.resume(returning: result) }
    }
}

/// The outcome of a ``ChildProcess/runBlocking(input:)``, handed from its task to the waiting thread.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Swift.Result<ChildProcess.Result, ChildProcess.LaunchError>?

    func set(_ value: Swift.Result<ChildProcess.Result, ChildProcess.LaunchError>) {
        lock.withLock { self.value = value }
    }

    func get() throws(ChildProcess.LaunchError) -> ChildProcess.Result {
        let value = lock.withLock { self.value }
        switch value {
        case .success(let result)?: return result
        case .failure(let error)?: throw error
        case nil: throw ChildProcess.LaunchError(message: "the program's run ended without a result")
        }
    }
}
