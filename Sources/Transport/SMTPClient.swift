// SMTP over libcurl: one connection sends one message per recipient, one after the other.
//
// Written by hand because no Swift SMTP client in the project's package set runs over libcurl, and the
// project requires libcurl for the network (TLS and CA handling as operators know them from curl).
// libcurl's SMTP is driven with the easy interface: curl_easy_perform blocks, so every transfer runs on
// the connection's own serial DispatchQueue (a GCD worker thread), never on Swift concurrency's
// cooperative threads. Reusing one easy handle keeps the SMTP connection open between messages.

import CCurl
import CCurlShims
import Foundation
import Synchronization

/// How to reach and log in to an SMTP server. Printing it never shows the password.
public struct SMTPConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// `smtps://host:465` (TLS from the first byte) or `smtp://host:587` (STARTTLS, always required).
    /// A path names the EHLO host (`smtp://host:587/mail.example.gov.vn`).
    public var url: String
    public var username: String?
    /// Never printed: ``SMTPConfiguration`` has no description that shows it.
    public var password: String?
    /// A CA bundle file (CURLOPT_CAINFO); nil uses libcurl's default.
    public var caFile: String?
    public var connectTimeout: Duration = .seconds(30)
    /// The longest one message (or one check) may take, connection included.
    public var timeout: Duration = .seconds(120)

    public init(url: String) { self.url = url }

    public var description: String {
        "SMTPConfiguration(url: \(url), username: \(username ?? "-"), password: \(password == nil ? "-" : "<secret>"))"
    }

    public var debugDescription: String { description }
}

/// One SMTP reply: its code and its text (the lines of a multi-line reply joined by spaces).
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    public var text: String

    public init(code: Int, text: String) {
        self.code = code
        self.text = text
    }

    public var description: String { text.isEmpty ? "\(code)" : "\(code) \(text)" }
}

/// Why a message (or a check) did not go through.
public struct SMTPFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where in the SMTP conversation it failed.
    public enum Step: String, Sendable, Hashable {
        case connect
        case greeting
        case ehlo
        case starttls
        case tls
        case auth
        case mailFrom = "mail-from"
        case rcpt
        case data
        case other
    }

    public enum Kind: String, Sendable, Hashable {
        /// Could not connect, or the connection broke.
        case network
        case timeout
        /// TLS failed: handshake, certificate verification, STARTTLS not offered.
        case tls
        /// The server refused the login (`reply` has its answer).
        case auth
        /// The server answered with an error code (`reply`): 4xx temporary, 5xx permanent.
        case refused
        /// Something else went wrong locally (bad URL, out of memory).
        case local
        /// The task was cancelled.
        case cancelled
    }

    public var kind: Kind
    public var step: Step
    /// The server's failing reply, when there was one.
    public var reply: SMTPReply?
    /// libcurl's CURLcode.
    public var curlCode: Int
    /// For people; never contains the password.
    public var message: String

    public init(kind: Kind, step: Step, reply: SMTPReply? = nil, curlCode: Int = 0, message: String) {
        self.kind = kind
        self.step = step
        self.reply = reply
        self.curlCode = curlCode
        self.message = message
    }

    public var description: String { "\(step.rawValue): \(message)" }
}

/// What a successful ``SMTPConnection/check()`` saw.
public struct SMTPCheckReport: Sendable, Hashable {
    /// The server's greeting (220 …).
    public var greeting: SMTPReply?
    /// Whether the conversation went through TLS (smtps, or STARTTLS).
    public var tls: Bool
    /// The server accepted the login (235 …); nil when no username is configured.
    public var auth: SMTPReply?
}

/// One SMTP connection, kept open across the messages of one delivery. Use it from one task at a
/// time; call ``close()`` when done (the server sees the connection end).
public final class SMTPConnection: @unchecked Sendable {
    // @unchecked: the easy handle and the transfer state are only touched on `queue`, one transfer at a
    // time; `cancelled` is atomic.
    private let configuration: SMTPConfiguration
    private let queue: DispatchQueue
    private var handle: UnsafeMutableRawPointer?
    private let errorBuffer: UnsafeMutablePointer<CChar>

