import Foundation

/// The report as titled sections of tables, in Vietnamese: Markdown, HTML, CSV and DOCX all draw
/// these same tables, so they show the same figures as the JSON.
public struct ReportSection: Sendable {
    public var title: String
    /// Paragraphs before the tables.
    public var notes: [String]
    public var tables: [ReportTable]
}

public struct ReportTable: Sendable {
    /// Stable identifier (`totals`, `by_channel`, …): the HTML table's `id`, the CSV block's name.
    public var id: String
    public var caption: String?
    public var header: [String]
    public var rows: [[String]]
    /// Shown instead of an empty table.
    public var emptyText: String = "Không có số liệu trong kỳ."
}

extension Report {
    static let roman = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]

    /// `BÁO CÁO Kết quả công tác tuyên truyền cải cách hành chính tháng 11 năm 2026`, second line.
    public var titleLine: String {
        "Kết quả công tác tuyên truyền cải cách hành chính \(period.label)"
    }

    /// `(Số liệu từ ngày 15/10/2026 đến ngày 14/11/2026, múi giờ Asia/Ho_Chi_Minh)`.
    public var windowLine: String {
        let basis =
            switch period.basis {
            case .statutory: "kỳ số liệu theo Nghị định 09/2019/NĐ-CP"
            case .calendar: "theo tháng dương lịch"
            case .custom: "khoảng thời gian chọn"
            }
        return
            "Số liệu từ 00:00 ngày \(period.from.vietnamese) đến hết ngày \(period.to.vietnamese) (\(basis), múi giờ \(period.timeZone))"
    }

    /// The sections, in order.
    public var sections: [ReportSection] {
        var out: [ReportSection] = []
        func change(_ f: Figure) -> [String] {
            [Labels.number(f.value), Labels.number(f.previous), Labels.signed(f.change)]
        }
        let compare = ["Kỳ này", "Kỳ trước", "Tăng/giảm"]

        var general = ReportSection(
            title: "KẾT QUẢ CHUNG",
            notes: [
                "Kỳ trước để so sánh: \(previousPeriod.label)"
                    + (previousPeriod.kind == .custom
                        ? "."
                        : " (từ ngày \(previousPeriod.from.vietnamese) đến ngày \(previousPeriod.to.vietnamese)).")
            ] + (unit.map { ["Chỉ tính số liệu của đơn vị: \($0)."] } ?? []),
            tables: [
                ReportTable(
                    id: "totals", header: ["Nội dung"] + compare, rows: totals.map { [$0.label] + change($0) })
            ])
        general.tables.append(
            ReportTable(
                id: "by_month", caption: "Lượt đăng/gửi thành công theo tháng",
                header: ["Tháng", "Khoảng ngày", "Số lượt"],
                rows: byMonth.map { [$0.key, $0.label, Labels.number($0.value)] }))
        out.append(general)

        if breakdowns.contains("channel") {
            out.append(
                ReportSection(
                    title: "KẾT QUẢ THEO KÊNH PHÁT HÀNH", notes: [],
                    tables: [
                        ReportTable(
                            id: "by_channel_type", caption: "Theo loại kênh", header: ["Loại kênh"] + compare,
                            rows: byChannelType.map { [$0.label] + change($0) }),
                        ReportTable(
                            id: "by_channel", caption: "Theo từng kênh", header: ["Kênh", "Loại kênh"] + compare,
                            rows: byChannel.map {
                                [channelLabel($0.key), Labels.channelType($0.type ?? "")] + change($0)
                            }),
                    ]))
        }
        if breakdowns.contains("unit") {
            out.append(
                ReportSection(
                    title: "KẾT QUẢ THEO ĐƠN VỊ", notes: [],
                    tables: [
                        ReportTable(
                            id: "by_unit", header: ["Đơn vị"] + compare, rows: byUnit.map { [$0.label] + change($0) })
                    ]))
        }
        if breakdowns.contains("topic") {
            out.append(
                ReportSection(
                    title: "KẾT QUẢ THEO LĨNH VỰC CẢI CÁCH HÀNH CHÍNH", notes: [],
                    tables: [
                        ReportTable(
                            id: "by_topic", header: ["Lĩnh vực"] + compare,
                            rows: byTopic.map { [$0.label] + change($0) })
                    ]))
        }

        var kinds = Set<String>()
        for row in interactions { kinds.formUnion(row.kinds.keys) }
        let kindList = kinds.sorted()
        out.append(
            ReportSection(
                title: "PHÁT THANH, THƯ ĐIỆN TỬ VÀ TƯƠNG TÁC CỦA NGƯỜI DÂN", notes: [],
                tables: [
                    ReportTable(
                        id: "radio", caption: "Bản tin phát thanh",
                        header: ["Kênh", "Đơn vị", "Số bản tin", "Số phút"],
                        rows: radio.map {
                            [
                                channelLabel($0.channel), $0.unit, Labels.number(Double($0.bulletins)),
                                Labels.number($0.minutes),
                            ]
                        }),
                    ReportTable(
                        id: "email", caption: "Thư điện tử", header: ["Kênh", "Người nhận đã nhận", "Người nhận lỗi"],
                        rows: email.map {
                            [
                                channelLabel($0.channel), Labels.number(Double($0.recipients)),
                                Labels.number(Double($0.failed)),
                            ]
                        }),
                    ReportTable(
                        id: "interactions", caption: "Tương tác của người dân",
                        header: ["Kênh", "Loại kênh"] + kindList.map(Labels.interactionKind) + ["Tổng"],
                        rows: interactions.map { row in
                            [channelLabel(row.channel), Labels.channelType(row.type)]
                                + kindList.map { Labels.number(Double(row.kinds[$0] ?? 0)) }
                                + [Labels.number(Double(row.total))]
                        }),
                ]))

        out.append(
            ReportSection(
                title: "LỖI PHÁT HÀNH",
                notes: ["Tổng số lượt gửi thất bại: \(Labels.number(Double(failures.total)))."],
                tables: [
                    ReportTable(
                        id: "failures_by_class", caption: "Theo loại lỗi", header: ["Loại lỗi"] + compare,
                        rows: failures.byClass.map { [$0.label] + change($0) }),
                    ReportTable(
                        id: "failures", caption: "Danh sách lượt gửi thất bại",
                        // The kind of error in Vietnamese first, the channel's own words after it (the
                        // by-class table above counts the kinds).
                        header: ["Thời gian", "Mã bài", "Tiêu đề", "Kênh", "Chi tiết"],
                        rows: failures.list.map {
                            [
                                String($0.ts.prefix(16)).replacingOccurrences(of: "T", with: " "), $0.itemID, $0.title,
                                channelLabel($0.channel),
                                Labels.errorClass($0.errorClass) + ($0.error.isEmpty ? "" : " — " + $0.error),
                            ]
                        }, emptyText: "Không có lượt gửi nào thất bại."),
                ]))

        out.append(
            ReportSection(
                title: "THỰC HIỆN CHỈ TIÊU",
                notes: period.kind == .month
                    ? []
                    : ["Chỉ tiêu tháng được quy đổi theo số tháng của kỳ (\(Labels.number(period.months)) tháng)."],
                tables: [
                    ReportTable(
                        id: "targets", header: ["Đơn vị", "Chỉ tiêu", "Yêu cầu", "Thực hiện", "Kết quả"],
                        rows: targets.map {
                            [
                                $0.unit, $0.label, Labels.number($0.required), Labels.number($0.actual),
                                $0.met ? "Đạt" : "Chưa đạt",
                            ]
                        }, emptyText: "Chưa cấu hình chỉ tiêu (reports.targets).")
                ]))

        var dataNotes = [
            // The folder is a server path: it stays in the JSON (`input.directory`), not in what officers read.
            "Đã đọc \(Labels.number(Double(input.lines))) dòng nhật ký phát hành từ \(input.files.count) tệp."
        ]
        if !listsItems && !items.isEmpty {
            dataNotes.append(
                "Danh sách \(Labels.number(Double(items.count))) tin bài đã phát hành không kèm theo báo cáo này "
                    + "(lập lại với --items để kèm phụ lục).")
        }
        if input.corrupt + input.truncated > 0 {
            dataNotes.append(
                "Có \(input.corrupt) dòng hỏng và \(input.truncated) dòng bị cắt không được tính (danh sách dưới đây).")
        } else {
            dataNotes.append("Không có dòng hỏng.")
        }
        out.append(
            ReportSection(
                title: "GHI CHÚ VỀ DỮ LIỆU", notes: dataNotes,
                tables: input.problems.isEmpty
                    ? []
                    : [
                        ReportTable(
                            id: "problems", header: ["Tệp", "Dòng", "Lý do"],
                            rows: input.problems.map { [$0.file, String($0.line), $0.reason] })
                    ]))
        return out.enumerated().map { (i, s) in
            var s = s
            s.title = "\(Self.roman[i]). \(s.title)"
            return s
        }
    }

    /// The sections and, when listed, the appendix: what the human-readable formats draw.
    public var renderedSections: [ReportSection] { sections + (itemsAppendix.map { [$0] } ?? []) }

    /// The appendix: one compact row per published item (date, title, channels by label), no links —
    /// a year's list stays a few pages. Nil when the report does not list items or none was published.
    public var itemsAppendix: ReportSection? {
        guard listsItems, !items.isEmpty else { return nil }
        return ReportSection(
            title: "PHỤ LỤC: DANH SÁCH TIN BÀI ĐÃ PHÁT HÀNH", notes: [],
            tables: [
                ReportTable(
                    id: "items", header: ["STT", "Ngày", "Tiêu đề", "Kênh"],
                    rows: items.enumerated().map { (i, item) in
                        [
                            String(i + 1), item.date.vietnamese, item.title,
                            item.channels.map(channelLabel).joined(separator: "; "),
                        ]
                    })
            ])
    }
}
