import ChannelKit
import Crypto
import Foundation

/// A file attached to a message.
struct MailAttachment: Sendable, Hashable {
    var fileName: String
    var contentType: String
    var bytes: [UInt8]
}

/// The parts of a message that are the same for every recipient of one delivery, encoded once.
struct MailBody: Sendable {
    /// `Content-Type` (and `Content-Transfer-Encoding` when not multipart) header lines plus the body.
    var mimeHeaders: [String]
    var body: String
}

/// Builds RFC 5322 / MIME messages: one per recipient, sharing one encoded body.
struct MailComposer: Sendable {
    var from: MailAddress
    var replyTo: MailAddress?
    /// `List-Id`: the list's name (shown) and its id (`cchc.example.gov.vn`).
    var listID: (name: String?, id: String)?
    var listUnsubscribe: String?
    var timeZone: TimeZone
    /// The right-hand side of Message-IDs: the From address's domain.
    var messageIDDomain: String { String(from.address.split(separator: "@").last ?? "localhost") }

    /// The body: `multipart/alternative` (text/plain + text/html), inside `multipart/mixed` when there
    /// are attachments. Boundaries are derived from `seed` so a message is the same on every attempt.
    func body(text: String, html: String, attachments: [MailAttachment], seed: String) -> MailBody {
        let crlf = MIMEEncoding.crlf
        let tag = Self.hex(SHA256.hash(data: Array(seed.utf8))).prefix(24)
        let altBoundary = "=_cchc_alt_\(tag)"
        var alternative = ""
        for (type, content) in [("text/plain", text), ("text/html", html)] {
            let (encoding, encoded) = MIMEEncoding.encodeText(MIMEEncoding.crlfLines(content))
            alternative += "--\(altBoundary)\(crlf)"
            alternative += "Content-Type: \(type); charset=utf-8\(crlf)"
            alternative += "Content-Transfer-Encoding: \(encoding.rawValue)\(crlf)\(crlf)"
            alternative += encoded
        }
        alternative += "--\(altBoundary)--\(crlf)"
        let altType = "Content-Type: multipart/alternative;\(crlf) boundary=\"\(altBoundary)\""
        guard !attachments.isEmpty else { return MailBody(mimeHeaders: [altType], body: alternative) }

        let mixedBoundary = "=_cchc_mix_\(tag)"
        var mixed = "This is a multipart message in MIME format.\(crlf)"
        mixed += "--\(mixedBoundary)\(crlf)\(altType)\(crlf)\(crlf)\(alternative)"
        for attachment in attachments {
            mixed += "--\(mixedBoundary)\(crlf)"
            mixed += "Content-Type: \(attachment.contentType)\(crlf)"
            mixed += "Content-Transfer-Encoding: base64\(crlf)"
            mixed += "Content-Disposition: attachment;\(crlf) "
            mixed += MIMEEncoding.parameter("filename", attachment.fileName) + crlf + crlf
            mixed += MIMEEncoding.base64(attachment.bytes)
        }
        mixed += "--\(mixedBoundary)--\(crlf)"
        return MailBody(
            mimeHeaders: ["Content-Type: multipart/mixed;\(crlf) boundary=\"\(mixedBoundary)\""], body: mixed)
    }

    /// `<item.hash@domain>`: the same for one item and one recipient on every attempt, so a message sent
    /// twice (an interrupted attempt) is recognisable as the same message.
    func messageID(itemID: String, channel: String, recipient: String) -> String {
        let digest = Self.hex(SHA256.hash(data: Array("\(channel)\n\(recipient.lowercased())".utf8))).prefix(20)
        let safeItem = itemID.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" }
        return "<cchc.\(safeItem).\(digest)@\(messageIDDomain)>"
    }

    /// The complete message for one recipient, CRLF line ends.
    func message(
        to recipient: Recipient, subject: String, body: MailBody, messageID: String, date: Date,
        extraHeaders: [(String, String)] = []
    ) -> [UInt8] {
        let crlf = MIMEEncoding.crlf
        var headers: [String] = []
        headers.append("Date: \(MIMEEncoding.date(date, timeZone: timeZone))")
        headers.append("From: \(MIMEEncoding.mailbox(name: from.name, address: from.address))")
        headers.append(
            "To: \(MIMEEncoding.mailbox(name: recipient.displayName, address: recipient.address.address))")
        headers.append("Subject: \(MIMEEncoding.unstructured(subject, headerName: "Subject"))")
        headers.append("Message-ID: \(messageID)")
        if let replyTo {
            headers.append("Reply-To: \(MIMEEncoding.mailbox(name: replyTo.name, address: replyTo.address))")
        }
        if let listID { headers.append("List-Id: \(MIMEEncoding.mailbox(name: listID.name, address: listID.id))") }
        if let listUnsubscribe { headers.append("List-Unsubscribe: \(listUnsubscribe)") }
        for (name, value) in extraHeaders { headers.append("\(name): \(value)") }
        headers.append("MIME-Version: 1.0")
        headers.append(contentsOf: body.mimeHeaders)
        return Array((headers.joined(separator: crlf) + crlf + crlf + body.body).utf8)
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
