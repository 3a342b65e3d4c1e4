import ChannelKit
import Foundation
import Logging

extension WebhookChannel: ChannelPreviewing {
    /// The JSON body as it will be posted (delivery id and time are those of the actual send).
    public func preview(_ item: ChannelItem) -> ChannelPreview {
        let request = PublishRequest(
            deliveryID: "\(item.id)/\(name)", attempt: 1, item: item, logger: Logger(label: "preview"))
        do {
            let bytes = try payload(request)
            return ChannelPreview(parts: [
                .init(label: "Nội dung JSON gửi đi", text: String(decoding: bytes, as: UTF8.self))
            ])
        } catch {
            return ChannelPreview(parts: [], notes: ["Mẫu nội dung lỗi: \(error)"])
        }
    }
}
