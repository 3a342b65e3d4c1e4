import Testing

@testable import ReadAloud

@Suite struct VietnameseNumberReaderTests {
    /// Expected readings written by hand from the Vietnamese reading rules.
    static let northern: [(UInt64, String)] = [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi bốn"),
        (25, "hai mươi lăm"),
        (30, "ba mươi"),
        (100, "một trăm"),
        (101, "một trăm linh một"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (111, "một trăm mười một"),
        (115, "một trăm mười lăm"),
        (121, "một trăm hai mươi mốt"),
        (1000, "một nghìn"),
        (1001, "một nghìn không trăm linh một"),
        (1010, "một nghìn không trăm mười"),
        (2019, "hai nghìn không trăm mười chín"),
        (2021, "hai nghìn không trăm hai mươi mốt"),
        (2100, "hai nghìn một trăm"),
        (1_000_000, "một triệu"),
        (1_000_500, "một triệu năm trăm"),
        (1_000_050, "một triệu không trăm năm mươi"),
        (1_500_000, "một triệu năm trăm nghìn"),
        (2_500_000_000, "hai tỷ năm trăm triệu"),
        (2_050_000_000, "hai tỷ không trăm năm mươi triệu"),
        (5_000_000_000_000, "năm nghìn tỷ"),
    ]

    @Test(arguments: northern) func northernForms(_ n: UInt64, _ expected: String) {
        #expect(VietnameseNumberReader().read(n) == expected)
    }

    @Test(arguments: [
        (UInt64(105), "một trăm lẻ năm"),
        (2019, "hai ngàn không trăm mười chín"),
        (1_000_001, "một triệu không trăm lẻ một"),
    ])
    func southernForms(_ n: UInt64, _ expected: String) {
        #expect(VietnameseNumberReader(southern: true).read(n) == expected)
    }

    @Test func decimalsOrdinalsAndMonths() {
        let r = VietnameseNumberReader()
        #expect(r.readDecimal(integer: 4, fractionDigits: [5]) == "bốn phẩy năm")
        #expect(r.readDecimal(integer: 4, fractionDigits: [0, 5]) == "bốn phẩy không năm")
        #expect(r.readOrdinal(1) == "nhất")
        #expect(r.readOrdinal(4) == "tư")
        #expect(r.readOrdinal(2) == "hai")
        #expect(r.readMonth(4) == "tư")
        #expect(r.readMonth(1) == "một")
    }
}
