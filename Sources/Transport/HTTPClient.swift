// An async HTTP client over libcurl's multi interface.
//
// Written by hand because no async libcurl binding exists in the project's package set, and the
// project requires libcurl (TLS, proxies and connection reuse as operators know them from curl).
// Design (DESIGN.md §11): one dedicated thread per client drives a CURLM with curl_multi_poll;
// requests are handed over through a lock-protected inbox plus curl_multi_wakeup, and completions
// resume continuations. No thread blocks per request.

import CCurl
import CCurlShims
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// curl_global_init, run exactly once per process before any thread uses curl
/// (a Swift global is initialised lazily and thread-safely on first use).
let curlGlobalInitResult: Int = Int(ccurl_global_init_default().rawValue)

private let transportLogger = Logger(label: "cchc.transport")

/// An asynchronous HTTP/1.1 client (HTTP/2 over TLS where the server offers it) on libcurl.
///
/// One client owns one thread running libcurl's multi interface, so thousands of requests can be
/// in flight without a thread each; connections are kept alive and reused per host, up to
/// ``HTTPClientConfiguration/maxConnectionsPerHost``. Redirects are not followed (a 3xx is a
/// response). Proxies follow libcurl's defaults: `http_proxy`, `https_proxy` and `no_proxy` from
/// the environment apply. Create one client per process (or per very different configuration)
/// and call ``shutdown()`` when done.
public final class HTTPClient: Sendable {
    private let loop: CurlMultiLoop

    /// Creates a client and starts its libcurl thread.
    ///
    /// Throws ``TransportError`` (kind `.other`) when libcurl cannot be initialised.
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) throws(TransportError) {
        loop = try CurlMultiLoop(configuration: configuration)
    }

    deinit {
        loop.shutdown()
    }

    /// Performs one request and returns the response, whatever its status.
    ///
    /// Throws ``TransportError`` when no response was received: connection failure, timeout, TLS
    /// failure, a body over the size limit, an invalid request, or cancellation of the calling task
    /// (the transfer is then aborted at once) or of the client.
    public func execute(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        if Task.isCancelled {
            throw TransportError(kind: .cancelled, message: "task cancelled before the request started")
        }
        let transfer = try Transfer(request: request, configuration: loop.configuration)
        let loop = self.loop
        let result = await withTaskCancellationHandler {
            await withUnsafeContinuation {
                (continuation: UnsafeContinuation<Result<HTTPResponse, TransportError>, Never>) in
                if transfer.install(continuation) {
                    loop.submit(transfer)
                }
            }
        } onCancel: {
            if transfer.finish(.failure(TransportError(kind: .cancelled, message: "task cancelled"))) {
                loop.cancel(transfer)
            }
        }
        return try result.get()
    }

    /// Stops the client: in-flight and queued requests fail with `.cancelled`, and the libcurl
    /// thread is joined.
    ///
    /// Idempotent; later ``execute(_:)`` calls fail with `.cancelled`. Do not call from inside a
    /// request's completion path on the client's own thread (there is none exposed, so in
    /// practice: any caller is fine).
    public func shutdown() {
        loop.shutdown()
    }
}

// MARK: - Transfer

/// One request's state. The continuation and the `done` flag are guarded by `lock`; the response
/// buffers and the easy handle are touched only by the loop thread (and curl's callbacks on it),
/// which is why the class is `@unchecked Sendable`.
final class Transfer: @unchecked Sendable {
    struct Completion {
        var continuation: UnsafeContinuation<Result<HTTPResponse, TransportError>, Never>?
        var done = false
        var pendingResult: Result<HTTPResponse, TransportError>?
    }

    let lock = Mutex(Completion())

