import ChannelKit
import Rendering

extension ExecChannel: ChannelPreviewing {
    /// The JSON line the program reads on its standard input (docs/exec-protocol.md).
    public func preview(_ item: ChannelItem) -> ChannelPreview {
        let message = ExecRequestMessage(
            deliveryID: "\(item.id)/\(name)", attempt: 1, previousAttemptInterrupted: false, channel: name,
            item: ItemPayload(item, timeZone: timeZone), results: [:])
        return ChannelPreview(
            parts: [
                .init(
                    label: "Dòng JSON gửi cho chương trình \(command)",
                    text: String(decoding: PayloadJSON.encode(message), as: UTF8.self))
            ])
    }
}
