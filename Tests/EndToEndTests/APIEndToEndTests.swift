import Foundation
import TestSupport
import Testing

/// The REST API of the real `cchcd`: its OpenAPI document is validated (openapi-spec-validator), and
/// schemathesis (PyPI) generates requests from it with a token made by `cchc user token`, finding no
/// 5xx, no schema violation and no wrong answer to an undeclared method.
@Suite(.serialized)
struct APIEndToEndTests {
    @Test func theDocumentIsValidAndPropertyBasedTestsFindNothing() async throws {
        let ws = try Workspace()
        try ws.writeConfig(
            channels: genericPortal("portal-tinh", url: "http://127.0.0.1:9/api/articles"),
            extra: "web: { listen: \"127.0.0.1:0\" }")
        let config = ws.configPath
        let add = try await offThePool {
            try runTool(
                Binaries.cchc,
                [
                    // Every role, so that the writes are reached too (a viewer's token gets 403 on each).
                    "user", "add", "baocao", "--role", "quan-tri", "--unit", "Sở Nội vụ", "--password-stdin",
                    "--config", config,
                ],
                input: "mat-khau-bao-cao-2026\n")
        }
        #expect(add.status == 0, "\(add.stderr)")
        let made = try await offThePool {
            try runTool(Binaries.cchc, ["user", "token", "baocao", "--name", "công cụ báo cáo", "--config", config])
        }
        #expect(made.status == 0, "\(made.stderr)")
        let token = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("cchc_") && token.count == 69)
        for n in 1...3 {
            try ws.write("items/\(n).md", itemFile(title: "Tin số \(n)", channels: ["portal-tinh"]))
            let file = ws.root + "/items/\(n).md"
            let r = try await offThePool { try runTool(Binaries.cchc, ["item", "add", file, "--config", config]) }
            #expect(r.status == 0, "\(r.stderr)")
        }

        let daemon = try Daemon(ws)
        defer { daemon.terminate() }
        var port: Int?
        try await eventually(15, "the web app's listener", daemon: daemon) {
            guard let r = daemon.output.range(of: "web app on 127.0.0.1:") else { return false }
            port = Int(daemon.output[r.upperBound...].prefix { $0.isNumber })
            return port != nil
        }
        let schema = "http://127.0.0.1:\(port!)/api/openapi.json"

        let validate = try await offThePool {
            try runTool(
                "/usr/bin/env",
                [
                    "python3", "-c",
                    "import json, sys, urllib.request; from openapi_spec_validator import validate; "
                        + "validate(json.load(urllib.request.urlopen(sys.argv[1]))); print('ok')",
                    schema,
                ])
        }
        #expect(validate.status == 0 && validate.stdout.contains("ok"), "\(validate.stderr)")

        // A schema-valid item can still break a rule the schema cannot state (a topic and channels from the
        // daemon's configuration, the channels' own limits): 422 counts as an answer to valid data, as 409
        // (the item's state) does by default. For the same reason random items are mostly refused and random
        // ids mostly unknown; schemathesis's hints about that (missing_test_data, validation_mismatch) are
        // not shown, every other warning is, and any warning shown makes the run fail below.
        try ws.write(
            "schemathesis.toml",
            """
            warnings = ["missing_auth", "base_url_mismatch", "missing_deserializer", "unused_openapi_auth", "unsupported_regex", "method_not_allowed", "unmatched_filter"]

            [checks.positive_data_acceptance]
            expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
            """)
        // Run in the workspace: schemathesis keeps its replay files in the working directory.
        let root = ws.root
        let fuzz = try await offThePool {
            try runTool(
                "/bin/sh",
                [
                    "-c",
                    "cd \"$1\" && exec schemathesis run \"$2\" -H \"Authorization: Bearer $3\" --checks all "
                        + "--max-examples 40 --generation-deterministic --no-color",
                    "sh", root, schema, token,
                ])
        }
        #expect(fuzz.status == 0, "\(fuzz.stdout.suffix(4000))\n\(fuzz.stderr.suffix(2000))")
        #expect(fuzz.stdout.contains("No issues found"), "\(fuzz.stdout.suffix(2000))")
        // The token never reaches the daemon's log.
        #expect(!daemon.output.contains(token))
    }
}