    // Prepared on the calling task, read by the loop thread after hand-over (through the inbox lock).
    let method: String
    let url: String
    let headerLines: [String]
    let body: [UInt8]
    let timeoutMs: Int
    let maxResponseBytes: Int
    let redactions: [String]
    /// GET and HEAD change nothing on the server: libcurl may send them again on a fresh connection.
    let replayable: Bool
    /// ``HTTPClientConfiguration/refusesResends``.
    let refusesResends: Bool
    /// Told when the request is handed to the network (``SendObserver``), on the loop thread.
    let onSend: (@Sendable () -> Void)?

    // Loop-thread only.
    var easy: EasyHandle?
    /// How many times libcurl was about to write this request on a connection (the pre-request callback).
    var sends = 0
    /// libcurl wanted to send the request a second time and was stopped (see ``prereqCallback``).
    var refusedResend = false
    var headerList: UnsafeMutablePointer<curl_slist>?
    var responseHeaders = HTTPHeaders()
    var responseBody: [UInt8] = []
    var tooLarge = false

    init(request: HTTPRequest, configuration: HTTPClientConfiguration) throws(TransportError) {
        guard !request.method.isEmpty, request.method.utf8.allSatisfy(isTokenByte) else {
            throw TransportError(kind: .invalidRequest, message: "invalid HTTP method")
        }
        guard !request.url.isEmpty, !request.url.utf8.contains(where: { $0 < 0x21 || $0 == 0x7F }) else {
            throw TransportError(kind: .invalidRequest, message: "malformed URL")
        }
        var lines: [String] = []
        lines.reserveCapacity(request.headers.count + 1)
        var hasExpect = false
        for (name, value) in request.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte),
                !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 })
            else {
                throw TransportError(kind: .invalidRequest, message: "invalid header field \"\(name.prefix(64))\"")
            }
            if asciiCaseInsensitiveEquals(name, "Expect") { hasExpect = true }
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            // "Name:" would make libcurl drop the header; "Name;" sends it with an empty value.
            lines.append(trimmed.isEmpty ? "\(name);" : "\(name): \(trimmed)")
        }
        if !hasExpect { lines.append("Expect:") }
        method = request.method
        url = request.url
        headerLines = lines
        body = request.body
        timeoutMs = (request.timeout ?? configuration.timeout).curlMilliseconds
        maxResponseBytes = max(0, configuration.maxResponseBytes)
        redactions = userinfoRedactions(of: request.url)
        replayable = request.method == "GET" || request.method == "HEAD"
        refusesResends = configuration.refusesResends
        onSend = SendObserver.current?.notify
    }

    /// Stores the continuation; false (and the continuation resumed) if the transfer already finished
    /// (cancelled before it started).
    func install(_ continuation: UnsafeContinuation<Result<HTTPResponse, TransportError>, Never>) -> Bool {
        let early: Result<HTTPResponse, TransportError>? = lock.withLock { state in
            if state.done { return state.pendingResult }
            state.continuation = continuation
            return nil
        }
        if let early {
            continuation.resume(returning: early)
            return false
        }
        return true
    }

    /// Completes the transfer once; later calls are ignored. Returns whether this call completed it.
    @discardableResult
    func finish(_ result: Result<HTTPResponse, TransportError>) -> Bool {
        let (first, continuation) = lock.withLock { state in
            if state.done { return (false, nil as UnsafeContinuation<Result<HTTPResponse, TransportError>, Never>?) }
            state.done = true
            let c = state.continuation
            state.continuation = nil
            if c == nil { state.pendingResult = result }
            return (true, c)
        }
        continuation?.resume(returning: result)
        return first
    }

    var isDone: Bool { lock.withLock { $0.done } }

    func redact(_ message: String) -> String {
        var text = message
        for secret in redactions where !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "***")
        }
        return text
    }
}

private func isTokenByte(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    default:
        return "!#$%&'*+-.^_`|~".utf8.contains(b)
    }
}

