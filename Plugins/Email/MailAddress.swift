/// An email address with an optional display name (`Nguyễn Văn A <a@example.gov.vn>`).
///
/// The address part must be plain ASCII (libcurl does not speak SMTPUTF8): a local part of letters,
/// digits and ``allowedLocal`` characters, dots not leading, trailing or doubled; a domain of at least
/// two labels of letters, digits and hyphens. Written by hand: Foundation has no address parser on
/// Linux, and the full RFC 5322 grammar (quoted local parts, comments) is not something officers'
/// lists need — rejecting it with a clear error is safer than sending to it.
struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    var address: String
    var name: String?

    /// Deduplication key: addresses are compared without case.
    var key: String { address.lowercased() }

    var description: String {
        if let name, !name.isEmpty { return "\(name) <\(address)>" }
        return address
    }

    static let allowedLocal = Set("!#$%&'*+-/=?^_`{|}~.")

    /// Parses `a@b.vn` or `Name <a@b.vn>` (the name may be quoted).
    /// - Throws: a Vietnamese message saying what is wrong.
    static func parse(_ text: String) throws(AddressError) -> MailAddress {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s.hasSuffix(">"), let open = s.lastIndex(of: "<") {
            var name = String(s[..<open]).trimmingCharacters(in: .whitespaces)
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
                name = String(name.dropFirst().dropLast())
            }
            let address = String(s[s.index(after: open)..<s.index(before: s.endIndex)])
            try validate(address)
            return MailAddress(address: address, name: name.isEmpty ? nil : name)
        }
        try validate(s)
        return MailAddress(address: s, name: nil)
    }

    static func validate(_ address: String) throws(AddressError) {
        guard !address.isEmpty else { throw AddressError("địa chỉ email trống") }
        guard address.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }) else {
            throw AddressError("địa chỉ email \"\(address)\" có ký tự không hợp lệ (chỉ dùng chữ không dấu)")
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw AddressError("địa chỉ email \"\(address)\" phải có đúng một dấu @")
        }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty, local.count <= 64, address.utf8.count <= 254 else {
            throw AddressError("địa chỉ email \"\(address)\" có phần tên trống hoặc quá dài")
        }
        guard local.first != ".", local.last != ".", !local.contains(".."),
            local.allSatisfy({ $0.isLetter || $0.isNumber || allowedLocal.contains($0) })
        else {
            throw AddressError("địa chỉ email \"\(address)\" có phần trước @ không hợp lệ")
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2,
            labels.allSatisfy({ label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
            })
        else {
            throw AddressError("địa chỉ email \"\(address)\" có tên miền không hợp lệ")
        }
    }
}

struct AddressError: Error, Sendable, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
