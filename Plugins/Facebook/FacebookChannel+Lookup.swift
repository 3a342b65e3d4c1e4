import ChannelHTTP
import ChannelKit
import Foundation

extension FacebookChannel {
    // MARK: Finding a post by its marker

    enum Lookup: Sendable {
        case found(ChannelResult)
        case notFound
        case failed(PublishOutcome)
    }

    /// Looks through the Page's recent posts (`GET /{page-id}/posts`, newest first, within
    /// `marker_lookback`) for one carrying the item's marker.
    func findPost(marker: String, now: Date = Date()) async -> (result: Lookup, hold: Duration?) {
        let since = Int(now.timeIntervalSince1970) - Int(markerLookback.components.seconds)
        let response: GraphResponse
        do {
            response = try await graph.get(
                "\(pageID)/posts",
                query: [("fields", "id,message,created_time"), ("since", String(since)), ("limit", "100")])
        } catch {
            return (.failed(HTTPOutcome.failure(error, action: "looking for the post by its marker")), nil)
        }
        let hold = usageHold(response)
        guard response.isSuccess else {
            let failed = await failure(response, action: "looking for the post by its marker", hold: hold)
            return (.failed(failed.outcome), failed.hold)
        }
        guard let posts = response.object?["data"] as? [[String: Any]] else {
            return (.failed(malformed(response, action: "looking for the post by its marker")), hold)
        }
        for post in posts {
            guard let text = post["message"] as? String, Self.contains(text, marker: marker),
                let id = post["id"] as? String
            else { continue }
            return (.found(ChannelResult(remoteID: id, url: postURL(id))), hold)
        }
        return (.notFound, hold)
    }

    // MARK: Interrupted sends

    /// The post of an interrupted send carries the item's marker: found among the Page's recent posts,
    /// it was published; the Page lists a post at once, so not found within `marker_lookback` means it
    /// was not.
    public func lookUpInterrupted(_ request: PublishRequest) async -> InterruptedLookup {
        let marker = Self.marker(for: request)
        switch await findPost(marker: marker).result {
        case .found(let result): return .found(result, detail: "found by marker \(marker)")
        case .notFound: return .notPublished(detail: "no recent post of the Page carries \(marker)")
        case .failed(let outcome):
            let error: String =
                switch outcome {
                case .retry(let e, _), .failed(let e): e.description
                case .delivered: "unexpected answer"
                }
            return .undecided(reason: "the Page's posts could not be searched for \(marker): \(error)")
        }
    }

}
