import Foundation
import Testing

@testable import ReadAloud

/// Hand-written expectations; many inputs are sentences copied from the corpus (Tests/Fixtures).
@Suite struct ReadAloudNormalizerTests {
    static func read(_ text: String, _ options: ReadAloudOptions = ReadAloudOptions()) -> String {
        ReadAloudNormalizer(options: options).normalize(text).text
    }

    static let cases: [(String, String)] = [
        // Numbers in text: thousands separator, decimal comma, leading zeros, phone numbers.
        ("1.000.000 đồng", "Một triệu đồng"),
        ("Kinh phí 1.500.000 VNĐ.", "Kinh phí một triệu năm trăm nghìn đồng."),
        ("Tăng 4,5%", "Tăng bốn phẩy năm phần trăm"),
        ("đạt 0,25 điểm", "Đạt không phẩy hai mươi lăm điểm"),
        ("chỉ số 4,05", "Chỉ số bốn phẩy không năm"),
        (
            "Hằng tháng, có ít nhất 04 tin, bài về CCHC đăng trên trang thông tin điện tử của cơ quan, đơn vị.",
            "Hằng tháng, có ít nhất bốn tin, bài về cải cách hành chính đăng trên trang thông tin điện tử của cơ quan, đơn vị."
        ),
        (
            "Định kỳ 6 tháng, 01 năm và đột xuất (nếu có)",
            "Định kỳ sáu tháng, một năm và đột xuất nếu có"
        ),
        (
            "Tỉnh Sơn La xác định 10 nhiệm vụ, nội dung tuyên truyền",
            "Tỉnh Sơn La xác định mười nhiệm vụ, nội dung tuyên truyền"
        ),
        ("dịch vụ công mức độ 3, 4", "Dịch vụ công mức độ ba, bốn"),
        ("Gọi 0912345678", "Gọi không chín một hai ba bốn năm sáu bảy tám"),
        ("năm 2105 và năm 2019", "Năm hai nghìn một trăm linh năm và năm hai nghìn không trăm mười chín"),
        // Dates and times.
        (
            "Ngày 03/01/2019, Chủ tịch UBND tỉnh ban hành Kế hoạch số 05/KH-UBND về Tuyên truyền công tác CCHC tỉnh Sơn La năm 2019.",
            "Ngày ba tháng một năm hai nghìn không trăm mười chín, Chủ tịch Ủy ban nhân dân tỉnh ban hành Kế hoạch số năm về Tuyên truyền công tác cải cách hành chính tỉnh Sơn La năm hai nghìn không trăm mười chín."
        ),
        (
            "Đăng ngày: 10/01/2019 10:24:01",
            "Đăng ngày: mười tháng một năm hai nghìn không trăm mười chín mười giờ hai mươi bốn phút một giây"
        ),
        (
            "Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ",
            "Nghị quyết số bảy mươi sáu ngày mười lăm tháng bảy năm hai nghìn không trăm hai mươi mốt của Chính phủ"
        ),
        ("hoàn thành trước tháng 11/2026", "Hoàn thành trước tháng mười một năm hai nghìn không trăm hai mươi sáu"),
        ("hạn chót 11/2026", "Hạn chót tháng mười một năm hai nghìn không trăm hai mươi sáu"),
        ("Từ ngày 02/9", "Từ ngày hai tháng chín"),
        (
            "25/04/2023 | 10:50",
            "Ngày hai mươi lăm tháng tư năm hai nghìn không trăm hai mươi ba, mười giờ năm mươi phút"
        ),
        ("trong tháng 4", "Trong tháng tư"),
        ("lúc 10:24", "Lúc mười giờ hai mươi bốn phút"),
        ("Bắt đầu 10:00.", "Bắt đầu mười giờ."),
        ("Làm việc từ 7h30 - 11h", "Làm việc từ bảy giờ ba mươi phút đến mười một giờ"),
        ("họp lúc 14h", "Họp lúc mười bốn giờ"),
        // Ranges.
        (
            "Chương trình tổng thể CCHC nhà nước giai đoạn 2021-2030 của Chính phủ",
            "Chương trình tổng thể cải cách hành chính nhà nước giai đoạn hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm ba mươi của Chính phủ"
        ),
        ("giai đoạn 2021 - 2025", "Giai đoạn hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm hai mươi lăm"),
        (
            "Kế hoạch CCHC nhà nước giai đoạn 2016 – 2020",
            "Kế hoạch cải cách hành chính nhà nước giai đoạn hai nghìn không trăm mười sáu đến hai nghìn không trăm hai mươi"
        ),
        ("tăng 10-15%", "Tăng mười đến mười lăm phần trăm"),
        // Percentages, ordinals, currency, units.
        ("100% cơ quan báo chí của tỉnh", "Một trăm phần trăm cơ quan báo chí của tỉnh"),
        ("Họp vào thứ 2 hằng tuần", "Họp vào thứ hai hằng tuần"),
        ("lần thứ 1", "Lần thứ nhất"),
        ("Thứ 4 tuần sau", "Thứ tư tuần sau"),
        ("Lệ phí 500.000đ", "Lệ phí năm trăm nghìn đồng"),
        ("Hỗ trợ 50 USD", "Hỗ trợ năm mươi đô la Mỹ"),
        ("Cách trung tâm 5 km", "Cách trung tâm năm ki-lô-mét"),
        ("Diện tích 2ha", "Diện tích hai héc-ta"),
        ("Nhà văn hóa rộng 30 m2", "Nhà văn hóa rộng ba mươi mét vuông"),
        // Abbreviations: case-sensitive whole words, multi-word keys, parentheses that repeat them.
        ("Cải cách TTHC", "Cải cách thủ tục hành chính"),
        (
            "Thường trực HĐND, Ủy ban MTTQ Việt Nam tỉnh",
            "Thường trực Hội đồng nhân dân, Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"
        ),
        (
            "Ứng dụng CNTT trong xây dựng văn bản QPPL",
            "Ứng dụng công nghệ thông tin trong xây dựng văn bản quy phạm pháp luật"
        ),
        (
            "Sở VHTTDL Lạng Sơn đẩy mạnh công tác tuyên truyền CCHC trong năm 2023",
            "Sở Văn hóa, Thể thao và Du lịch Lạng Sơn đẩy mạnh công tác tuyên truyền cải cách hành chính trong năm hai nghìn không trăm hai mươi ba"
        ),
        (
            "Các chỉ số PAR INDEX, SIPAS, PAPI, PCI, DTI",
            "Các chỉ số Chỉ số cải cách hành chính, Chỉ số hài lòng về sự phục vụ hành chính, Chỉ số hiệu quả quản trị và hành chính công cấp tỉnh, Chỉ số năng lực cạnh tranh cấp tỉnh, Chỉ số chuyển đổi số"
        ),
        (
            "Chỉ số Hài lòng của người dân đối với sự phục vụ của cơ quan hành chính nhà nước (SIPAS).",
            "Chỉ số Hài lòng của người dân đối với sự phục vụ của cơ quan hành chính nhà nước."
        ),
        (
            "trọng tâm là cải cách thể chế, cải cách thủ tục hành chính (TTHC), cải cách chế độ công vụ",
            "Trọng tâm là cải cách thể chế, cải cách thủ tục hành chính, cải cách chế độ công vụ"
        ),
        ("chữ cchc và Cchc không phải viết tắt", "Chữ cchc và Cchc không phải viết tắt"),
        ("phát triển KT-XH", "Phát triển kinh tế xã hội"),
        // Document numbers (default: the symbol code is omitted).
        (
            "tại Quyết định số 1847/QĐ-TTg ngày 27/12/2018",
            "Tại Quyết định số một nghìn tám trăm bốn mươi bảy ngày hai mươi bảy tháng mười hai năm hai nghìn không trăm mười tám"
        ),
        (
            "theo quy định tại Thông tư số 02/2017/TT-VPCP ngày 31/10/2017",
            "Theo quy định tại Thông tư số hai năm hai nghìn không trăm mười bảy ngày ba mươi mốt tháng mười năm hai nghìn không trăm mười bảy"
        ),
        ("Nghị quyết số 60-NQ/TU của Tỉnh ủy", "Nghị quyết số sáu mươi của Tỉnh ủy"),
        ("Công văn số 5919/UBND-TTPVHCC", "Công văn số năm nghìn chín trăm mười chín"),
        // Headings, Markdown, links, artefacts.
        ("I. MỤC ĐÍCH, YÊU CẦU", "Một. Mục đích, yêu cầu"),
        ("II. NỘI DUNG, HÌNH THỨC TUYÊN TRUYỀN", "Hai. Nội dung, hình thức tuyên truyền"),
        ("IV. TỔ CHỨC THỰC HIỆN", "Bốn. Tổ chức thực hiện"),
        ("KẾ HOẠCH TUYÊN TRUYỀN", "Kế hoạch tuyên truyền"),
        ("Đại biểu Quốc hội khóa XV", "Đại biểu Quốc hội khóa mười lăm"),
        ("## Tin **nổi bật** trong _tuần_", "Tin nổi bật trong tuần"),
        (
            "Truy cập [Cổng dịch vụ công](https://dichvucong.gov.vn) để nộp hồ sơ",
            "Truy cập Cổng dịch vụ công để nộp hồ sơ"
        ),
        ("![ảnh hội nghị](anh/hoi-nghi.jpg) Hội nghị triển khai", "Hội nghị triển khai"),
        ("Xem chi tiết tại https://sonoivu.sonla.gov.vn/tin-tuc/123.", "Xem chi tiết tại."),
        (
            "Góp ý gửi về cchc@sonla.gov.vn hoặc www.sonla.gov.vn trước ngày 15/12/2021",
            "Góp ý gửi về hoặc trước ngày mười lăm tháng mười hai năm hai nghìn không trăm hai mươi mốt"
        ),
        ("Nhiều điểm mới [1] được bổ sung [Ảnh minh họa].", "Nhiều điểm mới được bổ sung."),
        ("Văn bản <b>quan trọng</b>", "Văn bản quan trọng"),
        ("- Tuyên truyền nội dung văn hóa công vụ", "Tuyên truyền nội dung văn hóa công vụ"),
        ("> Trích dẫn `mã`", "Trích dẫn mã"),
        // Punctuation: kept for pacing; the official closing mark and stray symbols dropped.
        ("trên địa bàn tỉnh./.", "Trên địa bàn tỉnh."),
        ("Có đúng không? Đúng vậy! Xin cảm ơn.", "Có đúng không? Đúng vậy! Xin cảm ơn."),
        ("100% Cổng/Trang thông tin điện tử", "Một trăm phần trăm Cổng, Trang thông tin điện tử"),
        ("phát triển kinh tế – xã hội của tỉnh", "Phát triển kinh tế, xã hội của tỉnh"),
        ("lý luận chính trị- hành chính", "Lý luận chính trị hành chính"),
        ("quy trình “04 tại chỗ”", "Quy trình bốn tại chỗ"),
        (
            "thực hiện các TTHC qua dịch vụ bưu chính công ích…",
            "Thực hiện các thủ tục hành chính qua dịch vụ bưu chính công ích…"
        ),
        ("Chấm hết... tiếp theo", "Chấm hết… tiếp theo"),
    ]

