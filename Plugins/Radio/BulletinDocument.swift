import ChannelKit
import Docx
import Foundation

/// The announcer's printable copy of a bulletin (`.docx`): Times New Roman 14 pt, as
/// administrative documents use, with a header block (station, commune; date, slot, duration).
enum BulletinDocument {
    static func make(
        script: BulletinScript, station: RadioStation, airTime: Date, emergency: Bool, maxDuration: Duration?,
        calendar: Calendar
    ) throws -> Data {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: airTime)
        let date = String(format: "%02d/%02d/%04d", c.day!, c.month!, c.year!)
        let time = String(format: "%02d:%02d", c.hour!, c.minute!)
        let heading = emergency ? "THÔNG BÁO KHẨN CẤP" : "BẢN TIN CẢI CÁCH HÀNH CHÍNH"
        var doc = DocxDocument(defaultSize: 14, title: "\(heading) — \(station.name) — \(time) \(date)")
        var right = [
            Paragraph(heading, bold: true, alignment: .center),
            Paragraph("Phát lúc \(time) ngày \(date)", alignment: .center),
            Paragraph(
                "Thời lượng dự kiến: \(RadioChannel.minutesText(script.seconds))", italic: true, alignment: .center),
        ]
        if let maxDuration {
            right.append(
                Paragraph(
                    "Tối đa: \(RadioChannel.minutesText(maxDuration.secondsValue))", italic: true, alignment: .center))
        }
        var left = [Paragraph(station.name.uppercased(), bold: true, alignment: .center)]
        if !station.commune.isEmpty { left.append(Paragraph(station.commune, alignment: .center)) }
        doc.append(.header(left: left, right: right))
        doc.append(Paragraph("", spacingAfter: 6))
        var itemNumber = 0
        for part in script.parts {
            if part.role == "item" {
                itemNumber += 1
                var note = "Tin \(itemNumber)"
                if let p = part.priority, p != .normal { note += " — \(p.label)" }
                note += " — khoảng \(RadioChannel.minutesText(part.seconds))"
                doc.append(Paragraph(note, italic: true, size: 12, spacingBefore: 12))
            }
            for (i, line) in part.text.split(separator: "\n").enumerated() {
                doc.append(
                    Paragraph(
                        String(line), bold: part.role == "item" && i == 0, alignment: .both, firstLineIndent: 28,
                        spacingAfter: 6))
            }
        }
        return try doc.data()
    }
}