/// The userinfo of a URL, and its user and password parts raw and percent-decoded: strings that
/// must never reach an error message.
private func userinfoRedactions(of url: String) -> [String] {
    guard let schemeEnd = url.range(of: "://") else { return [] }
    let rest = url[schemeEnd.upperBound...]
    let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    guard let at = authority.lastIndex(of: "@") else { return [] }
    let userinfo = String(authority[..<at])
    var out = [userinfo]
    for part in userinfo.split(separator: ":", maxSplits: 1) {
        out.append(String(part))
        if let decoded = String(part).removingPercentEncoding { out.append(decoded) }
    }
    // Longest first, so the whole userinfo is replaced before its parts.
    return out.filter { $0.count >= 1 }.sorted { $0.count > $1.count }
}

// MARK: - Easy handles

/// A pooled easy handle and its error buffer. Loop-thread only.
final class EasyHandle {
    let handle: UnsafeMutableRawPointer
    let errorBuffer: UnsafeMutablePointer<CChar>

    init?() {
        guard let h = curl_easy_init() else { return nil }
        handle = h
        errorBuffer = .allocate(capacity: Int(ccurl_error_size()))
        errorBuffer.initialize(repeating: 0, count: Int(ccurl_error_size()))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }
}

// MARK: - curl callbacks (kept in a normal file as plain functions: @convention(c), no isolation)

private func writeCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let n = size * count
    guard n > 0, let data else { return n }
    if transfer.responseBody.count + n > transfer.maxResponseBytes {
        transfer.tooLarge = true
        return 0  // → CURLE_WRITE_ERROR, mapped to .tooLarge
    }
    UnsafeRawPointer(data).withMemoryRebound(to: UInt8.self, capacity: n) { bytes in
        transfer.responseBody.append(contentsOf: UnsafeBufferPointer(start: bytes, count: n))
    }
    return n
}

private func headerCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let n = size * count
    guard n > 0, let data else { return n }
    let bytes = UnsafeRawBufferPointer(start: data, count: n)
    var end = n
    while end > 0 && (bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D) { end -= 1 }
    guard end > 0 else { return n }  // the blank line ending a header block
    let line = UnsafeRawBufferPointer(rebasing: bytes[0..<end])
    if line.count >= 5 && line[0] == 0x48 && line[1] == 0x54 && line[2] == 0x54 && line[3] == 0x50
        && line[4] == 0x2F
    {
        // "HTTP/": a new status line (after 100 Continue, or a redirect): keep only the final response's headers.
        transfer.responseHeaders = HTTPHeaders()
        return n
    }
    if line[0] == 0x20 || line[0] == 0x09 {
        // Obsolete line folding: continue the previous value.
        if let last = transfer.responseHeaders.fields.indices.last {
            let more = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            transfer.responseHeaders.fields[last].value += " " + more
        }
        return n
    }
    guard let colon = line.firstIndex(of: 0x3A) else { return n }
    let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<colon]), as: UTF8.self)
    var start = colon + 1
    while start < line.count && (line[start] == 0x20 || line[start] == 0x09) { start += 1 }
    var stop = line.count
    while stop > start && (line[stop - 1] == 0x20 || line[stop - 1] == 0x09) { stop -= 1 }
    let value = String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<stop]), as: UTF8.self)
    transfer.responseHeaders.add(name: name, value: value)
    return n
}

