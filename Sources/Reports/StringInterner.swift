import DeliveryLog

/// Strings seen before, by their bytes: the same unit, channel, topic or type comes back on most
/// lines, and making a fresh String (a heap allocation for anything over 15 bytes, as most
/// Vietnamese unit names are) for each would cost more than the rest of the line's work.
struct StringInterner {
    private var table: [UInt64: String] = [:]

    mutating func string(_ line: UnsafeBufferPointer<UInt8>, _ span: LogLineScanner.Span?) -> String? {
        guard let span, span.isString else { return nil }
        if span.escaped { return LogLineScanner.string(line, span) }
        // FNV-1a over the bytes, checked against the stored string (a collision falls back to a new String).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for j in span.start..<span.end {
            hash = (hash ^ UInt64(line[j])) &* 0x100_0000_01b3
        }
        let length = span.end - span.start
        if let known = table[hash] {
            var same = known.utf8.count == length
            if same {
                var j = span.start
                for byte in known.utf8 {
                    if byte != line[j] {
                        same = false
                        break
                    }
                    j += 1
                }
            }
            if same { return known }
            return LogLineScanner.string(line, span)
        }
        let fresh = LogLineScanner.string(line, span)!
        if table.count < 100_000 { table[hash] = fresh }
        return fresh
    }
}
