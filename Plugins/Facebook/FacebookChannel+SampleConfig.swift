extension FacebookChannel {
    /// The channel's keys, as a commented configuration section (also in Plugins/Facebook/README.md).
    public static let sampleConfig = """
        # A Facebook Page (Graph API). Not idempotent: every post ends with the item's marker
        # (#cchc_<item id>) and a retry looks for it before posting again.
        fb-sonoivu:
          type: facebook
          page_id: "1234567890"                      # required; the Page's numeric id
          token_file: /run/credentials/cchcd.service/fb-page-token
                                                     # required: a Page access token (or token_credential / token_env)
          api_version: v23.0                         # optional; default v23.0
          graph_url: https://graph.facebook.com      # optional; overridable for tests
          after: portal-tinh                         # the engine waits for the portal article…
          link_from: portal-tinh                     # …and the post links to its URL (default: the first earlier URL)
          require_link: false                        # true: refuse items without a link at intake
          # message: |                               # optional Mustache template (plain text); default:
          #   {{title}}                              # the title, a blank line, the summary (or the body);
          #                                          # an item's overrides.<channel>.text replaces it
          #   {{summary}}
          max_photos: 10                             # optional; 1–30 pictures per post
          slow_down_at: 80                           # optional; usage % (X-App-Usage…) from which sends are spaced
          slow_down_max: 15m                         # optional; the pause at 100% usage
          throttle_wait: 5m                          # optional; wait after a throttling error without an estimate
          marker_lookback: 7d                        # optional; how far back a retry looks for the marker
          timeout: 30s                               # optional; default: the HTTP client's (60s)
          # Inbound webhooks on /webhooks/facebook/fb-sonoivu (both or neither):
          app_secret_file: /run/credentials/cchcd.service/fb-app-secret   # X-Hub-Signature-256 key
          verify_token_file: /run/credentials/cchcd.service/fb-verify     # hub.verify_token of the subscription
          webhook_max_bytes: 1048576                 # optional; larger bodies get 413
        """
}