/// CURLOPT_PREREQFUNCTION: libcurl calls it on the connection the request is about to be written to,
/// once per write of the request.
///
/// Why this is where re-sends are stopped: when a reused keep-alive connection dies before any byte of
/// the answer arrives, libcurl (`Curl_retry_request` in lib/transfer.c, up to 5 times) treats the
/// connection as stale, opens a fresh one and sends the same request again — without telling the
/// caller and whatever the method. That is right for a stale idle connection whose request never
/// reached the server, but the server may equally have read the request, acted on it (created the
/// post) and died or closed before answering. libcurl has no option to switch the retry off; the
/// documented ways around it are a fresh connection per request (losing keep-alive) or this callback,
/// which runs again before the re-send: answering CURL_PREREQFUNC_ABORT there ends the transfer with
/// CURLE_ABORTED_BY_CALLBACK before a byte is written, and the caller gets ``TransportError/Kind/answerLost``
/// with ``TransportError/requestSent``. Keep-alive stays on for every request. GET and HEAD, which
/// change nothing, keep libcurl's retry.
private func prereqCallback(
    _ context: UnsafeMutableRawPointer?, _ primaryIP: UnsafeMutablePointer<CChar>?,
    _ localIP: UnsafeMutablePointer<CChar>?, _ primaryPort: Int32, _ localPort: Int32
) -> Int32 {
    guard let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    if transfer.sends > 0 && !transfer.replayable && transfer.refusesResends {
        transfer.refusedResend = true
        return 1  // CURL_PREREQFUNC_ABORT
    }
    transfer.sends += 1
    if transfer.sends == 1 && !transfer.replayable { transfer.onSend?() }
    return 0  // CURL_PREREQFUNC_OK
}

// MARK: - The multi loop

/// A CURLM pointer that other threads may use only for curl_multi_wakeup (documented thread-safe).
struct MultiHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}

/// Owns the CURLM and the thread that drives it.
final class CurlMultiLoop: Sendable {
    struct Inbox {
        var submitted: [Transfer] = []
        var cancelled: [Transfer] = []
        var stopping = false
        var stopped = false
    }

    let configuration: HTTPClientConfiguration
    private let multi: MultiHandle
    private let inbox = Mutex(Inbox())
    /// The thread to join; nil once joined. Held while joining so concurrent shutdowns wait.
    private let thread: Mutex<pthread_t?>

    init(configuration: HTTPClientConfiguration) throws(TransportError) {
        guard curlGlobalInitResult == 0 else {
            throw TransportError(kind: .other, curlCode: curlGlobalInitResult, message: "curl_global_init failed")
        }
        guard let m = curl_multi_init() else {
            throw TransportError(kind: .other, message: "curl_multi_init failed")
        }
        self.configuration = configuration
        multi = MultiHandle(pointer: m)
        _ = ccurl_multi_setopt_long(m, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, configuration.maxConnectionsPerHost))
        // Keep enough idle connections cached for several hosts at full concurrency.
        _ = ccurl_multi_setopt_long(m, CURLMOPT_MAXCONNECTS, max(16, configuration.maxConnectionsPerHost * 4))
        thread = Mutex(nil)

