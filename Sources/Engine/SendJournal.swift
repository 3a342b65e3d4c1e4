import Foundation
import Queue

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Which deliveries this process handed to the network: "claimed" and "sent" are not the same thing.
///
/// The engine claims deliveries in batches before their sends start, so after a crash the store alone
/// cannot tell a send that was in flight from one that never left; on a channel that is not idempotent
/// both used to become `uncertain`, and a person had to resolve deliveries that never went out. The
/// journal tells them apart: one line per attempt handed to the network, appended with one `write(2)`
/// on a file opened `O_APPEND` — no fsync. A line written survives the process being killed (it is in
/// the kernel's page cache as soon as `write` returns), which is the failure this is for. It does not
/// survive a power loss or a kernel crash, so the file starts with the boot id: a journal from another
/// boot is not trusted, and recovery falls back to the old rule (every send in flight is uncertain).
///
/// When is a delivery "handed to the network"? For channels whose every send goes through the HTTP
/// transport (``ChannelKit/ChannelTraits/reportsSends``), when libcurl is about to write the first
/// request that can change something (not a GET look-up): ``Transport/SendObserver``. For the others,
/// when the engine calls the channel.
///
/// One file per process (`<owner>.sent`, in `state_dir/sent/`); recovery at start reads the files of
/// earlier processes, then removes them.
public final class SendJournal: Sendable {
    let directory: String
    let owner: String
    private let fd: Int32

    /// Opens this process's journal (`directory/<owner>.sent`), creating the folder (0700).
    public init(directory: String, owner: String) throws {
        self.directory = directory
        self.owner = owner
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = directory + "/" + Self.fileName(owner)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CocoaError(
                .fileWriteNoPermission,
                userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
        self.fd = fd
        let boot = Self.bootID() ?? "unknown"
        Self.append(fd, "boot \(boot) owner \(owner)\n")
    }

    deinit { close(fd) }

    /// Records that attempt `attempt` of `deliveryID` is being handed to the network. Thread-safe (one
    /// `write` on an `O_APPEND` file is atomic for lines this short); a few microseconds.
    public func sent(_ deliveryID: String, attempt: Int) {
        Self.append(fd, "S \(attempt) \(deliveryID)\n")
    }

    private static func append(_ fd: Int32, _ line: String) {
        var line = line
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    static func fileName(_ owner: String) -> String {
        String(owner.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }) + ".sent"
    }

    /// The kernel's id of this boot (`/proc/sys/kernel/random/boot_id`), or nil where there is none.
    static func bootID() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else {
            return nil
        }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : id
    }

    /// Reads the journals that earlier processes left in `directory` (all but `exceptOwner`'s). Only
    /// journals of this boot count; a folder that does not exist yields no evidence.
    public static func evidence(in directory: String, exceptOwner: String? = nil) -> (SendEvidence, files: [String]) {
        var evidence = SendEvidence()
        var files: [String] = []
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return (evidence, []) }
        let boot = bootID()
        for name in names.sorted() where name.hasSuffix(".sent") {
            if let exceptOwner, name == fileName(exceptOwner) { continue }
            let path = directory + "/" + name
            files.append(path)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            var owner: String?
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
                if owner == nil {
                    // "boot <id> owner <owner>"; a journal of another boot (or none) proves nothing.
                    let words = line.split(separator: " ")
                    guard words.count == 4, words[0] == "boot", words[2] == "owner", let boot,
                        words[1] == boot
                    else { break }
                    owner = String(words[3])
                    evidence.owners.insert(String(words[3]))
                    continue
                }
                // "S <attempt> <delivery id>", written before the request: a delivery without its line
                // was not handed to the network. (A kill does not tear a short write to a regular file.)
                let parts = line.split(separator: " ", maxSplits: 2)
                guard parts.count == 3, parts[0] == "S", let attempt = Int(parts[1]) else { continue }
                evidence.markSent(String(parts[2]), attempt: attempt)
            }
        }
        return (evidence, files)
    }

    /// Removes journals read by ``evidence(in:exceptOwner:)`` once recovery has committed.
    public static func remove(_ files: [String]) {
        for file in files { try? FileManager.default.removeItem(atPath: file) }
    }
}
