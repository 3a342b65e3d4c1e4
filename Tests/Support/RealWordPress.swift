import Foundation

#if canImport(Glibc)
    import Glibc
#endif

public struct RealWordPressError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// A real WordPress (Debian's packages: WordPress 6.1, Apache with mod_php, MariaDB) on a free loopback
/// port, started by scripts/wordpress-test-server.py in a temporary folder that ``stop()`` removes.
///
/// It takes seconds to start (about 6 s on two cores): start one per test suite (see the portal tests'
/// `RealWordPressSite` trait) and give every test its own item ids. The site has one publishing user,
/// ``username``, with the Author role (the smallest that can create, publish, upload media and trash its
/// own posts through the REST API) and an Application Password, ``applicationPassword``.
///
/// Faults (``setFault(_:_:)``) are read by the site's must-use plugin (scripts/wordpress/cchc-faults.php)
/// on every request, so a test switches them without a restart; they apply to creating a post
/// (`POST /wp-json/wp/v2/posts`) only. The plugin also logs every REST request it sees
/// (``requestLog()``), before authentication, so a test can count POSTs at the server.
///
/// What the site holds is read with PHP (scripts/wordpress/cchc-site.php), not through the REST API, so
/// every status is seen (trashed posts and drafts included) whatever the user may read.
///
/// If WordPress is not installed, ``start(role:)`` throws with the reason (`scripts/install-deps.sh
/// --test` installs it): a test using it fails, it is never skipped.
/// `@unchecked Sendable`: the only mutable state (the armed faults) is behind a lock, and `Process` is
/// only asked whether it runs, signalled and waited for.
public final class RealWordPress: @unchecked Sendable {
    /// `http://127.0.0.1:PORT`, the portal channel's `url`.
    public let baseURL: String
    /// The publishing user's login (`cchc-bot`).
    public let username: String
    /// Its Application Password, in WordPress's groups of four (`abcd EFGH …`); generated at start.
    public let applicationPassword: String
    /// The user's role: `author` (default) or `editor`.
    public let role: String
    /// The site's folder: MariaDB's data, Apache's config, wp-content, logs (`log/`), the control folder.
    public let siteDirectory: String
    /// How long the script took from its start to the REST API answering.
    public let startupSeconds: Double

    /// The role of the publishing user.
    public enum Role: String, Sendable {
        case author, editor
    }

    /// Starts a site and waits until its REST API answers (the script gives up after 120 s).
    public static func start(role: Role = .author) async throws -> RealWordPress {
        try await offThePool { try RealWordPress(role: role) }
    }

    /// Stops Apache and MariaDB (SIGTERM to the script, which waits for them) and removes the site's
    /// folder. Safe to call twice. Throws when the script did not stop cleanly within 40 s (it is then
    /// killed) or left the site's folder behind. The script also stops by itself if this process dies.
    public func stop() async throws {
        try await offThePool { try self.stopBlocking() }
    }

    // MARK: Faults

    /// A fault of post creation (`POST /wp-json/wp/v2/posts`).
    public enum Fault: Sendable, Hashable {
        /// Sleeps that many seconds before the post is inserted (`rest_pre_insert_post`). PHP carries on
        /// after the client gives up: the post appears after the client's timeout.
        case slowInsert(seconds: Int)
        /// Once the post is inserted, the connection is closed with no answer at all: the Apache child
        /// kills itself, so the client sees an empty reply (curl: exit 52), and the post exists.
        case lostAnswer
        /// Once the post is inserted, the answer is this status (a WordPress-style error
        /// `{"code":"cchc_test_fault",…}`) instead of 201; the post exists.
        case errorAfterInsert(status: Int)

        var key: String {
            switch self {
            case .slowInsert: "slow_insert"
            case .lostAnswer: "lost_answer"
            case .errorAfterInsert: "error_after_insert"
            }
        }
    }

    /// How often a fault applies.
    public enum Times: Sendable {
        /// To the next post creation only.
        case once
        /// To every post creation until cleared.
        case always
    }

    /// Arms a fault (replacing an armed fault of the same kind; other kinds stay armed). Takes effect
    /// from the next request.
    public func setFault(_ fault: Fault, _ times: Times = .once) throws {
        var entry: [String: Any] = ["id": UUID().uuidString, "once": times == .once]
        switch fault {
        case .slowInsert(let seconds): entry["seconds"] = seconds
        case .lostAnswer: break
        case .errorAfterInsert(let status): entry["status"] = status
        }
        let faults = state.withLock { faults -> [String: [String: Any]] in
            faults[fault.key] = entry
            return faults
        }
        try writeFaults(faults)
    }

    /// Disarms every fault.
    public func clearFaults() throws {
        state.withLock { $0 = [:] }
        try writeFaults([:])
    }

    private func writeFaults(_ faults: [String: [String: Any]]) throws {
        let data = try JSONSerialization.data(withJSONObject: faults, options: [.sortedKeys])
        // Atomic (write, then rename): the plugin never reads half a file.
        let temporary = controlDirectory + "/.faults-\(UUID().uuidString).json"
        try data.write(to: URL(fileURLWithPath: temporary))
        chmod(temporary, 0o644)
        guard rename(temporary, controlDirectory + "/faults.json") == 0 else {
            throw RealWordPressError("cannot write faults.json: \(String(cString: strerror(errno)))")
        }
    }

