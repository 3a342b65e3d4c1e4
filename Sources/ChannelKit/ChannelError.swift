/// A channel failure. The set of classes is open (like NIO's error structs): `errorClass` is a short,
/// stable word safe for metric labels and the delivery log's `error_class`; `message` is for people.
public struct ChannelError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Class: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Could not connect, connection reset, DNS failure.
        public static let network = Class("network")
        /// The remote side took too long.
        public static let timeout = Class("timeout")
        /// TLS handshake or certificate verification failed.
        public static let tls = Class("tls")
        /// The remote side asked us to slow down (429, throttling codes).
        public static let throttled = Class("throttled")
        /// The remote side failed (5xx).
        public static let server = Class("server")
        /// Credentials were refused (401, expired tokens).
        public static let auth = Class("auth")
        /// We may not do this (403, missing permissions).
        public static let forbidden = Class("forbidden")
        /// The content was refused (4xx other than the above).
        public static let rejected = Class("rejected")
        /// The response could not be understood.
        public static let badResponse = Class("bad-response")
        /// A local problem (file not writable, program not found).
        public static let local = Class("local")
        /// The channel's configuration is wrong.
        public static let config = Class("config")
        /// The operation is not supported by this channel.
        public static let unsupported = Class("unsupported")
        /// The send was cancelled (shutdown).
        public static let cancelled = Class("cancelled")
        /// The request was sent and its answer was lost, late or broken: the remote side may have acted on
        /// it. The engine waits the channel's `settle` time before the next attempt, which an idempotent
        /// channel starts by looking for what the lost one did; on a channel that cannot look, the
        /// delivery becomes `uncertain` for a person to resolve.
        public static let uncertain = Class("uncertain")
        /// The platform's own schedule holds the send back (Zalo refuses broadcasts between 22:00 and
        /// 06:00): not a failure, so circuit breakers do not count it.
        public static let quietHours = Class("quiet-hours")
    }

    public var errorClass: Class
    public var message: String
    /// The HTTP status or protocol reply code, when there was one.
    public var code: Int?
    /// The channel cannot work until an operator acts (a page token expired or was revoked, a refresh
    /// token was refused for good): retrying any delivery before that only burns its retries. The
    /// engine fails the delivery that met it, then starts no send on the channel until the daemon's
    /// configuration is reloaded, and shows `message` to operators (log, `/status`) — so write it for
    /// them, saying what to do ("page token expired — replace the secret and reload"). Deliveries that
    /// fail this way while the channel is already halted wait instead of failing.
    public var haltsChannel: Bool

    public init(_ errorClass: Class, _ message: String, code: Int? = nil, haltsChannel: Bool = false) {
        self.errorClass = errorClass
        self.message = message
        self.code = code
        self.haltsChannel = haltsChannel
    }

    public var description: String {
        if let code { return "\(errorClass) (\(code)): \(message)" }
        return "\(errorClass): \(message)"
    }
}
