extension WebhookChannel {
    /// The channel's keys, as a commented configuration section (also in Plugins/Webhook/README.md).
    public static let sampleConfig = """
        # POSTs every item as JSON to a receiver (a reporting system, a chat bridge, a custom CMS).
        webhook-tonghop:
          type: webhook
          url: https://tonghop.example.gov.vn/hooks/cchc    # required
          secret_file: /run/credentials/cchcd.service/webhook-secret
                                    # optional; or secret_credential: NAME / secret_env: VAR.
                                    # Signs the body: X-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>
          headers:                  # optional extra headers
            X-Source: cchcd
          timeout: 30s              # optional; default: the HTTP client's (60s)
          idempotent: false         # true only when the receiver deduplicates on X-CCHC-Delivery
          # body: |                 # optional Mustache template that must render to JSON; {{name}} values
          #   {"text": "{{title}}", "link": "{{after_url}}"}   # are JSON-escaped. Default payload: README.
        """
}