    public init(configuration: SMTPConfiguration) throws(SMTPFailure) {
        guard curlGlobalInitResult == 0 else {
            throw SMTPFailure(kind: .local, step: .other, message: "curl_global_init failed")
        }
        guard let h = curl_easy_init() else {
            throw SMTPFailure(kind: .local, step: .other, message: "curl_easy_init failed")
        }
        self.configuration = configuration
        handle = h
        queue = DispatchQueue(label: "cchc.smtp")
        errorBuffer = .allocate(capacity: Int(ccurl_error_size()))
        errorBuffer.initialize(repeating: 0, count: Int(ccurl_error_size()))
    }

    deinit {
        if let handle { curl_easy_cleanup(handle) }
        errorBuffer.deallocate()
    }

    /// Ends the connection (QUIT, on the connection's queue: the caller never waits for the server).
    /// Later sends fail.
    public func close() {
        queue.async {
            if let handle = self.handle { curl_easy_cleanup(handle) }
            self.handle = nil
        }
    }

    /// Sends one message to one recipient: MAIL FROM, RCPT TO, DATA. The message must already have CRLF
    /// line endings and be 7-bit (libcurl never declares 8BITMIME).
    /// - Returns: the server's reply to the message (250 …).
    public func send(from: String, to recipient: String, message: [UInt8]) async throws(SMTPFailure) -> SMTPReply {
        let state = SMTPTransferState(body: message)
        let result = await perform(state) { h, set in
            set(ccurl_easy_setopt_string(h, CURLOPT_MAIL_FROM, "<\(from)>"))
            let rcpt = curl_slist_append(nil, "<\(recipient)>")
            state.recipients = rcpt
            set(ccurl_easy_setopt_slist(h, CURLOPT_MAIL_RCPT, rcpt))
            set(ccurl_easy_setopt_long(h, CURLOPT_UPLOAD, 1))
            set(ccurl_easy_setopt_off_t(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.count)))
            set(ccurl_easy_setopt_read_callback(h, smtpReadCallback))
            set(ccurl_easy_setopt_pointer(h, CURLOPT_READDATA, Unmanaged.passUnretained(state).toOpaque()))
        }
        switch result {
        case .success(let replies):
            return replies.last ?? SMTPReply(code: 250, text: "")
        case .failure(let failure):
            throw failure
        }
    }

    /// Connects, says EHLO, does STARTTLS (smtp://) and AUTH, and stops there: no mail is sent.
    public func check() async throws(SMTPFailure) -> SMTPCheckReport {
        let state = SMTPTransferState(body: [])
        let result = await perform(state) { h, set in
            set(ccurl_easy_setopt_long(h, CURLOPT_CONNECT_ONLY, 1))
        }
        switch result {
        case .success(let replies):
            let auth = configuration.username == nil ? nil : replies.last { $0.code == 235 }
            return SMTPCheckReport(greeting: replies.first, tls: true, auth: auth)
        case .failure(let failure):
            throw failure
        }
    }

    private func perform(
        _ state: SMTPTransferState,
        configure: @escaping @Sendable (UnsafeMutableRawPointer, (CURLcode) -> Void) -> Void
    ) async -> Result<[SMTPReply], SMTPFailure> {
        await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<[SMTPReply], SMTPFailure>, Never>) in
                queue.async {
                    continuation.resume(returning: self.performOnQueue(state, configure: configure))
                }
            }
        } onCancel: {
            state.cancelled.store(true, ordering: .relaxed)
        }
    }

    private func performOnQueue(
        _ state: SMTPTransferState, configure: (UnsafeMutableRawPointer, (CURLcode) -> Void) -> Void
    ) -> Result<[SMTPReply], SMTPFailure> {
        defer {
            if let list = state.recipients { curl_slist_free_all(list) }
            state.recipients = nil
        }
        guard let h = handle else {
            return .failure(SMTPFailure(kind: .local, step: .other, message: "the SMTP connection is closed"))
        }
        if state.cancelled.load(ordering: .relaxed) {
            return .failure(SMTPFailure(kind: .cancelled, step: .other, message: "cancelled before sending"))
        }
        // curl_easy_reset keeps the open connection (it lives in the handle's connection cache).
        curl_easy_reset(h)
        errorBuffer[0] = 0
        let context = Unmanaged.passUnretained(state).toOpaque()
        var code = ccurl_easy_setopt_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer)
        func set(_ c: CURLcode) { if code == CURLE_OK { code = c } }
        let c = configuration
        set(ccurl_easy_setopt_string(h, CURLOPT_URL, c.url))
        set(ccurl_easy_setopt_string(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps"))
        set(ccurl_easy_setopt_long(h, CURLOPT_NOSIGNAL, 1))
        // STARTTLS is required on smtp://: never fall back to plain text.
        set(ccurl_easy_setopt_long(h, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)))
        set(ccurl_easy_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 1))
        set(ccurl_easy_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 2))
        if let caFile = c.caFile { set(ccurl_easy_setopt_string(h, CURLOPT_CAINFO, caFile)) }
        if let user = c.username { set(ccurl_easy_setopt_string(h, CURLOPT_USERNAME, user)) }
        if let password = c.password { set(ccurl_easy_setopt_string(h, CURLOPT_PASSWORD, password)) }
        set(ccurl_easy_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, c.connectTimeout.curlMilliseconds))
        set(ccurl_easy_setopt_long(h, CURLOPT_TIMEOUT_MS, c.timeout.curlMilliseconds))
        set(ccurl_easy_setopt_header_callback(h, smtpReplyCallback))
        set(ccurl_easy_setopt_pointer(h, CURLOPT_HEADERDATA, context))
        set(ccurl_easy_setopt_xferinfo_callback(h, smtpProgressCallback))
        set(ccurl_easy_setopt_pointer(h, CURLOPT_XFERINFODATA, context))
        configure(h, set)
        guard code == CURLE_OK else {
            return .failure(
                SMTPFailure(
                    kind: .local, step: .other, curlCode: Int(code.rawValue),
                    message: "cannot set up the transfer: \(String(cString: curl_easy_strerror(code)))"))
        }
        let result = curl_easy_perform(h)
        let replies = state.replies
        if result == CURLE_OK { return .success(replies) }
        var responseCode = 0
        ccurl_easy_getinfo_long(h, CURLINFO_RESPONSE_CODE, &responseCode)
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(result))
        return .failure(
            Self.failure(
                result, detail: detail, responseCode: responseCode, replies: replies,
                cancelled: state.cancelled.load(
                    ordering: .relaxed)))
    }

    /// Classifies a failed transfer. libcurl's code alone does not tell a temporary refusal from a
    /// permanent one (RCPT 451 and 550 both give CURLE_SEND_ERROR): the reply code does.
    static func failure(
        _ code: CURLcode, detail: String, responseCode: Int, replies: [SMTPReply], cancelled: Bool
    ) -> SMTPFailure {
        let curlCode = Int(code.rawValue)
        // The reply that failed: the last one carrying the code libcurl reports.
        let reply = responseCode >= 400 ? replies.last { $0.code == responseCode } : nil
        let sawStartTLS = replies.contains { $0.code == 220 && $0 != replies.first }
        let sawData = replies.contains { $0.code == 354 }
        switch code {
        case CURLE_ABORTED_BY_CALLBACK where cancelled:
            return SMTPFailure(kind: .cancelled, step: .other, curlCode: curlCode, message: "cancelled")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return SMTPFailure(kind: .network, step: .connect, curlCode: curlCode, message: detail)
        case CURLE_OPERATION_TIMEDOUT:
            return SMTPFailure(
                kind: .timeout, step: replies.isEmpty ? .connect : sawData ? .data : .other, curlCode: curlCode,
                message: detail)
        case CURLE_USE_SSL_FAILED:
            return SMTPFailure(
                kind: .tls, step: .starttls, curlCode: curlCode,
                message: "the server does not offer STARTTLS, which is required (\(detail))")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE:
            return SMTPFailure(kind: .tls, step: .tls, curlCode: curlCode, message: "TLS failed: \(detail)")
        case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR:
            return SMTPFailure(
                kind: .auth, step: .auth, reply: reply ?? replies.last, curlCode: curlCode,
                message: "login refused: \((reply ?? replies.last)?.description ?? detail)")
        case CURLE_SEND_ERROR where reply != nil,
            CURLE_WEIRD_SERVER_REPLY where reply != nil,
            CURLE_RECV_ERROR where reply != nil:
            let step: SMTPFailure.Step
            if detail.hasPrefix("MAIL") {
                step = .mailFrom
            } else if detail.hasPrefix("RCPT") {
                step = .rcpt
            } else if sawData {
                step = .data
            } else if replies.count <= 1 {
                step = .greeting
            } else if sawStartTLS {
                step = .auth
            } else {
                step = .ehlo
            }
            return SMTPFailure(
                kind: .refused, step: step, reply: reply, curlCode: curlCode,
                message: "\(step.rawValue) refused: \(reply!.description)")
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_OUT_OF_MEMORY:
            return SMTPFailure(kind: .local, step: .other, curlCode: curlCode, message: detail)
        default:
            return SMTPFailure(
                kind: .network, step: replies.isEmpty ? .connect : sawData ? .data : .other, curlCode: curlCode,
                message: detail)
        }
    }
}

