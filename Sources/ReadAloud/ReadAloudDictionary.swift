import Foundation

/// Abbreviations and what to read instead, matched case-sensitively on whole words.
///
/// The file format (UTF-8, one entry a line; Plugins/Radio/README.md):
/// ```
/// # a comment
/// CCHC = cải cách hành chính
/// PAR INDEX = Chỉ số cải cách hành chính     # a key may be several words
/// [ky-hieu]                                  # entries after this line: document symbol codes only
/// KH = kế hoạch
/// ```
/// Entries in the main part apply everywhere in the text; entries in the `[ky-hieu]` part only
/// inside a document symbol (`05/KH-UBND`), where main entries apply too. An operator's file is
/// layered over the built-in table: a key given again replaces the built-in reading.
public struct ReadAloudDictionary: Sendable {
    /// Word-sequence entries for running text, by first word, longest key first.
    private(set) var entries: [String: [(words: [String], reading: String)]] = [:]
    /// Codes read only inside document symbols.
    private(set) var symbolCodes: [String: String] = [:]
    /// Every key of the running-text part, for reports.
    public private(set) var keys: Set<String> = []

    public init() {}

    /// A bad line in a dictionary file.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var source: String
        public var line: Int
        public var message: String
        public var description: String { "\(source):\(line): \(message)" }
    }

    /// The built-in table, built from the abbreviations of the CCHC corpus.
    public static let builtin: ReadAloudDictionary = {
        var d = ReadAloudDictionary()
        // The built-in text is part of the program: a parse failure is a programming error that
        // the tests catch.
        try! d.merge(text: builtinText, source: "built-in")
        return d
    }()

    /// The built-in table layered with an operator's file.
    public static func loading(file path: String) throws -> ReadAloudDictionary {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ParseError(source: path, line: 0, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ParseError(source: path, line: 0, message: "the file is not UTF-8")
        }
        var d = builtin
        try d.merge(text: text, source: path)
        return d
    }

    /// Adds the entries of `text` (the file format above), replacing keys already present.
    public mutating func merge(text: String, source: String) throws(ParseError) {
        var inSymbols = false
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
                .precomposedStringWithCanonicalMapping
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed == "[ky-hieu]" else {
                    throw ParseError(
                        source: source, line: index + 1,
                        message: "unknown section \(trimmed) (the only section is [ky-hieu])")
                }
                inSymbols = true
                continue
            }
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw ParseError(
                    source: source, line: index + 1, message: "expected KEY = reading, found \"\(trimmed)\"")
            }
            let key = trimmed[..<eq].trimmingCharacters(in: .whitespaces)
            let reading = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            let words = key.split(separator: " ").map(String.init)
            guard !words.isEmpty, !reading.isEmpty else {
                throw ParseError(source: source, line: index + 1, message: "the key and the reading must not be empty")
            }
            guard words.allSatisfy({ $0.unicodeScalars.allSatisfy(ReadAloudScanner.isWordScalar) }) else {
                throw ParseError(
                    source: source, line: index + 1,
                    message: "a key is one or more words of letters and digits, found \"\(key)\"")
            }
            if inSymbols {
                guard words.count == 1 else {
                    throw ParseError(
                        source: source, line: index + 1, message: "a symbol code is one word, found \"\(key)\"")
                }
                symbolCodes[key] = reading
            } else {
                add(words: words, reading: reading)
            }
        }
    }

    mutating func add(words: [String], reading: String) {
        var list = entries[words[0], default: []]
        list.removeAll { $0.words == words }
        list.append((words, reading))
        list.sort { $0.words.count > $1.words.count }
        entries[words[0]] = list
        keys.insert(words.joined(separator: " "))
    }

    /// Candidates starting with `word`, longest first.
    func candidates(startingWith word: String) -> [(words: [String], reading: String)] {
        entries[word] ?? []
    }

    /// The reading of one code inside a document symbol.
    func symbolReading(_ code: String) -> String? {
        if let r = symbolCodes[code] { return r }
        return entries[code]?.first { $0.words.count == 1 }?.reading
    }

    /// The built-in table (also the format's example; Plugins/Radio/README.md lists it).
    public static let builtinText = """
        # Cải cách hành chính và các chỉ số
        CCHC = cải cách hành chính
        TTHC = thủ tục hành chính
        PAR INDEX = Chỉ số cải cách hành chính
        PARINDEX = Chỉ số cải cách hành chính
        SIPAS = Chỉ số hài lòng về sự phục vụ hành chính
        PAPI = Chỉ số hiệu quả quản trị và hành chính công cấp tỉnh
        PCI = Chỉ số năng lực cạnh tranh cấp tỉnh
        DTI = Chỉ số chuyển đổi số
        ICT INDEX = Chỉ số sẵn sàng ứng dụng công nghệ thông tin
        # Cơ quan, tổ chức
        UBND = Ủy ban nhân dân
        HĐND = Hội đồng nhân dân
        MTTQ = Mặt trận Tổ quốc
        UBMTTQ = Ủy ban Mặt trận Tổ quốc
        VHTTDL = Văn hóa, Thể thao và Du lịch
        TTTT = Thông tin và Truyền thông
        STTTT = Sở Thông tin và Truyền thông
        TTBCXB = Thông tin, Báo chí, Xuất bản
        TTPVHCC = Trung tâm Phục vụ hành chính công
        VPCP = Văn phòng Chính phủ
        HĐTV = Hội đồng tư vấn
        ĐBQH = đại biểu Quốc hội
        TW = Trung ương
        HTX = hợp tác xã
        KCN = khu công nghiệp
        THCS = trung học cơ sở
        THPT = trung học phổ thông
        PTTH = phát thanh truyền hình
        # Lĩnh vực, thuật ngữ
        CNTT = công nghệ thông tin
        QPPL = quy phạm pháp luật
        KT XH = kinh tế xã hội
        DVC = dịch vụ công
        DVCTT = dịch vụ công trực tuyến
        HCC = hành chính công
        CBCCVC = cán bộ, công chức, viên chức
        CBCC = cán bộ, công chức
        CCVC = công chức, viên chức
        BHXH = bảo hiểm xã hội
        BHYT = bảo hiểm y tế
        CCCD = căn cước công dân
        CSDL = cơ sở dữ liệu
        TCVN = tiêu chuẩn Việt Nam
        ISO = i-xô
        ATTP = an toàn thực phẩm
        PCCC = phòng cháy chữa cháy
        GPMB = giải phóng mặt bằng
        TNMT = tài nguyên và môi trường
        NTM = nông thôn mới
        KTXH = kinh tế xã hội
        TP = thành phố
        USD = đô la Mỹ
        VNĐ = đồng
        VND = đồng

        [ky-hieu]
        # Ký hiệu văn bản: đọc khi document_symbol = expand
        KH = kế hoạch
        QĐ = quyết định
        NQ = nghị quyết
        NĐ = nghị định
        CT = chỉ thị
        TT = thông tư
        TB = thông báo
        BC = báo cáo
        CV = công văn
        HD = hướng dẫn
        TTr = tờ trình
        CP = Chính phủ
        TTg = Thủ tướng
        TU = Tỉnh ủy
        HU = Huyện ủy
        BNV = Bộ Nội vụ
        SNV = Sở Nội vụ
        BTTTT = Bộ Thông tin và Truyền thông
        STTTT = Sở Thông tin và Truyền thông
        VP = Văn phòng
        """
}
