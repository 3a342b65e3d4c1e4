import ChannelConfig
import ChannelKit
import Foundation

/// One recipient of a distribution list.
struct Recipient: Sendable, Hashable {
    var address: MailAddress
    /// The unit from a CSV list (`email,name,unit`), shown after the name in `To:`.
    var unit: String?

    var key: String { address.key }

    /// The display name for `To:`: the name, and the unit after a dash when both are known.
    var displayName: String? {
        switch (address.name, unit) {
        case (let name?, let unit?) where !unit.isEmpty: "\(name) – \(unit)"
        case (let name?, _): name
        case (nil, let unit?) where !unit.isEmpty: unit
        default: nil
        }
    }
}

/// The channel's named distribution lists, read when the configuration loads (so a SIGHUP, which
/// rebuilds the channels, reloads the CSV files too).
struct DistributionLists: Sendable {
    var lists: [String: [Recipient]]

    /// Members of the named lists in order, duplicates (compared without case) removed: the first
    /// occurrence wins.
    func recipients(of names: [String], extra: [Recipient] = []) -> [Recipient] {
        var seen: Set<String> = []
        var out: [Recipient] = []
        for recipient in names.flatMap({ lists[$0] ?? [] }) + extra where seen.insert(recipient.key).inserted {
            out.append(recipient)
        }
        return out
    }

    /// Reads `lists:` (inline) and `list_files:` (CSV files) from the channel's section.
    static func read(_ section: ConfigSection) throws(ConfigError) -> DistributionLists {
        var lists: [String: [Recipient]] = [:]
        if let inline = try section.section("lists") {
            for name in inline.keys {
                let entries = try inline.stringList(name) ?? []
                var members: [Recipient] = []
                for (i, entry) in entries.enumerated() {
                    do throws(AddressError) {
                        members.append(Recipient(address: try MailAddress.parse(entry)))
                    } catch {
                        throw inline.error(name, "[\(i)]: \(error.message)")
                    }
                }
                guard !members.isEmpty else { throw inline.error(name, "danh sách trống") }
                lists[name] = members
            }
            try inline.finish()
        }
        if let files = try section.section("list_files") {
            for name in files.keys {
                guard lists[name] == nil else {
                    throw files.error(name, "danh sách \"\(name)\" đã có trong lists")
                }
                guard let path = try files.path(name) else { continue }
                do throws(CSVListError) {
                    lists[name] = try readCSV(path)
                } catch {
                    throw files.error(name, error.message)
                }
            }
            try files.finish()
        }
        return DistributionLists(lists: lists)
    }

    struct CSVListError: Error {
        var message: String
    }

    /// A CSV file of `email,name,unit` rows (RFC 4180 quoting; a first row `email,…` is a header; name and
    /// unit optional; blank lines and lines starting with `#` skipped).
    static func readCSV(_ path: String) throws(CSVListError) -> [Recipient] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CSVListError(message: "không đọc được tệp danh sách \(path)")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw CSVListError(message: "\(path) không phải văn bản UTF-8")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }  // Excel writes a BOM
        var out: [Recipient] = []
        var lineNumber = 0
        for row in parseCSV(text) {
            lineNumber = row.line
            let fields = row.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.allSatisfy(\.isEmpty) || fields[0].hasPrefix("#") { continue }
            if out.isEmpty && fields[0].lowercased() == "email" { continue }
            guard fields.count <= 3 else {
                throw CSVListError(message: "\(path):\(lineNumber): có \(fields.count) cột, cần email,name,unit")
            }
            do throws(AddressError) {
                try MailAddress.validate(fields[0])
            } catch {
                throw CSVListError(message: "\(path):\(lineNumber): \(error.message)")
            }
            let name = fields.count > 1 && !fields[1].isEmpty ? fields[1] : nil
            let unit = fields.count > 2 && !fields[2].isEmpty ? fields[2] : nil
            out.append(Recipient(address: MailAddress(address: fields[0], name: name), unit: unit))
        }
        guard !out.isEmpty else { throw CSVListError(message: "\(path): danh sách trống") }
        return out
    }

    /// RFC 4180 rows with the line each starts on. Written by hand: Foundation has no CSV reader, and
    /// the format is three columns.
    static func parseCSV(_ text: String) -> [(line: Int, fields: [String])] {
        var rows: [(Int, [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var rowLine = 1
        var chars = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" { field.append("\"") } else { quoted = false; pending = n }
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                fields.append(field)
                field = ""
            case "\n", "\r\n", "\r":
                fields.append(field)
                rows.append((rowLine, fields))
                fields = []
                field = ""
                line += 1
                rowLine = line
            default: field.append(c)
            }
        }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            rows.append((rowLine, fields))
        }
        return rows
    }
}