/// What the curl callbacks of one transfer share. Queue-only, except `cancelled`.
final class SMTPTransferState: @unchecked Sendable {
    let body: [UInt8]
    var offset = 0
    var replies: [SMTPReply] = []
    /// The lines of a multi-line reply read so far (`250-…`).
    var partial: [String] = []
    var recipients: UnsafeMutablePointer<curl_slist>?
    let cancelled = Atomic<Bool>(false)

    init(body: [UInt8]) { self.body = body }
}

// MARK: - curl callbacks (plain functions: @convention(c), no isolation)

private func smtpReadCallback(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let context, let buffer else { return 0 }
    let state = Unmanaged<SMTPTransferState>.fromOpaque(context).takeUnretainedValue()
    let n = min(size * count, state.body.count - state.offset)
    guard n > 0 else { return 0 }
    state.body.withUnsafeBytes { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + state.offset, byteCount: n)
    }
    state.offset += n
    return n
}

/// libcurl hands every SMTP reply line to the header callback.
private func smtpReplyCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let context else { return 0 }
    let n = size * count
    guard n > 0, let data else { return n }
    let state = Unmanaged<SMTPTransferState>.fromOpaque(context).takeUnretainedValue()
    var line = String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
    while line.hasSuffix("\n") || line.hasSuffix("\r") { line.removeLast() }
    let bytes = Array(line.utf8)
    guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else { return n }
    let text = bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : ""
    if bytes.count > 3 && bytes[3] == UInt8(ascii: "-") {
        state.partial.append(text)
    } else {
        let all = (state.partial + [text]).filter { !$0.isEmpty }
        state.partial = []
        state.replies.append(SMTPReply(code: code, text: all.joined(separator: " ")))
    }
    return n
}

private func smtpProgressCallback(
    _ context: UnsafeMutableRawPointer?, _ dltotal: curl_off_t, _ dlnow: curl_off_t, _ ultotal: curl_off_t,
    _ ulnow: curl_off_t
) -> Int32 {
    guard let context else { return 0 }
    let state = Unmanaged<SMTPTransferState>.fromOpaque(context).takeUnretainedValue()
    return state.cancelled.load(ordering: .relaxed) ? 1 : 0
}
