import ChannelKit
import Foundation
import Logging

extension FacebookChannel {
    // MARK: Check and retraction

    public func check() async throws(ChannelError) -> String {
        let response: GraphResponse
        do {
            response = try await graph.get(pageID, query: [("fields", "id,name")])
        } catch {
            throw ChannelError(.network, "GET /\(pageID): \(error.message)")
        }
        guard response.isSuccess else {
            let failed = await failure(response, action: "reading the Page", hold: nil)
            switch failed.outcome {
            case .failed(let error), .retry(let error, _): throw error
            case .delivered: throw ChannelError(.badResponse, "reading the Page: unexpected answer")
            }
        }
        guard let name = response.string("name") else {
            throw ChannelError(.badResponse, "reading the Page: no name in the answer: \(response.excerpt)")
        }
        return "trang \(name) (id \(response.string("id") ?? pageID))"
    }

    /// `cchc item retract`: deletes the post (`DELETE /{post-id}`).
    public func retract(_ result: ChannelResult, logger: Logger) async throws(ChannelError) -> String? {
        let note = try await deletePost(result)
        logger.info("facebook: \(note ?? "retracted")")
        return note
    }

    /// Deletes a published post (`DELETE /{post-id}`). A post that no longer exists counts as deleted.
    func deletePost(_ result: ChannelResult) async throws(ChannelError) -> String? {
        guard let id = result.remoteID, !id.isEmpty else {
            throw ChannelError(.unsupported, "the delivery has no Facebook post id to delete")
        }
        guard id.allSatisfy({ $0.isASCIIDigit || $0 == "_" }) else {
            throw ChannelError(.rejected, "\"\(id)\" is not a Facebook post id")
        }
        let response: GraphResponse
        do {
            response = try await graph.delete(id)
        } catch {
            throw ChannelError(.network, "deleting post \(id): \(error.message)")
        }
        if response.isSuccess { return "đã xoá bài \(id)" }
        if let error = response.error, error.code == 100, error.subcode == 33 {
            return "bài \(id) không còn trên trang (đã bị xoá trước đó)"
        }
        let failed = await failure(response, action: "deleting post \(id)", hold: nil)
        switch failed.outcome {
        case .failed(let error), .retry(let error, _): throw error
        case .delivered: throw ChannelError(.badResponse, "deleting post \(id): unexpected answer")
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
