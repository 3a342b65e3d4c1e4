// Uploading a file to FTP, FTPS or SFTP with a libcurl easy transfer.

import CCurl
import CCurlShims
import Foundation

/// Uploads one file to an `ftp://`, `ftps://` or `sftp://` URL so that the remote file is never
/// seen half-written: the bytes go to `.<name>.part` in the same folder, which is then renamed over
/// `<name>` (FTP `RNFR`/`RNTO`, SFTP `rename`), replacing an earlier version. Missing folders are
/// created.
///
/// The transfer is a blocking libcurl easy transfer: call it from a thread of your own, never from
/// Swift's cooperative pool. (HTTP uploads go through ``HTTPClient``, which is asynchronous.)
public enum FileUpload {
    /// - Parameters:
    ///   - data: The file's bytes.
    ///   - url: The final file's URL (`ftp://host:21/dai/tan-lap/2026-11-22-0600.txt`).
    ///   - username, password: Credentials; the password never appears in errors.
    /// - Throws: ``TransportError``: `.connect`, `.timeout`, `.tls`, `.invalidRequest`, or `.other`
    ///   for a refused login or a failed command (with libcurl's message).
    public static func upload(
        _ data: [UInt8], to url: String, username: String? = nil, password: String? = nil,
        configuration: HTTPClientConfiguration = HTTPClientConfiguration()
    ) throws(TransportError) {
        _ = curlGlobalInit
        guard let slash = url.lastIndex(of: "/"), let schemeEnd = url.range(of: "://"),
            slash > schemeEnd.upperBound
        else {
            throw TransportError(kind: .invalidRequest, message: "not a file URL: \(url)")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard ["ftp", "ftps", "sftp"].contains(scheme) else {
            throw TransportError(kind: .invalidRequest, message: "unsupported scheme \(scheme) (ftp, ftps, sftp)")
        }
        let folderURL = String(url[...slash])
        let name = String(url[url.index(after: slash)...])
        guard !name.isEmpty, !name.contains(" ") else {
            throw TransportError(kind: .invalidRequest, message: "no file name in \(url)")
        }
        let partName = ".\(name).part"

        guard let h = curl_easy_init() else { throw TransportError(kind: .other, message: "curl_easy_init failed") }
        defer { curl_easy_cleanup(h) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(ccurl_error_size()))
        errorBuffer.initialize(repeating: 0, count: Int(ccurl_error_size()))
        defer { errorBuffer.deallocate() }
        let source = UploadSource(data)
        let sourcePointer = Unmanaged.passRetained(source)
        defer { sourcePointer.release() }

        var quote: UnsafeMutablePointer<curl_slist>?
        if scheme == "sftp" {
            // SFTP quote commands take paths from the server's root.
            let path = folderURL.dropFirst(schemeEnd.upperBound.utf16Offset(in: folderURL))
            let folderPath = path.firstIndex(of: "/").map { String(path[$0...]) } ?? "/"
            quote = curl_slist_append(quote, "rename \"\(folderPath)\(partName)\" \"\(folderPath)\(name)\"")
        } else {
            quote = curl_slist_append(quote, "RNFR \(partName)")
            quote = curl_slist_append(quote, "RNTO \(name)")
        }
        defer { curl_slist_free_all(quote) }

        var code = ccurl_easy_setopt_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer)
        func set(_ c: CURLcode) { if code == CURLE_OK { code = c } }
        set(ccurl_easy_setopt_string(h, CURLOPT_URL, folderURL + partName))
        set(ccurl_easy_setopt_long(h, CURLOPT_UPLOAD, 1))
        set(ccurl_easy_setopt_long(h, CURLOPT_NOSIGNAL, 1))
        set(ccurl_easy_setopt_off_t(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(data.count)))
        set(ccurl_easy_setopt_read_callback(h, uploadRead))
        set(ccurl_easy_setopt_pointer(h, CURLOPT_READDATA, sourcePointer.toOpaque()))
        set(ccurl_easy_setopt_long(h, CURLOPT_FTP_CREATE_MISSING_DIRS, 1))
        set(ccurl_easy_setopt_slist(h, CURLOPT_POSTQUOTE, quote))
        set(
            ccurl_easy_setopt_long(
                h, CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout.components.seconds * 1000)))
        set(ccurl_easy_setopt_long(h, CURLOPT_TIMEOUT_MS, Int(configuration.timeout.components.seconds * 1000)))
        if let username { set(ccurl_easy_setopt_string(h, CURLOPT_USERNAME, username)) }
        if let password { set(ccurl_easy_setopt_string(h, CURLOPT_PASSWORD, password)) }
        if let caFile = configuration.caFile { set(ccurl_easy_setopt_string(h, CURLOPT_CAINFO, caFile)) }
        if let caPath = configuration.caPath { set(ccurl_easy_setopt_string(h, CURLOPT_CAPATH, caPath)) }
        guard code == CURLE_OK else {
            throw TransportError(kind: .invalidRequest, curlCode: Int(code.rawValue), message: "bad upload options")
        }
        code = curl_easy_perform(h)
        guard code == CURLE_OK else {
            var message = String(cString: errorBuffer)
            if message.isEmpty { message = String(cString: curl_easy_strerror(code)) }
            if let password, !password.isEmpty { message = message.replacingOccurrences(of: password, with: "***") }
            let kind: TransportError.Kind =
                switch code {
                case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT: .connect
                case CURLE_OPERATION_TIMEDOUT: .timeout
                case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_USE_SSL_FAILED,
                    CURLE_SSL_CACERT_BADFILE:
                    .tls
                case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: .invalidRequest
                case CURLE_LOGIN_DENIED, CURLE_REMOTE_ACCESS_DENIED: .invalidRequest
                default: .other
                }
            throw TransportError(kind: kind, curlCode: Int(code.rawValue), message: message)
        }
    }
}

/// The bytes being uploaded and how far libcurl has read.
private final class UploadSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// CURLOPT_READFUNCTION: copies the next bytes into libcurl's buffer.
private let uploadRead: ccurl_data_callback = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let source = Unmanaged<UploadSource>.fromOpaque(userdata).takeUnretainedValue()
    let n = min(size * count, source.bytes.count - source.offset)
    if n > 0 {
        source.bytes.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + source.offset, byteCount: n)
        }
        source.offset += n
    }
    return n
}

/// curl_global_init once per process, shared with the HTTP client.
private let curlGlobalInit: Int = Int(ccurl_global_init_default().rawValue)
