extension EmailChannel {
    /// The channel's keys, as a commented configuration section (also in Plugins/Email/README.md).
    public static let sampleConfig = """
        # Emails every item to distribution lists over SMTP, one message per recipient.
        email-donvi:
          type: email
          smtp: smtps://mail.example.gov.vn:465   # required; or smtp://host:587 (STARTTLS, always required)
          username: cchc@example.gov.vn            # optional; AUTH needs it and a password:
          password_file: /run/credentials/cchcd.service/smtp-password
                                    # or password_credential: NAME / password_env: VAR
          ca_file: /etc/ssl/certs/ca-certificates.crt   # optional; default: libcurl's CA bundle
          connect_timeout: 30s      # default 30s
          timeout: 2m               # per message, connection included; default 2m
          from: "Sở Nội vụ <cchc@example.gov.vn>"      # required
          reply_to: "Phòng CCHC <pcchc@example.gov.vn>" # optional
          list_id: cchc.sonoivu.example.gov.vn           # optional List-Id (with list_name shown)
          list_name: "Tin CCHC Sở Nội vụ"
          list_unsubscribe: "<mailto:cchc@example.gov.vn?subject=huy-dang-ky>"   # optional
          lists:                    # named lists, inline: "address" or "Name <address>"
            lanh-dao: ["giamdoc@example.gov.vn", "Nguyễn Văn A <pgd@example.gov.vn>"]
          list_files:               # named lists from CSV files (email,name,unit), re-read on SIGHUP
            don-vi: lists/don-vi.csv
          default_lists: [don-vi]   # when the item names none (overrides: { email-donvi: { lists: "lanh-dao" } })
          allow_item_addresses: false  # true: an item's lists override may also name single addresses
          signature: |              # optional; default: the item's unit
            Sở Nội vụ tỉnh Sơn La
            Phòng Cải cách hành chính
          # subject: "[CCHC] {{title}}"   # optional Mustache templates (values: docs in the README);
          # text_body: "…"                # defaults: the title, summary, body as plain text, signature
          # html_body: "…"                # ({{x}} is HTML-escaped; {{{body_html}}} inserts the body)
          max_attachment_mb: 10     # media files attached, in total at most this; default 10
          messages_per_minute: 60   # optional; messages are spread evenly
          max_connections: 2        # SMTP connections open at once; default 2
          throttle_backoff: 2m      # wait after 421 / "too many connections"; default 2m
        """

    static let defaultSubject = "{{title}}"

    static let defaultText = """
        {{title}}
        {{#summary}}

        {{summary}}
        {{/summary}}

        {{text}}

        --
        {{signature}}

        """

    static let defaultHTML = """
        <!DOCTYPE html>
        <html lang="vi">
        <head><meta charset="utf-8"><title>{{title}}</title></head>
        <body style="margin:0;padding:0;background:#f3f5f7;">
        <div style="max-width:640px;margin:0 auto;padding:24px;background:#ffffff;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.6;color:#1f2933;">
        <p style="margin:0 0 8px;font-size:13px;color:#52606d;">{{unit}} · {{topic_label}}</p>
        <h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:#0b4f8a;">{{title}}</h1>
        {{#summary}}<p style="margin:0 0 16px;font-weight:bold;">{{summary}}</p>
        {{/summary}}<div>{{{body_html}}}</div>
        <hr style="border:none;border-top:1px solid #d9e2ec;margin:24px 0 12px;">
        <p style="margin:0;font-size:13px;color:#52606d;">{{{signature_html}}}</p>
        </div>
        </body>
        </html>

        """
}
