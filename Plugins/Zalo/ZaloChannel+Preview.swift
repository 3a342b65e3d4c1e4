import ChannelKit
import Foundation

extension ZaloChannel: ChannelPreviewing {
    /// The article's fields as they will be created (title, author, description, cover, body blocks), and
    /// whether the article is then broadcast to the followers.
    public func preview(_ item: ChannelItem) -> ChannelPreview {
        let a = article(item)
        let blocks = a.body.map { block -> String in
            switch block["type"] {
            case "image":
                "<p>[ảnh] \(ZaloArticle.escape(block["url"] ?? ""))\(block["caption"].map { " — " + ZaloArticle.escape($0) } ?? "")</p>"
            default: "<p>\(block["content"] ?? "")</p>"
            }
        }
        var notes = [
            "Tiêu đề \(a.title.count)/\(ZaloArticle.titleLimit) ký tự; mô tả \(a.description.count)/\(ZaloArticle.descriptionLimit) ký tự."
        ]
        notes.append(
            broadcast != nil
                ? "Sau khi tạo bài viết, gửi thông báo (broadcast) tới người quan tâm OA."
                : "Chỉ tạo bài viết trên OA, không gửi thông báo (broadcast).")
        return ChannelPreview(
            parts: [
                .init(label: "Tiêu đề bài viết Zalo", text: a.title),
                .init(label: "Tác giả", text: a.author),
                .init(label: "Mô tả", text: a.description),
                .init(label: "Ảnh bìa", text: a.coverURL ?? "(chưa có ảnh bìa có địa chỉ web)"),
                .init(label: "Nội dung bài viết", text: blocks.joined(separator: "\n"), isHTML: true),
            ], notes: notes)
    }
}
