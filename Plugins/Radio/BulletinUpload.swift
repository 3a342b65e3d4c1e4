import ChannelHTTP
import ChannelKit
import Foundation
import Synchronization
import Transport

/// What was uploaded of a bulletin: its manifest's digest and the files, so a bulletin emptied later
/// (its items moved on) can be removed from the station's server too.
struct UploadedBulletin: Codable, Sendable, Hashable {
    var digest: String
    var files: [String]
}

/// A staged bulletin's bytes, read in one go so that an upload never mixes two versions.
struct StagedBulletin: Sendable {
    var id: String
    /// In upload order; the manifest last.
    var files: [(name: String, data: Data)]
    var manifestDigest: String

    /// The upload state file: bulletin id → what was uploaded. Files written before the file names
    /// were kept (a digest string only) read as bulletins with the usual file names.
    static func loadUploaded(_ path: String) -> [String: UploadedBulletin] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        if let map = try? JSONDecoder().decode([String: UploadedBulletin].self, from: data) { return map }
        if let old = try? JSONDecoder().decode([String: String].self, from: data) {
            return old.mapValues { digest in
                UploadedBulletin(digest: digest, files: [])
            }
        }
        return [:]
    }

    /// Staged bulletins whose manifest differs from the last uploaded one, bulletins uploaded but no
    /// longer staged whose air time is still to come (emptied: to remove remotely), and the uploaded
    /// state, which forgets bulletins no longer staged whose air time has passed (retired staging
    /// copies: the station's server keeps them).
    static func snapshot(
        folder: String, uploadedState: String, force: String?, now: Date, airTime: (String) -> Date?
    ) -> (
        pending: [StagedBulletin], emptied: [(id: String, files: [String])], uploaded: [String: UploadedBulletin]
    ) {
        var uploaded = loadUploaded(uploadedState)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
            $0.hasSuffix(".manifest.json") && !$0.hasPrefix(".")
        }.sorted()
        var pending: [StagedBulletin] = []
        for name in names {
            guard let manifest = FileManager.default.contents(atPath: "\(folder)/\(name)"),
                let object = try? JSONSerialization.jsonObject(with: manifest) as? [String: Any],
                let id = object["bulletin"] as? String, let files = object["files"] as? [[String: Any]]
            else { continue }
            let digest = RenderedBulletin.sha256(manifest)
            guard uploaded[id]?.digest != digest || id == force else { continue }
            var out: [(String, Data)] = []
            for f in files {
                guard let n = f["name"] as? String, let data = FileManager.default.contents(atPath: "\(folder)/\(n)")
                else { continue }
                out.append((n, data))
            }
            out.append((name, manifest))
            pending.append(StagedBulletin(id: id, files: out, manifestDigest: digest))
        }
        // Bulletins uploaded but no longer staged were emptied: the manifest goes first (a player that
        // reads manifests never sees one whose files are gone), then the files.
        let live = Set(pending.map(\.id)).union(names.map { String($0.dropLast(".manifest.json".count)) })
        for id in uploaded.keys where !live.contains(id) {
            if let at = airTime(id), at <= now { uploaded[id] = nil }
        }
        let emptied = uploaded.filter { !live.contains($0.key) }.sorted { $0.key < $1.key }.map { id, record in
            let files = record.files.isEmpty ? ["txt", "docx", "wav", "mp3"].map { "\(id).\($0)" } : record.files
            return (id: id, files: ["\(id).manifest.json"] + files.filter { $0 != "\(id).manifest.json" })
        }
        return (pending, emptied, uploaded)
    }
}

