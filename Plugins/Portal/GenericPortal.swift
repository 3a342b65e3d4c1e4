import ChannelConfig
import ChannelHTTP
import ChannelKit
import Foundation
import Rendering
import Transport

/// The `generic` preset: one HTTP request per item, built from templates.
struct GenericPortal: Sendable {
    static let defaultJSONBody = """
        {"id": "{{id}}", "title": "{{title}}", "summary": "{{summary}}", "content_html": "{{body_html}}", \
        "topic": "{{topic}}", "topic_label": "{{topic_label}}", "unit": "{{unit}}", "publish_at": "{{publish_at}}"}
        """
    static let defaultFormBody =
        "id={{id}}&title={{title}}&summary={{summary}}&content_html={{body_html}}&topic={{topic}}"
        + "&topic_label={{topic_label}}&unit={{unit}}&publish_at={{publish_at}}"

    enum BodyFormat: String, Sendable { case json, form }

    let url: ChannelTemplate
    let method: String
    let headers: [(String, String)]
    let auth: PortalAuth
    let bodyFormat: BodyFormat
    let body: ChannelTemplate
    let idPointer: JSONPointer?
    let urlPointer: JSONPointer?
    let timeout: Duration?
    let checkURL: String?
    let idempotent: Bool
    let timeZone: TimeZone
    let http: HTTPClient

    init(section: ConfigSection, context: ChannelContext, http: HTTPClient) throws(ConfigError) {
        guard let url = try section.template("url", escaping: .url) else { throw section.error("url", "is required") }
        let sampleURL = url.render(TemplateContext.sample)
        guard let parsed = URL(string: sampleURL), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else {
            throw section.error("url", "expected an http:// or https:// URL, found \"\(url.source)\"")
        }
        self.url = url
        method = (try section.string("method") ?? "POST").uppercased()
        guard ["POST", "PUT", "PATCH"].contains(method) else {
            throw section.error("method", "must be one of POST, PUT, PATCH, found \"\(method)\"")
        }
        headers = try section.stringMap("headers") ?? []
        for (name, _) in headers where ["authorization", "content-length"].contains(name.lowercased()) {
            throw section.error("headers", "\(name) is set by the channel (use auth: for credentials)")
        }
        auth = try PortalAuth.read(section)
        bodyFormat = BodyFormat(rawValue: try section.oneOf("body_format", ["json", "form"]) ?? "json") ?? .json
        switch bodyFormat {
        case .json:
            body =
                try section.template("body", escaping: .json)
                ?? (try? ChannelTemplate(Self.defaultJSONBody, escaping: .json))!
        case .form:
            body =
                try section.template("body", escaping: .form)
                ?? (try? ChannelTemplate(Self.defaultFormBody, escaping: .form))!
        }
        idPointer = try Self.pointer(section, "id_pointer")
        urlPointer = try Self.pointer(section, "url_pointer")
        timeout = try section.duration("timeout")
        checkURL = try section.httpURL("check_url", required: false)
        idempotent = try section.bool("idempotent") ?? false
        timeZone = context.timeZone
        self.http = http
    }

    private static func pointer(_ section: ConfigSection, _ key: String) throws(ConfigError) -> JSONPointer? {
        guard let text = try section.string(key) else { return nil }
        guard let pointer = JSONPointer(text) else {
            throw section.error(key, "expected a JSON pointer such as /id or /data/link, found \"\(text)\"")
        }
        return pointer
    }

    func publish(_ request: PublishRequest) async -> PublishOutcome {
        let context = TemplateContext.values(for: request, timeZone: timeZone)
        var headers = HTTPHeaders(headers)
        let bodyBytes: [UInt8]
        switch bodyFormat {
        case .json:
            do {
                bodyBytes = try body.renderJSON(context)
            } catch {
                return .failed(ChannelError(.config, "body: \(error.message)"))
            }
            headers.replaceOrAdd(name: "Content-Type", value: "application/json; charset=utf-8")
        case .form:
            bodyBytes = Array(body.render(context).utf8)
            headers.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        }
        if headers["Accept"] == nil { headers.add(name: "Accept", value: "application/json") }
        headers.replaceOrAdd(name: "X-CCHC-Delivery", value: request.deliveryID)
        headers.replaceOrAdd(name: "Idempotency-Key", value: request.deliveryID)
        auth.apply(to: &headers)

        let httpRequest = HTTPRequest(
            method: method, url: url.render(context), headers: headers, body: bodyBytes, timeout: timeout)
        let response: HTTPResponse
        do {
            response = try await http.execute(httpRequest)
        } catch {
            return HTTPOutcome.failure(error, action: "\(method) to the portal")
        }
        guard (200...299).contains(response.status) else {
            return HTTPOutcome.failure(response, action: "\(method) to the portal")
        }
        return result(of: response, logger: request)
    }

    private func result(of response: HTTPResponse, logger request: PublishRequest) -> PublishOutcome {
        var result = ChannelResult(url: response.headers["Location"])
        guard idPointer != nil || urlPointer != nil else {
            return .delivered(result, detail: "HTTP \(response.status)")
        }
        guard let document = try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed])
        else {
            return HTTPOutcome.malformed(response, action: "\(method) to the portal", idempotent: idempotent)
        }
        var missing: [String] = []
        if let idPointer {
            result.remoteID = idPointer.string(in: document)
            if result.remoteID == nil { missing.append("id_pointer \(idPointer)") }
        }
        if let urlPointer {
            if let url = urlPointer.string(in: document) {
                result.url = url
            } else {
                missing.append("url_pointer \(urlPointer)")
            }
        }
        if !missing.isEmpty {
            request.logger.warning(
                "portal answered HTTP \(response.status) without \(missing.joined(separator: ", ")); recorded as delivered"
            )
            return .delivered(result, detail: "not in the answer: \(missing.joined(separator: ", "))")
        }
        return .delivered(result, detail: "HTTP \(response.status)")
    }

    func check() async throws(ChannelError) -> String {
        guard let checkURL else {
            throw ChannelError(.unsupported, "preset generic: đặt check_url để kiểm tra kết nối")
        }
        var headers = HTTPHeaders()
        auth.apply(to: &headers)
        do {
            let response = try await http.execute(
                HTTPRequest(method: "GET", url: checkURL, headers: headers, timeout: timeout))
            guard (200...299).contains(response.status) else {
                throw HTTPOutcome.channelError(response, action: "GET \(checkURL)")
            }
            return "cổng thông tin trả lời HTTP \(response.status) tại \(checkURL)"
        } catch let error as TransportError {
            throw ChannelError(.network, "GET \(checkURL): \(error.message)")
        } catch let error as ChannelError {
            throw error
        } catch {
            throw ChannelError(.network, "GET \(checkURL): \(error)")
        }
    }
}
