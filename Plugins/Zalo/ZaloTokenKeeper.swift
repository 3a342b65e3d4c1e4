import ChannelConfig
import ChannelHTTP
import ChannelKit
import Foundation
import Logging
import Transport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Holds the OA's access token and refreshes it: ahead of expiry, and when Zalo says it is invalid
/// or expired (-216/-220).
///
/// One refresh at a time: the first caller that needs a new token starts the refresh, every other
/// caller (20 concurrent deliveries) awaits that same refresh. Zalo's refresh token is single-use,
/// so two parallel refreshes would make one of them fail and could lose the pair.
///
/// Order of a refresh (what makes a crash at any point safe):
/// 1. POST the stored refresh token to the OAuth endpoint;
/// 2. write the new pair to the token file (atomic, durable) — test hook point `after-refresh-response`
///    comes before this write, `after-token-persist` right after it;
/// 3. only then use the new access token.
actor ZaloTokenKeeper {
    let channel: String
    let appID: String
    let secretKey: Secret
    let oauthURL: String
    let store: ZaloTokenStore
    let http: HTTPClient
    /// Refresh this long before the access token expires.
    let refreshAhead: Duration
    let timeout: Duration?
    let now: @Sendable () -> Date
    let logger: Logger

    private var pair: ZaloTokenPair?
    /// A refreshed pair that could not be written yet: never dropped (Zalo has already spent the old
    /// refresh token), written before anything uses it.
    private var unsaved: ZaloTokenPair?
    private var refreshing: Task<Result<ZaloTokenPair, ZaloStop>, Never>?
    /// A refusal that only an operator can fix: later calls fail at once instead of asking again.
    private var refusal: ZaloStop?
    /// How many refreshes were sent (for `check` and tests).
    private(set) var refreshCount = 0

    init(
        channel: String, appID: String, secretKey: Secret, oauthURL: String, store: ZaloTokenStore,
        http: HTTPClient, refreshAhead: Duration, timeout: Duration?, now: @escaping @Sendable () -> Date,
        logger: Logger
    ) {
        self.channel = channel
        self.appID = appID
        self.secretKey = secretKey
        self.oauthURL = oauthURL
        self.store = store
        self.http = http
        self.refreshAhead = refreshAhead
        self.timeout = timeout
        self.now = now
        self.logger = logger
    }

    /// A usable access token, refreshing first when it expires within ``refreshAhead``.
    func accessToken() async throws(ZaloStop) -> Secret {
        let current = try loadedPair()
        if current.accessExpiresAt.timeIntervalSince(now()) > Double(refreshAhead.components.seconds) {
            return current.accessToken
        }
        return try await refreshed(replacing: current.accessToken).accessToken
    }

    /// Refreshes because Zalo refused `rejected`. When another caller has refreshed meanwhile, returns
    /// the newer token without refreshing again.
    func refresh(replacing rejected: Secret) async throws(ZaloStop) -> Secret {
        try await refreshed(replacing: rejected).accessToken
    }

    private func loadedPair() throws(ZaloStop) -> ZaloTokenPair {
        if let refusal { throw refusal }
        if let unsaved {
            // Persist before use, whatever happened before.
            try persist(unsaved)
            self.unsaved = nil
            pair = unsaved
        }
        if let pair { return pair }
        let loaded: ZaloTokenPair?
        do { loaded = try store.load() } catch {
            throw ZaloStop.failed(ZaloHalt.halting(.config, "\(error.message) — then reload cchcd"))
        }
        guard let loaded else {
            throw ZaloStop.failed(
                ZaloHalt.halting(
                    .auth,
                    "no Zalo tokens stored for \(channel) (\(store.path)) — run `cchc zalo seed-token \(channel)`, then reload cchcd"
                ))
        }
        pair = loaded
        return loaded
    }

    private func refreshed(replacing rejected: Secret) async throws(ZaloStop) -> ZaloTokenPair {
        let current = try loadedPair()
        if current.accessToken != rejected, current.accessExpiresAt.timeIntervalSince(now()) > 0 {
            return current
        }
        let task: Task<Result<ZaloTokenPair, ZaloStop>, Never>
        if let refreshing {
            task = refreshing
        } else {
            let refreshToken = current.refreshToken
            refreshCount += 1
            task = Task { await self.performRefresh(refreshToken) }
            refreshing = task
        }
        let result = await task.value
        if refreshing == task {
            refreshing = nil
            if case .failure(let stop) = result, !stop.isRetry, stop.error.errorClass == .auth { refusal = stop }
        }
        return try result.get()
    }

    private func performRefresh(_ refreshToken: Secret) async -> Result<ZaloTokenPair, ZaloStop> {
        // `cchcd` and `cchc channel check` may refresh at the same time; the token file's lock makes
        // them take turns, and whoever comes second uses the pair the first one saved.
        let lock: ZaloTokenStore.Lock
        do { lock = try await store.lock() } catch {
            return .failure(.retry(ChannelError(.local, error.message)))
        }
        defer { lock.release() }
        if let onDisk = try? store.load(), onDisk.refreshToken != refreshToken,
            onDisk.accessExpiresAt.timeIntervalSince(now()) > Double(refreshAhead.components.seconds)
        {
            pair = onDisk
            return .success(onDisk)
        }
        logger.info("refreshing the Zalo access token")
        let form = [
            ("refresh_token", refreshToken.reveal()), ("app_id", appID), ("grant_type", "refresh_token"),
        ].map { "\(FormEncoding.escape($0.0))=\(FormEncoding.escape($0.1))" }.joined(separator: "&")
        let request = HTTPRequest(
            method: "POST", url: oauthURL + "/v4/oa/access_token",
            headers: HTTPHeaders([
                ("Content-Type", "application/x-www-form-urlencoded"), ("secret_key", secretKey.reveal()),
                ("Accept", "application/json"),
            ]), body: Array(form.utf8), timeout: timeout)
        let sentAt = now()
        let response: HTTPResponse
        do {
            response = try await http.execute(request)
        } catch {
            // The refresh token may or may not have been spent; we still hold it, and Zalo keeps an
            // unspent token valid, so the next attempt tries it again.
            return .failure(ZaloStop(outcome: HTTPOutcome.failure(error, action: "refresh the Zalo access token")))
        }
        guard (200...299).contains(response.status) else {
            if (500...599).contains(response.status) || response.status == 429 {
                return .failure(
                    .retry(
                        ChannelError(
                            .server, "refresh the Zalo access token: HTTP \(response.status)", code: response.status),
                        after: response.retryAfter()))
            }
            return .failure(
                .failed(
                    ZaloHalt.reauthorise(
                        channel, "the Zalo OAuth endpoint refused the refresh (HTTP \(response.status))")))
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            return .failure(
                .retry(ChannelError(.badResponse, "refresh the Zalo access token: the answer is not JSON")))
        }
        if let code = ZaloJSON.int(object["error"]), code != 0 {
            let what =
                (object["error_description"] as? String) ?? (object["message"] as? String)
                ?? (object["error_name"] as? String) ?? ""
            return .failure(
                .failed(
                    ZaloHalt.reauthorise(
                        channel, "Zalo refused the refresh token (error \(code)\(what.isEmpty ? "" : ": \(what)"))")))
        }
        guard let access = object["access_token"] as? String, !access.isEmpty,
            let refresh = object["refresh_token"] as? String, !refresh.isEmpty
        else {
            return .failure(
                .failed(
                    ZaloHalt.reauthorise(channel, "the Zalo refresh answer has no access_token/refresh_token")))
        }
        // `expires_in` arrives as a string ("90000"); accept a number too.
        let expiresIn = ZaloJSON.int(object["expires_in"]) ?? 90000
        let newPair = ZaloTokenPair(
            accessToken: Secret(access), refreshToken: Secret(refresh),
            accessExpiresAt: sentAt.addingTimeInterval(Double(expiresIn)), obtainedAt: sentAt)
        ZaloTestCrash.at("after-refresh-response")
        do {
            try persist(newPair)
        } catch {
            unsaved = newPair
            return .failure(error)
        }
        ZaloTestCrash.at("after-token-persist")
        pair = newPair
        logger.info(
            "Zalo access token refreshed and saved",
            metadata: ["expires_at": "\(ISO8601DateFormatter().string(from: newPair.accessExpiresAt))"])
        return .success(newPair)
    }

    private func persist(_ newPair: ZaloTokenPair) throws(ZaloStop) {
        do { try store.save(newPair) } catch {
            // Not a halt: a reload would rebuild the channel and drop the only copy of the new pair.
            // The delivery is retried, and the pair is written before anything uses it.
            logger.error(
                "cannot save the refreshed Zalo tokens; fix the state folder without restarting cchcd (the new pair is only in memory)",
                metadata: ["path": "\(store.path)"])
            throw ZaloStop.retry(
                ChannelError(
                    .local,
                    "cannot save the refreshed Zalo tokens: \(error.message) — fix the state folder; do not restart or reload cchcd before (the new pair is only in memory)"
                ))
        }
    }
}