/// Uploads bulletins, one station's upload at a time (an async lock keeps two publishes from
/// uploading two versions of a bulletin in the wrong order).
final class BulletinUploader: Sendable {
    let http: HTTPClient?
    private let state = Mutex<(locked: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init(http: HTTPClient?) { self.http = http }

    func exclusively<T: Sendable>(_ body: () async -> T) async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if !s.locked {
                    s.locked = true
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
        let result = await body()
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.locked = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
        return result
    }

    /// Sends every file of a bulletin, the manifest last. A re-sent file replaces the remote one.
    func send(_ bulletin: StagedBulletin, to upload: RadioUpload) async -> ChannelError? {
        for (name, data) in bulletin.files {
            if Task.isCancelled { return ChannelError(.cancelled, "upload cancelled") }
            let error: ChannelError?
            if upload.isHTTP {
                error = await sendHTTP(name: name, data: data, bulletin: bulletin.id, to: upload)
            } else {
                error = await RadioChannel.offPool { Self.sendFile(name: name, data: data, to: upload) }
            }
            if let error { return error }
        }
        return nil
    }

    static func options(_ upload: RadioUpload) -> RemoteFileOptions {
        RemoteFileOptions(
            username: upload.username, password: upload.password?.reveal(), sshHostKeySHA256: upload.hostKeySHA256,
            sshKnownHosts: upload.knownHosts, sshPrivateKeyFile: upload.privateKeyFile)
    }

    /// Removes an emptied bulletin's files from the station's server (HTTP `PUT` uploads: `DELETE`
    /// each file; `POST` uploads have no address to remove, so they are left).
    func remove(_ files: [String], bulletin: String, from upload: RadioUpload) async -> ChannelError? {
        if upload.isHTTP {
            guard upload.method == "PUT", let http else { return nil }
            for name in files {
                var headers: HTTPHeaders = ["X-CCHC-Bulletin": bulletin]
                if let user = upload.username {
                    let token = Data("\(user):\(upload.password?.reveal() ?? "")".utf8).base64EncodedString()
                    headers.add(name: "Authorization", value: "Basic \(token)")
                }
                do throws(TransportError) {
                    let response = try await http.execute(
                        HTTPRequest(method: "DELETE", url: upload.url + name, headers: headers))
                    // Gone already is removed.
                    guard (200...299).contains(response.status) || response.status == 404 || response.status == 410
                    else {
                        return HTTPOutcome.channelError(response, action: "removing \(name)")
                    }
                } catch {
                    switch HTTPOutcome.failure(error, action: "removing \(name)") {
                    case .retry(let e, _), .failed(let e): return e
                    case .delivered: return nil
                    }
                }
            }
            return nil
        }
        return await RadioChannel.offPool {
            do throws(TransportError) {
                try FileUpload.remove(files, inFolder: upload.url, options: Self.options(upload))
                return nil
            } catch {
                switch HTTPOutcome.failure(error, action: "removing bulletin \(bulletin)") {
                case .retry(let e, _), .failed(let e): return e
                case .delivered: return nil
                }
            }
        }
    }

    private static func sendFile(name: String, data: Data, to upload: RadioUpload) -> ChannelError? {
        do throws(TransportError) {
            try FileUpload.upload([UInt8](data), to: upload.url + name, options: options(upload))
            return nil
        } catch {
            switch HTTPOutcome.failure(error, action: "upload of \(name)") {
            case .retry(let e, _), .failed(let e): return e
            case .delivered: return nil
            }
        }
    }

    private func sendHTTP(name: String, data: Data, bulletin: String, to upload: RadioUpload) async -> ChannelError? {
        guard let http else { return ChannelError(.config, "no HTTP client for HTTP uploads") }
        var headers: HTTPHeaders = [
            "Content-Type": Self.contentType(name), "X-CCHC-Filename": name, "X-CCHC-Bulletin": bulletin,
        ]
        if let user = upload.username {
            let token = Data("\(user):\(upload.password?.reveal() ?? "")".utf8).base64EncodedString()
            headers.add(name: "Authorization", value: "Basic \(token)")
        }
        let url = upload.method == "PUT" ? upload.url + name : upload.url
        do throws(TransportError) {
            let response = try await http.execute(
                HTTPRequest(method: upload.method, url: url, headers: headers, body: [UInt8](data)))
            guard (200...299).contains(response.status) else {
                return HTTPOutcome.channelError(response, action: "upload of \(name)")
            }
            return nil
        } catch {
            switch HTTPOutcome.failure(error, action: "upload of \(name)") {
            case .retry(let e, _), .failed(let e): return e
            case .delivered: return nil
            }
        }
    }

    static func contentType(_ name: String) -> String {
        if name.hasSuffix(".txt") { return "text/plain; charset=utf-8" }
        if name.hasSuffix(".json") { return "application/json" }
        if name.hasSuffix(".docx") { return "application/vnd.openxmlformats-officedocument.wordprocessingml.document" }
        if name.hasSuffix(".wav") { return "audio/wav" }
        if name.hasSuffix(".mp3") { return "audio/mpeg" }
        return "application/octet-stream"
    }
}