        let state = LoopState(multi: m, configuration: configuration)
        let context = Unmanaged.passRetained(ThreadContext(loop: self, state: state)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(
            &tid, nil,
            { raw in
                let context = Unmanaged<ThreadContext>.fromOpaque(raw!).takeRetainedValue()
                ccurl_set_current_thread_name("cchc-curl")
                context.loop.run(context.state)
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<ThreadContext>.fromOpaque(context).release()
            curl_multi_cleanup(m)
            throw TransportError(kind: .other, message: "could not start the transport thread (errno \(rc))")
        }
        thread.withLock { $0 = tid }
    }

    /// Hands a transfer to the loop thread, or fails it if the client has shut down.
    func submit(_ transfer: Transfer) {
        let accepted = inbox.withLock { inbox in
            guard !inbox.stopping else { return false }
            inbox.submitted.append(transfer)
            // Wake the thread only if it may be asleep with nothing queued; it drains the whole inbox.
            // Called under the lock so it never races curl_multi_cleanup at shutdown.
            if inbox.submitted.count == 1 && inbox.cancelled.isEmpty { curl_multi_wakeup(multi.pointer) }
            return true
        }
        if !accepted {
            transfer.finish(.failure(TransportError(kind: .cancelled, message: "the HTTP client has shut down")))
        }
    }

    /// Asks the loop thread to abort a transfer whose continuation has already been resumed.
    func cancel(_ transfer: Transfer) {
        inbox.withLock { inbox in
            guard !inbox.stopping else { return }
            inbox.cancelled.append(transfer)
            if inbox.cancelled.count == 1 && inbox.submitted.isEmpty { curl_multi_wakeup(multi.pointer) }
        }
    }

    func shutdown() {
        inbox.withLock { inbox in
            guard !inbox.stopping else { return }
            inbox.stopping = true
            curl_multi_wakeup(multi.pointer)
        }
        thread.withLock { tid in
            guard let t = tid else { return }
            if pthread_equal(t, pthread_self()) != 0 { return }  // never join ourselves
            pthread_join(t, nil)
            tid = nil
        }
    }

    /// The thread body: everything curl happens here.
    fileprivate func run(_ state: LoopState) {
        transportLogger.debug("transport thread started")
        var running: Int32 = 0
        while true {
            let (submitted, cancelled, stopping) = inbox.withLock { inbox in
                defer {
                    inbox.submitted.removeAll(keepingCapacity: true)
                    inbox.cancelled.removeAll(keepingCapacity: true)
                }
                return (inbox.submitted, inbox.cancelled, inbox.stopping)
            }
            if stopping {
                for transfer in submitted {
                    transfer.finish(
                        .failure(TransportError(kind: .cancelled, message: "the HTTP client has shut down")))
                }
                break
            }
            for transfer in cancelled { state.abort(transfer) }
            for transfer in submitted { state.start(transfer) }

            let mc = curl_multi_perform(multi.pointer, &running)
            if mc != CURLM_OK {
                transportLogger.error("curl_multi_perform failed", metadata: ["code": "\(mc.rawValue)"])
            }
            state.collectCompleted()
            let pc = curl_multi_poll(multi.pointer, nil, 0, 1000, nil)
            if pc != CURLM_OK {
                transportLogger.error("curl_multi_poll failed", metadata: ["code": "\(pc.rawValue)"])
            }
        }
        state.failAll()
        // Nobody can call curl_multi_wakeup any more: `stopping` was set under the inbox lock.
        inbox.withLock { $0.stopped = true }
        state.cleanup()
        transportLogger.debug("transport thread stopped")
    }
}

private final class ThreadContext {
    let loop: CurlMultiLoop
    let state: LoopState

    init(loop: CurlMultiLoop, state: LoopState) {
        self.loop = loop
        self.state = state
    }
}

/// The loop thread's own state: the multi handle's transfers and the easy-handle pool.
private final class LoopState {
    let multi: UnsafeMutableRawPointer
    let configuration: HTTPClientConfiguration
    var active: [ObjectIdentifier: Transfer] = [:]
    var pool: [EasyHandle] = []
    let maxPool = 256

    init(multi: UnsafeMutableRawPointer, configuration: HTTPClientConfiguration) {
        self.multi = multi
        self.configuration = configuration
    }

    func start(_ transfer: Transfer) {
        if transfer.isDone { return }  // cancelled while queued
        guard let easy = pool.popLast() ?? EasyHandle() else {
            transfer.finish(.failure(TransportError(kind: .other, message: "curl_easy_init failed")))
            return
        }
        let code = configure(easy, for: transfer)
        guard code == CURLE_OK else {
            release(transfer, easy: easy, inMulti: false)
            transfer.finish(.failure(error(for: code, transfer: transfer, easy: easy)))
            return
        }
        transfer.easy = easy
        let mc = curl_multi_add_handle(multi, easy.handle)
        guard mc == CURLM_OK else {
            release(transfer, easy: easy, inMulti: false)
            transfer.finish(
                .failure(TransportError(kind: .other, message: "curl_multi_add_handle failed (\(mc.rawValue))")))
            return
        }
        active[ObjectIdentifier(transfer)] = transfer
    }

