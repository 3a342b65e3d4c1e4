extension ZaloChannel {
    /// The channel's keys, as a commented configuration section (also in Plugins/Zalo/README.md).
    public static let sampleConfig = """
        # A Zalo Official Account: each item becomes an OA article (create → verify), optionally
        # broadcast to followers. Seed the tokens once: cchc zalo seed-token zalo-oa (reads stdin).
        zalo-oa:
          type: zalo
          app_id: "4321"                             # required: the Zalo app's id
          oa_id: "9876"                              # required: the OA's id (cchc channel check compares it)
          secret_key_file: /run/credentials/cchcd.service/zalo-app-secret
                                                     # required: the app's secret key, for refreshing tokens
                                                     # (or secret_key_credential / secret_key_env)
          oa_secret_key_file: /run/credentials/cchcd.service/zalo-oa-secret
                                                     # optional: the OA secret key; enables the webhook route
          api_url: https://openapi.zalo.me           # optional; overridable for tests
          oauth_url: https://oauth.zaloapp.com       # optional; overridable for tests
          author: "Sở Nội vụ"                        # optional default author (≤50); else the item's author or unit
          cover_url: https://cchc.example.gov.vn/anh-bia.jpg
                                                     # optional default cover when an item has no https:// picture
          broadcast:                                 # optional; without it articles are not broadcast
            enabled: true
            quiet_hours: "22:00-06:00"               # Zalo refuses broadcasts then; the broadcast waits
            target:                                  # optional recipient.target filters, Zalo's codes
              cities: "4"
          verify_attempts: 8                         # article/verify checks while Zalo answers -214
          verify_interval: 2s                        # first wait between checks; doubles, at most 30s
          lookup_limit: 20                           # recent articles searched by title on retries
          refresh_ahead: 1h                          # refresh the access token this long before it expires
          timeout: 30s                               # optional; default: the HTTP client's (60s)
          webhook_path: /webhooks/zalo/zalo-oa       # optional; this is the default
          webhook_max_bytes: 262144                  # optional; larger webhook bodies get 413
        """
}
