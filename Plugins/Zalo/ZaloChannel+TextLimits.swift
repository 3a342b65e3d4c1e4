import ChannelKit

extension ZaloChannel: TextLimited {
    /// The article's title and description (the item's summary), as ``ZaloArticle`` checks them.
    public var textLimits: [TextLimit] {
        [
            TextLimit(measure: .title, maximum: ZaloArticle.titleLimit, label: "tiêu đề bài viết Zalo"),
            TextLimit(measure: .summary, maximum: ZaloArticle.descriptionLimit, label: "mô tả bài viết Zalo"),
        ]
    }
}
