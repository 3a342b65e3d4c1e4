// One request's state between the calling task and the loop thread, and the request checks made
// before it is handed over.

import CCurl
import CCurlShims
import Foundation
import Logging
import Synchronization

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
