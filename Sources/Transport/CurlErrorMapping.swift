// libcurl result codes → TransportError kinds and redacted messages.

import CCurl
import CCurlShims
import Foundation
import Logging
import Synchronization

extension LoopState {
    func error(for code: CURLcode, transfer: Transfer, easy: EasyHandle) -> TransportError {
        var message = String(cString: easy.errorBuffer)
        if message.isEmpty { message = String(cString: curl_easy_strerror(code)) }
        message = transfer.redact(message)
        let kind: TransportError.Kind
        switch code {
        case CURLE_ABORTED_BY_CALLBACK where transfer.refusedResend:
            kind = .answerLost
            message =
                "the connection closed after the request was sent and before any answer "
                + "(the server may have acted on it; not sent again)"
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            kind = .connect
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_INITFAILED,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            kind = .tls
        case CURLE_WRITE_ERROR where transfer.tooLarge:
            kind = .tooLarge
            message = "response body exceeds \(transfer.maxResponseBytes) bytes"
        case CURLE_FILESIZE_EXCEEDED:
            kind = .tooLarge
            message = "response body exceeds \(transfer.maxResponseBytes) bytes"
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            kind = .invalidRequest
        case CURLE_GOT_NOTHING, CURLE_WEIRD_SERVER_REPLY, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM,
            CURLE_BAD_CONTENT_ENCODING, CURLE_HTTP3, CURLE_TOO_MANY_REDIRECTS:
            kind = .protocolError
        case CURLE_ABORTED_BY_CALLBACK:
            kind = .cancelled
        default:
            kind = .other
        }
        return TransportError(
            kind: kind, curlCode: Int(code.rawValue), message: message, requestSent: transfer.sends > 0)
    }
}