    // MARK: What the site holds

    /// A post as stored (read with PHP: every status, trash included; not auto-drafts).
    public struct Post: Sendable, Hashable, Decodable {
        public var id: Int
        /// The title as stored (after WordPress's filters).
        public var title: String
        /// The content as stored (HTML, after WordPress's filters).
        public var content: String
        public var excerpt: String
        /// The slug; WordPress renames a trashed post's slug to `…__trashed` (see ``slugBeforeTrash``).
        public var slug: String
        public var slugBeforeTrash: String?
        /// `publish`, `future`, `draft`, `pending`, `private` or `trash`.
        public var status: String
        public var statusBeforeTrash: String?
        /// The author's login.
        public var author: String?
        /// `YYYY-MM-DD HH:MM:SS`, UTC.
        public var dateGMT: String
        /// The featured image's media id (0: none).
        public var featuredMedia: Int
        public var categories: [Int]
        public var tags: [Int]
        public var link: String

        /// The slug the post was created with, trashed or not.
        public var originalSlug: String { slugBeforeTrash ?? slug }

        enum CodingKeys: String, CodingKey {
            case id, title, content, excerpt, slug, status, author, categories, tags, link
            case slugBeforeTrash = "slug_before_trash", statusBeforeTrash = "status_before_trash"
            case dateGMT = "date_gmt", featuredMedia = "featured_media"
        }
    }

    /// A media library entry.
    public struct Media: Sendable, Hashable, Decodable {
        public var id: Int
        public var title: String
        public var mimeType: String
        /// The stored file's name (WordPress may have changed it: lower case, `-1` when taken).
        public var fileName: String?
        public var bytes: Int?
        /// The post the file was attached to (0: none).
        public var parent: Int
        public var url: String?

        enum CodingKeys: String, CodingKey {
            case id, title, bytes, parent, url
            case mimeType = "mime_type", fileName = "file_name"
        }
    }

    /// Every post, oldest first (WordPress's own "Hello world!" included).
    public func allPosts() async throws -> [Post] {
        try JSONDecoder().decode([Post].self, from: try await siteTool(["posts"]))
    }

    /// The posts made from requests for this slug: `slug` itself, the `slug-2`, `slug-3`… WordPress gives
    /// a second post asking for a slug already taken (a duplicate), and trashed ones (``Post/originalSlug``).
    public func posts(slug: String) async throws -> [Post] {
        try await allPosts().filter { post in
            let original = post.originalSlug
            guard original.hasPrefix(slug) else { return false }
            let rest = original.dropFirst(slug.count)
            return rest.isEmpty || (rest.first == "-" && rest.count > 1 && rest.dropFirst().allSatisfy(\.isNumber))
        }
    }

    /// Waits until `condition` holds for the posts of `slug` (e.g. a slow insert landing after the
    /// client's timeout); returns them. Throws after `timeout`.
    public func waitForPosts(
        slug: String, timeout: Duration = .seconds(15), until condition: @Sendable ([Post]) -> Bool
    ) async throws -> [Post] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let posts = try await posts(slug: slug)
            if condition(posts) { return posts }
            guard ContinuousClock.now < deadline else {
                throw RealWordPressError("posts of slug \(slug) after \(timeout): \(posts.map(\.slug))")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The media library, oldest first.
    public func media() async throws -> [Media] {
        try JSONDecoder().decode([Media].self, from: try await siteTool(["media"]))
    }

    /// Creates a category (or finds it by name) and returns its term id (the Author cannot create
    /// categories through the REST API; this uses PHP).
    public func createCategory(_ name: String) async throws -> Int {
        let data = try await siteTool(["category", name])
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any], let id = object["id"] as? Int
        else { throw RealWordPressError("cchc-site.php category printed \(String(decoding: data, as: UTF8.self))") }
        return id
    }

    // MARK: The request log

    /// A REST request the site saw (logged before authentication, so refused ones too).
    public struct LoggedRequest: Sendable, Hashable {
        public var method: String
        /// The REST route, e.g. `/wp/v2/posts`, `/wp/v2/posts/12`, `/wp/v2/users/me`.
        public var route: String
        public var query: [String: String]
        /// The `X-CCHC-Delivery` header, when sent.
        public var delivery: String?
        public var time: Date
        /// The Apache child that served it.
        public var pid: Int
    }

    /// A fault that fired.
    public struct FiredFault: Sendable, Hashable {
        /// `slow_insert`, `lost_answer` or `error_after_insert`.
        public var fault: String
        public var time: Date
    }

