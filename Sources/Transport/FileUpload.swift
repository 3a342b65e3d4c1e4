// Uploading a file to FTP, FTPS or SFTP with a libcurl easy transfer.

import CCurl
import CCurlShims
import Foundation

/// How to reach a remote folder: credentials and, for SFTP, how the server proves who it is.
public struct RemoteFileOptions: Sendable {
    public var username: String?
    /// Never appears in errors.
    public var password: String?
    /// SFTP: the server's host key, the base64 SHA-256 fingerprint `ssh-keygen -lf` prints (with or
    /// without the `SHA256:` prefix and `=` padding). A server with another key is refused.
    public var sshHostKeySHA256: String?
    /// SFTP: an OpenSSH `known_hosts` file that lists the server; an unlisted or changed key is refused.
    public var sshKnownHosts: String?
    /// SFTP: a private key file for public-key login (instead of, or as well as, the password); the
    /// password, when given, unlocks an encrypted key.
    public var sshPrivateKeyFile: String?
    public var configuration: HTTPClientConfiguration

    public init(
        username: String? = nil, password: String? = nil, sshHostKeySHA256: String? = nil,
        sshKnownHosts: String? = nil, sshPrivateKeyFile: String? = nil,
        configuration: HTTPClientConfiguration = HTTPClientConfiguration()
    ) {
        self.username = username
        self.password = password
        self.sshHostKeySHA256 = sshHostKeySHA256
        self.sshKnownHosts = sshKnownHosts
        self.sshPrivateKeyFile = sshPrivateKeyFile
        self.configuration = configuration
    }
}

/// Uploads files to and removes files from `ftp://`, `ftps://` and `sftp://` folders with libcurl easy
/// transfers.
///
/// An upload is never seen half-written: the bytes go to `.<name>.part` in the same folder, which is
/// then renamed over `<name>` (FTP `RNFR`/`RNTO`; SFTP removes the old `<name>` first, because an SFTP
/// rename onto an existing file fails on OpenSSH servers), replacing an earlier version. Missing
/// folders are created.
///
/// SFTP is refused unless the server's host key is pinned (``RemoteFileOptions/sshHostKeySHA256``) or
/// listed in a known_hosts file (``RemoteFileOptions/sshKnownHosts``): an unverified server could be
/// anyone, and the password would go to it.
///
/// The transfers block: call them from a thread of your own, never from Swift's cooperative pool.
/// (HTTP uploads go through ``HTTPClient``, which is asynchronous.)
public enum FileUpload {
    /// - Parameters:
    ///   - data: The file's bytes.
    ///   - url: The final file's URL (`ftp://host:21/dai/tan-lap/2026-11-22-0600.txt`).
    ///   - username, password: Credentials; the password never appears in errors.
    /// - Throws: ``TransportError``: `.connect`, `.timeout`, `.tls` (also an SFTP host key that does not
    ///   match), `.invalidRequest`, or `.other` for a refused login or a failed command.
    public static func upload(
        _ data: [UInt8], to url: String, username: String? = nil, password: String? = nil,
        configuration: HTTPClientConfiguration = HTTPClientConfiguration()
    ) throws(TransportError) {
        try upload(
            data, to: url,
            options: RemoteFileOptions(username: username, password: password, configuration: configuration))
    }

    public static func upload(_ data: [UInt8], to url: String, options: RemoteFileOptions) throws(TransportError) {
        let target = try RemoteTarget(url)
        let partName = ".\(target.name).part"
        var commands: [String] = []
        if target.scheme == "sftp" {
            // `*`: go on when there is no earlier version to remove.
            commands.append("*rm \"\(target.folderPath)\(target.name)\"")
            commands.append("rename \"\(target.folderPath)\(partName)\" \"\(target.folderPath)\(target.name)\"")
        } else {
            commands.append("RNFR \(partName)")
            commands.append("RNTO \(target.name)")
        }
        try perform(
            url: target.folderURL + partName, scheme: target.scheme, upload: data, postQuote: commands, options: options
        )
    }

    /// Removes files of one remote folder (`ftp://host/dai/tan-lap/`), in the order given, on one
    /// connection. A file that is not there counts as removed.
    /// - Throws: ``TransportError`` when the server cannot be reached or refuses the login.
    public static func remove(_ names: [String], inFolder folderURL: String, options: RemoteFileOptions)
        throws(TransportError)
    {
        guard !names.isEmpty else { return }
        let target = try RemoteTarget(folderURL + (names.first ?? ""))
        var commands: [String] = []
        for name in names {
            guard !name.isEmpty, !name.contains("/"), !name.contains("\""), !name.contains("\n") else {
                throw TransportError(kind: .invalidRequest, message: "not a file name: \(name)")
            }
            // `*`: a file already gone is not an error.
            commands.append(target.scheme == "sftp" ? "*rm \"\(target.folderPath)\(name)\"" : "*DELE \(name)")
        }
        try perform(url: target.folderURL, scheme: target.scheme, upload: nil, postQuote: commands, options: options)
    }

    /// A file URL taken apart.
    struct RemoteTarget {
        var scheme: String
        /// Ends with `/`.
        var folderURL: String
        /// SFTP: the folder's path from the server's root, ending with `/`.
        var folderPath: String
        var name: String

