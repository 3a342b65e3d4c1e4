import ChannelKit
import Engine
import Foundation
import Hummingbird
import Queue
import Workflows

extension WebApp {
    /// "Gỡ bài": takes an item's published post down on one channel (operators), through the same
    /// ``Workflows/Retraction`` as `cchc item retract`, with the engine's view of halted channels.
    func addRetract(to router: Router<BasicRequestContext>) {
        router.post("/bai/:id/go-bai") { request, context in
            let (officer, form) = try await self.requirePost(request)
            guard officer.has(.operator) else { throw WebError.forbidden }
            let item = try await self.visibleItem(try context.parameters.require("id"), for: officer)
            guard let channel = form.text("channel") else { throw WebError.badRequest("thiếu tên kênh") }
            let health = self.channelHealth
            let retraction = Retraction(
                store: self.store, channels: self.channels,
                haltedChannels: {
                    await health().compactMapValues {
                        $0.circuit == "halted" ? ($0.haltReason ?? "không rõ lý do") : nil
                    }
                }, logger: self.logger)
            let outcome: Retraction.Outcome
            do throws(Retraction.Failure) {
                outcome = try await retraction.retract(
                    itemID: item.id, channel: channel, by: officer.account.login, at: self.clock())
            } catch {
                switch error {
                case .notFound(let message): throw WebError(status: .notFound, message: message + ".")
                case .invalidState(let message): throw WebError(status: .conflict, message: message + ".")
                case .store(let underlying): throw underlying
                }
            }
            if let failure = outcome.failed.first {
                self.logger.warning(
                    "web retraction failed",
                    metadata: ["item": "\(item.id)", "channel": "\(channel)", "error": "\(failure.error)"])
                throw WebError(status: .badGateway, message: "Không gỡ được bài trên \(channel): \(failure.error)")
            }
            self.logger.info(
                "web retraction",
                metadata: ["item": "\(item.id)", "channel": "\(channel)", "login": "\(officer.account.login)"])
            // The engine writes the `delivery.retracted` log line.
            self.wake()
            return Response.redirect(to: "/bai/\(item.id)?kq=go-bai", type: .normal)
        }
    }
}
