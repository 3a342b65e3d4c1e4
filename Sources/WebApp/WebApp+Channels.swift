import ChannelKit
import Engine
import Foundation
import Hummingbird
import Queue

extension WebApp {
    /// Kênh: each channel's health for operators (circuit, halted with the operator's instruction, held
    /// until, last success and failure, waiting deliveries), and `channel check` from a button.
    func addChannels(to router: Router<BasicRequestContext>) {
        router.get("/kenh") { request, _ in
            let officer = try await self.requireGet(request)
            guard officer.has(.operator) else { throw WebError.forbidden }
            return try await self.channelsPage(officer, checked: nil)
        }
        router.post("/kenh/:name/kiem-tra") { request, context in
            let (officer, _) = try await self.requirePost(request)
            guard officer.has(.operator) else { throw WebError.forbidden }
            let name = try context.parameters.require("name")
            guard let channel = self.channels[name] else { throw WebError.notFound }
            let result: (String, Bool)
            do {
                result = ("\(name): kiểm tra được — \(try await channel.check())", true)
            } catch {
                result = ("\(name): lỗi — \((error as? ChannelError)?.message ?? "\(error)")", false)
            }
            self.logger.info(
                "web channel check",
                metadata: ["channel": "\(name)", "ok": "\(result.1)", "login": "\(officer.account.login)"])
            return try await self.channelsPage(officer, checked: result)
        }
    }

    func channelsPage(_ officer: Officer, checked: (String, Bool)?) async throws -> Response {
        let health = await channelHealth()
        let waiting = try await store.stats().waitingByChannel
        let rows = channelOrder.compactMap { name -> [String: Any]? in
            guard let channel = channels[name] else { return nil }
            let h = health[name]
            var state = "bình thường"
            var cls = "delivered"
            switch h?.circuit {
            case "open":
                state = "tạm dừng\(h?.pausedUntil.map { " đến " + display($0) } ?? "")"
                cls = "retry-wait"
            case "probing":
                state = "đang thử lại"
                cls = "retry-wait"
            case "halted":
                state = "đã dừng — cần cán bộ vận hành xử lý"
                cls = "failed"
            default: break
            }
            return [
                "name": name, "type": channel.type, "state": state, "class": cls,
                "halt_reason": h?.haltReason ?? false,
                "held_until": h?.heldUntil.map { display($0) } ?? false,
                "last_success": h?.lastSuccess.map { display($0) } ?? "—",
                "last_failure": h?.lastFailure.map { display($0) } ?? "—",
                "last_error": h?.lastError ?? false, "failures": h?.consecutiveFailures ?? 0,
                "in_flight": (h?.inFlight ?? 0) > 0 ? "\(h?.inFlight ?? 0)" : false, "waiting": waiting[name] ?? 0,
                "csrf": officer.session.csrfToken,
            ]
        }
        var values: [String: Any] = ["channels": rows]
        if let checked {
            values[checked.1 ? "check_ok" : "check_error"] = checked.0
        }
        return page("channels", title: "Kênh", officer: officer, values)
    }
}