extension ZaloStop {
    init(outcome: PublishOutcome) {
        switch outcome {
        case .retry(let error, let after): self = .retry(error, after: after)
        case .failed(let error): self = .failed(error)
        case .delivered: self = .retry(ChannelError(.badResponse, "unexpected success"))
        }
    }
}

/// The crash-injection hook of the token tests: with `CCHCD_TEST_ZALO_CRASH` set to a point's name,
/// the process exits abruptly (`_exit`, nothing flushed, like a power cut) when it reaches that point.
/// Without the variable this does nothing.
enum ZaloTestCrash {
    static let variable = "CCHCD_TEST_ZALO_CRASH"
    private static let point = ProcessInfo.processInfo.environment[variable]

    static func at(_ name: String) {
        guard let point, point == name else { return }
        let text = "cchcd: test crash at \(name) (\(variable))\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        _exit(86)
    }
}

/// `application/x-www-form-urlencoded` values.
enum FormEncoding {
    static let unreserved = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

enum ZaloJSON {
    /// An integer sent as a number or as a string of digits.
    static func int(_ value: Any?) -> Int? {
        switch value {
        case let n as NSNumber: n.intValue
        case let s as String: Int(s)
        default: nil
        }
    }

    /// An id sent as a string or a number.
    static func string(_ value: Any?) -> String? {
        switch value {
        case let s as String: s
        case let n as NSNumber: n.stringValue
        default: nil
        }
    }
}
