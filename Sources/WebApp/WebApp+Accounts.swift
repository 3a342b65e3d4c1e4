import Foundation
import Hummingbird
import Queue

extension WebApp {
    func addAccounts(to router: Router<BasicRequestContext>) {
        router.get("/tai-khoan") { request, _ in
            let officer = try await self.requireGet(request)
            guard officer.has(.admin) else { throw WebError.forbidden }
            let ok = request.uri.queryParameters["kq"].map { "Đã lưu tài khoản \($0)." }
            return try await self.accountsPage(officer, ok: ok, error: nil)
        }
        router.post("/tai-khoan") { request, _ in
            let (officer, form) = try await self.requirePost(request)
            guard officer.has(.admin) else { throw WebError.forbidden }
            let login = (form.text("login") ?? "").lowercased()
            let name = form.text("name") ?? ""
            let password = form["password"] ?? ""
            let roles = form.all("roles").compactMap(Role.init(rawValue:))
            let units = (form["units"] ?? "").split(separator: ";").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
            var problem: String?
            if !Account.isValidLogin(login) {
                problem = "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới."
            } else if name.isEmpty {
                problem = "Cần ghi họ tên."
            } else if password.count < 10 {
                problem = "Mật khẩu cần ít nhất 10 ký tự."
            } else if roles.isEmpty || roles.count != form.all("roles").count {
                problem = "Cần chọn vai trò."
            } else if units.isEmpty {
                problem = "Cần ghi đơn vị."
            }
            if let problem {
                return try await self.accountsPage(officer, ok: nil, error: problem, status: .unprocessableContent)
            }
            let now = self.clock()
            do {
                try await self.store.addAccount(
                    Account(
                        login: login, displayName: name,
                        passwordHash: PasswordHash.make(password, cost: self.passwordCost),
                        roles: Set(roles), units: units, createdAt: now, updatedAt: now),
                    by: officer.account.login, at: now)
            } catch let error as StoreError where error.currentState == "exists" {
                return try await self.accountsPage(
                    officer, ok: nil, error: "Tên đăng nhập \(login) đã có.", status: .conflict)
            }
            self.logger.info("web account added", metadata: ["login": "\(login)", "by": "\(officer.account.login)"])
            return Response.redirect(to: "/tai-khoan?kq=\(login)", type: .normal)
        }
        router.post("/tai-khoan/:login/khoa") { request, context in
            let (officer, form) = try await self.requirePost(request)
            guard officer.has(.admin) else { throw WebError.forbidden }
            let login = try context.parameters.require("login")
            guard login != officer.account.login else {
                throw WebError(status: .conflict, message: "Không tự khóa tài khoản đang dùng.")
            }
            do {
                _ = try await self.store.updateAccount(
                    login: login, AccountChange(disabled: form["disabled"] == "1"), by: officer.account.login,
                    at: self.clock())
            } catch let error as StoreError where error.kind == .notFound {
                throw WebError.notFound
            }
            return Response.redirect(to: "/tai-khoan?kq=\(login)", type: .normal)
        }
    }

    func accountsPage(_ officer: Officer, ok: String?, error: String?, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let accounts = try await store.accounts()
        var values: [String: Any] = [
            "accounts": accounts.map { a -> [String: Any] in
                [
                    "login": a.login, "name": a.displayName,
                    "roles": a.roles.sorted().map(\.label).joined(separator: ", "),
                    "units": a.units.joined(separator: "; "), "disabled": a.disabled, "csrf": officer.session.csrfToken,
                ]
            },
            "roles": Role.allCases.map { ["key": $0.rawValue, "label": $0.label] },
        ]
        if let ok { values["ok"] = ok }
        if let error { values["error"] = error }
        return page("accounts", title: "Tài khoản", officer: officer, status: status, values)
    }
}
