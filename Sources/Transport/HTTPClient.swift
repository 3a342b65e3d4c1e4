// An async HTTP client over libcurl's multi interface.
//
// Written by hand because no async libcurl binding exists in the project's package set, and the
// project requires libcurl (TLS, proxies and connection reuse as operators know them from curl).
// Design (DESIGN.md §11): one dedicated thread per client drives a CURLM with curl_multi_poll;
// requests are handed over through a lock-protected inbox plus curl_multi_wakeup, and completions
// resume continuations. No thread blocks per request.

import CCurl
import CCurlShims
import Logging

/// curl_global_init, run exactly once per process before any thread uses curl
/// (a Swift global is initialised lazily and thread-safely on first use).
let curlGlobalInitResult: Int = Int(ccurl_global_init_default().rawValue)

let transportLogger = Logger(label: "cchc.transport")

/// An asynchronous HTTP/1.1 client (HTTP/2 over TLS where the server offers it) on libcurl.
///
/// One client owns one thread running libcurl's multi interface, so thousands of requests can be
/// in flight without a thread each; connections are kept alive and reused per host, up to
/// ``HTTPClientConfiguration/maxConnectionsPerHost``. Redirects are not followed (a 3xx is a
/// response). Proxies follow libcurl's defaults: `http_proxy`, `https_proxy` and `no_proxy` from
/// the environment apply. Create one client per process (or per very different configuration)
/// and call ``shutdown()`` when done.
public final class HTTPClient: Sendable {
    private let loop: CurlMultiLoop

    /// Creates a client and starts its libcurl thread.
    ///
    /// Throws ``TransportError`` (kind `.other`) when libcurl cannot be initialised.
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) throws(TransportError) {
        loop = try CurlMultiLoop(configuration: configuration)
    }

    deinit {
        loop.shutdown()
    }

    /// Performs one request and returns the response, whatever its status.
    ///
    /// Throws ``TransportError`` when no response was received: connection failure, timeout, TLS
    /// failure, a body over the size limit, an invalid request, or cancellation of the calling task
    /// (the transfer is then aborted at once) or of the client.
    public func execute(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        if Task.isCancelled {
            throw TransportError(kind: .cancelled, message: "task cancelled before the request started")
        }
        let transfer = try Transfer(request: request, configuration: loop.configuration)
        let loop = self.loop
        let result = await withTaskCancellationHandler {
            await withUnsafeContinuation {
                (continuation: UnsafeContinuation<Result<HTTPResponse, TransportError>, Never>) in
                if transfer.install(continuation) {
                    loop.submit(transfer)
                }
            }
        } onCancel: {
            if transfer.finish(.failure(TransportError(kind: .cancelled, message: "task cancelled"))) {
                loop.cancel(transfer)
            }
        }
        return try result.get()
    }

    /// Stops the client: in-flight and queued requests fail with `.cancelled`, and the libcurl
    /// thread is joined.
    ///
    /// Idempotent; later ``execute(_:)`` calls fail with `.cancelled`. Do not call from inside a
    /// request's completion path on the client's own thread (there is none exposed, so in
    /// practice: any caller is fine).
    public func shutdown() {
        loop.shutdown()
    }
}
