// Value types of the HTTP client: headers, request, response, configuration and errors.

import Foundation

/// Ordered HTTP header fields with case-insensitive lookup.
///
/// Keeps every field in the order added (repeated names allowed, as on the wire). Lookups compare
/// names ASCII-case-insensitively; equality and hashing compare the exact pairs in order.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    struct Field: Sendable, Hashable {
        var name: String
        var value: String
    }

    var fields: [Field]

    /// Creates headers from `(name, value)` pairs, in order.
    ///
    /// Names are kept as given; duplicates are kept.
    public init(_ pairs: [(String, String)] = []) {
        fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    /// Creates headers from a literal such as `["Accept": "application/json"]`, in order.
    ///
    /// Equivalent to `init(_:)` with the literal's pairs.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// Appends a field, keeping any existing fields of the same name.
    ///
    /// Use ``replaceOrAdd(name:value:)`` to set a single value.
    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every field named `name` (case-insensitively) with one field, or appends it.
    ///
    /// The new field takes the place of the first match.
    public mutating func replaceOrAdd(name: String, value: String) {
        if let first = fields.firstIndex(where: { asciiCaseInsensitiveEquals($0.name, name) }) {
            fields[first] = Field(name: name, value: value)
            var i = fields.count - 1
            while i > first {
                if asciiCaseInsensitiveEquals(fields[i].name, name) { fields.remove(at: i) }
                i -= 1
            }
        } else {
            add(name: name, value: value)
        }
    }

    /// Removes every field named `name` (case-insensitively).
    ///
    /// Does nothing when there is none.
    public mutating func remove(name: String) {
        fields.removeAll { asciiCaseInsensitiveEquals($0.name, name) }
    }

    /// The first value of the field `name`, compared case-insensitively.
    ///
    /// Nil when absent.
    public subscript(name: String) -> String? {
        fields.first { asciiCaseInsensitiveEquals($0.name, name) }?.value
    }

    /// Every value of the field `name`, compared case-insensitively, in order.
    ///
    /// Empty when absent.
    public func values(_ name: String) -> [String] {
        fields.compactMap { asciiCaseInsensitiveEquals($0.name, name) ? $0.value : nil }
    }

    /// Whether a field named `name` (case-insensitively) is present.
    ///
    /// Same as `self[name] != nil`.
    public func contains(_ name: String) -> Bool {
        fields.contains { asciiCaseInsensitiveEquals($0.name, name) }
    }

    /// The number of fields.
    ///
    /// Repeated names count once per field.
    public var count: Int { fields.count }

    /// Whether there are no fields.
    ///
    /// Same as `count == 0`.
    public var isEmpty: Bool { fields.isEmpty }

    /// Iterates the fields in order as `(name:, value:)`.
    ///
    /// Produced by ``HTTPHeaders/makeIterator()``.
    public struct Iterator: IteratorProtocol {
        var base: IndexingIterator<[Field]>

        /// The next field, or nil at the end.
        ///
        /// Fields come in the order they were added.
        public mutating func next() -> (name: String, value: String)? {
            guard let field = base.next() else { return nil }
            return (field.name, field.value)
        }
    }

    /// An iterator over the fields in order.
    ///
    /// Each element is a `(name:, value:)` pair.
    public func makeIterator() -> Iterator { Iterator(base: fields.makeIterator()) }
}

/// ASCII case-insensitive string equality without allocating (header names are ASCII tokens).
@inline(__always)
func asciiCaseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
    var a = a
    var b = b
    return a.withUTF8 { ua in
        b.withUTF8 { ub in
            guard ua.count == ub.count else { return false }
            for i in 0..<ua.count {
                var x = ua[i]
                var y = ub[i]
                if x != y {
                    if x >= 65 && x <= 90 { x |= 0x20 }
                    if y >= 65 && y <= 90 { y |= 0x20 }
                    if x != y { return false }
                }
            }
            return true
        }
    }
}

