import ChannelHTTP
import ChannelKit
import Foundation
import Transport

/// One answer of the OA API: `{"error": 0, "message": "Success", "data": {…}}`; errors are non-zero.
struct ZaloEnvelope: @unchecked Sendable {
    var code: Int
    var message: String
    /// The `data` object (empty when absent).
    var data: [String: Any]
}

/// Calls the OA API (`openapi.zalo.me`) with the access token in the `access_token` header,
/// refreshing the token and retrying once on -216/-220.
struct ZaloAPI: Sendable {
    let apiURL: String
    let tokens: ZaloTokenKeeper
    let http: HTTPClient
    let timeout: Duration?
    let timeZone: TimeZone
    let now: @Sendable () -> Date

    /// Sends one call and returns Zalo's envelope, whatever its error code; transport failures, HTTP
    /// errors and unreadable answers throw. `action` names the call in error messages.
    func call(
        _ method: String, _ path: String, query: [(String, String)] = [], json: [String: Any]? = nil,
        action: String
    ) async throws(ZaloStop) -> ZaloEnvelope {
        var url = apiURL + path
        if !query.isEmpty {
            url +=
                "?" + query.map { "\(FormEncoding.escape($0.0))=\(FormEncoding.escape($0.1))" }.joined(separator: "&")
        }
        var body: [UInt8] = []
        if let json {
            guard let data = try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]) else {
                throw ZaloStop.failed(ChannelError(.local, "\(action): the request cannot be encoded as JSON"))
            }
            body = Array(data)
        }
        var token = try await tokens.accessToken()
        var refreshed = false
        while true {
            var headers = HTTPHeaders([("access_token", token.reveal()), ("Accept", "application/json")])
            if json != nil { headers.add(name: "Content-Type", value: "application/json") }
            let response: HTTPResponse
            do {
                response = try await http.execute(
                    HTTPRequest(method: method, url: url, headers: headers, body: body, timeout: timeout))
            } catch {
                throw ZaloStop(outcome: HTTPOutcome.failure(error, action: action))
            }
            guard (200...299).contains(response.status) else {
                throw ZaloStop(outcome: HTTPOutcome.failure(response, action: action))
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                let code = ZaloJSON.int(object["error"])
            else {
                var excerpt = response.bodyText.prefix(200)
                if response.bodyText.count > 200 { excerpt += "…" }
                throw ZaloStop.retry(
                    ChannelError(.badResponse, "\(action): the answer is not Zalo's JSON envelope: \(excerpt)"))
            }
            let envelope = ZaloEnvelope(
                code: code, message: (object["message"] as? String) ?? "",
                data: (object["data"] as? [String: Any]) ?? [:])
            if ZaloErrorCode.isTokenError(code) && !refreshed {
                refreshed = true
                token = try await tokens.refresh(replacing: token)
                continue
            }
            return envelope
        }
    }

    /// The envelope's data when the call succeeded; otherwise the stop its error code means.
    func require(_ envelope: ZaloEnvelope, action: String) throws(ZaloStop) -> [String: Any] {
        if envelope.code == 0 { return envelope.data }
        throw stop(for: envelope, action: action)
    }

    /// What a non-zero error code means for the delivery.
    func stop(for envelope: ZaloEnvelope, action: String) -> ZaloStop {
        let code = envelope.code
        let text = "\(action): Zalo error \(code)\(envelope.message.isEmpty ? "" : ": \(envelope.message)")"
        switch code {
        case ZaloErrorCode.invalidToken, ZaloErrorCode.expiredToken:
            // Still refused after a fresh refresh: the OA's authorisation is gone.
            return .failed(ZaloHalt.reauthorise(tokens.channel, text + " (even with a freshly refreshed token)"))
        case ZaloErrorCode.rateLimited:
            return .retry(ChannelError(.throttled, text, code: code), after: .seconds(60), holdChannel: .seconds(60))
        case ZaloErrorCode.quotaExhausted:
            let wait = ZaloClock.untilNextDay(now(), timeZone: timeZone)
            return .retry(
                ChannelError(.throttled, text + " (daily quota: waiting for tomorrow)", code: code), after: wait,
                holdChannel: wait)
        case ZaloErrorCode.articleProcessing:
            return .retry(ChannelError(.server, text + " (still processing)", code: code), after: .seconds(30))
        case ZaloErrorCode.tierLacksAPI:
            return .failed(
                ZaloHalt.halting(
                    .forbidden, text + " — the OA's package does not include this API; upgrade the OA, then reload"))
        case ZaloErrorCode.broadcastQuietHours:
            let wait = ZaloClock.until(hour: 6, from: now(), timeZone: timeZone)
            return .retry(ChannelError(ZaloErrorCode.quietHoursClass, text, code: code), after: wait)
        default:
            // Invalid parameters and the like: sending the same again cannot succeed.
            return .failed(ChannelError(.rejected, text, code: code))
        }
    }
}

/// Local-time arithmetic in the channel's time zone.
enum ZaloClock {
    static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// Minutes after local midnight.
    static func minuteOfDay(_ date: Date, timeZone: TimeZone) -> Int {
        let parts = calendar(timeZone).dateComponents([.hour, .minute], from: date)
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    /// From `date` to the next local time `hour`:`minute` (tomorrow's when it has passed today).
    static func until(hour: Int, minute: Int = 0, from date: Date, timeZone: TimeZone) -> Duration {
        let cal = calendar(timeZone)
        let next =
            cal.nextDate(
                after: date, matching: DateComponents(hour: hour, minute: minute, second: 0),
                matchingPolicy: .nextTime) ?? date.addingTimeInterval(86400)
        return .milliseconds(Int64((next.timeIntervalSince(date) * 1000).rounded(.up)))
    }

    /// From `date` to one minute past the next local midnight (Zalo's daily quotas reset at midnight).
    static func untilNextDay(_ date: Date, timeZone: TimeZone) -> Duration {
        until(hour: 0, minute: 1, from: date, timeZone: timeZone)
    }
}

/// Daily hours when Zalo refuses broadcasts (22:00–06:00 by default).
struct ZaloQuietHours: Sendable, Hashable, CustomStringConvertible {
    var from: Int
    var to: Int

    init(from: Int, to: Int) {
        self.from = from
        self.to = to
    }

    /// `22:00-06:00`.
    init?(_ text: String) {
        let ends = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard ends.count == 2, let f = Self.minutes(ends[0]), let t = Self.minutes(ends[1]), f != t else { return nil }
        from = f
        to = t
    }

    private static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h),
            (0..<60).contains(m)
        else { return nil }
        return h * 60 + m
    }

    func contains(_ date: Date, timeZone: TimeZone) -> Bool {
        let m = ZaloClock.minuteOfDay(date, timeZone: timeZone)
        return from < to ? (m >= from && m < to) : (m >= from || m < to)
    }

    /// The wait from `date` to the end of the quiet period.
    func remaining(at date: Date, timeZone: TimeZone) -> Duration {
        ZaloClock.until(hour: to / 60, minute: to % 60, from: date, timeZone: timeZone)
    }

    var description: String { String(format: "%02d:%02d-%02d:%02d", from / 60, from % 60, to / 60, to % 60) }
}
