// The thread that drives libcurl's multi interface: hand-over inbox, wake-ups, completions.

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
final class LoopState {
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

    func release(_ transfer: Transfer, easy: EasyHandle, inMulti: Bool) {
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
}
