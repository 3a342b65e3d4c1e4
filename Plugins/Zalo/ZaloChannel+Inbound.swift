import ChannelConfig
import ChannelKit
import Foundation
import Logging

extension ZaloChannel: InboundChannel {
    /// `POST /webhooks/zalo/<channel>` (or `webhook_path`), served when `oa_secret_key` is configured.
    ///
    /// The handler only checks the signature over the raw bytes and reads the event: the listener
    /// stores the event (once per key: Zalo delivers again when unsure) before the 200 goes out, and
    /// nothing slower happens before the answer, so Zalo gets it well within its 2 seconds.
    public var inboundRoutes: [InboundRoute] {
        guard let oaSecretKey else { return [] }
        let appID = appID
        let logger = logger
        return [
            InboundRoute(path: webhookPath, methods: [.post], maxBodyBytes: maxWebhookBytes) { request in
                Self.handleWebhook(request, appID: appID, oaSecretKey: oaSecretKey, logger: logger)
            }
        ]
    }

    static func handleWebhook(_ request: InboundRequest, appID: String, oaSecretKey: Secret, logger: Logger)
        -> InboundResponse
    {
        do throws(ZaloWebhook.Rejection) {
            let event = try ZaloWebhook.verifiedEvent(
                body: request.body, signatureHeader: request.header("X-ZEvent-Signature"), appID: appID,
                oaSecretKey: oaSecretKey, receivedAt: request.receivedAt)
            return InboundResponse(
                status: 200, contentType: "application/json", body: Array(#"{"error":0,"message":"Success"}"#.utf8),
                events: [
                    InboundEvent(
                        kind: event.kind, key: event.key, occurredAt: event.occurredAt, senderID: event.senderID,
                        text: event.text, detail: event.detail)
                ])
        } catch {
            // Neither the body nor the signature is logged: the body may hold a citizen's message.
            logger.warning(
                "Zalo webhook refused", metadata: ["status": "\(error.status)", "reason": "\(error.reason)"])
            return .text(error.status, error.reason + "\n")
        }
    }
}
