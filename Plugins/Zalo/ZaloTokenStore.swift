import ChannelConfig
import ChannelKit
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The OA's token pair as kept in the state folder: the access token (≈25 h) and the single-use
/// refresh token (≈3 months) that buys the next pair.
public struct ZaloTokenPair: Sendable, Hashable {
    public var accessToken: Secret
    public var refreshToken: Secret
    /// When the access token stops working (from the `expires_in` Zalo gave with it).
    public var accessExpiresAt: Date
    /// When the pair was obtained (seeded by an operator or refreshed by the channel).
    public var obtainedAt: Date

    public init(accessToken: Secret, refreshToken: Secret, accessExpiresAt: Date, obtainedAt: Date) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.accessExpiresAt = accessExpiresAt
        self.obtainedAt = obtainedAt
    }
}

/// The token file of one Zalo channel: `<state_dir>/zalo/<channel>.tokens.json`, mode 0600.
///
/// Every write is atomic and durable (write a temporary file, fsync it, rename it over the old one,
/// fsync the folder), so after a crash at any point the file holds either the old pair or the new
/// one — never a torn mix. The channel writes a refreshed pair here *before* it uses the new access
/// token: the refresh token Zalo just spent is never the only one we hold once we act on the answer.
public struct ZaloTokenStore: Sendable {
    public let path: String

    public init(stateDirectory: String, channel: String) {
        path = stateDirectory + "/zalo/" + channel + ".tokens.json"
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The stored pair, or nil when the file does not exist (never seeded).
    public func load() throws(Failure) -> ZaloTokenPair? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(message: "cannot read the Zalo token file \(path)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let access = object["access_token"] as? String, !access.isEmpty,
            let refresh = object["refresh_token"] as? String, !refresh.isEmpty,
            let expires = (object["access_expires_at"] as? NSNumber)?.doubleValue,
            let obtained = (object["obtained_at"] as? NSNumber)?.doubleValue
        else {
            throw Failure(
                message:
                    "the Zalo token file \(path) is not a token pair written by cchc (seed it again with cchc zalo seed-token)"
            )
        }
        return ZaloTokenPair(
            accessToken: Secret(access), refreshToken: Secret(refresh),
            accessExpiresAt: Date(timeIntervalSince1970: expires), obtainedAt: Date(timeIntervalSince1970: obtained))
    }

    /// An exclusive lock on the token file (`<file>.lock`, flock) held across one refresh.
    public final class Lock: Sendable {
        let fd: Int32
        init(fd: Int32) { self.fd = fd }
        public func release() {
            flock(fd, LOCK_UN)
            close(fd)
        }
    }

    /// Takes the lock, waiting (without blocking a thread) while another process holds it, at most 2 minutes.
    public func lock() async throws(Failure) -> Lock {
        _ = try makeFolder()
        let fd = open(path + ".lock", O_RDWR | O_CREAT, 0o600)
        guard fd >= 0 else {
            throw Failure(message: "cannot open \(path).lock: \(String(cString: strerror(errno)))")
        }
        for _ in 0..<2400 {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return Lock(fd: fd) }
            guard errno == EWOULDBLOCK || errno == EINTR else { break }
            do { try await Task.sleep(for: .milliseconds(50)) } catch { break }
        }
        close(fd)
        throw Failure(message: "another process holds \(path).lock (a token refresh in progress)")
    }

    /// Creates `<state_dir>/zalo` (mode 0700) and the state folder when missing.
    private func makeFolder() throws(Failure) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let parent = (folder as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw Failure(message: "cannot create the state folder \(parent): \(error.localizedDescription)")
        }
        if mkdir(folder, 0o700) != 0 && errno != EEXIST {
            throw Failure(message: "cannot create the folder \(folder): \(String(cString: strerror(errno)))")
        }
        return folder
    }

    /// Writes the pair atomically and durably (temporary file, fsync, rename, fsync of the folder).
    public func save(_ pair: ZaloTokenPair) throws(Failure) {
        let folder = try makeFolder()
        let object: [String: Any] = [
            "access_token": pair.accessToken.reveal(), "refresh_token": pair.refreshToken.reveal(),
            "access_expires_at": pair.accessExpiresAt.timeIntervalSince1970,
            "obtained_at": pair.obtainedAt.timeIntervalSince1970, "format": 1,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            throw Failure(message: "cannot encode the token pair")
        }
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0o600)
        guard fd >= 0 else {
            throw Failure(message: "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        var ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        let writeErrno = errno
        close(fd)
        guard ok else {
            unlink(temporary)
            throw Failure(message: "cannot write \(temporary): \(String(cString: strerror(writeErrno)))")
        }
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw Failure(message: "cannot rename \(temporary) to \(path): \(String(cString: strerror(e)))")
        }
        let dirFD = open(folder, O_RDONLY | O_DIRECTORY)
        guard dirFD >= 0 else {
            throw Failure(message: "cannot open the folder \(folder): \(String(cString: strerror(errno)))")
        }
        defer { close(dirFD) }
        guard fsync(dirFD) == 0 else {
            throw Failure(message: "cannot fsync the folder \(folder): \(String(cString: strerror(errno)))")
        }
    }
}