/// An HTTP request for ``HTTPClient/execute(_:)``.
///
/// `Content-Length` is computed from `body`; `Expect: 100-continue` is never sent. Headers given
/// here override the client's defaults (e.g. `User-Agent`).
public struct HTTPRequest: Sendable {
    /// The method, e.g. `"GET"`, `"POST"`, `"DELETE"`.
    public var method: String
    /// The absolute `http://` or `https://` URL. Userinfo (`user:pass@`) is sent as Basic auth by
    /// libcurl and never appears in error messages.
    public var url: String
    /// Request header fields, in order.
    public var headers: HTTPHeaders
    /// The request body; empty means none (POST/PUT/PATCH then send `Content-Length: 0`).
    public var body: [UInt8]
    /// Overrides the client's total timeout for this request.
    public var timeout: Duration?

    /// Creates a request.
    ///
    /// Defaults to a GET with no headers, no body and the client's timeout.
    public init(
        method: String = "GET", url: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
        timeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// An HTTP response: any status, including 4xx and 5xx, is a response rather than an error.
///
/// Headers are those of the final response only (never of a `100 Continue` or earlier response).
public struct HTTPResponse: Sendable {
    /// The status code, e.g. 200 or 404.
    public var status: Int
    /// The final response's header fields, in order.
    public var headers: HTTPHeaders
    /// The response body as received (no content decoding is requested).
    public var body: [UInt8]

    /// Creates a response (the client does this; tests and fakes may too).
    ///
    /// Defaults to no headers and an empty body.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body decoded as UTF-8; invalid sequences become U+FFFD.
    ///
    /// Computed on each access.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The wait the server asks for in `Retry-After`, relative to `now`.
    ///
    /// Accepts delta-seconds (`120`) and an HTTP-date (IMF-fixdate, plus the obsolete RFC 850 and
    /// asctime forms that RFC 9110 requires recipients to accept). Nil when the header is absent or
    /// invalid; a date in the past gives zero, never a negative duration.
    public func retryAfter(now: Date = Date()) -> Duration? {
        guard let raw = headers["Retry-After"] else { return nil }
        let value = raw.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return nil }
        if value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            // Cap absurd values instead of overflowing.
            guard let seconds = Int64(value.prefix(12)) else { return nil }
            return .seconds(seconds)
        }
        guard let date = HTTPDate.parse(value) else { return nil }
        let delta = date.timeIntervalSince(now)
        if delta <= 0 { return .zero }
        return .milliseconds(Int64((delta * 1000).rounded(.up)))
    }
}

/// Settings of an ``HTTPClient``.
///
/// TLS peer and host verification are on unless ``verifyTLS`` is set to false. Proxies follow
/// libcurl's defaults: `http_proxy`, `https_proxy` and `no_proxy` are read from the environment.
public struct HTTPClientConfiguration: Sendable {
    /// Time allowed to establish a connection (TCP + TLS), CURLOPT_CONNECTTIMEOUT_MS.
    public var connectTimeout: Duration = .seconds(10)
    /// Total time allowed per request, CURLOPT_TIMEOUT_MS; ``HTTPRequest/timeout`` overrides it.
    public var timeout: Duration = .seconds(60)
    /// Largest response body accepted; larger bodies fail with ``TransportError/Kind/tooLarge``.
    public var maxResponseBytes: Int = 8 * 1024 * 1024
    /// A CA bundle file (CURLOPT_CAINFO); nil uses libcurl's default.
    public var caFile: String? = nil
    /// A directory of CA certificates (CURLOPT_CAPATH); nil uses libcurl's default.
    public var caPath: String? = nil
    /// Verify the server's certificate and host name. Only turn off for tests against self-signed servers.
    public var verifyTLS: Bool = true
    /// Most connections open to one host at a time; further requests wait for a free connection.
    public var maxConnectionsPerHost: Int = 32
    /// The `User-Agent` sent unless the request sets its own.
    public var userAgent: String = "cchc-dispatch/0.1"
    /// Stops libcurl from sending a request that can change something a second time on a fresh
    /// connection when a reused one died before the answer (see `prereqCallback` in HTTPClient.swift).
    /// Always on in `cchcd` and `cchc`; `cchc-bench dispatch` turns it off once to measure its cost.
    public var refusesResends: Bool = true

