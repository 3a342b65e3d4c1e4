import ChannelKit
import Foundation
import Logging
import Rendering

extension PortalChannel: ChannelPreviewing {
    /// What the portal receives: the generic preset's request body, the WordPress post's title and HTML,
    /// or the static preset's whole page.
    public func preview(_ item: ChannelItem) -> ChannelPreview {
        let slug = WordPressPortal.slug(for: item.id)
        switch publisher {
        case .generic(let portal):
            let request = PublishRequest(
                deliveryID: "\(item.id)/\(name)", attempt: 1, item: item, logger: Logger(label: "preview"))
            let context = TemplateContext.values(for: request, timeZone: portal.timeZone)
            let body: String
            switch portal.bodyFormat {
            case .json:
                do {
                    body = String(decoding: try portal.body.renderJSON(context), as: UTF8.self)
                } catch {
                    return ChannelPreview(parts: [], notes: ["Mẫu nội dung (body) lỗi: \(error.message)"])
                }
            case .form: body = portal.body.render(context)
            }
            return ChannelPreview(
                parts: [
                    .init(label: "Nội dung gửi tới cổng (\(portal.method) \(portal.url.render(context)))", text: body)
                ])
        case .wordpress(let portal):
            var notes = ["Đường dẫn bài: \(portal.baseURL)/\(slug)/ (trạng thái \(portal.status))"]
            if portal.featuredMedia, let image = WordPressPortal.firstLocalImage(item) {
                notes.append("Ảnh đại diện: \((image.path as NSString).lastPathComponent)")
            }
            return ChannelPreview(
                parts: [
                    .init(label: "Tiêu đề bài trên cổng", text: item.title),
                    .init(label: "Trích yếu", text: item.summary ?? ""),
                    .init(label: "Nội dung bài trên cổng", text: Markdown.rendered(item.body).html, isHTML: true),
                ], notes: notes)
        case .staticSite(let portal):
            let entry = StaticSite.Entry(
                slug: slug, id: item.id, title: item.title, summary: item.summary ?? "",
                date: RFC3339.string(from: item.publishAt ?? Date(), timeZone: portal.timeZone), unit: item.unit,
                topic: item.topic.key, topicLabel: item.topic.label, url: portal.url(forSlug: slug))
            let page = StaticPages.page(
                entry: entry, bodyHTML: Markdown.rendered(item.body).html, media: item.media,
                siteTitle: portal.siteTitle, indexURL: portal.baseURL.map { $0 + "/index.html" } ?? "index.html")
            return ChannelPreview(
                parts: [.init(label: "Trang sẽ ghi (\(entry.url))", text: page, isHTML: true)])
        }
    }
}
