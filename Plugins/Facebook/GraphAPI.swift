import ChannelConfig
import ChannelKit
import Foundation
import Transport

/// The few Graph API calls the channel makes, over the daemon's libcurl ``HTTPClient``.
///
/// The Page access token travels as the `access_token` form parameter of POSTs (never in a URL that
/// could reach a log) and as `Authorization: Bearer` on GETs and DELETEs; Graph accepts both.
struct GraphAPI: Sendable {
    /// `https://graph.facebook.com/v23.0`, without a trailing slash.
    let versionURL: String
    let token: Secret
    let timeout: Duration?
    let http: HTTPClient

    /// Form-encoded POST to `/{path}`.
    func post(_ path: String, form: [(String, String)]) async throws(TransportError) -> GraphResponse {
        let body = FormEncoding.encode(form + [("access_token", token.reveal())])
        let headers = HTTPHeaders([
            ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
        ])
        return try await execute(
            HTTPRequest(method: "POST", url: url(path), headers: headers, body: body, timeout: timeout))
    }

    /// `multipart/form-data` POST with one file part (`source`), for photos uploaded as bytes.
    func postMultipart(
        _ path: String, fields: [(String, String)],
        file: (field: String, fileName: String, type: String, bytes: [UInt8])
    ) async throws(TransportError) -> GraphResponse {
        let multipart = Multipart(fields: fields + [("access_token", token.reveal())], file: file)
        let headers = HTTPHeaders([("Content-Type", multipart.contentType), ("Accept", "application/json")])
        return try await execute(
            HTTPRequest(method: "POST", url: url(path), headers: headers, body: multipart.body, timeout: timeout))
    }

    /// GET `/{path}?query`, the token in the Authorization header.
    func get(_ path: String, query: [(String, String)] = []) async throws(TransportError) -> GraphResponse {
        var target = url(path)
        if !query.isEmpty { target += "?" + String(decoding: FormEncoding.encode(query), as: UTF8.self) }
        return try await execute(HTTPRequest(method: "GET", url: target, headers: bearer, timeout: timeout))
    }

    /// DELETE `/{path}`, the token in the Authorization header.
    func delete(_ path: String) async throws(TransportError) -> GraphResponse {
        try await execute(HTTPRequest(method: "DELETE", url: url(path), headers: bearer, timeout: timeout))
    }

    private var bearer: HTTPHeaders {
        HTTPHeaders([("Authorization", "Bearer " + token.reveal()), ("Accept", "application/json")])
    }

    private func url(_ path: String) -> String { versionURL + "/" + path }

    private func execute(_ request: HTTPRequest) async throws(TransportError) -> GraphResponse {
        let response = try await http.execute(request)
        return GraphResponse(status: response.status, headers: response.headers, body: response.body)
    }
}

/// A Graph answer: status, headers (usage), body.
struct GraphResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var isSuccess: Bool { (200...299).contains(status) && error == nil }

    /// The JSON object of the body, when it is one.
    var object: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }

    /// The `{"error":{…}}` of the body, when there is one.
    var error: GraphError? { GraphError(body: body) }

    /// The body as text, at most 200 characters (for messages about unexpected answers).
    var excerpt: String {
        let text = String(decoding: body.prefix(400), as: UTF8.self)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    /// A string or number at `key` of the body's object.
    func string(_ key: String) -> String? {
        switch object?[key] {
        case let s as String: s
        case let n as NSNumber: n.stringValue
        default: nil
        }
    }

    var usage: GraphUsage { GraphUsage(headers: headers) }
}

/// Graph's error body: `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`.
struct GraphError: Sendable, Hashable {
    var message: String
    var type: String?
    var code: Int?
    var subcode: Int?
    var fbtraceID: String?

    init(message: String, type: String? = nil, code: Int? = nil, subcode: Int? = nil, fbtraceID: String? = nil) {
        self.message = message
        self.type = type
        self.code = code
        self.subcode = subcode
        self.fbtraceID = fbtraceID
    }

    init?(body: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let error = object["error"] as? [String: Any]
        else { return nil }
        message = (error["message"] as? String) ?? "(no message)"
        type = error["type"] as? String
        code = (error["code"] as? NSNumber)?.intValue
        subcode = (error["error_subcode"] as? NSNumber)?.intValue
        fbtraceID = error["fbtrace_id"] as? String
    }