    private func configure(_ easy: EasyHandle, for transfer: Transfer) -> CURLcode {
        let h = easy.handle
        curl_easy_reset(h)
        easy.errorBuffer[0] = 0
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        var code = ccurl_easy_setopt_pointer(h, CURLOPT_ERRORBUFFER, easy.errorBuffer)
        func set(_ c: CURLcode) { if code == CURLE_OK { code = c } }
        set(ccurl_easy_setopt_string(h, CURLOPT_URL, transfer.url))
        set(ccurl_easy_setopt_string(h, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(ccurl_easy_setopt_long(h, CURLOPT_NOSIGNAL, 1))
        set(ccurl_easy_setopt_long(h, CURLOPT_FOLLOWLOCATION, 0))
        set(ccurl_easy_setopt_long(h, CURLOPT_TCP_NODELAY, 1))
        set(ccurl_easy_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.curlMilliseconds))
        set(ccurl_easy_setopt_long(h, CURLOPT_TIMEOUT_MS, transfer.timeoutMs))
        set(ccurl_easy_setopt_off_t(h, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(transfer.maxResponseBytes)))
        set(ccurl_easy_setopt_string(h, CURLOPT_USERAGENT, configuration.userAgent))
        set(ccurl_easy_setopt_long(h, CURLOPT_SSL_VERIFYPEER, configuration.verifyTLS ? 1 : 0))
        set(ccurl_easy_setopt_long(h, CURLOPT_SSL_VERIFYHOST, configuration.verifyTLS ? 2 : 0))
        if let caFile = configuration.caFile { set(ccurl_easy_setopt_string(h, CURLOPT_CAINFO, caFile)) }
        if let caPath = configuration.caPath { set(ccurl_easy_setopt_string(h, CURLOPT_CAPATH, caPath)) }
        set(ccurl_easy_setopt_write_callback(h, writeCallback))
        set(ccurl_easy_setopt_pointer(h, CURLOPT_WRITEDATA, context))
        set(ccurl_easy_setopt_header_callback(h, headerCallback))
        set(ccurl_easy_setopt_pointer(h, CURLOPT_HEADERDATA, context))
        set(ccurl_easy_setopt_pointer(h, CURLOPT_PRIVATE, context))
        set(ccurl_easy_setopt_prereq_callback(h, prereqCallback, context))

        let method = transfer.method
        let sendsBody = !transfer.body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH"
        if method == "HEAD" && transfer.body.isEmpty {
            set(ccurl_easy_setopt_long(h, CURLOPT_NOBODY, 1))
        } else if sendsBody {
            set(ccurl_easy_setopt_long(h, CURLOPT_POST, 1))
            set(ccurl_easy_setopt_off_t(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(transfer.body.count)))
            transfer.body.withUnsafeBufferPointer { buffer in
                // COPYPOSTFIELDS copies POSTFIELDSIZE bytes now; an empty body still needs a valid pointer.
                if let base = buffer.baseAddress {
                    set(ccurl_easy_setopt_pointer(h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base)))
                } else {
                    set(ccurl_easy_setopt_string(h, CURLOPT_COPYPOSTFIELDS, ""))
                }
            }
            if method != "POST" { set(ccurl_easy_setopt_string(h, CURLOPT_CUSTOMREQUEST, method)) }
        } else {
            set(ccurl_easy_setopt_long(h, CURLOPT_HTTPGET, 1))
            if method != "GET" { set(ccurl_easy_setopt_string(h, CURLOPT_CUSTOMREQUEST, method)) }
        }

        var list: UnsafeMutablePointer<curl_slist>? = nil
        for line in transfer.headerLines {
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                return CURLE_OUT_OF_MEMORY
            }
            list = appended
        }
        transfer.headerList = list
        set(ccurl_easy_setopt_slist(h, CURLOPT_HTTPHEADER, list))
        return code
    }

