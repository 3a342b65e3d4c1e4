import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Transport

/// A request whose answer is lost is never sent again by the transport (issue 13): libcurl re-sends a
/// request on a fresh connection when a reused keep-alive connection dies before any answer byte, and
/// the server may already have acted on the first copy.
@Suite("No request is re-sent behind the caller's back")
struct NoResendTests {
    /// A server that answers every request except the `drop`-th, for which it reads the request and
    /// closes the kept-alive connection without answering.
    private func server(dropping drop: Int) async throws -> LoopbackHTTPServer {
        let seen = Mutex(0)
        return try await LoopbackHTTPServer.start { _ in
            let n = seen.withLock {
                $0 += 1
                return $0
            }
            return n == drop ? .closeWithoutAnswer : .json(200, #"{"ok":true}"#)
        }
    }

    @Test func aPostWhoseKeptAliveConnectionDiesIsNotSentAgain() async throws {
        let server = try await server(dropping: 2)
        defer { Task { try? await server.shutdown() } }
        let client = try HTTPClient()
        defer { client.shutdown() }

        // The first request leaves a kept-alive connection in the pool; the second goes out on it.
        let first = try await client.execute(HTTPRequest(method: "POST", url: server.baseURL + "/posts", body: [1]))
        #expect(first.status == 200)
        do {
            let response = try await client.execute(
                HTTPRequest(method: "POST", url: server.baseURL + "/posts", body: Array("bài 2".utf8)))
            Issue.record("expected a lost answer, got HTTP \(response.status)")
        } catch {
            #expect(error.kind == .answerLost, "\(error)")
            #expect(error.requestSent)
            #expect(error.outcomeUnknown)
            #expect(error.message.contains("not sent again"))
        }
        // libcurl did try: it opened a fresh connection for the re-send (`answerLost` comes only from stopping
        // it there, before a byte was written), and the server never got a second copy.
        #expect(server.connectionCount == 2)
        #expect(server.requestCount == 2)
        #expect(server.requests.map(\.bodyText) == ["\u{1}", "bài 2"])
    }

    @Test func aGetOnADyingConnectionIsStillRetriedByLibcurl() async throws {
        // GET changes nothing: libcurl's own retry on a fresh connection stays (lookups keep working).
        let server = try await server(dropping: 2)
        defer { Task { try? await server.shutdown() } }
        let client = try HTTPClient()
        defer { client.shutdown() }
        _ = try await client.execute(HTTPRequest(method: "GET", url: server.baseURL + "/a"))
        let second = try await client.execute(HTTPRequest(method: "GET", url: server.baseURL + "/b"))
        #expect(second.status == 200)
        #expect(server.requests.map(\.path) == ["/a", "/b", "/b"])
    }

    @Test func otherMethodsThatChangeThingsAreNotResentEither() async throws {
        for method in ["PUT", "PATCH", "DELETE"] {
            let server = try await server(dropping: 2)
            let client = try HTTPClient()
            _ = try await client.execute(HTTPRequest(method: method, url: server.baseURL + "/x"))
            do {
                _ = try await client.execute(HTTPRequest(method: method, url: server.baseURL + "/x"))
                Issue.record("\(method): expected a lost answer")
            } catch {
                #expect(error.kind == .answerLost, "\(method): \(error)")
            }
            #expect(server.requestCount == 2, "\(method)")
            client.shutdown()
            try await server.shutdown()
        }
    }

    @Test func aTimeoutAfterTheRequestWasSentIsAnUnknownOutcome() async throws {
        let server = try await LoopbackHTTPServer.start { _ in
            try? await Task.sleep(for: .seconds(2))
            return .json(201, "{}")
        }
        defer { Task { try? await server.shutdown() } }
        let client = try HTTPClient()
        defer { client.shutdown() }
        do {
            _ = try await client.execute(
                HTTPRequest(method: "POST", url: server.baseURL + "/slow", body: [1], timeout: .milliseconds(300)))
            Issue.record("expected a timeout")
        } catch {
            #expect(error.kind == .timeout)
            #expect(error.requestSent)
            #expect(error.outcomeUnknown)
        }
    }

    @Test func aFailedConnectWasNeverSent() async throws {
        let server = try await LoopbackHTTPServer.start { _ in StubResponse() }
        let port = server.port
        try await server.shutdown()
        let client = try HTTPClient()
        defer { client.shutdown() }
        do {
            _ = try await client.execute(HTTPRequest(method: "POST", url: "http://127.0.0.1:\(port)/x", body: [1]))
            Issue.record("expected a connect failure")
        } catch {
            #expect(error.kind == .connect)
            #expect(!error.requestSent)
            #expect(!error.outcomeUnknown)
        }
    }

    @Test func theSendObserverHearsOfEachChangingRequestOnce() async throws {
        let server = try await LoopbackHTTPServer.start { _ in .json(200, "{}") }
        defer { Task { try? await server.shutdown() } }
        let client = try HTTPClient()
        defer { client.shutdown() }
        let heard = Mutex(0)
        try await SendObserver.$current.withValue(SendObserver { heard.withLock { $0 += 1 } }) {
            _ = try await client.execute(HTTPRequest(method: "GET", url: server.baseURL + "/lookup"))
            #expect(heard.withLock { $0 } == 0, "a GET look-up is not a send")
            _ = try await client.execute(HTTPRequest(method: "POST", url: server.baseURL + "/posts", body: [1]))
            #expect(heard.withLock { $0 } == 1)
        }
        // Outside the observer's scope nothing is heard.
        _ = try await client.execute(HTTPRequest(method: "POST", url: server.baseURL + "/posts", body: [2]))
        #expect(heard.withLock { $0 } == 1)
    }
}