    /// Every REST request the site has seen since it started, in order.
    public func requestLog() -> [LoggedRequest] {
        logEntries().compactMap { entry in
            guard entry["event"] as? String == "request", let method = entry["method"] as? String,
                let route = entry["route"] as? String
            else { return nil }
            let query = (entry["query"] as? [String: Any] ?? [:]).mapValues { "\($0)" }
            return LoggedRequest(
                method: method, route: route, query: query, delivery: entry["delivery"] as? String,
                time: Date(timeIntervalSince1970: entry["time"] as? Double ?? 0), pid: entry["pid"] as? Int ?? 0)
        }
    }

    /// The faults that fired, in order.
    public func firedFaults() -> [FiredFault] {
        logEntries().compactMap { entry in
            guard entry["event"] as? String == "fault", let fault = entry["fault"] as? String else { return nil }
            return FiredFault(fault: fault, time: Date(timeIntervalSince1970: entry["time"] as? Double ?? 0))
        }
    }

    /// How many post creations (`POST /wp/v2/posts`) the site saw, all or for one delivery.
    public func postCreations(delivery: String? = nil) -> Int {
        requestLog().filter {
            $0.method == "POST" && $0.route == "/wp/v2/posts" && (delivery == nil || $0.delivery == delivery)
        }.count
    }

    private func logEntries() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: controlDirectory + "/requests.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The last lines of the site's logs (Apache, PHP, MariaDB, the script), for a failing test's message.
    public func logs() -> String {
        ["log/apache-error.log", "log/php-error.log", "log/mariadb.log"].map { name in
            let text = (try? String(contentsOfFile: siteDirectory + "/" + name, encoding: .utf8)) ?? ""
            return "== \(name)\n" + text.split(separator: "\n").suffix(20).joined(separator: "\n")
        }.joined(separator: "\n") + "\n== script\n" + ((try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
    }

    // MARK: Implementation

    /// The running site of the current task (set by a suite's scope; see the portal tests).
    @TaskLocal public static var current: RealWordPress?

    private let process: Process
    private let controlDirectory: String
    private let wordpressDirectory: String
    private let siteToolPath: String
    private let phpUser: String?
    private let stderrPath: String
    private let state = LockedFaults()

    final class LockedFaults: @unchecked Sendable {
        private let lock = NSLock()
        private var faults: [String: [String: Any]] = [:]
        func withLock<R>(_ body: (inout [String: [String: Any]]) -> R) -> R {
            lock.lock()
            defer { lock.unlock() }
            return body(&faults)
        }
    }

    private init(role: Role) throws {
        let script = smtpRepository + "/scripts/wordpress-test-server.py"
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(
            "wordpress-test-server-\(UUID().uuidString).log"
        ).path
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "--role", role.rawValue, "--max-lifetime", "3600"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardInput = FileHandle.nullDevice
        try p.run()

        // The script prints one JSON line when the site answers, or exits with the reason on stderr.
        func failure(_ what: String) -> RealWordPressError {
            if p.isRunning { kill(p.processIdentifier, SIGTERM) }
            p.waitUntilExit()
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: log)
            return RealWordPressError(
                "the real WordPress did not start (\(what), exit status \(p.terminationStatus)); "
                    + "scripts/install-deps.sh --test installs it:\n\(text)")
        }
        var line = Data()
        let reader = out.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData  // blocks; empty at the end of the output
            if chunk.isEmpty { throw failure("the script printed no site") }
            line.append(chunk)
        }
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
            let baseURL = object["base_url"] as? String, let username = object["username"] as? String,
            let password = object["application_password"] as? String, let site = object["site_dir"] as? String,
            let control = object["control_dir"] as? String, let wordpress = object["wordpress_dir"] as? String,
            let tool = object["site_tool"] as? String
        else { throw failure("it printed \(String(decoding: line, as: UTF8.self))") }
        process = p
        stderrPath = log
        self.baseURL = baseURL
        self.username = username
        self.applicationPassword = password
        self.role = object["role"] as? String ?? role.rawValue
        siteDirectory = site
        controlDirectory = control
        wordpressDirectory = wordpress
        siteToolPath = tool
        phpUser = object["php_user"] as? String
        startupSeconds = object["startup_seconds"] as? Double ?? 0
    }

    private func stopBlocking() throws {
        var killed = false
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(40)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killed = true
            }
        }
        process.waitUntilExit()
        let log = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: stderrPath)
        if killed {
            throw RealWordPressError("the WordPress test server did not stop on SIGTERM within 40 s:\n\(log)")
        }
        if FileManager.default.fileExists(atPath: siteDirectory) {
            throw RealWordPressError("the WordPress test server left \(siteDirectory) behind:\n\(log)")
        }
    }

    private func siteTool(_ arguments: [String]) async throws -> Data {
        // As the web server's user when there is one (root started the site): files stay its own.
        let command =
            (phpUser.map { ["/usr/sbin/runuser", "-u", $0, "--"] } ?? ["/usr/bin/env"])
            + ["php", siteToolPath, wordpressDirectory] + arguments
        let r = try await offThePool { try runTool(command[0], Array(command.dropFirst())) }
        guard r.status == 0 else {
            throw RealWordPressError("cchc-site.php \(arguments.joined(separator: " ")) failed: \(r.stderr)")
        }
        return Data(r.stdout.utf8)
    }
}