    /// The defaults above.
    ///
    /// Change fields after creating it.
    public init() {}
}

/// A request that produced no HTTP response.
///
/// ``kind`` classifies the failure for retry decisions; ``message`` is libcurl's error text with
/// any URL userinfo removed.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of a transport failure.
    ///
    /// Raw values are stable and suitable for logs.
    public enum Kind: String, Sendable {
        /// The host could not be resolved or the TCP connection failed.
        case connect
        /// The connect or total timeout expired.
        case timeout
        /// TLS handshake or certificate verification failed.
        case tls
        /// The response body exceeded ``HTTPClientConfiguration/maxResponseBytes``.
        case tooLarge = "too-large"
        /// The calling task was cancelled or the client shut down.
        case cancelled
        /// The request itself is invalid (malformed URL, unsupported scheme, bad method or header).
        case invalidRequest = "invalid-request"
        /// The server broke HTTP (empty reply, malformed response, truncated body).
        case protocolError = "protocol"
        /// Anything else (I/O errors mid-transfer, out of memory, ...).
        case other
        /// The connection closed after the request was written and before any byte of an answer. The
        /// server may or may not have acted on it; the client did not send it again (see
        /// ``TransportError/requestSent``).
        case answerLost = "answer-lost"
    }

    /// The class of failure.
    public var kind: Kind
    /// The CURLcode, 0 if the error did not come from libcurl.
    public var curlCode: Int
    /// libcurl's error text; never contains URL userinfo or passwords.
    public var message: String
    /// Whether the request was handed to the network before the failure: false for a failed connect
    /// or TLS handshake (the server cannot have seen it), true once libcurl began writing it. With a
    /// timeout, a lost answer or a broken reply, a true value means the outcome is unknown.
    public var requestSent: Bool

    /// Creates an error.
    ///
    /// The client creates these; fakes and tests may too.
    public init(kind: Kind, curlCode: Int = 0, message: String, requestSent: Bool = false) {
        self.kind = kind
        self.curlCode = curlCode
        self.message = message
        self.requestSent = requestSent
    }

    /// The request may have taken effect on the server though no answer says so: it was sent, and then
    /// the answer was lost, late or broken.
    public var outcomeUnknown: Bool {
        guard requestSent else { return false }
        switch kind {
        case .timeout, .answerLost, .protocolError, .other, .cancelled: return true
        case .connect, .tls, .tooLarge, .invalidRequest: return false
        }
    }

    /// `"<kind>: <message> (curl <code>)"`.
    ///
    /// Safe to log: contains no credentials.
    public var description: String {
        curlCode == 0 ? "\(kind.rawValue): \(message)" : "\(kind.rawValue): \(message) (curl \(curlCode))"
    }
}

extension Duration {
    /// Whole milliseconds, at least 1 (libcurl reads 0 as "no timeout"), saturating.
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 1 }
        if seconds > Int64(Int.max / 1000 - 1) { return Int.max / 1000 }
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}

/// Who is told when a request is handed to the network: a task-local hook, set around a unit of work
/// (the engine sets it around one delivery's publish) and captured by each request made inside it.
/// ``notify`` is called once per request that can change something (not GET/HEAD), on the transport's
/// thread, right before the request is written: keep it short and non-blocking (the engine appends a line
/// to a file).
///
/// A class rather than a bare closure in the task-local: bound as a closure value, the optimised build
/// crashed in `swift_task_localValuePush` (the value's type metadata came through as null).
public final class SendObserver: Sendable {
    public let notify: @Sendable () -> Void

    public init(_ notify: @escaping @Sendable () -> Void) { self.notify = notify }

    @TaskLocal public static var current: SendObserver?
}