    /// What the error means for the channel (CHANNELS.md, Graph's error-handling reference).
    enum Meaning: Sendable, Hashable {
        /// Rate limits: back off and try again (4, 17, 32, 341, 613, 80000–80008).
        case throttled
        /// The token is expired, revoked or invalid (190, 102): nothing works until an operator replaces it.
        case token
        /// A permission is missing (10, 200–299): permanent.
        case permission
        /// The same post was just made (506): it exists already.
        case duplicate
        /// A temporary Graph problem (1, 2).
        case transient
        /// Anything else: decided by the HTTP status.
        case other
    }

    var meaning: Meaning {
        guard let code else { return .other }
        switch code {
        case 4, 17, 32, 341, 613, 80000...80008: return .throttled
        case 190, 102: return .token
        case 10, 200...299: return .permission
        case 506: return .duplicate
        case 1, 2: return .transient
        default: return .other
        }
    }

    /// `code/subcode: message (fbtrace …)`, at most about 300 characters; Graph's messages carry no secrets.
    var summary: String {
        var text = "Graph error"
        if let code { text += " \(code)" }
        if let subcode { text += "/\(subcode)" }
        let flat = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        text += ": " + (flat.count > 240 ? String(flat.prefix(240)) + "…" : flat)
        if let fbtraceID { text += " (fbtrace_id \(fbtraceID))" }
        return text
    }
}

/// What the usage headers say: `X-App-Usage`, `X-Page-Usage` (`{"call_count","total_time",
/// "total_cputime"}`, percentages) and `X-Business-Use-Case-Usage` (`{"<id>":[{"type","call_count",
/// "total_time","total_cputime","estimated_time_to_regain_access"}]}`, the wait in minutes).
struct GraphUsage: Sendable, Hashable {
    /// The highest percentage in any header (0 when there are none).
    var percent: Int = 0
    /// The longest `estimated_time_to_regain_access` given (minutes in the header).
    var regainAccess: Duration?

    init(percent: Int = 0, regainAccess: Duration? = nil) {
        self.percent = percent
        self.regainAccess = regainAccess
    }

    init(headers: HTTPHeaders) {
        for name in ["X-App-Usage", "X-Page-Usage", "X-Ad-Account-Usage"] {
            for value in headers.values(name) {
                guard let object = Self.json(value) else { continue }
                absorb(object)
            }
        }
        for value in headers.values("X-Business-Use-Case-Usage") {
            guard let object = Self.json(value) else { continue }
            for case let entries as [Any] in object.values {
                for case let entry as [String: Any] in entries { absorb(entry) }
            }
        }
    }

    private mutating func absorb(_ object: [String: Any]) {
        for key in ["call_count", "total_time", "total_cputime", "acc_id_util_pct"] {
            if let n = (object[key] as? NSNumber)?.intValue { percent = max(percent, n) }
        }
        if let minutes = (object["estimated_time_to_regain_access"] as? NSNumber)?.intValue, minutes > 0 {
            let wait = Duration.seconds(minutes * 60)
            regainAccess = max(regainAccess ?? .zero, wait)
        }
    }

    private static func json(_ text: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    /// How long the channel should start no other send: the announced wait when Graph gives one;
    /// from `threshold`% up to 100% a pause growing linearly up to `maxPause`; nothing below.
    func hold(threshold: Int, maxPause: Duration) -> Duration? {
        if let regainAccess { return regainAccess }
        guard percent >= threshold else { return nil }
        if percent >= 100 || threshold >= 100 { return maxPause }
        let fraction = Double(percent - threshold + 1) / Double(100 - threshold + 1)
        let seconds = (Double(maxPause.components.seconds) * fraction).rounded(.up)
        return .seconds(max(1, Int(seconds)))
    }
}

/// `application/x-www-form-urlencoded` bodies. Written here because Foundation's URLComponents
/// leaves `+` and `&` inside values unescaped for form bodies.
enum FormEncoding {
    static func encode(_ pairs: [(String, String)]) -> [UInt8] {
        Array(pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&").utf8)
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}

/// A `multipart/form-data` body (RFC 7578) with text fields and one file. Hand-written: the project
/// has no multipart library and the format needed here is a few lines.
struct Multipart {
    let boundary: String
    let body: [UInt8]

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    init(
        fields: [(String, String)], file: (field: String, fileName: String, type: String, bytes: [UInt8]),
        boundary: String = "cchc-" + UUID().uuidString
    ) {
        self.boundary = boundary
        var out: [UInt8] = []
        for (name, value) in fields {
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n".utf8)
            out += Array(value.utf8) + Array("\r\n".utf8)
        }
        out += Array(
            ("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.fileName)\"\r\n"
                + "Content-Type: \(file.type)\r\n\r\n").utf8)
        out += file.bytes
        out += Array("\r\n--\(boundary)--\r\n".utf8)
        body = out
    }
}