        init(_ url: String) throws(TransportError) {
            guard let slash = url.lastIndex(of: "/"), let schemeEnd = url.range(of: "://"),
                slash > schemeEnd.upperBound
            else {
                throw TransportError(kind: .invalidRequest, message: "not a file URL: \(url)")
            }
            scheme = url[..<schemeEnd.lowerBound].lowercased()
            guard ["ftp", "ftps", "sftp"].contains(scheme) else {
                throw TransportError(kind: .invalidRequest, message: "unsupported scheme \(scheme) (ftp, ftps, sftp)")
            }
            folderURL = String(url[...slash])
            name = String(url[url.index(after: slash)...])
            guard !name.isEmpty, !name.contains(" ") else {
                throw TransportError(kind: .invalidRequest, message: "no file name in \(url)")
            }
            // SFTP quote commands take paths from the server's root.
            let path = folderURL[schemeEnd.upperBound...]
            folderPath = path.firstIndex(of: "/").map { String(path[$0...]) } ?? "/"
        }
    }

    /// One libcurl transfer: an upload of `upload` to `url`, or (nil) a connection that only runs the
    /// commands; `postQuote` runs after it.
    private static func perform(
        url: String, scheme: String, upload: [UInt8]?, postQuote: [String], options: RemoteFileOptions
    ) throws(TransportError) {
        _ = curlGlobalInit
        if scheme == "sftp" && options.sshHostKeySHA256 == nil && options.sshKnownHosts == nil {
            throw TransportError(
                kind: .invalidRequest,
                message:
                    "sftp needs the server's host key (host_key_sha256 or known_hosts): refusing an unverified server")
        }
        guard let h = curl_easy_init() else { throw TransportError(kind: .other, message: "curl_easy_init failed") }
        defer { curl_easy_cleanup(h) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(ccurl_error_size()))
        errorBuffer.initialize(repeating: 0, count: Int(ccurl_error_size()))
        defer { errorBuffer.deallocate() }
        let source = UploadSource(upload ?? [])
        let sourcePointer = Unmanaged.passRetained(source)
        defer { sourcePointer.release() }

        var quote: UnsafeMutablePointer<curl_slist>?
        for command in postQuote { quote = curl_slist_append(quote, command) }
        defer { curl_slist_free_all(quote) }

        var code = ccurl_easy_setopt_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer)
        func set(_ c: CURLcode) { if code == CURLE_OK { code = c } }
        set(ccurl_easy_setopt_string(h, CURLOPT_URL, url))
        set(ccurl_easy_setopt_long(h, CURLOPT_NOSIGNAL, 1))
        if let upload {
            set(ccurl_easy_setopt_long(h, CURLOPT_UPLOAD, 1))
            set(ccurl_easy_setopt_off_t(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(upload.count)))
            set(ccurl_easy_setopt_read_callback(h, uploadRead))
            set(ccurl_easy_setopt_pointer(h, CURLOPT_READDATA, sourcePointer.toOpaque()))
            set(ccurl_easy_setopt_long(h, CURLOPT_FTP_CREATE_MISSING_DIRS, 1))
        } else {
            // Only the commands: no listing, no transfer.
            set(ccurl_easy_setopt_long(h, CURLOPT_NOBODY, 1))
        }
        set(ccurl_easy_setopt_slist(h, CURLOPT_POSTQUOTE, quote))
        let configuration = options.configuration
        set(
            ccurl_easy_setopt_long(
                h, CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout.components.seconds * 1000)))
        set(ccurl_easy_setopt_long(h, CURLOPT_TIMEOUT_MS, Int(configuration.timeout.components.seconds * 1000)))
        if let username = options.username { set(ccurl_easy_setopt_string(h, CURLOPT_USERNAME, username)) }
        if let password = options.password {
            set(ccurl_easy_setopt_string(h, CURLOPT_PASSWORD, password))
            if options.sshPrivateKeyFile != nil { set(ccurl_easy_setopt_string(h, CURLOPT_KEYPASSWD, password)) }
        }
        if let key = options.sshHostKeySHA256 {
            let bare = key.hasPrefix("SHA256:") ? String(key.dropFirst(7)) : key
            set(ccurl_easy_setopt_string(h, CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256, bare))
        }
        if let knownHosts = options.sshKnownHosts {
            set(ccurl_easy_setopt_string(h, CURLOPT_SSH_KNOWNHOSTS, knownHosts))
        }
        if let keyFile = options.sshPrivateKeyFile {
            set(ccurl_easy_setopt_string(h, CURLOPT_SSH_PRIVATE_KEYFILE, keyFile))
        }
        if let caFile = configuration.caFile { set(ccurl_easy_setopt_string(h, CURLOPT_CAINFO, caFile)) }
        if let caPath = configuration.caPath { set(ccurl_easy_setopt_string(h, CURLOPT_CAPATH, caPath)) }
        guard code == CURLE_OK else {
            throw TransportError(kind: .invalidRequest, curlCode: Int(code.rawValue), message: "bad transfer options")
        }
        code = curl_easy_perform(h)
        guard code == CURLE_OK else {
            var message = String(cString: errorBuffer)
            if message.isEmpty { message = String(cString: curl_easy_strerror(code)) }
            if let password = options.password, !password.isEmpty {
                message = message.replacingOccurrences(of: password, with: "***")
            }
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
