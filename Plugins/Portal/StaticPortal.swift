import ChannelConfig
import ChannelKit
import Foundation
import Glibc
import Rendering

/// The `static` preset: each item becomes `<slug>.html` in a folder, with `index.html` (newest
/// first) and `feed.xml` (RSS 2.0) regenerated from every item published there, for portals that
/// publish from files.
///
/// The list of published items is kept in `.items.json` in the same folder. Every file is written
/// atomically (temporary file in the folder, fsync, rename, fsync of the folder), so a reader or a
/// crash never sees half a page. Writes to one folder are serialised by one ``StaticSite`` actor per
/// folder, shared by every channel instance that writes there.
struct StaticPortal: Sendable {
    let output: String
    let siteTitle: String
    let baseURL: String?
    let timeZone: TimeZone

    init(section: ConfigSection, context: ChannelContext) throws(ConfigError) {
        guard let output = try section.path("output"), !output.isEmpty else {
            throw section.error("output", "is required (the folder the pages are written to)")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw section.error("output", "\(output) is a file, not a folder")
        }
        self.output = URL(fileURLWithPath: output).standardizedFileURL.path
        siteTitle = try section.string("site_title") ?? "Tin cải cách hành chính"
        if var base = try section.httpURL("base_url", required: false) {
            while base.hasSuffix("/") { base.removeLast() }
            baseURL = base
        } else {
            baseURL = nil
        }
        timeZone = context.timeZone
    }

    func url(forSlug slug: String) -> String {
        if let baseURL { return baseURL + "/" + slug + ".html" }
        return URL(fileURLWithPath: output).appendingPathComponent(slug + ".html").absoluteString
    }

    func publish(_ request: PublishRequest) async -> PublishOutcome {
        let item = request.item
        let slug = WordPressPortal.slug(for: item.id)
        let entry = StaticSite.Entry(
            slug: slug, id: item.id, title: item.title, summary: item.summary ?? "",
            date: RFC3339.string(from: item.publishAt ?? Date(), timeZone: timeZone), unit: item.unit,
            topic: item.topic.key, topicLabel: item.topic.label, url: url(forSlug: slug))
        let page = StaticPages.page(
            entry: entry, bodyHTML: Markdown.rendered(item.body).html, media: item.media, siteTitle: siteTitle,
            indexURL: baseURL.map { $0 + "/index.html" } ?? "index.html")
        do {
            let replaced = try await StaticSite.forFolder(output).publish(
                entry: entry, page: page, siteTitle: siteTitle, baseURL: baseURL, timeZone: timeZone)
            return .delivered(
                ChannelResult(remoteID: slug, url: entry.url), detail: replaced ? "page rewritten" : "page written")
        } catch {
            return .retry(ChannelError(.local, "writing \(output): \(error.message)"))
        }
    }

    func check() throws(ChannelError) -> String {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: output, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, fm.isWritableFile(atPath: output) else {
                throw ChannelError(.local, "thư mục \(output) không ghi được")
            }
            return "thư mục \(output) ghi được"
        }
        let parent = URL(fileURLWithPath: output).deletingLastPathComponent().path
        guard fm.isWritableFile(atPath: parent) else {
            throw ChannelError(.local, "chưa có thư mục \(output) và không tạo được trong \(parent)")
        }
        return "thư mục \(output) sẽ được tạo khi đăng bài đầu tiên"
    }
}

/// One output folder: its item list and the files generated from it.
actor StaticSite {
    struct Entry: Codable, Sendable, Hashable {
        var slug: String
        var id: String
        var title: String
        var summary: String
        /// RFC 3339: the item's publish time, else when it was written.
        var date: String
        var unit: String
        var topic: String
        var topicLabel: String
        var url: String
    }

    struct WriteError: Error { var message: String }

    let folder: String

    private init(folder: String) { self.folder = folder }

    private static let sites = Mutex<[String: StaticSite]>([:])

    /// The one actor for `folder`.
    static func forFolder(_ folder: String) -> StaticSite {
        sites.withLock { sites in
            if let site = sites[folder] { return site }
            let site = StaticSite(folder: folder)
            sites[folder] = site
            return site
        }
    }

    static let itemsFile = ".items.json"

    /// Writes the page, then the item list, index and feed. Returns true when the slug was there already.
    func publish(entry: Entry, page: String, siteTitle: String, baseURL: String?, timeZone: TimeZone)
        throws(WriteError) -> Bool
    {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw WriteError(message: "cannot create the folder: \(error.localizedDescription)")
        }
        var entries = try loadEntries()
        let replaced = entries.contains { $0.slug == entry.slug }
        entries.removeAll { $0.slug == entry.slug }
        entries.append(entry)
        // Newest first; the RFC 3339 texts may carry different offsets, so compare as dates.
        entries.sort { a, b in
            let da = StaticPages.date(a.date) ?? .distantPast
            let db = StaticPages.date(b.date) ?? .distantPast
            return da != db ? da > db : a.slug > b.slug
        }

        try AtomicFile.write(Array(page.utf8), to: folder + "/" + entry.slug + ".html")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(entries) else { throw WriteError(message: "cannot encode the item list") }
        try AtomicFile.write(Array(data), to: folder + "/" + Self.itemsFile)
        try AtomicFile.write(
            Array(StaticPages.index(entries: entries, siteTitle: siteTitle, baseURL: baseURL).utf8),
            to: folder + "/index.html")
        try AtomicFile.write(
            Array(StaticPages.feed(entries: entries, siteTitle: siteTitle, baseURL: baseURL, timeZone: timeZone).utf8),
            to: folder + "/feed.xml")
        return replaced
    }

    private func loadEntries() throws(WriteError) -> [Entry] {
        let path = folder + "/" + Self.itemsFile
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        do {
            return try JSONDecoder().decode([Entry].self, from: data)
        } catch {
            // Never silently drop the list of published pages: an operator must look.
            throw WriteError(message: "\(path) is damaged (\(error)); fix or remove it")
        }
    }
}

/// A lock-protected value (Synchronization's `Mutex` needs macOS 15 in Package.swift's platforms;
/// this keeps the plugin free of that question).
final class Mutex<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// Whole-file replacement that readers and crashes never see half done.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws(StaticSite.WriteError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".tmp-" + UUID().uuidString.prefix(8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = failure("cannot write \(temporary)")
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += n
        }
        guard fsync(fd) == 0 else {
            let error = failure("cannot sync \(temporary)")
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot rename \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
        // The rename itself is durable only once the folder is synced.
        let dirFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    private static func failure(_ what: String) -> StaticSite.WriteError {
        StaticSite.WriteError(message: "\(what): \(String(cString: strerror(errno)))")
    }
}
