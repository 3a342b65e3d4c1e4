import ChannelKit
import Foundation
import Testing
import TestSupport

@testable import Facebook

/// Our posts are recognisably ours (issue 13): the marker carries the installation and the content.
@Suite struct FacebookMarkerTests {
    func ours(attempt: Int = 2, installation: String = "a1b2c3d4e5f6", hash: String = "9f86d081") -> PublishRequest {
        var r = request(attempt: attempt, interrupted: true)
        r.installationID = installation
        r.item.contentHash = hash
        return r
    }

    @Test func theMarkerNamesTheItemTheInstallationAndTheContent() async throws {
        let marker = FacebookChannel.marker(for: ours())
        #expect(marker.hasPrefix("#cchc_2026_11_0042_"))
        #expect(marker.count == "#cchc_2026_11_0042_".count + 8)
        #expect(FacebookChannel.marker(for: ours(installation: "ffffffffffff")) != marker)
        #expect(FacebookChannel.marker(for: ours(hash: "00000000")) != marker)
        #expect(FacebookChannel.marker(for: ours()) == marker, "stable across attempts")
        // The approver's preview shows the same marker the post will carry.
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let preview = try makeChannel(graph).preview(ours().item, installationID: "a1b2c3d4e5f6")
        #expect(preview.parts.first?.text.hasSuffix("\n\n" + marker) == true)
        // Without an installation id (tests, tools): the plain item marker.
        #expect(FacebookChannel.marker(for: request()) == "#cchc_2026_11_0042")
    }

    @Test func aPostOfAnotherInstallationOrAnotherArticleIsNotTakenForOurs() async throws {
        let graph = try await FakeGraphAPI.start()
        defer { Task { try? await graph.shutdown() } }
        let channel = try makeChannel(graph)
        // A reinstall posted its own 2026-11-0042 (another installation), and an older version the plain marker.
        _ = graph.addPost(message: "Bài khác\n\n" + FacebookChannel.marker(for: ours(installation: "0123456789ab")))
        _ = graph.addPost(message: "Bài cũ\n\n#cchc_2026_11_0042")
        let outcome = await channel.publish(ours())
        guard case .delivered(_, let detail) = outcome else {
            Issue.record("expected delivered, got \(outcome)")
            return
        }
        #expect(detail == "posted (HTTP 200)")
        #expect(graph.livePosts.count == 3)
        #expect(graph.livePosts.last?.message.hasSuffix(FacebookChannel.marker(for: ours())) == true)
        // The next look-up finds ours, and only ours.
        let again = await channel.publish(ours(attempt: 3))
        guard case .delivered(let result, let note) = again else {
            Issue.record("expected delivered, got \(again)")
            return
        }
        #expect(note?.hasPrefix("found by marker \(FacebookChannel.marker(for: ours()))") == true)
        #expect(result.remoteID == graph.livePosts.last?.id)
        #expect(graph.livePosts.count == 3)
    }
}