    /// Aborts a transfer that was cancelled by its task (its continuation has been resumed).
    func abort(_ transfer: Transfer) {
        guard active.removeValue(forKey: ObjectIdentifier(transfer)) != nil, let easy = transfer.easy else { return }
        release(transfer, easy: easy, inMulti: true)
    }

    func collectCompleted() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            let code = ccurl_msg_result(message)
            var raw: UnsafeMutableRawPointer? = nil
            _ = ccurl_easy_getinfo_pointer(handle, CURLINFO_PRIVATE, &raw)
            guard let raw else {
                curl_multi_remove_handle(multi, handle)
                continue
            }
            let transfer = Unmanaged<Transfer>.fromOpaque(raw).takeUnretainedValue()
            guard let easy = transfer.easy, active.removeValue(forKey: ObjectIdentifier(transfer)) != nil else {
                curl_multi_remove_handle(multi, handle)
                continue
            }
            let result: Result<HTTPResponse, TransportError>
            if code == CURLE_OK {
                var status = 0
                _ = ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
                result = .success(
                    HTTPResponse(status: status, headers: transfer.responseHeaders, body: transfer.responseBody))
            } else {
                result = .failure(error(for: code, transfer: transfer, easy: easy))
            }
            release(transfer, easy: easy, inMulti: true)
            transfer.finish(result)
        }
    }

    /// Fails every active transfer with `.cancelled` (shutdown).
    func failAll() {
        for transfer in active.values {
            if let easy = transfer.easy { release(transfer, easy: easy, inMulti: true) }
            transfer.finish(.failure(TransportError(kind: .cancelled, message: "the HTTP client has shut down")))
        }
        active.removeAll()
    }

    func cleanup() {
        pool.removeAll()  // curl_easy_cleanup in EasyHandle.deinit
        curl_multi_cleanup(multi)
    }

    private func release(_ transfer: Transfer, easy: EasyHandle, inMulti: Bool) {
        if inMulti { curl_multi_remove_handle(multi, easy.handle) }
        transfer.easy = nil
        if let list = transfer.headerList {
            curl_slist_free_all(list)
            transfer.headerList = nil
        }
        // Free the response buffers early: the result has been copied out (or is discarded).
        if pool.count < maxPool {
            // Drop references to the transfer from the handle before pooling it.
            _ = ccurl_easy_setopt_pointer(easy.handle, CURLOPT_PRIVATE, nil)
            pool.append(easy)
        }
    }

    private func error(for code: CURLcode, transfer: Transfer, easy: EasyHandle) -> TransportError {
        var message = String(cString: easy.errorBuffer)
        if message.isEmpty { message = String(cString: curl_easy_strerror(code)) }
        message = transfer.redact(message)
        let kind: TransportError.Kind
        switch code {
        case CURLE_ABORTED_BY_CALLBACK where transfer.refusedResend:
            kind = .answerLost
            message =
                "the connection closed after the request was sent and before any answer "
                + "(the server may have acted on it; not sent again)"
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            kind = .connect
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_INITFAILED,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            kind = .tls
        case CURLE_WRITE_ERROR where transfer.tooLarge:
            kind = .tooLarge
            message = "response body exceeds \(transfer.maxResponseBytes) bytes"
        case CURLE_FILESIZE_EXCEEDED:
            kind = .tooLarge
            message = "response body exceeds \(transfer.maxResponseBytes) bytes"
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            kind = .invalidRequest
        case CURLE_GOT_NOTHING, CURLE_WEIRD_SERVER_REPLY, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
            CURLE_BAD_CONTENT_ENCODING, CURLE_HTTP3, CURLE_TOO_MANY_REDIRECTS:
            kind = .protocolError
        case CURLE_ABORTED_BY_CALLBACK:
            kind = .cancelled
        default:
            kind = .other
        }
        return TransportError(
            kind: kind, curlCode: Int(code.rawValue), message: message, requestSent: transfer.sends > 0)
    }
}
