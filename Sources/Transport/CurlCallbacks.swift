// libcurl's C callbacks for a transfer: plain functions (@convention(c), no isolation), kept out of
// main.swift-like files where Swift 6 would isolate them.

import CCurl
import CCurlShims
import Foundation
import Logging
import Synchronization

func writeCallback(
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

func headerCallback(
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
func prereqCallback(
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
