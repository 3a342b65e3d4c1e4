import ChannelKit
import Foundation
import Rendering

/// The message written to the program's standard input (docs/exec-protocol.md).
struct ExecRequestMessage: Encodable {
    var `protocol` = 1
    var deliveryID: String
    var attempt: Int
    var previousAttemptInterrupted: Bool
    var channel: String
    var item: ItemPayload
    var results: [String: ResultPayload]

    enum CodingKeys: String, CodingKey {
        case `protocol`, deliveryID = "delivery_id", attempt
        case previousAttemptInterrupted = "previous_attempt_interrupted", channel, item, results
    }
}

/// The program's answer: the last non-empty line of its standard output, one JSON object.
struct ExecAck: Equatable {
    enum Status: String { case delivered, retry, failed }
    var status: Status
    var remoteID: String?
    var url: String?
    var reason: String?
    var detail: String?
    var retryAfter: Duration?
    var errorClass: ChannelError.Class?

    struct ParseError: Error { var message: String }

    /// The error classes a program may name in `error_class`.
    static let knownClasses: [ChannelError.Class] = [
        .network, .timeout, .tls, .throttled, .server, .auth, .forbidden, .rejected, .badResponse, .local,
    ]

    static func parse(stdout: [UInt8]) throws(ParseError) -> ExecAck {
        let text = String(decoding: stdout, as: UTF8.self)
        guard
            let line = text.split(whereSeparator: \.isNewline).last(where: {
                !$0.trimmingCharacters(in: .whitespaces).isEmpty
            })
        else {
            throw ParseError(message: "the program printed no acknowledgement")
        }
        let excerpt = line.count > 200 ? String(line.prefix(200)) + "…" : String(line)
        guard let data = line.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw ParseError(message: "the last line of output is not a JSON object: \(excerpt)")
        }
        guard let statusText = object["status"] as? String, let status = Status(rawValue: statusText) else {
            throw ParseError(
                message: "the acknowledgement has no valid \"status\" (delivered, retry, failed): \(excerpt)")
        }
        var ack = ExecAck(status: status)
        ack.remoteID = Self.text(object["remote_id"])
        ack.url = Self.text(object["url"])
        ack.reason = Self.text(object["reason"])
        ack.detail = Self.text(object["detail"])
        if let seconds = (object["retry_after_seconds"] as? NSNumber)?.doubleValue, seconds >= 0, seconds.isFinite {
            ack.retryAfter = .milliseconds(Int64(min(seconds, 86400 * 30) * 1000))
        }
        if let word = object["error_class"] as? String {
            ack.errorClass = knownClasses.first { $0.rawValue == word }
        }
        return ack
    }

    /// Strings, and numbers written as numbers (`"remote_id": 42`).
    private static func text(_ value: Any?) -> String? {
        switch value {
        case let s as String: s.isEmpty ? nil : s
        case let n as NSNumber: n.stringValue
        default: nil
        }
    }
}
