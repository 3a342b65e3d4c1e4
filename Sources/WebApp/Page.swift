import Foundation
import Hummingbird
import Mustache
import Queue

/// HTML pages: Mustache templates compiled into the binary (``Templates``), each rendered inside the layout.
enum Page {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in Templates.all {
            // The templates are part of the program: a syntax error is a bug caught by every test.
            try! library.register(text, named: name)
        }
        return library
    }()

    /// The page `name` inside the layout. `account` fills the navigation; `csrf` goes into its sign-out form.
    static func render(
        _ name: String, title: String, account: Account?, csrf: String?, _ values: [String: Any]
    ) -> String {
        var values = values
        if let csrf { values["csrf"] = csrf }
        let body = library.render(values, withTemplate: name) ?? ""
        var layout: [String: Any] = ["title": title, "body": body]
        if let account, let csrf {
            layout["account"] = [
                "name": account.displayName, "login": account.login,
                "roles": account.roles.sorted().map(\.label).joined(separator: ", "),
            ]
            layout["csrf"] = csrf
            layout["can_compose"] = account.has(.author)
            layout["can_admin"] = account.has(.admin)
            layout["can_operate"] = account.has(.operator)
        }
        return library.render(layout, withTemplate: "layout") ?? ""
    }

    static func html(status: HTTPResponse.Status = .ok, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension WebApp {
    /// A page for `officer`.
    func page(
        _ name: String, title: String, officer: Officer, status: HTTPResponse.Status = .ok, _ values: [String: Any]
    )
        -> Response
    {
        Page.html(
            status: status,
            Page.render(name, title: title, account: officer.account, csrf: officer.session.csrfToken, values))
    }
}
