import ChannelHTTP
import ChannelKit
import Foundation
import Synchronization
import Transport

/// A staged bulletin's bytes, read in one go so that an upload never mixes two versions.
struct StagedBulletin: Sendable {
    var id: String
    /// In upload order; the manifest last.
    var files: [(name: String, data: Data)]
    var manifestDigest: String

    /// Staged bulletins whose manifest differs from the last uploaded one, and the uploaded state.
    static func snapshot(folder: String, uploadedState: String, force: String?) -> (
        pending: [StagedBulletin], uploaded: [String: String]
    ) {
        var uploaded: [String: String] = [:]
        if let data = FileManager.default.contents(atPath: uploadedState),
            let map = try? JSONDecoder().decode([String: String].self, from: data)
        {
            uploaded = map
        }
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
            guard uploaded[id] != digest || id == force else { continue }
            var out: [(String, Data)] = []
            for f in files {
                guard let n = f["name"] as? String, let data = FileManager.default.contents(atPath: "\(folder)/\(n)")
                else { continue }
                out.append((n, data))
            }
            out.append((name, manifest))
            pending.append(StagedBulletin(id: id, files: out, manifestDigest: digest))
        }
        // Drop the state of bulletins no longer staged.
        let live = Set(pending.map(\.id)).union(names.map { String($0.dropLast(".manifest.json".count)) })
        uploaded = uploaded.filter { live.contains($0.key) }
        return (pending, uploaded)
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

    private static func sendFile(name: String, data: Data, to upload: RadioUpload) -> ChannelError? {
        do throws(TransportError) {
            try FileUpload.upload(
                [UInt8](data), to: upload.url + name, username: upload.username, password: upload.password?.reveal())
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