    @Test(arguments: cases) func reads(_ input: String, _ expected: String) {
        #expect(Self.read(input) == expected)
    }

    @Test func southernSwitch() {
        let south = ReadAloudOptions(southern: true)
        #expect(Self.read("Hỗ trợ 105 hộ với 2.000 đồng", south) == "Hỗ trợ một trăm lẻ năm hộ với hai ngàn đồng")
    }

    @Test func documentSymbolTreatments() {
        let text = "Kế hoạch số 05/KH-UBND"
        #expect(Self.read(text) == "Kế hoạch số năm")
        #expect(
            Self.read(text, ReadAloudOptions(documentSymbol: .expand)) == "Kế hoạch số năm kế hoạch Ủy ban nhân dân")
        #expect(
            Self.read(text, ReadAloudOptions(documentSymbol: .spell)) == "Kế hoạch số năm ca hát u bê en-nờ dê")
        // An unknown code is spelled, and reported, when codes are expanded.
        let r = ReadAloudNormalizer(options: ReadAloudOptions(documentSymbol: .expand)).normalize("Văn bản 12/XYZ")
        #expect(r.text == "Văn bản mười hai ích-xì i-dài dét")
        #expect(r.unknownTokens == ["XYZ"])
    }

    @Test func unknownAllCapsTokensAreReportedOnceAndKept() {
        let r = ReadAloudNormalizer().normalize("Lưu: VT, XYZQ. Gửi XYZQ và CCHCX; TỔ CHỨC họp")
        #expect(r.text == "Lưu: VT, XYZQ. Gửi XYZQ và CCHCX; tổ chức họp")
        #expect(r.unknownTokens == ["CCHCX", "VT", "XYZQ"])
    }

    @Test func multipleLinesKeepTheirBreaksAndDropBlankOnes() {
        let text = "# Tiêu đề\n\n\nDòng một.\r\n---\nDòng 2."
        #expect(Self.read(text) == "Tiêu đề\nDòng một.\nDòng hai.")
    }

    @Test func operatorDictionaryExtendsAndOverrides() throws {
        var d = ReadAloudDictionary.builtin
        try d.merge(
            text: """
                # từ điển của đài xã
                VT = văn thư
                CCHC = cải cách hành chánh
                BCĐ CCHC = Ban chỉ đạo cải cách hành chính
                [ky-hieu]
                BCĐ = Ban chỉ đạo
                """, source: "dai-xa.txt")
        let n = ReadAloudNormalizer(dictionary: d)
        #expect(n.normalize("Lưu: VT.").text == "Lưu: văn thư.")
        #expect(n.normalize("Tin CCHC").text == "Tin cải cách hành chánh")
        #expect(n.normalize("Họp BCĐ CCHC").text == "Họp Ban chỉ đạo cải cách hành chính")
        #expect(n.normalize("Họp BCĐ").unknownTokens == ["BCĐ"])
        let expand = ReadAloudNormalizer(dictionary: d, options: ReadAloudOptions(documentSymbol: .expand))
        #expect(expand.normalize("Thông báo 3/TB-BCĐ").text == "Thông báo ba thông báo Ban chỉ đạo")
    }

    @Test func dictionaryFileErrorsNameTheLine() throws {
        var d = ReadAloudDictionary()
        #expect(throws: ReadAloudDictionary.ParseError.self) {
            try d.merge(text: "OK = được\nsai dòng", source: "f.txt")
        }
        do {
            try d.merge(text: "OK = được\nsai dòng", source: "f.txt")
        } catch {
            #expect(error.description == "f.txt:2: expected KEY = reading, found \"sai dòng\"")
        }
        #expect(throws: ReadAloudDictionary.ParseError.self) { try d.merge(text: "[khac]\n", source: "f.txt") }
        #expect(throws: ReadAloudDictionary.ParseError.self) { try d.merge(text: "A/B = x\n", source: "f.txt") }
        #expect(throws: ReadAloudDictionary.ParseError.self) { try d.merge(text: " = x\n", source: "f.txt") }
        #expect(throws: (any Error).self) { try ReadAloudDictionary.loading(file: "/nonexistent/dict.txt") }
    }

    @Test func syllablesAndReadingTime() {
        #expect(Syllables.count("Ủy ban nhân dân") == 4)
        #expect(Syllables.count("năm ki-lô-mét.") == 4)
        #expect(Syllables.count("") == 0)
        #expect(Syllables.seconds(200, rate: 200) == 60)
    }

    @Test func wholeCorpusIsDeterministicAndLeavesNoDigitsOrMarkup() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".txt") }
        #expect(files.count == 5)
        for file in files {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            let a = ReadAloudNormalizer().normalize(text)
            let b = ReadAloudNormalizer().normalize(text)
            #expect(a == b)
            #expect(!a.text.contains { $0.isNumber }, "digits left in \(file)")
            #expect(!a.text.contains("http"), "a URL left in \(file)")
            #expect(!a.text.contains("CCHC") && !a.text.contains("UBND"), "abbreviations left in \(file)")
        }
    }
}
