// Easy handles: the pooled libcurl handle and how it is set up for one transfer.

import CCurl
import CCurlShims
import Foundation
import Logging
import Synchronization

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

extension LoopState {
    func configure(_ easy: EasyHandle, for transfer: Transfer) -> CURLcode {
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
}
